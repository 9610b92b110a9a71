import CoachCore
import Foundation

/// One chat platform, seen by the runtime as "poll for messages after a cursor" and "send one message".
///
/// Every platform fits this shape: Slack's `ts`, Telegram's `update_id`, Matrix's `next_batch` and Mattermost's
/// post id are all opaque cursors the runtime commits together with the state they produced.
public protocol ChatTransport: Sendable {
    /// Names the cursor in the state, so a bot moved to another platform starts that platform afresh.
    var name: String { get }
    var capabilities: TransportCapabilities { get }

    /// Messages that arrived after `cursor`, waiting up to `timeout` when there are none (long-polling where the
    /// platform offers it). A nil cursor means "first start": return no history, only a cursor for "now".
    func poll(after cursor: String?, timeout: Duration) async throws(TransportError) -> PollBatch

    /// Sends one message and returns the platform's id for it, where it gives one.
    func send(_ message: OutboundMessage) async throws(TransportError) -> String?
}

public struct PollBatch: Sendable, Equatable {
    public var messages: [InboundMessage]
    /// The cursor after these messages; nil when it did not move.
    public var cursor: String?

    public init(messages: [InboundMessage], cursor: String?) {
        self.messages = messages
        self.cursor = cursor
    }
}

/// How a platform call failed, sorted by what the runtime should do about it.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    /// The platform asked us to slow down; wait at least this long.
    case rateLimited(retryAfter: Duration)
    /// A 5xx, a timeout or a dropped connection: back off and try again.
    case temporary(reason: String)
    /// This one message can never be delivered (e.g. a private message the platform forbids): drop it, log it.
    case rejected(reason: String)
    /// The credentials or permissions are wrong: nothing will work until a person fixes the setup.
    case unauthorized(reason: String)
    /// The input has ended (the console's stdin closed): stop the bot cleanly.
    case closed

    public var description: String {
        switch self {
        case .rateLimited(let wait): "rate limited; retrying after \(wait)"
        case .temporary(let reason): "temporary failure: \(reason)"
        case .rejected(let reason): "message refused: \(reason)"
        case .unauthorized(let reason): "not authorised: \(reason). Check the token and the bot's permissions (see README)."
        case .closed: "input closed"
        }
    }
}
