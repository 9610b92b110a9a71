import CoachChat
import CoachCore
import Foundation
import Logging

/// Zulip through its REST API: an event queue long-polled for new messages, `POST /messages` to send.
///
/// Threads are topics. Each announcement opens a topic of its own, named from its first lines, and `send` returns
/// `topic:<name>` for every channel message, the same form a message's `threadRootID` takes, so replies in the
/// announcement's topic count as examples. Other channel posts go to the `topic` setting ("ServiceCoach").
///
/// The queue is registered without a narrow and filtered here: one queue then carries both the configured
/// channel and direct messages to the bot (a narrow can only pick one of them).
///
/// The cursor is JSON `{queue_id, last_event_id, last_message_id}`. Zulip drops events up to the `last_event_id`
/// a poll passes, and the runtime passes it only after committing what they caused. Queues are deleted after about
/// ten idle minutes (a restart, an outage): then a new queue is registered *first* and the messages after
/// `last_message_id` are read from history, so nothing falls in between; messages both read from history and
/// queued are returned once.
public actor ZulipTransport: PollingTransport {
    static let apiKey = SecretSetting("apiKeyEnv", defaultVariable: "ZULIP_API_KEY", what: "bot API key")
    public static let entry = PlatformEntry(kind: "zulip", secrets: [apiKey]) { settings, context throws(PlatformSetupError) in
        try ZulipTransport(settings: settings, context: context)
    }

    public nonisolated let name = "zulip"
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .zulip, files: true)
    public nonisolated let pacing = PollPacing.longPoll

    static let defaultTopic = "ServiceCoach"
    /// Zulip's documented defaults, used until a queue registration reports the server's own.
    static let defaultMessageLimit = 10_000
    static let defaultTopicLimit = 60
    /// Heartbeats come every 45–55 s; Zulip asks clients to wait this long (or what `register` reports).
    static let defaultLongPoll: Duration = .seconds(90)
    /// Messages read from history per call when catching up.
    static let historyPage = 100

    nonisolated let client: ZulipClient
    let logger: Logger
    let stream: String
    let topic: String
    let readsBacklog: Bool
    let ledger = PartsLedger()
    let membership: ChannelMembership
    let uploads = UploadLedger()

    var me: ZulipWire.Me?
    var messageLimit = ZulipTransport.defaultMessageLimit
    var topicLimit = ZulipTransport.defaultTopicLimit
    var longPoll = ZulipTransport.defaultLongPoll
    /// Full name → user id, for `@**Name**` mentions that carry no id.
    var directory: [String: Int]?
    var unknownNames = Set<String>()
    /// The configured channel's id, once asked.
    var streamID: Int?

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        try settings.validateKeys(["stream", "topic", "email", "apiKeyEnv"])
        let realm = try settings.url(default: nil, hint: "your Zulip address, e.g. https://team.zulipchat.com")
        stream = try settings.required("stream", hint: "the channel's name, e.g. customer-service")
        let topic = settings.optional("topic") ?? Self.defaultTopic
        guard topic.unicodeScalars.count <= Self.defaultTopicLimit else {
            throw .invalidSetting(kind: "zulip", key: "topic", value: topic, hint: "Zulip topics have at most 60 characters")
        }
        self.topic = topic
        let email = try settings.required("email", hint: "the bot's email address, shown on its card in Personal settings → Bots")
        let (key, keyVariable) = try settings.namedSecret(Self.apiKey)
        client = ZulipClient(web: context.web, realm: realm, email: email, key: key, keyVariable: keyVariable, stream: stream,
            redactor: settings.redactor)
        readsBacklog = try settings.readsBacklog()
        logger = context.logger
        membership = ChannelMembership(platform: "zulip", logger: context.logger)
    }

    /// The bot's own account, asked once per run.
    func identity() async throws(TransportError) -> ZulipWire.Me {
        if let me { return me }
        let user = try await client.call(get: "users/me", as: ZulipWire.Me.self, label: "zulip users/me", for: .account)
        me = user
        return user
    }

    // MARK: - Polling

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let me = try await identity()
        var batch = try await newMessages(request, me: me)
        let botID = String(me.user_id)
        batch.messages = try await membership.confirming(batch.messages, botID: botID) { user throws(TransportError) in
            try await self.isSubscribed(user)
        }
        return batch
    }

    /// Whether the user with id `user` is subscribed to the configured channel.
    func isSubscribed(_ user: String) async throws(TransportError) -> Bool {
        guard Int(user) != nil else { return false }
        if streamID == nil {
            streamID = try await client.call(get: "get_stream_id", query: [("stream", stream)], as: ZulipWire.StreamID.self,
                label: "zulip get_stream_id", for: .lookup).stream_id
        }
        guard let streamID else { return false }
        return try await client.call(get: "users", user, "subscriptions", String(streamID),
            as: ZulipWire.SubscriptionStatus.self, label: "zulip subscription status", for: .lookup).is_subscribed
    }

    /// The messages after the cursor, read from the event queue (or from history after the queue was lost).
    func newMessages(_ request: PollRequest, me: ZulipWire.Me) async throws(TransportError) -> PollBatch {
        guard var cursor = ZulipCursor(request.cursor) else { return try await start(me: me) }
        if cursor.backfilling == true { return try await catchUp(cursor, me: me) }

        guard let events = try await nextEvents(cursor, timeout: request.timeout) else {
            logger.notice("the Zulip event queue expired (the bot was away for more than about ten minutes); registering a new one and reading the missed messages from history",
                metadata: ["lastMessage": "\(cursor.last_message_id)"])
            let queue = try await register()
            cursor.queue_id = queue.queue_id
            cursor.last_event_id = queue.last_event_id
            cursor.backfilling = true
            cursor.queue_start = queue.max_message_id
            cursor.overlap = nil
            return try await catchUp(cursor, me: me)
        }

        var messages: [InboundMessage] = []
        var overlap = Set(cursor.overlap ?? [])
        let newestOverlap = overlap.max() ?? Int.max
        for event in events.sorted(by: { $0.id < $1.id }) {
            cursor.last_event_id = max(cursor.last_event_id, event.id)
            guard event.type == "message", let message = event.message else { continue }
            if overlap.remove(message.id) != nil { continue }
            if message.id > newestOverlap { overlap.removeAll() }
            cursor.last_message_id = max(cursor.last_message_id, message.id)
            if let inbound = try await inbound(message, me: me) { messages.append(inbound) }
        }
        cursor.overlap = overlap.isEmpty ? nil : overlap.sorted()
        return PollBatch(messages: messages, cursor: cursor.encoded)
    }

    /// The queue's next events, or nil when Zulip no longer has the queue.
    ///
    /// Zulip's long-poll takes no timeout: it answers with news or with a heartbeat after 45–55 s. A poll the runtime
    /// wants back within a second (a scheduled post is due) therefore does not block at all; any other blocks, and
    /// may outlast the runtime's timeout by up to about 50 s, so a scheduled post can go out that much late, far
    /// inside `lateAfterMinutes`. Not blocking on every short timeout instead would poll Zulip in a tight loop.
    func nextEvents(_ cursor: ZulipCursor, timeout: Duration) async throws(TransportError) -> [ZulipWire.Event]? {
        let block = timeout >= .seconds(1)
        let label = "zulip events"
        let response = try await client.get("events", query: [
            ("queue_id", cursor.queue_id), ("last_event_id", String(cursor.last_event_id)), ("dont_block", block ? "false" : "true"),
        ], label: label, timeout: block ? longPoll + client.pollMargin : nil)
        if response.status == 400, ZulipClient.error(response)?.code == "BAD_EVENT_QUEUE_ID" { return nil }
        if let failure = client.failure(response, label) { throw failure }
        return try client.decode(response, as: ZulipWire.Events.self, label: label).events
    }

    /// A new event queue for every message the bot can see, with raw Markdown content.
    func register() async throws(TransportError) -> ZulipWire.Registered {
        let queue = try await client.call(post: "register", form: [
            ("event_types", #"["message"]"#), ("apply_markdown", "false"), ("all_public_streams", "false"),
        ], as: ZulipWire.Registered.self, label: "zulip register")
        if let seconds = queue.event_queue_longpoll_timeout_seconds, seconds > 0, seconds < 3600 {
            longPoll = .milliseconds(Int64(seconds * 1000))
        }
        if let limit = queue.max_message_length, limit >= 1000 { messageLimit = limit }
        if let limit = queue.max_topic_length, limit >= 10 { topicLimit = limit }
        return queue
    }

    /// A first start: a queue from now on, starting after the newest message, and (unless the config asks for the
    /// backlog) no messages.
    func start(me: ZulipWire.Me) async throws(TransportError) -> PollBatch {
        let queue = try await register()
        let newest: Int
        if let id = queue.max_message_id {
            newest = id
        } else {
            newest = try await history(anchor: "newest", before: 1, after: 0, includeAnchor: true).messages.map(\.id).max() ?? 0
        }
        let cursor = ZulipCursor(queue_id: queue.queue_id, last_event_id: queue.last_event_id, last_message_id: newest)
        guard readsBacklog else { return PollBatch(messages: [], cursor: cursor.encoded) }
        let page = try await history(anchor: String(newest), before: Self.historyPage - 1, after: 0, includeAnchor: true)
        var messages: [InboundMessage] = []
        for message in page.messages.sorted(by: { $0.id < $1.id }) where message.id <= newest {
            if let inbound = try await inbound(message, me: me) { messages.append(inbound) }
        }
        return PollBatch(messages: messages, cursor: cursor.encoded)
    }

    /// One page of the messages after `last_message_id`, read from history after the queue was lost. Pages until
    /// history is exhausted, one page per poll (the runtime polls again at once after messages); then the queue.
    func catchUp(_ cursor: ZulipCursor, me: ZulipWire.Me) async throws(TransportError) -> PollBatch {
        var cursor = cursor
        let page = try await history(anchor: String(cursor.last_message_id), before: 0, after: Self.historyPage, includeAnchor: false)
        var messages: [InboundMessage] = []
        var overlap = cursor.overlap ?? []
        for message in page.messages.sorted(by: { $0.id < $1.id }) where message.id > cursor.last_message_id {
            cursor.last_message_id = message.id
            // Sent after the new queue was made, so it is queued too; an older server does not say when that was.
            if message.id > (cursor.queue_start ?? Int.min) { overlap.append(message.id) }
            if let inbound = try await inbound(message, me: me) { messages.append(inbound) }
        }
        if page.found_newest ?? (page.messages.count < Self.historyPage) {
            cursor.backfilling = nil
            cursor.queue_start = nil
        }
        // Without the queue's start every id read counts; keep the cursor small, duplicates are caught by id anyway.
        cursor.overlap = overlap.isEmpty ? nil : Array(overlap.suffix(Self.historyPage))
        return PollBatch(messages: messages, cursor: cursor.encoded)
    }

    func history(anchor: String, before: Int, after: Int, includeAnchor: Bool) async throws(TransportError) -> ZulipWire.Messages {
        try await client.call(get: "messages", query: [
            ("anchor", anchor), ("num_before", String(before)), ("num_after", String(after)),
            ("include_anchor", includeAnchor ? "true" : "false"), ("apply_markdown", "false"),
        ], as: ZulipWire.Messages.self, label: "zulip messages")
    }

    /// A Zulip message as the engine reads it, or nil when it is neither in the channel nor a direct message.
    func inbound(_ message: ZulipWire.Message, me: ZulipWire.Me) async throws(TransportError) -> InboundMessage? {
        let isDirect: Bool
        switch message.display_recipient {
        case .channel(let name)? where message.type == "stream":
            guard name.lowercased() == stream.lowercased() else { return nil }
            isDirect = false
        case .people? where message.type == "private" || message.type == "direct":
            isDirect = true
        default:
            return nil
        }
        let content = message.content ?? ""
        await learnNames(ZulipText.mentions(in: content).filter { $0.id == nil }.map(\.name))
        let names = directory ?? [:]
        let text = ZulipText(content, botID: me.user_id) { names[$0.lowercased()] }
        return InboundMessage(
            id: String(message.id), senderID: String(message.sender_id),
            senderName: message.sender_full_name ?? String(message.sender_id), text: text.text,
            // Zulip 10's "general chat" has an empty topic name: not a thread anyone can be answered in by name.
            threadRootID: isDirect || message.topicName.isEmpty ? nil : Self.threadID(topic: message.topicName), isDirect: isDirect,
            addressed: text.addressed, mentions: text.mentions, mentionedNames: text.mentionedNames,
            fromBot: message.sender_id == me.user_id)
    }

    /// Loads the user directory when a mention names someone it does not know yet. A failure leaves the names
    /// unresolved (the engine can still match them by name) rather than holding up the messages.
    func learnNames(_ names: [String]) async {
        let wanted = names.map { $0.lowercased() }.filter { !ZulipText.wildcards.contains($0) }
        guard !wanted.isEmpty else { return }
        if let known = directory, wanted.allSatisfy({ known[$0] != nil || unknownNames.contains($0) }) { return }
        guard let users = try? await client.call(get: "users", as: ZulipWire.Users.self, label: "zulip users", for: .lookup) else { return }
        var table: [String: Int] = [:]
        var ambiguous = Set<String>()
        for user in users.members where user.is_active != false {
            let key = user.full_name.lowercased()
            if table[key] != nil { ambiguous.insert(key) }
            table[key] = user.user_id
        }
        // Two people with one name: only `@**Name|id**` can say which.
        for key in ambiguous { table.removeValue(forKey: key) }
        directory = table
        // Asked about once per run: an unknown name does not reload the directory on every message.
        unknownNames.formUnion(wanted.filter { table[$0] == nil })
    }

    static func threadID(topic: String) -> String { "topic:" + topic }

    /// Zulip cuts a message over its limit, counted as Python counts a string (code points), and keeps only the
    /// start with "[message truncated]": it never refuses one. So parts are counted in scalars and must fit.
    static func splitter(limit: Int) -> MessageSplitter {
        MessageSplitter(limit: limit, measure: .scalars, markup: .zulip, finishing: ZulipText.defusingMassMentions)
    }

    // MARK: - Sending

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let splitter = Self.splitter(limit: messageLimit)
        let parts = splitter.split(message.text)
        let (base, purpose, threadID) = destinationFields(message)
        return try await ledger.deliver(parts, key: key, splitter: splitter) { _, part throws(TransportError) in
            let sent = try await client.call(post: "messages", form: base + [("content", part)], as: ZulipWire.Sent.self, label: "zulip send",
                for: purpose)
            // A channel message's thread is its topic; a direct message has only its id.
            return threadID ?? String(sent.id)
        }
    }

    /// Where a message goes, as `POST /messages` fields (`type`, `to`, `topic`), what the call is for, and the
    /// thread id a channel message belongs to (its topic).
    func destinationFields(_ message: OutboundMessage) -> (fields: [(String, String)], purpose: CallPurpose, threadID: String?) {
        switch message.destination {
        case .direct(let userID):
            // A user id, or (for a roster written with emails) an email: Zulip takes a JSON list of either.
            let recipient = Int(userID).map { "[\($0)]" }
                ?? (try? JSONEncoder().encode([userID])).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            return ([("type", "direct"), ("to", recipient)], .direct, nil)
        case .thread(let rootID) where rootID.hasPrefix("topic:"):
            let name = String(rootID.dropFirst("topic:".count))
            return ([("type", "stream"), ("to", stream), ("topic", name)], .posting, rootID)
        case .channel where message.kind == .announcement:
            let name = Self.announcementTopic(message.text, limit: topicLimit, fallback: topic)
            return ([("type", "stream"), ("to", stream), ("topic", name)], .posting, Self.threadID(topic: name))
        case .channel, .thread:
            return ([("type", "stream"), ("to", stream), ("topic", topic)], .posting, Self.threadID(topic: topic))
        }
    }

    /// An announcement's own topic: its opening paragraph as one line without Markdown, cut to Zulip's limit.
    /// ("Principle of the week, week 3 of 12: Own the problem".)
    static func announcementTopic(_ text: String, limit: Int, fallback: String) -> String {
        let paragraph = text.components(separatedBy: "\n\n").first { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } ?? ""
        var plain = ""
        var escaped = false
        for character in paragraph {
            if escaped {
                plain.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "*" || character == "`" || character == "_" {
                continue
            } else if character.isWhitespace {
                if !plain.hasSuffix(" ") { plain.append(" ") }
            } else if character.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .format }) {
                plain.append(character)
            }
        }
        plain = plain.trimmingCharacters(in: .whitespaces)
        guard !plain.isEmpty else { return fallback }
        guard plain.unicodeScalars.count > limit else { return plain }
        // Cut at a word where one is near, and mark the cut.
        var cut = ""
        for character in plain {
            if (cut + String(character)).unicodeScalars.count > limit - 1 { break }
            cut.append(character)
        }
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > limit / 2 {
            cut = String(cut[..<space])
        }
        // A dangling dash or colon before the ellipsis reads as a typo.
        return cut.trimmingCharacters(in: CharacterSet(charactersIn: " -–—:;,")) + "…"
    }
}
