import CoachCore
import Foundation

/// One chat platform's sending side: what every platform can do, including the send-only webhooks.
///
/// Reading is a separate capability, `PollingTransport`: a transport that cannot read (an incoming webhook) simply
/// does not conform, so the runtime never polls it and nobody writes an empty `poll`.
public protocol ChatTransport: Sendable {
    /// Names the cursor in the state, so a bot moved to another platform starts that platform afresh.
    var name: String { get }
    var capabilities: TransportCapabilities { get }

    /// Sends one message and returns the platform's id for it (for a message split into parts, the first part's).
    ///
    /// `key` is stable across retries and unique across installs: platforms with idempotency keys (Matrix txnId,
    /// Discord nonce, Google Chat requestId) use it so a retried send shows once.
    func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String?

    /// `coach check`: signs in, confirms the bot can reach (and for a two-way platform, read) its channel, and
    /// reports each finding. Never throws: every failure is a finding with its fix. A transport with no account to
    /// check (the console) returns none.
    func check() async -> [CheckFinding]
}

/// A chat platform the bot can also read: "poll for messages after a cursor".
///
/// Every readable platform fits this shape: Slack's `ts`, Telegram's `update_id`, Matrix's `next_batch` and
/// Mattermost's post id are all opaque cursors the runtime commits together with the state they produced.
public protocol PollingTransport: ChatTransport {
    /// How the runtime paces polls: long-polling platforms wait on the server, others need the loop to wait.
    var pacing: PollPacing { get }

    /// Messages that arrived after `request.cursor`, waiting up to `request.timeout` when there are none
    /// (long-polling where the platform offers it). A nil cursor means "first start": return no history, only a
    /// cursor for "now" (unless the deployment asked for the backlog).
    func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch
}

/// What a poll asks for.
public struct PollRequest: Sendable, Equatable {
    /// Where the last committed poll ended; nil on a first start.
    public var cursor: String?
    /// The longest the poll may wait for news.
    public var timeout: Duration
    /// Platform ids of thread roots whose replies matter (this week's announcement), for platforms whose channel
    /// history leaves thread replies out.
    public var threads: [String]

    public init(cursor: String?, timeout: Duration, threads: [String] = []) {
        self.cursor = cursor
        self.timeout = timeout
        self.threads = threads
    }
}

/// How often the runtime may poll a platform.
public enum PollPacing: Sendable, Equatable {
    /// The platform holds the request open until news arrives (Telegram, Matrix, Zulip, the console).
    case longPoll
    /// The platform answers at once; after a poll with no news, wait this long (Slack, Mattermost, Discord).
    case every(Duration)
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
    /// The platform refused a message (or one part of it) as too long. The sender splits that part finer and tries
    /// again (`PartsLedger` does this for every adapter), so the runtime only sees it for a part that cannot be made
    /// any smaller, and then drops the message like `rejected`.
    case tooLong(reason: String)
    /// The credentials or permissions are wrong: nothing will work until a person fixes the setup.
    case unauthorized(reason: String)
    /// The input has ended (the console's stdin closed): stop the bot cleanly.
    case closed

    public var description: String {
        switch self {
        case .rateLimited(let wait): "rate limited; retrying after \(wait)"
        case .temporary(let reason): "temporary failure: \(reason)"
        case .rejected(let reason): "message refused: \(reason)"
        case .tooLong(let reason): "message refused as too long: \(reason)"
        case .unauthorized(let reason): "not authorised: \(reason). Check the token and the bot's permissions (see README)."
        case .closed: "input closed"
        }
    }
}
