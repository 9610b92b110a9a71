import Foundation

/// Zulip's JSON, as far as the coach reads it.
enum ZulipWire {
    /// `{"result": "error", "msg": …, "code": …}`, plus `retry-after` on a 429.
    struct Failure: Decodable {
        var result: String?
        var msg: String?
        var code: String?
        var retryAfter: Double?

        enum CodingKeys: String, CodingKey {
            case result, msg, code
            case retryAfter = "retry-after"
        }
    }

    struct Me: Decodable {
        var user_id: Int
        var full_name: String
        var email: String?
    }

    /// `GET /get_stream_id`: the configured channel's id.
    struct StreamID: Decodable {
        var stream_id: Int
    }

    /// `GET /users/{user}/subscriptions/{stream}`: whether that user is subscribed to that channel.
    struct SubscriptionStatus: Decodable {
        var is_subscribed: Bool
    }

    struct Registered: Decodable {
        var queue_id: String
        var last_event_id: Int
        /// The newest message the bot could see when the queue was made: where "now" starts. Sent with the
        /// `message` event type; an older server may leave it out.
        var max_message_id: Int?
        var event_queue_longpoll_timeout_seconds: Double?
        var max_message_length: Int?
        var max_topic_length: Int?
    }

    struct Events: Decodable {
        var events: [Event]
    }

    struct Event: Decodable {
        var id: Int
        var type: String
        var message: Message?

        enum CodingKeys: String, CodingKey { case id, type, message }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(Int.self, forKey: .id)
            type = try c.decode(String.self, forKey: .type)
            // One odd message must not stall the queue: its event id still moves on.
            message = try? c.decodeIfPresent(Message.self, forKey: .message)
        }
    }

    struct Messages: Decodable {
        var messages: [Message]
        var found_newest: Bool?
    }

    struct Message: Decodable {
        var id: Int
        var sender_id: Int
        var sender_full_name: String?
        /// `stream` (channel) or `private` (direct).
        var type: String
        var stream_id: Int?
        var display_recipient: Recipient?
        /// The topic; Zulip's messages still call it `subject`.
        var subject: String?
        var topic: String?
        var content: String?

        var topicName: String { topic ?? subject ?? "" }
    }

    /// A channel message's channel name, or a direct message's participants.
    enum Recipient: Decodable {
        case channel(String)
        case people([Person])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let name = try? c.decode(String.self) {
                self = .channel(name)
            } else {
                self = .people(try c.decode([Person].self))
            }
        }
    }

    struct Person: Decodable {
        var id: Int
        var full_name: String?
    }

    struct Users: Decodable {
        var members: [User]
    }

    struct User: Decodable {
        var user_id: Int
        var full_name: String
        var is_active: Bool?
    }

    struct Sent: Decodable {
        var id: Int
    }

    /// `POST /user_uploads`: the file's path on the server (`url` since Zulip 9.0, `uri` before).
    struct Uploaded: Decodable {
        var url: String?
        var uri: String?

        var path: String? { url ?? uri }
    }

    /// A queue registered only to read the organisation's settings (`coach check`).
    struct RealmSettings: Decodable {
        var queue_id: String?
        /// The largest upload in MiB; 0 when uploads are turned off. Older servers leave it out.
        var max_file_upload_size_mib: Int?
    }

    struct Subscriptions: Decodable {
        var subscriptions: [Subscription]
    }

    struct Subscription: Decodable {
        var stream_id: Int?
        var name: String
    }
}

/// Where the bot has read to: its event queue, the last event handled there, and the newest message handled (where
/// a catch-up from history starts if the queue is lost). JSON, because the runtime stores cursors as opaque strings.
struct ZulipCursor: JSONCursor, Equatable {
    var queue_id: String
    var last_event_id: Int
    /// The newest message id handled: where a catch-up from history starts after the queue was lost.
    var last_message_id: Int
    /// True while a catch-up from history is still paging; events are read once it is done.
    var backfilling: Bool?
    /// While catching up: the newest message id when the new queue was registered (later ones are queued too).
    var queue_start: Int?
    /// Ids read from history that the new queue also holds (sent after it was registered): skipped there.
    var overlap: [Int]?

    init(queue_id: String, last_event_id: Int, last_message_id: Int) {
        self.queue_id = queue_id
        self.last_event_id = last_event_id
        self.last_message_id = last_message_id
    }
}
