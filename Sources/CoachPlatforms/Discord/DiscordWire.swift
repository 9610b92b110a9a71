import Foundation

/// Discord REST v10 shapes, only the fields the adapter reads. Only ids are required, so one odd message (a system
/// message with fields missing) cannot make a whole page unreadable.
enum DiscordWire {
    struct Message: Decodable {
        var id: String
        /// 0 is an ordinary message, 19 a reply; everything else is a system message (joins, pins, thread notices).
        var type: Int
        var content: String
        var author: User?
        var mentions: [User]
        var webhookID: String?
        var messageReference: Reference?
        /// The message this one replies to, one level deep.
        var referencedMessage: Referenced?

        enum CodingKeys: String, CodingKey {
            case id, type, content, author, mentions
            case webhookID = "webhook_id"
            case messageReference = "message_reference"
            case referencedMessage = "referenced_message"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            type = (try? c.decodeIfPresent(Int.self, forKey: .type)) ?? 0
            content = (try? c.decodeIfPresent(String.self, forKey: .content)) ?? ""
            author = try? c.decodeIfPresent(User.self, forKey: .author)
            mentions = (try? c.decodeIfPresent([User].self, forKey: .mentions)) ?? []
            webhookID = try? c.decodeIfPresent(String.self, forKey: .webhookID)
            messageReference = try? c.decodeIfPresent(Reference.self, forKey: .messageReference)
            referencedMessage = try? c.decodeIfPresent(Referenced.self, forKey: .referencedMessage)
        }
    }

    struct Referenced: Decodable {
        var id: String
        var messageReference: Reference?

        enum CodingKeys: String, CodingKey {
            case id
            case messageReference = "message_reference"
        }
    }

    struct Reference: Codable {
        var messageID: String?
        /// 0 (or absent) is a reply; 1 is a forward, which is not a reply to anything here.
        var type: Int?
        var failIfNotExists: Bool?

        enum CodingKeys: String, CodingKey {
            case type
            case messageID = "message_id"
            case failIfNotExists = "fail_if_not_exists"
        }
    }

    struct User: Decodable {
        var id: String
        var username: String?
        var globalName: String?
        var bot: Bool?

        enum CodingKeys: String, CodingKey {
            case id, username, bot
            case globalName = "global_name"
        }

        /// The name people see: the display name where set, else the username.
        var displayName: String {
            if let name = globalName?.trimmingCharacters(in: .whitespaces), !name.isEmpty { return name }
            return username ?? id
        }
    }

    struct Channel: Decodable {
        var id: String
        var name: String?
        var type: Int?
        var guildID: String?

        enum CodingKeys: String, CodingKey {
            case id, name, type
            case guildID = "guild_id"
        }
    }

    /// A server role; a bot's own managed role names the bot in `tags.bot_id`.
    struct Role: Decodable {
        var id: String
        var tags: Tags?

        struct Tags: Decodable {
            var botID: String?

            enum CodingKeys: String, CodingKey {
                case botID = "bot_id"
            }
        }
    }

    struct Application: Decodable {
        var id: String?
        var name: String?
        var flags: UInt64?
    }

    struct Created: Decodable {
        var id: String
    }

    struct NewMessage: Encodable {
        var content: String
        /// The delivery key: with `enforce_nonce`, a repeat within a few minutes returns the message already made.
        var nonce: String
        var enforceNonce = true
        var allowedMentions = AllowedMentions()
        var messageReference: Reference?
        /// Files sent with the message (as `files[n]` parts beside this JSON), by their placeholder ids.
        var attachments: [Attachment]?

        enum CodingKeys: String, CodingKey {
            case content, nonce, attachments
            case enforceNonce = "enforce_nonce"
            case allowedMentions = "allowed_mentions"
            case messageReference = "message_reference"
        }
    }

    /// A file of a new message: `id` is the `n` of its `files[n]` part.
    struct Attachment: Encodable {
        var id: Int
        var filename: String
    }

    /// `{"parse": []}`: no text in a message pings anyone, whatever it holds.
    struct AllowedMentions: Encodable {
        var parse: [String] = []
    }

    struct OpenDirect: Encodable {
        var recipientID: String

        enum CodingKeys: String, CodingKey {
            case recipientID = "recipient_id"
        }
    }

    /// `{code, message}` for errors; a 429 adds `retry_after` (seconds, fractional) and `global`.
    struct Failure: Decodable {
        var code: Int?
        var message: String?
        var retryAfter: Double?
        var global: Bool?

        enum CodingKeys: String, CodingKey {
            case code, message, global
            case retryAfter = "retry_after"
        }
    }

    /// Discord's JSON error codes the adapter acts on.
    enum Code {
        static let unknownChannel = 10003
        static let missingAccess = 50001
        static let cannotMessageUser = 50007
        static let missingPermissions = 50013
        /// "Request entity too large": a file over the upload limit.
        static let entityTooLarge = 40005
    }

    /// Application flags that mean the Message Content intent is switched on (verified apps, or apps in fewer than
    /// 100 servers).
    static let messageContentFlags: UInt64 = (1 << 18) | (1 << 19)
}

/// Discord ids: unsigned 64-bit numbers sent as decimal strings. They are compared by length, then digit by digit,
/// which is numeric order for canonical numbers and never loses precision as a Double would.
enum Snowflake {
    static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 20 && id.allSatisfy { $0.isASCII && $0.isNumber } && UInt64(id) != nil
    }

    static func precedes(_ a: String, _ b: String) -> Bool {
        a.count != b.count ? a.count < b.count : a < b
    }
}

/// Where the bot has read to: the channel's newest id, each watched announcement's Discord thread, and each private
/// conversation the bot opened. JSON, because the runtime stores cursors as opaque strings.
struct DiscordCursor: JSONCursor, Equatable {
    var channel: String
    var after: String
    var threads: [String: String]?
    var direct: [DirectConversation]?

    enum CodingKeys: String, CodingKey {
        case channel = "c"
        case after = "a"
        case threads = "t"
        case direct = "d"
    }

    init(channel: String, after: String) {
        self.channel = channel
        self.after = after
    }
}
