import CoachChat
import CoachCore
import Foundation
import Logging

/// Slack through the Web API: polls one channel's history plus the replies in watched threads, posts with
/// `chat.postMessage`, and sends private nudges through `conversations.open`.
public final class SlackTransport: PlatformTransport, @unchecked Sendable {
    // @unchecked: the caches below are only touched under `lock`; everything else is immutable.

    public static let entry = PlatformEntry(kind: "slack", twoWay: true) { settings, context throws(PlatformSetupError) in
        try SlackTransport(settings: settings, context: context)
    }

    public let name = "slack"
    public let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .slack)
    public let pacing: PollPacing

    let web: any WebClient
    let logger: Logger
    let api: URL
    let token: String
    let tokenVariable: String
    let channel: String
    let readsBacklog: Bool
    /// Messages per history or replies page (Slack's `limit`).
    let pageSize: Int
    /// Pages one poll reads from one stream before it returns what it may and continues on the next poll.
    let maxPages: Int
    /// Slack answers at once; this only bounds a hung connection.
    let requestTimeout: Duration
    let configBotName: String
    /// Slack shows up to 4,000 characters of `text` as one message and truncates far longer ones.
    let splitter = MessageSplitter(limit: 4000, measure: .characters, markup: .slack)
    let ledger = PartsLedger()

    /// Message subtypes that are a person writing; joins, topic changes, edits and other apps' posts are not.
    static let userSubtypes: Set<String> = ["thread_broadcast", "file_share", "me_message"]

    private let lock = NSLock()
    private var identityCache: Identity?
    private var members: [String: Member] = [:]
    private var directChannels: [String: String] = [:]
    private var namesUnavailable = false

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

    init(settings: PlatformSettings, context: PlatformContext, requestTimeout: Duration = .seconds(30), maxPages: Int = 10)
        throws(PlatformSetupError)
    {
        try settings.validateKeys(["channel", "tokenEnv", "pageSize"])
        let channel = try settings.required("channel", hint: "the channel ID, e.g. C0123456789 (in Slack: channel details → About)")
        guard channel.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
            throw .invalidSetting(kind: settings.kind, key: "channel", value: channel,
                hint: "use the channel ID (channel details → About, e.g. C0123456789), not the channel's name")
        }
        self.channel = channel
        (token, tokenVariable) = try settings.namedSecret("tokenEnv", defaultVariable: "SLACK_BOT_TOKEN", what: "bot token (xoxb-…)")
        api = try settings.url(default: "https://slack.com/api", hint: "the Slack Web API root")
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
        self.requestTimeout = requestTimeout
        web = context.web
        logger = context.logger
        configBotName = context.botName
    }

    var failures: SlackFailures {
        SlackFailures(channel: channel, inviteName: lock.withLock { identityCache?.userName } ?? configBotName)
    }

    // MARK: - Calls

    /// A Web API answer: the decoded body, or the `ok:false` code Slack gave.
    enum Answer<T> {
        case ok(T)
        case refused(code: String, needed: String?, retryAfter: Duration?)
    }

    func request(_ method: String, query: [(String, String)]) -> WebRequest {
        WebRequest(url: api.appending(segments: method).adding(query: query),
            headers: ["Authorization": "Bearer \(token)"], timeout: requestTimeout, label: "slack \(method)")
    }

    func request(_ method: String, body: some Encodable) -> WebRequest {
        .json(url: api.appending(segments: method), headers: ["Authorization": "Bearer \(token)"], body: body,
            timeout: requestTimeout, label: "slack \(method)")
    }

    /// Reads an answer: HTTP failures throw (429 with its `Retry-After`), `ok:false` comes back as `.refused`.
    func interpret<T: Decodable>(_ response: WebResponse, _ label: String, as type: T.Type) throws(TransportError) -> Answer<T> {
        if let failure = response.failure(label) { throw failure }
        let answer = try response.decode(SlackAnswer.self, label)
        guard answer.ok else {
            return .refused(code: answer.error ?? "unknown_error", needed: answer.needed, retryAfter: response.retryAfterHeader())
        }
        return .ok(try response.decode(T.self, label))
    }

    func ask<T: Decodable>(_ request: WebRequest, as type: T.Type) async throws(TransportError) -> Answer<T> {
        try interpret(try await web.send(request), request.label, as: type)
    }

    /// A call whose every refusal is a failure.
    func call<T: Decodable>(_ request: WebRequest, as type: T.Type, direct: Bool = false) async throws(TransportError) -> T {
        switch try await ask(request, as: type) {
        case .ok(let value):
            return value
        case .refused(let code, let needed, let retryAfter):
            throw failures.failure(code: code, needed: needed, request.label, retryAfter: retryAfter, direct: direct)
        }
    }

    /// The bot's own user and bot ids, asked once: they mark the bot's own messages and its mentions.
    func identity() async throws(TransportError) -> Identity {
        if let known = lock.withLock({ identityCache }) { return known }
        let answer = try await call(request("auth.test", query: []), as: SlackAuthTest.self)
        return try remember(answer)
    }

    private func remember(_ answer: SlackAuthTest) throws(TransportError) -> Identity {
        guard let userID = answer.user_id, !userID.isEmpty else {
            throw .temporary(reason: "slack auth.test: the answer had no user_id")
        }
        let identity = Identity(userID: userID, botID: answer.bot_id, userName: answer.user, team: answer.team)
        lock.withLock { identityCache = identity }
        return identity
    }

    // MARK: - Polling

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let me = try await identity()
        let cursor: SlackCursor
        if let text = request.cursor, let known = SlackCursor.decode(text) {
            cursor = known
        } else if request.cursor == nil && readsBacklog {
            cursor = SlackCursor(channel: SlackStream(ts: "0"))
        } else {
            if request.cursor != nil {
                logger.warning("the stored Slack cursor is unreadable; starting again from the channel's newest message")
            }
            // "Now" is the newest message's ts. An empty channel starts at "0": whatever appears later is new.
            let newest = try await newestTimestamp()
            return PollBatch(messages: [], cursor: SlackCursor(channel: SlackStream(ts: newest ?? "0")).encoded())
        }

        var next = SlackCursor(channel: cursor.channel)
        var raw: [(SlackMessage, String?)] = []
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
        return PollBatch(messages: messages, cursor: next.encoded())
    }

    /// The channel's newest message ts, or nil for an empty channel.
    func newestTimestamp() async throws(TransportError) -> String? {
        let page = try await call(request("conversations.history", query: [("channel", channel), ("limit", "1")]), as: SlackPage.self)
        return (page.messages ?? []).compactMap(\.ts).filter(SlackTimestamp.isValid).max(by: SlackTimestamp.less)
    }

    func historyPage(oldest: String, latest: String?, page: String?) async throws(TransportError) -> SlackPage {
        var query = [("channel", channel), ("oldest", oldest), ("limit", String(pageSize))]
        if let latest { query.append(("latest", latest)) }
        if let page { query.append(("cursor", page)) }
        return try await call(request("conversations.history", query: query), as: SlackPage.self)
    }

    func repliesPage(root: String, oldest: String, latest: String?, page: String?) async throws(TransportError) -> SlackPage {
        var query = [("channel", channel), ("ts", root), ("oldest", oldest), ("limit", String(pageSize))]
        if let latest { query.append(("latest", latest)) }
        if let page { query.append(("cursor", page)) }
        let request = request("conversations.replies", query: query)
        switch try await ask(request, as: SlackPage.self) {
        case .ok(let page):
            return page
        case .refused("thread_not_found", _, _):
            // The announcement was deleted: nothing more will arrive in its thread.
            return SlackPage(ok: true, messages: [], has_more: false)
        case .refused(let code, let needed, let retryAfter):
            throw failures.failure(code: code, needed: needed, request.label, retryAfter: retryAfter, direct: false)
        }
    }

    /// Reads one stream's messages after `stream.ts` (and before `stream.below`), at most `maxPages` pages.
    ///
    /// Returns them oldest first with where the stream stands after them. When the pages run out before the messages
    /// do, it never skips any: if Slack paged from the newest down, the unread part is older than everything held, so
    /// nothing is returned and the next poll reads below the lowest one held first; if Slack paged from the oldest up,
    /// what is held follows on from the stream and is returned.
    func read(_ stream: SlackStream, excluding root: String? = nil,
        page fetch: (_ page: String?, _ latest: String?) async throws(TransportError) -> SlackPage
    ) async throws(TransportError) -> (messages: [SlackMessage], stream: SlackStream) {
        var held: [String: SlackMessage] = [:]
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
    func inbound(_ message: SlackMessage, me: Identity, threadRoot: String?) async throws(TransportError) -> InboundMessage? {
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
        if let known = lock.withLock({ members[id] }) { return known }
        let fallback = Member(name: label ?? id, handle: nil)
        if lock.withLock({ namesUnavailable }) { return fallback }
        let request = request("users.info", query: [("user", id)])
        switch try await ask(request, as: SlackUserInfo.self) {
        case .ok(let info):
            let user = info.user
            let candidates = [user?.profile?.display_name, user?.real_name, user?.profile?.real_name, user?.name, label]
            let name = candidates.compactMap { $0?.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty } ?? id
            let handle = user?.name.flatMap { $0.isEmpty ? nil : $0 }
            let member = Member(name: name, handle: handle)
            lock.withLock { members[id] = member }
            return member
        case .refused("missing_scope", let needed, _):
            // Names are a nicety: without users:read the bot still works, naming people by their user id.
            let first = lock.withLock { () -> Bool in
                defer { namesUnavailable = true }
                return !namesUnavailable
            }
            if first {
                logger.warning("the Slack app lacks the users:read scope; members are named by their user id until it is added",
                    metadata: ["needed": "\(needed ?? "users:read")"])
            }
            return fallback
        case .refused(let code, _, _) where code == "user_not_found" || code == "user_not_visible":
            lock.withLock { members[id] = fallback }
            return fallback
        case .refused(let code, let needed, let retryAfter):
            throw failures.failure(code: code, needed: needed, request.label, retryAfter: retryAfter, direct: false)
        }
    }

    // MARK: - Sending

    struct PostMessage: Encodable {
        var channel: String
        var text: String
        var thread_ts: String?
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let target: String
        var thread: String?
        var direct = false
        switch message.destination {
        case .channel:
            target = channel
        case .thread(let root):
            target = channel
            thread = root
        case .direct(let user):
            target = try await directChannel(for: user)
            direct = true
        }
        // No `link_names`: Slack then pings only `<@U…>` and `<!…>` tokens, which escaped user text never holds.
        return try await ledger.deliver(splitter.split(message.text), key: key) { _, part throws(TransportError) in
            let posted = try await self.call(
                self.request("chat.postMessage", body: PostMessage(channel: target, text: part, thread_ts: thread)),
                as: SlackPosted.self, direct: direct)
            return posted.ts
        }
    }

    /// The private conversation with a member, opened once per member and kept for the run.
    func directChannel(for user: String) async throws(TransportError) -> String {
        if let known = lock.withLock({ directChannels[user] }) { return known }
        let opened = try await call(request("conversations.open", body: ["users": user]), as: SlackOpened.self, direct: true)
        guard let id = opened.channel?.id, !id.isEmpty else {
            throw .temporary(reason: "slack conversations.open: the answer had no channel id")
        }
        lock.withLock { directChannels[user] = id }
        return id
    }

    // MARK: - Check

    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        let me: Identity
        do {
            let authRequest = request("auth.test", query: [])
            let response = try await web.send(authRequest)
            switch try interpret(response, authRequest.label, as: SlackAuthTest.self) {
            case .ok(let answer):
                me = try remember(answer)
                let team = answer.team.map { " in the \($0) workspace" } ?? ""
                findings.append(.ok("token", "signed in as @\(me.userName ?? me.userID) (\(me.userID))\(team)"))
                findings += scopeFindings(response.header("x-oauth-scopes"))
            case .refused(let code, let needed, let retryAfter):
                findings.append(.problem("token", tokenProblem(code, needed: needed, retryAfter: retryAfter)))
                return findings
            }
        } catch {
            findings.append(.problem("token", "could not ask Slack who the token belongs to: \(error)"))
            return findings
        }

        let newest: String?
        do {
            let historyRequest = request("conversations.history", query: [("channel", channel), ("limit", "1")])
            switch try await ask(historyRequest, as: SlackPage.self) {
            case .ok(let page):
                newest = page.messages?.compactMap(\.ts).first
                findings.append(.ok("channel", "the bot can read channel \(channel)" + (newest == nil ? " (no messages yet)" : "")))
            case .refused(let code, let needed, _):
                findings.append(.problem("channel", channelProblem(code, needed: needed, bot: me.userName ?? configBotName)))
                return findings
            }
        } catch {
            findings.append(.problem("channel", "could not read channel \(channel): \(error)"))
            return findings
        }

        // Replies in the announcement's thread count as examples; some token types cannot read channel threads.
        if let newest {
            do {
                let repliesRequest = request("conversations.replies", query: [("channel", channel), ("ts", newest), ("limit", "1")])
                switch try await ask(repliesRequest, as: SlackPage.self) {
                case .ok, .refused("thread_not_found", _, _):
                    findings.append(.ok("threads", "the bot can read thread replies"))
                case .refused(let code, let needed, _):
                    findings.append(.warning("threads",
                        "the bot cannot read thread replies (\(code)\(needed.map { ", needs \($0)" } ?? "")): replies in the announcement's thread will not count as examples, though !example still works"))
                }
            } catch {
                findings.append(.warning("threads", "could not test reading thread replies: \(error)"))
            }
        }
        return findings
    }

    /// What the granted scopes (Slack's `X-OAuth-Scopes` header) mean for the bot.
    func scopeFindings(_ header: String?) -> [CheckFinding] {
        guard let header else { return [] }
        let scopes = Set(header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        var findings: [CheckFinding] = []
        let fix = "add it under OAuth & Permissions → Bot Token Scopes, reinstall the app and export the new token"
        if !scopes.contains("chat:write") {
            findings.append(.problem("scopes", "the token lacks chat:write, so the bot cannot post: \(fix)"))
        }
        if !scopes.contains("users:read") {
            findings.append(.warning("scopes", "the token lacks users:read, so members appear under their Slack user ids instead of their names: \(fix)"))
        }
        if !scopes.contains("im:write") {
            findings.append(.warning("scopes", "the token lacks im:write, so private nudges are dropped (and logged); everything else works: \(fix)"))
        }
        if findings.isEmpty { findings.append(.ok("scopes", "chat:write, users:read and im:write are granted")) }
        return findings
    }

    func tokenProblem(_ code: String, needed: String?, retryAfter: Duration?) -> String {
        if SlackFailures.badToken.contains(code) {
            return "Slack refused the token (\(code)): export the app's Bot User OAuth Token (xoxb-…, from OAuth & Permissions) in \(tokenVariable)"
        }
        return failures.failure(code: code, needed: needed, "slack auth.test", retryAfter: retryAfter, direct: false).description
    }

    func channelProblem(_ code: String, needed: String?, bot: String) -> String {
        switch code {
        case "not_in_channel":
            return "the bot is not a member of channel \(channel): open the channel in Slack, type /invite @\(bot), then run coach check again"
        case "channel_not_found":
            return "Slack finds no channel \(channel) that the bot can see: put the channel ID (channel details → About, starts with C or G) in transport.settings.channel; for a private channel, invite the bot first with /invite @\(bot)"
        case "missing_scope":
            return "the app lacks the \(needed ?? "channels:history") scope needed to read the channel (channels:history for public channels, groups:history for private ones): add it under OAuth & Permissions → Bot Token Scopes and reinstall the app"
        default:
            return failures.failure(code: code, needed: needed, "slack conversations.history", retryAfter: nil, direct: false).description
        }
    }
}
