import CoachChat
import CoachCore
import Foundation
import Logging

/// Discord over REST v10, polled: the channel's messages after the newest snowflake read, the Discord threads
/// started from this week's announcement, and the private conversations the bot opened.
///
/// Threads: a reply to the announcement (Discord's "Reply", a `message_reference`) counts as a reply in its thread,
/// and so does a message in a Discord thread created from the announcement (a thread channel whose id is the
/// announcement's id). The bot answers inside that Discord thread when one exists, otherwise as a reply to the
/// announcement in the channel. Every send carries the delivery key as its `nonce` with `enforce_nonce`, so a retry
/// within Discord's few-minute window returns the message already posted.
public actor DiscordTransport: PlatformTransport {
    public static let entry = PlatformEntry(kind: "discord", twoWay: true) { settings, context throws(PlatformSetupError) in
        try DiscordTransport(settings: settings, context: context)
    }

    static let settingKeys: Set<String> = ["channel", "tokenEnv"]
    static let defaultAPI = "https://discord.com/api/v10"
    static let userAgent = "DiscordBot (https://github.com/servicecoach, 1.0)"
    /// Discord's cap per page.
    static let pageSize = 100
    /// Pages read per poll; the runtime polls again at once when messages came back.
    static let pagesPerPoll = 5
    /// A watched announcement without a Discord thread is looked at again every this many polls.
    static let threadRecheckPolls = 10
    static let messageLimit = 2000
    static let nonceLimit = 25

    public nonisolated let name = "discord"
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .markdown)
    public nonisolated let pacing: PollPacing

    let api: URL
    let channel: String
    let tokenVariable: String
    let token: String
    let readsBacklog: Bool
    let web: any WebClient
    let logger: Logger
    let requestTimeout: Duration
    let ledger = PartsLedger()
    let splitter = MessageSplitter(limit: DiscordTransport.messageLimit, measure: .characters, markup: .markdown)

    /// The bot's own user, learned on first use.
    var me: DiscordWire.User?
    /// Private channels by user id, opened once per run.
    var directChannels: [String: String] = [:]
    /// The private conversations the bot opened and reads back.
    var directConversations = DirectConversations()
    /// Whether a Discord thread exists on a watched announcement, as the last look found.
    var threadChannels: [String: Bool] = [:]
    var polls = 0
    /// The bot's managed role in the server: Discord's suggestions offer it next to the bot itself, and people pick
    /// it to address the bot. Looked up once per run.
    var botRole: String?
    var lookedUpRole = false

    init(settings: PlatformSettings, context: PlatformContext, requestTimeout: Duration = .seconds(30)) throws(PlatformSetupError) {
        try settings.validateKeys(Self.settingKeys)
        api = try settings.url(default: Self.defaultAPI, hint: "Discord's API root")
        channel = try settings.required("channel", hint: "the channel id (Discord: Developer Mode on, then right-click the channel > Copy Channel ID)")
        guard Snowflake.isValid(channel) else {
            throw .invalidSetting(kind: "discord", key: "channel", value: channel, hint: "a Discord channel id is a number such as 1234567890123456789")
        }
        (token, tokenVariable) = try settings.namedSecret("tokenEnv", defaultVariable: "DISCORD_BOT_TOKEN", what: "bot token")
        readsBacklog = try settings.readsBacklog()
        pacing = .every(try settings.seconds("pollSeconds", default: 3, range: 1...300))
        web = context.web
        logger = context.logger
        self.requestTimeout = requestTimeout
    }

    /// Where a message was read.
    enum Origin {
        case channel
        case thread(root: String)
        case direct
    }

    // MARK: - Polling

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let me = try await identity()
        polls += 1
        if !lookedUpRole {
            lookedUpRole = true
            botRole = await lookUpBotRole(me)
        }
        guard var cursor = DiscordCursor(request.cursor), cursor.channel == channel else {
            return try await firstStart(me)
        }
        let watched = Set(request.threads.filter(Snowflake.isValid))
        var found: [(message: DiscordWire.Message, origin: Origin)] = []

        let main = try await read(channel, after: cursor.after, pages: Self.pagesPerPoll, label: "discord channel messages", place: .mainChannel)
        found += main.messages.map { ($0, .channel) }
        cursor.after = main.last

        var threads: [String: String] = [:]
        for root in watched.sorted() {
            let known = cursor.threads?[root]
            if known == nil, threadChannels[root] == false, !polls.isMultiple(of: Self.threadRecheckPolls) { continue }
            do throws(TransportError) {
                // A thread started from a message has the message's id, and everything in it is newer.
                let page = try await read(root, after: known ?? root, pages: Self.pagesPerPoll, label: "discord thread messages", place: .optional)
                threadChannels[root] = true
                threads[root] = page.last
                found += page.messages.map { ($0, .thread(root: root)) }
            } catch .rateLimited(let wait) {
                throw .rateLimited(retryAfter: wait)
            } catch .temporary(let reason) {
                throw .temporary(reason: reason)
            } catch {
                // No thread on this announcement (yet), or one the bot may not read: replies still count.
                threadChannels[root] = false
            }
        }
        cursor.threads = threads.isEmpty ? nil : threads

        let privately = try await DirectConversations.read(directConversations.plan(committed: cursor.direct), platform: "discord", logger: logger) {
            conversation throws(TransportError) in
            try await read(conversation.channel, after: conversation.after, pages: 1, label: "discord private messages", place: .optional)
        }
        found += privately.messages.map { ($0, .direct) }
        cursor.direct = privately.places

        // One timeline for the engine: snowflakes order messages across channels by creation time.
        found.sort { Snowflake.precedes($0.message.id, $1.message.id) }
        let messages = found.compactMap { inbound($0.message, origin: $0.origin, me: me, watched: watched) }
        return PollBatch(messages: messages, cursor: cursor.encoded)
    }

    /// Notes where "now" is: the newest message's id, or the channel's own id (older than anything in it) when the
    /// channel is empty.
    func firstStart(_ me: DiscordWire.User) async throws(TransportError) -> PollBatch {
        let label = "discord channel messages"
        let response = try await get(["channels", channel, "messages"], query: [("limit", readsBacklog ? "\(Self.pageSize)" : "1")], label: label)
        if let failure = failure(response, label, place: .mainChannel) { throw failure }
        let page = try response.decode([DiscordWire.Message].self, label).sorted { Snowflake.precedes($0.id, $1.id) }
        var cursor = DiscordCursor(channel: channel, after: page.last?.id ?? channel)
        cursor.direct = directConversations.pendingForCursor
        let messages = readsBacklog ? page.compactMap { inbound($0, origin: .channel, me: me, watched: []) } : []
        return PollBatch(messages: messages, cursor: cursor.encoded)
    }

    /// The messages after `after` in one channel, oldest first, and the newest id read.
    func read(_ channelID: String, after: String, pages: Int, label: String, place: Place) async throws(TransportError)
        -> (messages: [DiscordWire.Message], last: String)
    {
        var collected: [DiscordWire.Message] = []
        var position = after
        for _ in 0..<pages {
            let response = try await get(["channels", channelID, "messages"],
                query: [("after", position), ("limit", "\(Self.pageSize)")], label: label)
            if let failure = failure(response, label, place: place) { throw failure }
            let page = try response.decode([DiscordWire.Message].self, label)
            // Discord lists newest first, and its order is not guaranteed for equal timestamps: sort by id.
            let sorted = page.filter { Snowflake.precedes(position, $0.id) }.sorted { Snowflake.precedes($0.id, $1.id) }
            collected += sorted
            if let last = sorted.last { position = last.id }
            if page.count < Self.pageSize || sorted.isEmpty { break }
        }
        return (collected, position)
    }

    /// A Discord message as the engine's message; nil for system messages (joins, pins, thread notices).
    func inbound(_ message: DiscordWire.Message, origin: Origin, me: DiscordWire.User, watched: Set<String>) -> InboundMessage? {
        guard message.type == 0 || message.type == 19 else { return nil }
        let author = message.author
        let fromBot = author?.id == me.id || author?.bot == true || message.webhookID != nil
        var text = message.content
        var addressed = false
        if let rest = Self.strippingLeadingMention(of: me.id, role: botRole, from: text) {
            text = rest
            addressed = true
        }
        let names = Dictionary(message.mentions.map { ($0.id, $0.displayName) }, uniquingKeysWith: { first, _ in first })
        let (plain, mentioned) = Self.rewritingMentions(text)
        var mentions: [String: String] = [:]
        var mentionedNames: [String: String] = [:]
        for id in mentioned {
            mentions[id] = id
            if let name = names[id] { mentionedNames[id] = name }
        }
        var root: String?
        var direct = false
        switch origin {
        case .thread(let threadRoot):
            root = threadRoot
        case .direct:
            direct = true
        case .channel:
            if message.type == 19, let reference = message.messageReference, (reference.type ?? 0) == 0,
                let target = reference.messageID
            {
                // A reply to a reply in the announcement's conversation still belongs to the announcement.
                let above = message.referencedMessage?.messageReference?.messageID
                root = !watched.contains(target) && above.map(watched.contains) == true ? above : target
            }
        }
        return InboundMessage(
            id: message.id, senderID: author?.id ?? "", senderName: author?.displayName ?? "",
            senderHandle: author?.username, text: plain, threadRootID: root, isDirect: direct, addressed: addressed,
            mentions: mentions, mentionedNames: mentionedNames, fromBot: fromBot)
    }

    // MARK: - Sending

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = splitter.split(message.text)
        let target: String
        let reference: String?
        let directUser: String?
        switch message.destination {
        case .channel:
            (target, reference, directUser) = (channel, nil, nil)
        case .thread(let root) where threadChannels[root] == true:
            (target, reference, directUser) = (root, nil, nil)
        case .thread(let root):
            (target, reference, directUser) = (channel, root, nil)
        case .direct(let userID):
            (target, reference, directUser) = (try await directChannel(with: userID), nil, userID)
        }
        let parent = channel
        let first = try await ledger.deliver(parts, key: key) { @Sendable index, part throws(TransportError) in
            let nonce = Self.nonce(key, index)
            let label = "discord create message"
            var response = try await self.post(["channels", target, "messages"],
                body: DiscordWire.NewMessage(content: part, nonce: nonce, messageReference: reference.map(Self.reply)), label: label)
            if response.status == 404, target != parent, directUser == nil {
                // The announcement's Discord thread was deleted: answer as a reply in the channel instead.
                await self.forgetThread(target)
                response = try await self.post(["channels", parent, "messages"],
                    body: DiscordWire.NewMessage(content: part, nonce: nonce, messageReference: Self.reply(target)), label: label)
            }
            if let failure = self.failure(response, label, place: directUser == nil ? .sending : .direct) { throw failure }
            return try response.decode(DiscordWire.Created.self, label).id
        }
        if let directUser, let first {
            // Read the conversation from the bot's message on, so the member's answer reaches the engine.
            directConversations.opened(user: directUser, channel: target, after: first)
        }
        return first
    }

    func forgetThread(_ root: String) { threadChannels[root] = false }

    /// The bot's managed role, or nil when there is none or it cannot be read: addressing by role is a nicety, so
    /// no failure here holds a poll back.
    func lookUpBotRole(_ me: DiscordWire.User) async -> String? {
        do throws(TransportError) {
            let channelResponse = try await get(["channels", channel], label: "discord channel")
            guard channelResponse.isSuccess,
                let guild = try channelResponse.decode(DiscordWire.Channel.self, "discord channel").guildID
            else { return nil }
            let rolesResponse = try await get(["guilds", guild, "roles"], label: "discord roles")
            guard rolesResponse.isSuccess else { return nil }
            return try rolesResponse.decode([DiscordWire.Role].self, "discord roles").first { $0.tags?.botID == me.id }?.id
        } catch {
            logger.notice("discord: could not look up the bot's role; mentions of the role will not address the bot", metadata: ["reason": "\(error)"])
            return nil
        }
    }

    static func reply(_ messageID: String) -> DiscordWire.Reference {
        DiscordWire.Reference(messageID: messageID, type: nil, failIfNotExists: false)
    }

    /// The private channel with a member, opened once per run.
    func directChannel(with userID: String) async throws(TransportError) -> String {
        if let known = directChannels[userID] { return known }
        let label = "discord open private channel"
        let response = try await post(["users", "@me", "channels"], body: DiscordWire.OpenDirect(recipientID: userID), label: label)
        if let failure = failure(response, label, place: .direct) { throw failure }
        let opened = try response.decode(DiscordWire.Channel.self, label)
        directChannels[userID] = opened.id
        return opened.id
    }

    /// The nonce for one part, at most 25 characters: the key (with a part number after the first part), or a
    /// stable hash of it when that is longer.
    static func nonce(_ key: String, _ index: Int) -> String {
        let candidate = index == 0 ? key : "\(key).\(index + 1)"
        if candidate.utf8.count <= nonceLimit { return candidate }
        return "k" + String(fnv1a(candidate), radix: 16) + String(fnv1a(String(candidate.reversed())), radix: 16).prefix(8)
    }

    /// FNV-1a, 64 bits: stable across runs and machines (Swift's own hashing is seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    // MARK: - check

    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        let me: DiscordWire.User
        do throws(TransportError) {
            me = try await identity()
            findings.append(.ok("token", "signed in as \(me.displayName) (bot user \(me.id))"))
        } catch {
            return [checkProblem("token", error)]
        }
        findings.append(await checkIntent())
        do throws(TransportError) {
            let response = try await get(["channels", channel], label: "discord channel")
            switch response.status {
            case 403:
                findings.append(.problem("channel", "the bot lacks View Channel in channel \(channel): give its role View Channel, Read Message History, Send Messages and Send Messages in Threads there"))
                return findings
            case 404:
                findings.append(.problem("channel", "no channel \(channel) is visible to the bot: invite the bot to the server (Developer Portal > OAuth2 > URL Generator, scope bot), then copy the channel id (Developer Mode, right-click the channel > Copy Channel ID)"))
                return findings
            default:
                if let failure = failure(response, "discord channel", place: .mainChannel) { throw failure }
            }
            let info = try response.decode(DiscordWire.Channel.self, "discord channel")
            let messages = try await get(["channels", channel, "messages"], query: [("limit", "1")], label: "discord channel messages")
            switch messages.status {
            case 403:
                findings.append(.problem("channel", "the bot lacks View Channel / Read Message History in that channel: give its role both in #\(info.name ?? channel)'s permissions"))
                return findings
            case 404:
                findings.append(.problem("channel", "channel \(channel) has no messages to read: use a text channel's id in transport.settings.channel"))
                return findings
            default:
                if let failure = failure(messages, "discord channel messages", place: .mainChannel) { throw failure }
            }
            _ = try messages.decode([DiscordWire.Message].self, "discord channel messages")
            findings.append(.ok("channel", "can read #\(info.name ?? channel) (\(channel)); it also needs Send Messages and Send Messages in Threads there, which Discord only shows by posting"))
        } catch {
            findings.append(checkProblem("channel", error))
        }
        return findings
    }

    /// Whether the Message Content intent is on: without it Discord hands a bot empty text for every message that
    /// does not mention it. The application's flags say so.
    func checkIntent() async -> CheckFinding {
        let fix = "Developer Portal > your application > Bot > Privileged Gateway Intents > turn on Message Content Intent"
        do throws(TransportError) {
            let response = try await get(["applications", "@me"], label: "discord application")
            if let failure = failure(response, "discord application", place: .optional) { throw failure }
            let application = try response.decode(DiscordWire.Application.self, "discord application")
            if let flags = application.flags, flags & DiscordWire.messageContentFlags == 0 {
                return .problem("intent", "the Message Content intent is off, so the bot reads only messages that mention it: \(fix)")
            }
            return .ok("intent", "the Message Content intent is on")
        } catch {
            return .warning("intent", "could not read the application's settings (\(error)); make sure the Message Content intent is on: \(fix)")
        }
    }

    func checkProblem(_ subject: String, _ error: TransportError) -> CheckFinding {
        switch error {
        case .unauthorized(let reason) where reason.contains("HTTP 401"):
            return .problem(subject, "the token in \(tokenVariable) was refused: copy the bot token (Developer Portal > your application > Bot > Reset Token) and export it as \(tokenVariable)")
        case .unauthorized(let reason), .rejected(let reason):
            return .problem(subject, reason)
        case .rateLimited(let wait):
            return .problem(subject, "Discord asked to slow down (retry after \(wait)); run the check again shortly")
        case .temporary(let reason):
            return .problem(subject, "could not reach Discord at \(api.absoluteString): \(reason)")
        case .closed:
            return .problem(subject, "the connection closed")
        }
    }

    // MARK: - HTTP

    func identity() async throws(TransportError) -> DiscordWire.User {
        if let me { return me }
        let label = "discord users/@me"
        let response = try await get(["users", "@me"], label: label)
        if let failure = failure(response, label, place: .mainChannel) { throw failure }
        let user = try response.decode(DiscordWire.User.self, label)
        me = user
        return user
    }

    nonisolated func get(_ path: [String], query: [(String, String)] = [], label: String) async throws(TransportError) -> WebResponse {
        try await web.send(WebRequest(url: url(path).adding(query: query), headers: headers, timeout: requestTimeout, label: label))
    }

    nonisolated func post(_ path: [String], body: some Encodable, label: String) async throws(TransportError) -> WebResponse {
        try await web.send(.json(url: url(path), headers: headers, body: body, timeout: requestTimeout, label: label))
    }

    nonisolated func url(_ path: [String]) -> URL {
        var url = api
        // `@me` is a literal path segment; percent-encoding its `@` is harmless, but keep it readable in logs.
        for segment in path { url = segment == "@me" ? url.appendingPathComponent("@me") : url.appending(segments: segment) }
        return url
    }

    nonisolated var headers: [String: String] {
        ["Authorization": "Bot \(token)", "User-Agent": Self.userAgent, "Accept": "application/json"]
    }

    /// Where a call was going, which decides what a refusal means.
    enum Place {
        /// The configured channel (and the bot's own account): a refusal is a setup problem only a person fixes.
        case mainChannel
        /// Posting in the channel or its threads.
        case sending
        /// A private conversation: a refusal drops that one message.
        case direct
        /// A thread or conversation the bot merely looks at: a refusal means "not there".
        case optional
    }

    /// Discord's reading of a failed call, then the shared one. A 429 waits the body's `retry_after` exactly
    /// (fractional seconds), falling back to the `Retry-After` header.
    nonisolated func failure(_ response: WebResponse, _ label: String, place: Place) -> TransportError? {
        guard !response.isSuccess else { return nil }
        let body = try? JSONDecoder().decode(DiscordWire.Failure.self, from: response.body)
        let detail = body.map { "\($0.message ?? "") (code \($0.code ?? 0))" } ?? response.bodyExcerpt
        switch (response.status, place) {
        case (429, _):
            let wait = body?.retryAfter.flatMap { Duration.platformWait(seconds: $0) }
            return .rateLimited(retryAfter: wait ?? response.retryAfterHeader() ?? .seconds(60))
        case (401, _):
            return .unauthorized(reason: "\(label): HTTP 401, the token in \(tokenVariable) was refused (\(detail)); reset the bot token in the Developer Portal and export it")
        case (403, .direct), (400, .direct), (404, .direct):
            if body?.code == DiscordWire.Code.cannotMessageUser {
                return .rejected(reason: "\(label): Discord will not deliver private messages to this user (they share no server with the bot or block direct messages) (\(detail))")
            }
            return .rejected(reason: "\(label): HTTP \(response.status) \(detail)")
        case (403, .sending):
            return .unauthorized(reason: "\(label): HTTP 403, the bot lacks Send Messages (or Send Messages in Threads) in channel \(channel) (\(detail))")
        case (403, .mainChannel):
            return .unauthorized(reason: "\(label): HTTP 403, the bot lacks View Channel / Read Message History in channel \(channel) (\(detail))")
        case (404, .mainChannel), (404, .sending):
            return .unauthorized(reason: "\(label): HTTP 404, no channel \(channel) is visible to the bot: check transport.settings.channel and that the bot was invited to the server (\(detail))")
        default:
            return response.failure(label, detail: detail)
        }
    }

    // MARK: - Text

    /// The text after a leading mention of the bot (`<@id>`, `<@!id>` or its role `<@&role>`, and the `:` or `,`
    /// after it), or nil.
    static func strippingLeadingMention(of botID: String, role: String? = nil, from text: String) -> String? {
        let trimmed = text.drop { $0.isWhitespace }
        let forms = ["<@\(botID)>", "<@!\(botID)>"] + (role.map { ["<@&\($0)>"] } ?? [])
        for form in forms where trimmed.hasPrefix(form) {
            return String(trimmed.dropFirst(form.count).drop { $0 == ":" || $0 == "," || $0.isWhitespace })
        }
        return nil
    }

    /// `<@123>` and `<@!123>` become `@123`; returns the text and the mentioned ids in order. Role (`<@&…>`) and
    /// channel (`<#…>`) mentions stay as they are.
    static func rewritingMentions(_ text: String) -> (String, [String]) {
        var out = ""
        var ids: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<@") {
            out += rest[..<open.lowerBound]
            var after = rest[open.upperBound...]
            if after.first == "!" { after = after.dropFirst() }
            let digits = after.prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, after.dropFirst(digits.count).first == ">" {
                out += "@" + digits
                if !ids.contains(String(digits)) { ids.append(String(digits)) }
                rest = after.dropFirst(digits.count + 1)
            } else {
                out += "<@"
                rest = rest[open.upperBound...]
            }
        }
        return (out + rest, ids)
    }
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
struct DiscordCursor: Codable, Equatable {
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

    init?(_ text: String?) {
        guard let text, let cursor = try? JSONDecoder().decode(DiscordCursor.self, from: Data(text.utf8)) else { return nil }
        self = cursor
    }

    var encoded: String {
        (try? JSONEncoder.platform.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
