import CoachChat
import Foundation
import Logging

/// A private conversation the bot opened and reads back: with whom, its channel, and the last message read there.
/// Stored in the cursor with one-letter keys, because the runtime keeps cursors as short opaque strings.
struct DirectConversation: Codable, Equatable, Sendable {
    var user: String
    var channel: String
    var after: String

    enum CodingKeys: String, CodingKey {
        case user = "u"
        case channel = "c"
        case after = "a"
    }
}

/// The private conversations a transport opened: whose channel is which (Slack, Discord and Mattermost open a
/// conversation before the first private message to a member), and, for the platforms that read them back (Discord,
/// Mattermost), which ones to read so a member's answer to a private nudge reaches the engine.
///
/// A conversation opened by a send stays pending until a cursor the runtime committed hands it back, so a failed
/// poll or commit cannot lose it. At most `limit` are remembered (the oldest opened is forgotten first), and each
/// poll reads `readsPerPoll` of them in turn, so a large team does not multiply every poll's requests.
struct DirectConversations: Sendable {
    static let limit = 50
    static let readsPerPoll = 3

    /// Private channels by user id, opened once per run.
    private var channels: [String: String] = [:]
    /// Conversations opened by sends and not yet in a committed cursor; each poll adds them to the cursor it returns.
    private(set) var pending: [DirectConversation] = []
    /// Which remembered conversation the next poll reads first.
    private var turn = 0

    /// The private channel opened with `user` earlier in this run.
    func channel(with user: String) -> String? { channels[user] }

    mutating func remember(_ channel: String, with user: String) { channels[user] = channel }

    /// Remembers a conversation a send opened, to be read from `after` (the bot's own message) on.
    mutating func opened(user: String, channel: String, after: String) {
        guard !pending.contains(where: { $0.user == user }) else { return }
        pending.append(DirectConversation(user: user, channel: channel, after: after))
    }

    /// What a first start's cursor carries: every pending conversation.
    var pendingForCursor: [DirectConversation]? { pending.isEmpty ? nil : pending }

    /// This poll's plan: the committed conversations plus the pending ones (capped at `limit`), and the indices of
    /// those to read now, taking turns.
    mutating func plan(committed: [DirectConversation]?) -> (places: [DirectConversation], reads: [Int]) {
        var places = committed ?? []
        pending.removeAll { opened in places.contains { $0.user == opened.user } }
        places += pending
        if places.count > Self.limit { places.removeFirst(places.count - Self.limit) }
        guard !places.isEmpty else { return (places, []) }
        let start = turn % places.count
        let reads = min(places.count, Self.readsPerPoll)
        turn = (start + reads) % places.count
        return (places, (0..<reads).map { (start + $0) % places.count })
    }

    /// Reads the planned conversations with `read` (messages after a position, and the newest position read).
    ///
    /// A rate limit or an outage fails the whole poll, so nothing is lost; any other failure (the member left, the
    /// bot may no longer read the conversation) only stops reading that conversation, which must not stop the bot.
    /// Returns the messages read and the conversations for the cursor (nil when none are left).
    static func read<Message>(
        _ plan: (places: [DirectConversation], reads: [Int]), platform: String, logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ read: (DirectConversation) async throws(TransportError) -> (messages: [Message], last: String)
    ) async throws(TransportError) -> (messages: [Message], places: [DirectConversation]?) {
        var places = plan.places
        var found: [Message] = []
        for index in plan.reads {
            do throws(TransportError) {
                let page = try await read(places[index])
                found += page.messages
                places[index].after = page.last
            } catch .rateLimited(let wait) {
                throw .rateLimited(retryAfter: wait)
            } catch .temporary(let reason) {
                throw .temporary(reason: reason)
            } catch {
                logger.notice("\(platform): stopped reading a private conversation", metadata: ["reason": "\(error)"])
                places[index].after = ""
            }
        }
        places.removeAll { $0.after.isEmpty }
        return (found, places.isEmpty ? nil : places)
    }
}

/// A transport that must open a private conversation before its first private message to a member (Slack, Discord,
/// Mattermost). The conversation is opened once per member and run; `directChannel(with:)` is written once, here.
protocol OpensDirectConversations: Actor {
    var direct: DirectConversations { get set }
    /// Opens the private conversation with `user` on the platform (or finds the one that exists); its channel id.
    func openDirectConversation(with user: String) async throws(TransportError) -> String
}

extension OpensDirectConversations {
    /// The private channel with `user`: opened on first use, then remembered for the run.
    func directChannel(with user: String) async throws(TransportError) -> String {
        if let known = direct.channel(with: user) { return known }
        let opened = try await openDirectConversation(with: user)
        direct.remember(opened, with: user)
        return opened
    }
}
