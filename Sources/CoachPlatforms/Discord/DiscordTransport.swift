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
public actor DiscordTransport: PollingTransport, OpensDirectConversations {
    static let token = SecretSetting("tokenEnv", defaultVariable: "DISCORD_BOT_TOKEN", what: "bot token")
    public static let entry = PlatformEntry(kind: "discord", secrets: [token]) { settings, context throws(PlatformSetupError) in
        try DiscordTransport(settings: settings, context: context)
    }

    static let settingKeys: Set<String> = ["channel", "tokenEnv"]
    static let defaultAPI = "https://discord.com/api/v10"
    /// Discord's cap per page.
    static let pageSize = 100
    /// Pages read per poll; the runtime polls again at once when messages came back.
    static let pagesPerPoll = 5
    /// A watched announcement without a Discord thread is looked at again every this many polls.
    static let threadRecheckPolls = 10
    static let messageLimit = 2000
    static let nonceLimit = 25

    public nonisolated let name = "discord"
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .discord, files: true)
    public nonisolated let pacing: PollPacing

    nonisolated let client: DiscordClient
    let channel: String
    let readsBacklog: Bool
    let logger: Logger
    let ledger = PartsLedger()
    /// Discord's 2,000 "characters", counted as UTF-16 code units: never fewer than Discord's count.
    static let splitter = MessageSplitter(limit: DiscordTransport.messageLimit, measure: .utf16, markup: .discord,
        finishing: DiscordText.defusingMassMentions)
    let membership: ChannelMembership

    /// The bot's own user, learned on first use.
    var me: DiscordWire.User?
    /// The private conversations the bot opened, and those it reads back.
    var direct = DirectConversations()
    /// Whether a Discord thread exists on a watched announcement, as the last look found.
    var threadChannels: [String: Bool] = [:]
    var polls = 0
    /// The bot's managed role in the server: Discord's suggestions offer it next to the bot itself, and people pick
    /// it to address the bot. Looked up once per run.
    var botRole: String?
    var lookedUpRole = false
    /// The server the channel belongs to, once asked.
    var server: String?

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        try settings.validateKeys(Self.settingKeys)
        let api = try settings.url(default: Self.defaultAPI, hint: "Discord's API root")
        channel = try settings.required("channel", hint: "the channel id (Discord: Developer Mode on, then right-click the channel > Copy Channel ID)")
        guard Snowflake.isValid(channel) else {
            throw .invalidSetting(kind: "discord", key: "channel", value: channel, hint: "a Discord channel id is a number such as 1234567890123456789")
        }
        let (token, tokenVariable) = try settings.namedSecret(Self.token)
        client = DiscordClient(web: context.web, root: api, timeout: .seconds(30), redactor: settings.redactor, token: token,
            tokenVariable: tokenVariable, channel: channel)
        readsBacklog = try settings.readsBacklog()
        pacing = .every(try settings.seconds("pollSeconds", default: 3, range: 1...300))
        logger = context.logger
        membership = ChannelMembership(platform: "discord", logger: context.logger)
    }

    /// Where a message was read.
    enum Origin {
        case channel
        case thread(root: String)
        case direct
    }

    /// The bot's own user, asked once.
    func identity() async throws(TransportError) -> DiscordWire.User {
        if let me { return me }
        let user = try await client.call(get: "users", "@me", as: DiscordWire.User.self, label: "discord users/@me", for: .account)
        me = user
        return user
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

        let main = try await read(channel, after: cursor.after, pages: Self.pagesPerPoll, label: "discord channel messages", for: .channel)
        found += main.messages.map { ($0, .channel) }
        cursor.after = main.last

        var threads: [String: String] = [:]
        for root in watched.sorted() {
            let known = cursor.threads?[root]
            if known == nil, threadChannels[root] == false, !polls.isMultiple(of: Self.threadRecheckPolls) { continue }
            do throws(TransportError) {
                // A thread started from a message has the message's id, and everything in it is newer.
                let page = try await read(root, after: known ?? root, pages: Self.pagesPerPoll, label: "discord thread messages", for: .lookup)
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

        let privately = try await DirectConversations.read(direct.plan(committed: cursor.direct), platform: "discord", logger: logger) {
            conversation throws(TransportError) in
            try await read(conversation.channel, after: conversation.after, pages: 1, label: "discord private messages", for: .lookup)
        }
        found += privately.messages.map { ($0, .direct) }
        cursor.direct = privately.places

        // One timeline for the engine: snowflakes order messages across channels by creation time.
        found.sort { Snowflake.precedes($0.message.id, $1.message.id) }
        let messages = found.compactMap { inbound($0.message, origin: $0.origin, me: me, watched: watched) }
        return PollBatch(messages: try await confirmingMembers(messages, me: me), cursor: cursor.encoded)
    }

    /// Notes where "now" is: the newest message's id, or the channel's own id (older than anything in it) when the
    /// channel is empty.
    func firstStart(_ me: DiscordWire.User) async throws(TransportError) -> PollBatch {
        let page = try await client.call(get: "channels", channel, "messages", query: [("limit", readsBacklog ? "\(Self.pageSize)" : "1")],
            as: [DiscordWire.Message].self, label: "discord channel messages", for: .channel).sorted { Snowflake.precedes($0.id, $1.id) }
        var cursor = DiscordCursor(channel: channel, after: page.last?.id ?? channel)
        cursor.direct = direct.pendingForCursor
        let messages = readsBacklog ? page.compactMap { inbound($0, origin: .channel, me: me, watched: []) } : []
        return PollBatch(messages: try await confirmingMembers(messages, me: me), cursor: cursor.encoded)
    }

    /// `messages` with the mentioned people who are members of the channel's server confirmed (`ChannelMembership`).
    /// Discord has no single question for "may this user see the channel", so a member of the server counts.
    func confirmingMembers(_ messages: [InboundMessage], me: DiscordWire.User) async throws(TransportError)
        -> [InboundMessage]
    {
        try await membership.confirming(messages, botID: me.id) { user throws(TransportError) in
            guard let server = try await self.channelServer() else { return false }
            return try await self.client.isMember(user, ofServer: server)
        }
    }

    /// The server (guild) the channel belongs to, asked once per run; nil for a channel outside any server.
    func channelServer() async throws(TransportError) -> String? {
        if let server { return server }
        let info = try await client.call(get: "channels", channel, as: DiscordWire.Channel.self, label: "discord channel",
            for: .lookup)
        server = info.guildID
        return info.guildID
    }

    /// The messages after `after` in one channel, oldest first, and the newest id read.
    func read(_ channelID: String, after: String, pages: Int, label: String, for purpose: CallPurpose) async throws(TransportError)
        -> (messages: [DiscordWire.Message], last: String)
    {
        var collected: [DiscordWire.Message] = []
        var position = after
        for _ in 0..<pages {
            let page = try await client.call(get: "channels", channelID, "messages", query: [("after", position), ("limit", "\(Self.pageSize)")],
                as: [DiscordWire.Message].self, label: label, for: purpose)
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
        if let rest = DiscordText.strippingLeadingMention(of: me.id, role: botRole, from: text) {
            text = rest
            addressed = true
        }
        let names = Dictionary(message.mentions.map { ($0.id, $0.displayName) }, uniquingKeysWith: { first, _ in first })
        let (plain, mentioned) = DiscordText.rewritingMentions(text)
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
        let parts = Self.splitter.split(message.text)
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
        let first = try await ledger.deliver(parts, key: key, splitter: Self.splitter) { index, part throws(TransportError) in
            let nonce = Self.nonce(key, index)
            let label = "discord create message"
            var response = try await client.post("channels", target, "messages",
                body: DiscordWire.NewMessage(content: part, nonce: nonce, messageReference: reference.map(Self.reply)), label: label)
            if response.status == 404, target != channel, directUser == nil {
                // The announcement's Discord thread was deleted: answer as a reply in the channel instead.
                threadChannels[target] = false
                response = try await client.post("channels", channel, "messages",
                    body: DiscordWire.NewMessage(content: part, nonce: nonce, messageReference: Self.reply(target)), label: label)
            }
            if let failure = client.failure(response, label, for: directUser == nil ? .posting : .direct) { throw failure }
            return try client.decode(response, as: DiscordWire.Created.self, label: label).id
        }
        if let directUser, let first {
            // Read the conversation from the bot's message on, so the member's answer reaches the engine.
            direct.opened(user: directUser, channel: target, after: first)
        }
        return first
    }

    func openDirectConversation(with user: String) async throws(TransportError) -> String {
        try await client.call(post: "users", "@me", "channels", body: DiscordWire.OpenDirect(recipientID: user),
            as: DiscordWire.Channel.self, label: "discord open private channel", for: .direct).id
    }

    /// The bot's managed role, or nil when there is none or it cannot be read: addressing by role is a nicety, so
    /// no failure here holds a poll back.
    func lookUpBotRole(_ me: DiscordWire.User) async -> String? {
        do throws(TransportError) {
            guard let guild = try await channelServer() else { return nil }
            let roles = try await client.call(get: "guilds", guild, "roles", as: [DiscordWire.Role].self, label: "discord roles", for: .lookup)
            return roles.first { $0.tags?.botID == me.id }?.id
        } catch {
            switch error {
            case .rateLimited, .temporary:
                logger.notice("discord: could not look up the bot's role; mentions of the role will not address the bot",
                    metadata: ["reason": "\(error)"])
            default:
                // No role, or no permission to see the server's roles: addressing the bot by its role is off.
                break
            }
            return nil
        }
    }

    static func reply(_ messageID: String) -> DiscordWire.Reference {
        DiscordWire.Reference(messageID: messageID, type: nil, failIfNotExists: false)
    }

    /// The nonce for one part, at most 25 characters: the key (with a part number after the first part), or a
    /// stable hash of it when that is longer.
    static func nonce(_ key: String, _ index: Int) -> String {
        let candidate = PartsLedger.partKey(key, index)
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
}
