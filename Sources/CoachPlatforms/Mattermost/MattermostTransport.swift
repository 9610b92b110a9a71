import CoachChat
import CoachCore
import Foundation
import Logging

/// Mattermost over API v4, polled: the channel's posts after the last one read, plus the private conversations the
/// bot opened (so answers to its nudges are read too).
///
/// Thread replies are ordinary posts in the channel list with a `root_id`, so one read covers the channel and its
/// threads. Sends carry the delivery key as `pending_post_id`: a retry within Mattermost's 30-second window gets the
/// post already made instead of a second one; after that, delivery is at least once.
public actor MattermostTransport: PollingTransport, OpensDirectConversations {
    static let token = SecretSetting("tokenEnv", defaultVariable: "MATTERMOST_TOKEN", what: "bot access token")
    public static let entry = PlatformEntry(kind: "mattermost", secrets: [token]) { settings, context throws(PlatformSetupError) in
        try MattermostTransport(settings: settings, context: context)
    }

    static let settingKeys: Set<String> = ["channel", "tokenEnv"]
    /// Mattermost's hard cap per page.
    static let pageSize = 200
    /// Pages read per poll; the runtime polls again at once when messages came back, so a backlog drains over
    /// several polls, each committed.
    static let pagesPerPoll = 5
    /// Pages read, once, from a channel that was empty when the bot started.
    static let pagesFromStart = 50
    /// `PostMessageMaxRunesV2`: 65,535 bytes / 4.
    static let messageLimit = 16_383

    public nonisolated let name = "mattermost"
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .mattermost, files: true)
    public nonisolated let pacing: PollPacing

    nonisolated let client: MattermostClient
    let channel: String
    let readsBacklog: Bool
    let logger: Logger
    let membership: ChannelMembership
    let ledger = PartsLedger()
    let uploads = UploadLedger()
    static let splitter = MessageSplitter(limit: MattermostTransport.messageLimit, measure: .scalars, markup: .mattermost,
        finishing: MattermostText.defusingMassMentions)

    /// The bot's own account, learned on first use.
    var me: Identity?
    /// People by id, for names and handles.
    var users: [String: MattermostWire.User] = [:]
    /// People by lowercased username; nil remembers that no such user exists (an e-mail address, a typo).
    var usernames: [String: MattermostWire.User?] = [:]
    /// The private conversations the bot opened, and those it reads back.
    var direct = DirectConversations()

    struct Identity: Sendable, Equatable {
        var id: String
        var username: String
    }

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        try settings.validateKeys(Self.settingKeys)
        let server = try settings.url(default: nil, hint: "your Mattermost server's address, e.g. https://chat.example.com")
        channel = try settings.required("channel", hint: "the channel id (in Mattermost: the channel name > View Info)")
        let (token, tokenVariable) = try settings.namedSecret(Self.token)
        client = MattermostClient(web: context.web, server: server, root: server.appending(segments: "api", "v4"), timeout: .seconds(30),
            redactor: settings.redactor, token: token, tokenVariable: tokenVariable, channel: channel)
        readsBacklog = try settings.readsBacklog()
        pacing = .every(try settings.seconds("pollSeconds", default: 3, range: 1...300))
        logger = context.logger
        membership = ChannelMembership(platform: "mattermost", logger: context.logger)
    }

    /// The bot's own account, asked once.
    func identity() async throws(TransportError) -> Identity {
        if let me { return me }
        let user = try await client.call(get: "users", "me", as: MattermostWire.User.self, label: "mattermost users/me", for: .account)
        let identity = Identity(id: user.id, username: user.username)
        me = identity
        users[user.id] = user
        return identity
    }

    // MARK: - Polling

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let me = try await identity()
        guard var cursor = MattermostCursor(request.cursor), cursor.channel == channel else {
            return try await firstStart(me)
        }
        var posts: [(post: MattermostWire.Post, direct: Bool)] = []
        let channelPosts = try await read(channel, after: cursor.after, pages: Self.pagesPerPoll, label: "mattermost channel posts", for: .channel)
        posts += channelPosts.posts.map { ($0, false) }
        cursor.after = channelPosts.last

        let privately = try await DirectConversations.read(direct.plan(committed: cursor.direct), platform: "mattermost", logger: logger) {
            conversation throws(TransportError) in
            let page = try await read(conversation.channel, after: conversation.after, pages: 1, label: "mattermost private posts", for: .direct)
            return (page.posts, page.last)
        }
        posts += privately.messages.map { ($0, true) }
        cursor.direct = privately.places

        // One timeline for the engine across the channel and the conversations.
        posts.sort { ($0.post.createAt, $0.post.id) < ($1.post.createAt, $1.post.id) }
        let messages = try await inbound(posts, me: me)
        return PollBatch(messages: try await confirmingMembers(messages, me: me), cursor: cursor.encoded)
    }

    /// Notes where "now" is: the newest post's id, or an empty position when the channel has none yet.
    func firstStart(_ me: Identity) async throws(TransportError) -> PollBatch {
        let posts = try await page(channel, query: [("per_page", readsBacklog ? "\(Self.pageSize)" : "1")], label: "mattermost channel posts",
            for: .channel).chronological
        var cursor = MattermostCursor(channel: channel, after: posts.last?.id ?? "")
        cursor.direct = direct.pendingForCursor
        let messages = readsBacklog ? try await inbound(posts.map { ($0, false) }, me: me) : []
        return PollBatch(messages: try await confirmingMembers(messages, me: me), cursor: cursor.encoded)
    }

    /// The posts after `after` in one channel, oldest first, and the position after the last of them.
    func read(_ channelID: String, after: String, pages: Int, label: String, for purpose: CallPurpose) async throws(TransportError)
        -> (posts: [MattermostWire.Post], last: String)
    {
        if after.isEmpty {
            // The channel was empty when the bot started, so everything in it now is new: read it newest page
            // first to its start. Posts arriving meanwhile shift the pages, which can repeat a post but never skip
            // one, so repeats are dropped by id.
            var seen = Set<String>()
            var collected: [MattermostWire.Post] = []
            for page in 0..<Self.pagesFromStart {
                let list = try await self.page(channelID, query: [("page", "\(page)"), ("per_page", "\(Self.pageSize)")], label: label, for: purpose)
                collected += list.chronological.filter { seen.insert($0.id).inserted }
                if (list.order?.count ?? 0) < Self.pageSize { break }
            }
            collected.sort { ($0.createAt, $0.id) < ($1.createAt, $1.id) }
            return (collected, collected.last?.id ?? "")
        }
        var collected: [MattermostWire.Post] = []
        var position = after
        for _ in 0..<pages {
            let list = try await page(channelID, query: [("after", position), ("per_page", "\(Self.pageSize)")], label: label, for: purpose)
            let posts = list.chronological
            collected += posts
            if let last = posts.last { position = last.id }
            // A short page is the last; `order`, not the decoded posts, says how full the page was.
            if (list.order?.count ?? 0) < Self.pageSize || posts.isEmpty { break }
        }
        return (collected, position)
    }

    func page(_ channelID: String, query: [(String, String)], label: String, for purpose: CallPurpose) async throws(TransportError)
        -> MattermostWire.PostList
    {
        try await client.call(get: "channels", channelID, "posts", query: query, as: MattermostWire.PostList.self, label: label, for: purpose)
    }

    /// Posts as the engine's messages: names looked up, system notices left out, the bot's own posts marked.
    func inbound(_ posts: [(post: MattermostWire.Post, direct: Bool)], me: Identity) async throws(TransportError) -> [InboundMessage] {
        let people = posts.filter { ($0.post.type ?? "").isEmpty }
        try await learnUsers(ids: people.map(\.post.userID))
        var tokens: [String] = []
        for (post, _) in people where post.userID != me.id { tokens += MattermostText.mentionTokens(in: post.message) }
        try await learnUsernames(tokens.filter { $0.lowercased() != me.username.lowercased() })
        var messages: [InboundMessage] = []
        for (post, direct) in people {
            let author = users[post.userID]
            let fromBot = post.userID == me.id || post.props?.fromBot?.isSet == true || post.props?.fromWebhook?.isSet == true
            var text = post.message
            var addressed = false
            if let rest = MattermostText.strippingLeadingMention(of: me.username, from: text) {
                text = rest
                addressed = true
            }
            var mentions: [String: String] = [:]
            var mentionedNames: [String: String] = [:]
            for token in MattermostText.mentionTokens(in: text) {
                if token.lowercased() == me.username.lowercased() {
                    // The bot named further on (`caught @coachbot`): nobody to credit, which the engine says.
                    mentions[token] = me.id
                    continue
                }
                guard let user = usernames[token.lowercased()] ?? nil else { continue }
                mentions[token] = user.id
                mentions[token.lowercased()] = user.id
                mentionedNames[user.id] = user.displayName
            }
            let root = post.rootID.flatMap { $0.isEmpty ? nil : $0 }
            messages.append(InboundMessage(
                id: post.id, senderID: post.userID, senderName: author?.displayName ?? post.userID,
                senderHandle: author?.username, text: text, threadRootID: direct ? nil : root, isDirect: direct,
                addressed: addressed, mentions: mentions, mentionedNames: mentionedNames, fromBot: fromBot))
        }
        return messages
    }

    /// `messages` with the mentioned people who are members of the channel confirmed (see `ChannelMembership`).
    func confirmingMembers(_ messages: [InboundMessage], me: Identity) async throws(TransportError) -> [InboundMessage] {
        let client = client
        return try await membership.confirming(messages, botID: me.id) { user throws(TransportError) in
            try await client.isInChannel(user)
        }
    }

    /// Fetches the people not yet known, in one call. Names are a nicety: only a failure worth retrying (a limit, an
    /// outage) holds the poll back; any other leaves the user id as the name until a later post.
    func learnUsers(ids: [String]) async throws(TransportError) {
        let missing = Array(Set(ids.filter { !$0.isEmpty && users[$0] == nil })).sorted()
        guard !missing.isEmpty else { return }
        for user in try await lookUp("ids", missing, label: "mattermost users by id") { users[user.id] = user }
    }

    func learnUsernames(_ tokens: [String]) async throws(TransportError) {
        let missing = Array(Set(tokens.map { $0.lowercased() }.filter { usernames[$0] == nil })).sorted()
        guard !missing.isEmpty else { return }
        let found = try await lookUp("usernames", missing, label: "mattermost users by username")
        for name in missing { usernames[name] = .some(nil) }
        for user in found {
            usernames[user.username.lowercased()] = user
            users[user.id] = user
        }
    }

    func lookUp(_ path: String, _ keys: [String], label: String) async throws(TransportError) -> [MattermostWire.User] {
        do throws(TransportError) {
            return try await client.call(post: "users", path, body: keys, as: [MattermostWire.User].self, label: label, for: .lookup)
        } catch .rateLimited(let wait) {
            throw .rateLimited(retryAfter: wait)
        } catch .temporary(let reason) {
            throw .temporary(reason: reason)
        } catch {
            logger.notice("mattermost: user look-up failed; names fall back to ids", metadata: ["reason": "\(error)"])
            return []
        }
    }

    // MARK: - Sending

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = Self.splitter.split(message.text)
        let target: String
        let root: String?
        let directUser: String?
        switch message.destination {
        case .channel:
            (target, root, directUser) = (channel, nil, nil)
        case .thread(let rootID):
            (target, root, directUser) = (channel, rootID, nil)
        case .direct(let userID):
            (target, root, directUser) = (try await directChannel(with: userID), nil, userID)
        }
        let first = try await ledger.deliver(parts, key: key, splitter: Self.splitter) { index, part throws(TransportError) in
            let body = MattermostWire.NewPost(channelID: target, message: part, rootID: root, pendingPostID: PartsLedger.partKey(key, index))
            return try await client.call(post: "posts", body: body, as: MattermostWire.Created.self, label: "mattermost create post",
                for: directUser == nil ? .posting : .direct).id
        }
        if let directUser, let first {
            // Read the conversation from the bot's message on, so the member's answer reaches the engine.
            direct.opened(user: directUser, channel: target, after: first)
        }
        return first
    }

    func openDirectConversation(with user: String) async throws(TransportError) -> String {
        let me = try await identity()
        return try await client.call(post: "channels", "direct", body: [me.id, user], as: MattermostWire.Channel.self,
            label: "mattermost open private channel", for: .direct).id
    }

}
