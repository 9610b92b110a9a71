import CoachChat
import CoachCore
import Foundation
import Logging

/// Slack through the Web API: polls one channel's history plus the replies in watched threads, posts with
/// `chat.postMessage`, sends private nudges through `conversations.open`, and files through the external upload flow
/// (`SlackFiles.swift`).
public actor SlackTransport: PollingTransport, OpensDirectConversations {
    static let token = SecretSetting("tokenEnv", defaultVariable: "SLACK_BOT_TOKEN", what: "bot token (xoxb-…)")
    public static let entry = PlatformEntry(kind: "slack", secrets: [token]) { settings, context throws(PlatformSetupError) in
        try SlackTransport(settings: settings, context: context)
    }

    public nonisolated let name = "slack"
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .slack, files: true)
    public nonisolated let pacing: PollPacing

    /// The client's invite name changes once the bot's own name is known.
    var client: SlackClient
    let logger: Logger
    let channel: String
    let readsBacklog: Bool
    /// Messages per history or replies page (Slack's `limit`).
    let pageSize: Int
    /// Pages one poll reads from one stream before it returns what it may and continues on the next poll.
    let maxPages: Int
    let configBotName: String
    /// Slack shows up to 4,000 characters of `text` as one message and truncates far longer ones.
    /// Slack asks for `text` of at most 4,000 characters (and truncates past 40,000); counted as UTF-16 code units,
    /// never fewer than characters however Slack counts them.
    static let splitter = MessageSplitter(limit: 4000, measure: .utf16, markup: .slack,
        finishing: SlackText.defusingMassMentions)
    let ledger = PartsLedger()
    let membership: ChannelMembership
    let uploads = UploadLedger()

    /// Message subtypes that are a person writing; joins, topic changes, edits and other apps' posts are not.
    static let userSubtypes: Set<String> = ["thread_broadcast", "file_share", "me_message"]

    var identityCache: Identity?
    var members: [String: Member] = [:]
    var direct = DirectConversations()
    var namesUnavailable = false

    struct Identity: Sendable {
        var userID: String
        var botID: String?
        var userName: String?
        var team: String?
    }

    struct Member: Sendable {
        var name: String
        var handle: String?
    }

    init(settings: PlatformSettings, context: PlatformContext, maxPages: Int = 10) throws(PlatformSetupError) {
        try settings.validateKeys(["channel", "tokenEnv", "pageSize"])
        let channel = try settings.required("channel", hint: "the channel ID, e.g. C0123456789 (in Slack: channel details → About)")
        guard channel.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
            throw .invalidSetting(kind: settings.kind, key: "channel", value: channel,
                hint: "use the channel ID (channel details → About, e.g. C0123456789), not the channel's name")
        }
        self.channel = channel
        let (token, tokenVariable) = try settings.namedSecret(Self.token)
        // Slack answers at once; the timeout only bounds a hung connection.
        client = SlackClient(web: context.web, root: try settings.url(default: "https://slack.com/api", hint: "the Slack Web API root"),
            timeout: .seconds(30), redactor: settings.redactor, token: token, tokenVariable: tokenVariable, channel: channel,
            inviteName: context.botName)
        pacing = .every(try settings.seconds("pollSeconds", default: 5, range: 1...3600))
        readsBacklog = try settings.readsBacklog()
        if let text = settings.optional("pageSize") {
            guard let size = Int(text), (1...999).contains(size) else {
                throw .invalidSetting(kind: settings.kind, key: "pageSize", value: text, hint: "it must be a whole number from 1 to 999 (Slack's limit)")
            }
            pageSize = size
        } else {
            pageSize = 100
        }
        self.maxPages = max(2, maxPages)
        logger = context.logger
        membership = ChannelMembership(platform: "slack", logger: context.logger)
        configBotName = context.botName
    }

    /// The bot's own user and bot ids, asked once: they mark the bot's own messages and its mentions.
    func identity() async throws(TransportError) -> Identity {
        if let identityCache { return identityCache }
        return try remember(try await client.call(get: "auth.test", as: SlackWire.AuthTest.self, label: "slack auth.test"))
    }

    func remember(_ answer: SlackWire.AuthTest) throws(TransportError) -> Identity {
        guard let userID = answer.user_id, !userID.isEmpty else {
            throw .temporary(reason: "slack auth.test: the answer had no user_id")
        }
        let identity = Identity(userID: userID, botID: answer.bot_id, userName: answer.user, team: answer.team)
        identityCache = identity
        if let name = identity.userName { client.inviteName = name }
        return identity
    }

    // MARK: - Polling

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let me = try await identity()
        let cursor: SlackCursor
        if let known = SlackCursor(request.cursor) {
            cursor = known
        } else if request.cursor == nil && readsBacklog {
            cursor = SlackCursor(channel: SlackStream(ts: "0"))
        } else {
            if request.cursor != nil {
                logger.warning("the stored Slack cursor is unreadable; starting again from the channel's newest message")
            }
            // "Now" is the newest message's ts. An empty channel starts at "0": whatever appears later is new.
            let newest = try await newestTimestamp()
            return PollBatch(messages: [], cursor: SlackCursor(channel: SlackStream(ts: newest ?? "0")).encoded)
        }

        var next = SlackCursor(channel: cursor.channel)
        var raw: [(SlackWire.Message, String?)] = []
        let channelRead = try await read(cursor.channel) { page, latest throws(TransportError) in
            try await self.historyPage(oldest: cursor.channel.ts, latest: latest, page: page)
        }
        next.channel = channelRead.stream
        raw += channelRead.messages.map { ($0, nil) }

        var seenRoots = Set<String>()
        for root in request.threads where SlackTimestamp.isValid(root) && seenRoots.insert(root).inserted {
            // A thread not seen before is read from its root: every reply to a new announcement counts.
            let stream = cursor.threads[root] ?? SlackStream(ts: root)
            let threadRead = try await read(stream, excluding: root) { page, latest throws(TransportError) in
                try await self.repliesPage(root: root, oldest: stream.ts, latest: latest, page: page)
            }
            next.threads[root] = threadRead.stream
            raw += threadRead.messages.map { ($0, root) }
        }

        var messages: [InboundMessage] = []
        var ids = Set<String>()
        for (message, root) in raw.sorted(by: { SlackTimestamp.less($0.0.ts ?? "", $1.0.ts ?? "") }) {
            guard let inbound = try await inbound(message, me: me, threadRoot: root), ids.insert(inbound.id).inserted else { continue }
            messages.append(inbound)
        }
        let client = client
        messages = try await membership.confirming(messages, botID: me.userID) { user throws(TransportError) in
            try await client.isInChannel(user)
        }
        return PollBatch(messages: messages, cursor: next.encoded)
    }

    /// The channel's newest message ts, or nil for an empty channel.
    func newestTimestamp() async throws(TransportError) -> String? {
        let page = try await client.call(get: "conversations.history", query: [("channel", channel), ("limit", "1")],
            as: SlackWire.Page.self, label: "slack conversations.history")
        return (page.messages ?? []).compactMap(\.ts).filter(SlackTimestamp.isValid).max(by: SlackTimestamp.less)
    }

    func historyPage(oldest: String, latest: String?, page: String?) async throws(TransportError) -> SlackWire.Page {
        var query = [("channel", channel), ("oldest", oldest), ("limit", String(pageSize))]
        if let latest { query.append(("latest", latest)) }
        if let page { query.append(("cursor", page)) }
        return try await client.call(get: "conversations.history", query: query, as: SlackWire.Page.self, label: "slack conversations.history")
    }

    func repliesPage(root: String, oldest: String, latest: String?, page: String?) async throws(TransportError) -> SlackWire.Page {
        var query = [("channel", channel), ("ts", root), ("oldest", oldest), ("limit", String(pageSize))]
        if let latest { query.append(("latest", latest)) }
        if let page { query.append(("cursor", page)) }
        switch try await client.answer(get: "conversations.replies", query: query, as: SlackWire.Page.self) {
        case .ok(let page):
            return page
        case .refused(let refusal) where refusal.code == "thread_not_found":
            // The announcement was deleted: nothing more will arrive in its thread.
            return SlackWire.Page(ok: true, messages: [], has_more: false)
        case .refused(let refusal):
            throw client.failure(refusal, "slack conversations.replies", for: .channel)
        }
    }

    /// Reads one stream's messages after `stream.ts` (and before `stream.below`), at most `maxPages` pages.
    ///
    /// Returns them oldest first with where the stream stands after them. When the pages run out before the messages
    /// do, it never skips any: if Slack paged from the newest down, the unread part is older than everything held, so
    /// nothing is returned and the next poll reads below the lowest one held first; if Slack paged from the oldest up,
    /// what is held follows on from the stream and is returned.
    func read(_ stream: SlackStream, excluding root: String? = nil,
        page fetch: (_ page: String?, _ latest: String?) async throws(TransportError) -> SlackWire.Page
    ) async throws(TransportError) -> (messages: [SlackWire.Message], stream: SlackStream) {
        var held: [String: SlackWire.Message] = [:]
        var arrival: [String] = []
        var pageCursor: String?
        var latest = stream.below
        var pages = 0
        var more = false
        repeat {
            let answer = try await fetch(pageCursor, latest)
            pages += 1
            let batch = answer.messages ?? []
            for message in batch {
                guard let ts = message.ts, SlackTimestamp.isValid(ts), ts != root else { continue }
                arrival.append(ts)
                guard SlackTimestamp.less(stream.ts, ts), stream.below.map({ SlackTimestamp.less(ts, $0) }) ?? true else { continue }
                held[ts] = message
            }
            if let next = answer.nextCursor {
                pageCursor = next
                more = true
            } else if answer.has_more == true,
                let lowest = batch.compactMap(\.ts).filter(SlackTimestamp.isValid).min(by: SlackTimestamp.less),
                latest.map({ SlackTimestamp.less(lowest, $0) }) ?? true
            {
                // No cursor offered: page by time instead, below the oldest message of this page.
                pageCursor = nil
                latest = lowest
                more = true
            } else {
                more = false
            }
        } while more && pages < maxPages

        let ordered = held.keys.sorted(by: SlackTimestamp.less)
        let messages = ordered.compactMap { held[$0] }
        guard more else {
            return (messages, SlackStream(ts: ordered.last ?? stream.ts))
        }
        let newestFirst = arrival.count >= 2 ? SlackTimestamp.less(arrival[arrival.count - 1], arrival[0]) : true
        if newestFirst {
            guard let lowest = ordered.first else { return ([], stream) }
            logger.notice("catching up on a long Slack backlog", metadata: ["below": "\(lowest)"])
            return ([], SlackStream(ts: stream.ts, below: lowest))
        }
        return (messages, SlackStream(ts: ordered.last ?? stream.ts, below: stream.below))
    }

    /// A Slack message as the engine reads it, or nil for what is not a person writing.
    func inbound(_ message: SlackWire.Message, me: Identity, threadRoot: String?) async throws(TransportError) -> InboundMessage? {
        guard let ts = message.ts else { return nil }
        let own = (message.user != nil && message.user == me.userID) || (message.bot_id != nil && message.bot_id == me.botID)
        if !own {
            if message.hidden == true { return nil }
            if let subtype = message.subtype, !Self.userSubtypes.contains(subtype) { return nil }
            // Other apps' posts are never commands or examples: two bots must not talk to each other.
            if message.bot_id != nil { return nil }
        }
        guard let sender = message.user ?? message.bot_id else { return nil }
        let parsed = SlackText(slack: message.text ?? "", botUserID: me.userID)
        let root = threadRoot ?? message.thread_ts.flatMap { $0 == ts ? nil : $0 }
        guard !own else {
            return InboundMessage(id: ts, senderID: sender, senderName: me.userName ?? sender, text: parsed.text,
                threadRootID: root, fromBot: true)
        }
        let author = try await member(sender)
        var mentionedNames: [String: String] = [:]
        for id in parsed.mentions.keys.sorted() {
            mentionedNames[id] = id == me.userID
                ? me.userName ?? configBotName : try await member(id, label: parsed.labels[id]).name
        }
        return InboundMessage(
            id: ts, senderID: sender, senderName: author.name, senderHandle: author.handle, text: parsed.text,
            threadRootID: root, addressed: parsed.addressed, mentions: parsed.mentions, mentionedNames: mentionedNames)
    }

    /// A member's display name and @-handle, asked once per user and kept for the run.
    func member(_ id: String, label: String? = nil) async throws(TransportError) -> Member {
        if let known = members[id] { return known }
        let fallback = Member(name: label ?? id, handle: nil)
        if namesUnavailable { return fallback }
        switch try await client.answer(get: "users.info", query: [("user", id)], as: SlackWire.UserInfo.self) {
        case .ok(let info):
            let user = info.user
            let candidates = [user?.profile?.display_name, user?.real_name, user?.profile?.real_name, user?.name, label]
            let name = candidates.compactMap { $0?.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty } ?? id
            let handle = user?.name.flatMap { $0.isEmpty ? nil : $0 }
            let member = Member(name: name, handle: handle)
            members[id] = member
            return member
        case .refused(let refusal) where refusal.code == "missing_scope":
            // Names are a nicety: without users:read the bot still works, naming people by their user id.
            if !namesUnavailable {
                namesUnavailable = true
                logger.warning("the Slack app lacks the users:read scope; members are named by their user id until it is added",
                    metadata: ["needed": "\(refusal.needed ?? "users:read")"])
            }
            return fallback
        case .refused(let refusal) where refusal.code == "user_not_found" || refusal.code == "user_not_visible":
            members[id] = fallback
            return fallback
        case .refused(let refusal):
            throw client.failure(refusal, "slack users.info", for: .channel)
        }
    }

    // MARK: - Sending

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let target: String
        var thread: String?
        var purpose = CallPurpose.posting
        switch message.destination {
        case .channel:
            target = channel
        case .thread(let root):
            target = channel
            thread = root
        case .direct(let user):
            target = try await directChannel(with: user)
            purpose = .direct
        }
        // No `link_names`: Slack then pings only `<@U…>` and `<!…>` tokens, which escaped user text never holds.
        return try await ledger.deliver(Self.splitter.split(message.text), key: key, splitter: Self.splitter) { _, part throws(TransportError) in
            try await client.call(post: "chat.postMessage", body: SlackWire.PostMessage(channel: target, text: part, thread_ts: thread),
                as: SlackWire.Posted.self, label: "slack chat.postMessage", for: purpose).ts
        }
    }

    func openDirectConversation(with user: String) async throws(TransportError) -> String {
        let opened = try await client.call(post: "conversations.open", body: SlackWire.Open(users: user),
            as: SlackWire.Opened.self, label: "slack conversations.open", for: .direct)
        guard let id = opened.channel?.id, !id.isEmpty else {
            throw .temporary(reason: "slack conversations.open: the answer had no channel id")
        }
        return id
    }
}
