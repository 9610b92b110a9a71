import Foundation

/// Mattermost API v4 shapes, only the fields the adapter reads. Everything is optional where the server may leave it
/// out, so an unexpected answer degrades to "no such field" rather than a failed poll.
enum MattermostWire {
    /// `GET /channels/{id}/posts`: ids in `order` (newest first) and the posts by id. `posts` may also hold posts
    /// that are not in `order` (the roots of replies on the page), so only `order` says what the page contains.
    struct PostList: Decodable {
        var order: [String]?
        var posts: [String: Post]?

        /// The page's posts, oldest first: by `create_at`, then by id, as Mattermost itself orders equal times.
        var chronological: [Post] {
            let byID = posts ?? [:]
            return (order ?? []).compactMap { byID[$0] }.sorted { ($0.createAt, $0.id) < ($1.createAt, $1.id) }
        }
    }

    struct Post: Decodable {
        var id: String
        var createAt: Int64
        var userID: String
        var rootID: String?
        var message: String
        /// Empty for a person's post; `system_join_channel` and friends for the server's own notices.
        var type: String?
        var props: Props?

        enum CodingKeys: String, CodingKey {
            case id, message, type, props
            case createAt = "create_at"
            case userID = "user_id"
            case rootID = "root_id"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            createAt = try c.decodeIfPresent(Int64.self, forKey: .createAt) ?? 0
            userID = try c.decodeIfPresent(String.self, forKey: .userID) ?? ""
            rootID = try c.decodeIfPresent(String.self, forKey: .rootID)
            message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
            type = try c.decodeIfPresent(String.self, forKey: .type)
            // A plugin may put anything in props; an unreadable bag must not cost the whole page.
            props = try? c.decodeIfPresent(Props.self, forKey: .props)
        }
    }

    struct Props: Decodable {
        var fromBot: Flag?
        var fromWebhook: Flag?

        enum CodingKeys: String, CodingKey {
            case fromBot = "from_bot"
            case fromWebhook = "from_webhook"
        }
    }

    /// Mattermost writes these flags as the string `"true"`; some integrations send a JSON boolean.
    struct Flag: Decodable {
        var isSet: Bool

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let value = try? c.decode(Bool.self) {
                isSet = value
            } else if let text = try? c.decode(String.self) {
                isSet = text.lowercased() == "true"
            } else {
                isSet = false
            }
        }
    }

    struct User: Decodable {
        var id: String
        var username: String
        var firstName: String?
        var lastName: String?
        var nickname: String?
        var isBot: Bool?

        enum CodingKeys: String, CodingKey {
            case id, username, nickname
            case firstName = "first_name"
            case lastName = "last_name"
            case isBot = "is_bot"
        }

        /// The name the team knows: the full name where set, else the nickname, else the username.
        var displayName: String {
            let full = [firstName, lastName].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .joined(separator: " ")
            if !full.isEmpty { return full }
            if let nickname = nickname?.trimmingCharacters(in: .whitespaces), !nickname.isEmpty { return nickname }
            return username
        }
    }

    struct Channel: Decodable {
        var id: String
        var name: String?
        var displayName: String?
        var type: String?

        enum CodingKeys: String, CodingKey {
            case id, name, type
            case displayName = "display_name"
        }
    }

    struct Created: Decodable {
        var id: String
    }

    struct NewPost: Encodable {
        var channelID: String
        var message: String
        var rootID: String?
        /// Mattermost answers a second create with the same pending id (within 30 s) with the post it already made.
        var pendingPostID: String
        /// Files uploaded to the channel first (`POST /files`), shown with the post.
        var fileIDs: [String]?

        enum CodingKeys: String, CodingKey {
            case message
            case channelID = "channel_id"
            case rootID = "root_id"
            case pendingPostID = "pending_post_id"
            case fileIDs = "file_ids"
        }
    }

    /// `POST /files`: the uploaded files' infos.
    struct Uploaded: Decodable {
        var fileInfos: [FileInfo]

        struct FileInfo: Decodable {
            var id: String
        }

        enum CodingKeys: String, CodingKey { case fileInfos = "file_infos" }
    }

    /// `GET /config/client?format=old`: the settings any signed-in client may read, as strings.
    struct ClientConfig: Decodable {
        var enableFileAttachments: String?

        enum CodingKeys: String, CodingKey { case enableFileAttachments = "EnableFileAttachments" }
    }

    /// `POST /roles/names`: a role and what it permits.
    struct Role: Decodable {
        var name: String
        var permissions: [String]
    }

    /// `{id, message, status_code}`: the server's error answer.
    struct Failure: Decodable {
        var id: String?
        var message: String?
    }
}

/// Where the bot has read to: the channel's last post id (empty when the channel was empty at the start) and each
/// private conversation the bot opened. JSON, because the runtime stores cursors as opaque strings.
struct MattermostCursor: JSONCursor, Equatable {
    var channel: String
    var after: String
    var direct: [DirectConversation]?

    enum CodingKeys: String, CodingKey {
        case channel = "c"
        case after = "a"
        case direct = "d"
    }

    init(channel: String, after: String, direct: [DirectConversation]? = nil) {
        self.channel = channel
        self.after = after
        self.direct = direct
    }
}
