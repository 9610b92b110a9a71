import CoachChat
import Foundation

/// The Bot API's JSON, as far as the coach reads it. Every field the coach can live without is optional, so a
/// message of a kind it does not know (a poll, a story) never makes a whole batch unreadable.
enum TelegramWire {
    /// `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description", "parameters"}`.
    struct Envelope<Result: Decodable>: Decodable {
        var ok: Bool
        var result: Result?
    }

    /// The error half of an answer, read separately so a failure is understood whatever `result` would have been.
    struct Failure: Decodable {
        var ok: Bool?
        var error_code: Int?
        var description: String?
        var parameters: Parameters?
    }

    struct Parameters: Decodable {
        var retry_after: Double?
        var migrate_to_chat_id: Int64?
    }

    struct Update: Decodable {
        var update_id: Int64
        var message: Message?

        enum CodingKeys: String, CodingKey { case update_id, message }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            update_id = try c.decode(Int64.self, forKey: .update_id)
            // One odd message must not stall the queue: its update still moves the offset on.
            message = try? c.decodeIfPresent(Message.self, forKey: .message)
        }
    }

    struct Message: Decodable {
        var message_id: Int64
        var from: User?
        var sender_chat: Chat?
        var chat: Chat
        var text: String?
        var entities: [Entity]?
        var caption: String?
        var caption_entities: [Entity]?
        var reply_to_message: Replied?
        var migrate_to_chat_id: Int64?
        var migrate_from_chat_id: Int64?
    }

    /// The message replied to. Telegram never nests a further `reply_to_message` inside it.
    struct Replied: Decodable {
        var message_id: Int64
        var from: User?
    }

    struct User: Decodable {
        var id: Int64
        var is_bot: Bool?
        var first_name: String?
        var last_name: String?
        var username: String?
        /// Only in `getMe`: false while the bot's group privacy mode is on.
        var can_read_all_group_messages: Bool?

        var displayName: String {
            [first_name, last_name].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .joined(separator: " ")
        }
    }

    struct Chat: Decodable {
        var id: Int64
        var type: String?
        var title: String?
        var username: String?
    }

    struct Entity: Decodable {
        var type: String
        /// In UTF-16 code units, as are `length`.
        var offset: Int
        var length: Int
        var user: User?
    }

    struct Sent: Decodable {
        var message_id: Int64
    }

    /// `getChatMember`'s answer: the member's status, and for a restricted member whether they are still in it.
    struct ChatMember: Decodable {
        var status: String
        var is_member: Bool?

        var isInChat: Bool {
            ["creator", "administrator", "member"].contains(status) || (status == "restricted" && is_member == true)
        }
    }

    struct WebhookInfo: Decodable {
        var url: String?
        var pending_update_count: Int?
    }

    // MARK: - Requests

    struct GetUpdates: Encodable {
        var offset: Int64?
        var limit: Int
        var timeout: Int
        var allowed_updates: [String]
    }

    /// A chat id: a number for groups and people, an `@name` only for public channels.
    enum ChatRef: Encodable, Equatable {
        case id(Int64)
        case name(String)

        init(_ text: String) {
            self = Int64(text).map { .id($0) } ?? .name(text)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .id(let id): try c.encode(id)
            case .name(let name): try c.encode(name)
            }
        }
    }

    struct SendMessage: Encodable {
        var chat_id: ChatRef
        var text: String
        var parse_mode = "HTML"
        var reply_parameters: ReplyParameters?
        var link_preview_options = LinkPreview()
    }

    struct ReplyParameters: Encodable {
        var message_id: Int64
        /// A deleted announcement must not turn every thread reply into an error: post without the reply link.
        var allow_sending_without_reply = true
    }

    struct LinkPreview: Encodable {
        var is_disabled = true
    }

    struct ChatQuery: Encodable {
        var chat_id: ChatRef
    }

    struct ChatMemberQuery: Encodable {
        var chat_id: ChatRef
        var user_id: Int64
    }

    struct Empty: Encodable {}
}
