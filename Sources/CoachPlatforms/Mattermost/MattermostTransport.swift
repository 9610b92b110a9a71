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
public actor MattermostTransport: PlatformTransport {
    public static let entry = PlatformEntry(kind: "mattermost", twoWay: true) { settings, context throws(PlatformSetupError) in
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
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .markdown)
    public nonisolated let pacing: PollPacing

    let api: URL
    let server: URL
    let channel: String
    let tokenVariable: String
    let token: String
    let readsBacklog: Bool
    let web: any WebClient
    let logger: Logger
    let requestTimeout: Duration
    let ledger = PartsLedger()
    let splitter = MessageSplitter(limit: MattermostTransport.messageLimit, measure: .scalars, markup: .markdown)

    /// The bot's own account, learned on first use.
    var me: Identity?
    /// People by id, for names and handles.
    var users: [String: MattermostWire.User] = [:]
    /// People by lowercased username; nil remembers that no such user exists (an e-mail address, a typo).
    var usernames: [String: MattermostWire.User?] = [:]
    /// Private channels by user id, so each conversation is opened once per run.
    var directChannels: [String: String] = [:]
    /// The private conversations the bot opened and reads back.
    var directConversations = DirectConversations()

    struct Identity: Sendable, Equatable {
        var id: String
        var username: String
    }

    init(settings: PlatformSettings, context: PlatformContext, requestTimeout: Duration = .seconds(30)) throws(PlatformSetupError) {
        try settings.validateKeys(Self.settingKeys)
        server = try settings.url(default: nil, hint: "your Mattermost server's address, e.g. https://chat.example.com")
        api = server.appending(segments: "api", "v4")
        channel = try settings.required("channel", hint: "the channel id (in Mattermost: the channel name > View Info)")
        (token, tokenVariable) = try settings.namedSecret("tokenEnv", defaultVariable: "MATTERMOST_TOKEN", what: "bot access token")
        readsBacklog = try settings.readsBacklog()
        pacing = .every(try settings.seconds("pollSeconds", default: 3, range: 1...300))
        web = context.web
        logger = context.logger
        self.requestTimeout = requestTimeout
    }

    // MARK: - Polling

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let me = try await identity()
        guard var cursor = MattermostCursor(request.cursor), cursor.channel == channel else {
            return try await firstStart(me)
        }
        var posts: [(post: MattermostWire.Post, direct: Bool)] = []
        let channelPosts = try await read(channel, after: cursor.after, pages: Self.pagesPerPoll, label: "mattermost channel posts")
        posts += channelPosts.posts.map { ($0, false) }
        cursor.after = channelPosts.last

        let privately = try await DirectConversations.read(directConversations.plan(committed: cursor.direct), platform: "mattermost", logger: logger) {
            conversation throws(TransportError) in
            let page = try await read(conversation.channel, after: conversation.after, pages: 1, label: "mattermost private posts")
            return (page.posts, page.last)
        }
        posts += privately.messages.map { ($0, true) }
        cursor.direct = privately.places

        // One timeline for the engine across the channel and the conversations.
        posts.sort { ($0.post.createAt, $0.post.id) < ($1.post.createAt, $1.post.id) }
        let messages = try await inbound(posts, me: me)
        return PollBatch(messages: messages, cursor: cursor.encoded)
    }

    /// Notes where "now" is: the newest post's id, or an empty position when the channel has none yet.
    func firstStart(_ me: Identity) async throws(TransportError) -> PollBatch {
        let response = try await get(["channels", channel, "posts"],
            query: [("per_page", readsBacklog ? "\(Self.pageSize)" : "1")], label: "mattermost channel posts")
        if let failure = failure(response, "mattermost channel posts", forbidden: channelAdvice) { throw failure }
        let posts = try response.decode(MattermostWire.PostList.self, "mattermost channel posts").chronological
        var cursor = MattermostCursor(channel: channel, after: posts.last?.id ?? "")
        cursor.direct = directConversations.pendingForCursor
        let messages = readsBacklog ? try await inbound(posts.map { ($0, false) }, me: me) : []
        return PollBatch(messages: messages, cursor: cursor.encoded)
    }

    /// The posts after `after` in one channel, oldest first, and the position after the last of them.
    func read(_ channelID: String, after: String, pages: Int, label: String) async throws(TransportError)
        -> (posts: [MattermostWire.Post], last: String)
    {
        if after.isEmpty {
            // The channel was empty when the bot started, so everything in it now is new: read it newest page
            // first to its start. Posts arriving meanwhile shift the pages, which can repeat a post but never skip
            // one, so repeats are dropped by id.
            var seen = Set<String>()
            var collected: [MattermostWire.Post] = []
            for page in 0..<Self.pagesFromStart {
                let list = try await self.page(channelID, query: [("page", "\(page)"), ("per_page", "\(Self.pageSize)")], label: label)
                collected += list.chronological.filter { seen.insert($0.id).inserted }
                if (list.order?.count ?? 0) < Self.pageSize { break }
            }
            collected.sort { ($0.createAt, $0.id) < ($1.createAt, $1.id) }
            return (collected, collected.last?.id ?? "")
        }
        var collected: [MattermostWire.Post] = []
        var position = after
        for _ in 0..<pages {
            let list = try await page(channelID, query: [("after", position), ("per_page", "\(Self.pageSize)")], label: label)
            let posts = list.chronological
            collected += posts
            if let last = posts.last { position = last.id }
            // A short page is the last; `order`, not the decoded posts, says how full the page was.
            if (list.order?.count ?? 0) < Self.pageSize || posts.isEmpty { break }
        }
        return (collected, position)
    }

    func page(_ channelID: String, query: [(String, String)], label: String) async throws(TransportError) -> MattermostWire.PostList {
        let response = try await get(["channels", channelID, "posts"], query: query, label: label)
        if let failure = failure(response, label, forbidden: channelAdvice) { throw failure }
        return try response.decode(MattermostWire.PostList.self, label)
    }

    /// Posts as the engine's messages: names looked up, system notices left out, the bot's own posts marked.
    func inbound(_ posts: [(post: MattermostWire.Post, direct: Bool)], me: Identity) async throws(TransportError) -> [InboundMessage] {
        let people = posts.filter { ($0.post.type ?? "").isEmpty }
        try await learnUsers(ids: people.map(\.post.userID))
        var tokens: [String] = []
        for (post, _) in people where post.userID != me.id { tokens += Self.mentionTokens(in: post.message) }
        try await learnUsernames(tokens.filter { $0.lowercased() != me.username.lowercased() })
        var messages: [InboundMessage] = []
        for (post, direct) in people {
            let author = users[post.userID]
            let fromBot = post.userID == me.id || post.props?.fromBot?.isSet == true || post.props?.fromWebhook?.isSet == true
            var text = post.message
            var addressed = false
            if let rest = Self.strippingLeadingMention(of: me.username, from: text) {
                text = rest
                addressed = true
            }
            var mentions: [String: String] = [:]
            var mentionedNames: [String: String] = [:]
            for token in Self.mentionTokens(in: text) {
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

    /// Fetches the people not yet known, in one call. Names are a nicety: only a failure worth retrying (a limit, an
    /// outage) holds the poll back; any other leaves the user id as the name until a later post.
    func learnUsers(ids: [String]) async throws(TransportError) {
        let missing = Array(Set(ids.filter { !$0.isEmpty && users[$0] == nil })).sorted()
        guard !missing.isEmpty else { return }
        for user in try await lookUp(["users", "ids"], missing, label: "mattermost users by id") { users[user.id] = user }
    }

    func learnUsernames(_ tokens: [String]) async throws(TransportError) {
        let missing = Array(Set(tokens.map { $0.lowercased() }.filter { usernames[$0] == nil })).sorted()
        guard !missing.isEmpty else { return }
        let found = try await lookUp(["users", "usernames"], missing, label: "mattermost users by username")
        for name in missing { usernames[name] = .some(nil) }
        for user in found {
            usernames[user.username.lowercased()] = user
            users[user.id] = user
        }
    }

    func lookUp(_ path: [String], _ keys: [String], label: String) async throws(TransportError) -> [MattermostWire.User] {
        do throws(TransportError) {
            let response = try await post(path, body: keys, label: label)
            if let failure = failure(response, label, forbidden: "the bot may not look up users") { throw failure }
            return try response.decode([MattermostWire.User].self, label)
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
        let parts = splitter.split(message.text)
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
        let first = try await ledger.deliver(parts, key: key) { @Sendable index, part throws(TransportError) in
            let body = MattermostWire.NewPost(channelID: target, message: part, rootID: root, pendingPostID: Self.partKey(key, index))
            let response = try await self.post(["posts"], body: body, label: "mattermost create post")
            if directUser != nil, response.status == 403 {
                throw .rejected(reason: "mattermost create post: the bot may not post privately to this user (\(Self.detail(response)))")
            }
            if let failure = self.failure(response, "mattermost create post", forbidden: self.postAdvice) { throw failure }
            return try response.decode(MattermostWire.Created.self, "mattermost create post").id
        }
        if let directUser, let first {
            // Read the conversation from the bot's message on, so the member's answer reaches the engine.
            directConversations.opened(user: directUser, channel: target, after: first)
        }
        return first
    }

    /// The private channel between the bot and a member, opened once per run.
    func directChannel(with userID: String) async throws(TransportError) -> String {
        if let known = directChannels[userID] { return known }
        let me = try await identity()
        let label = "mattermost open private channel"
        let response = try await post(["channels", "direct"], body: [me.id, userID], label: label)
        switch response.status {
        case 429, 401, 408, 500...599:
            if let failure = failure(response, label, forbidden: "") { throw failure }
        case 400..<500:
            throw .rejected(reason: "\(label): Mattermost refused a private conversation with user \(userID) (HTTP \(response.status) \(Self.detail(response)))")
        default:
            break
        }
        let opened = try response.decode(MattermostWire.Channel.self, label)
        directChannels[userID] = opened.id
        return opened.id
    }

    /// The pending post id for one part: the key itself for the first, a suffix for the rest.
    static func partKey(_ key: String, _ index: Int) -> String {
        index == 0 ? key : "\(key)-part\(index + 1)"
    }

    // MARK: - check

    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        let me: Identity
        do throws(TransportError) {
            me = try await identity()
            findings.append(.ok("token", "signed in to \(server.absoluteString) as @\(me.username)"))
        } catch {
            return [checkProblem("token", error)]
        }
        do throws(TransportError) {
            let response = try await get(["channels", channel], label: "mattermost channel")
            switch response.status {
            case 403:
                findings.append(.problem("channel", "@\(me.username) cannot see channel \(channel): add the bot to the channel (in the channel type /invite @\(me.username), or System Console > Integrations > Bot Accounts to add it to the team first)"))
                return findings
            case 404:
                findings.append(.problem("channel", "there is no channel with id \(channel) on \(server.absoluteString): copy the id from the channel's name > View Info into transport.settings.channel"))
                return findings
            default:
                if let failure = failure(response, "mattermost channel", forbidden: channelAdvice) { throw failure }
            }
            let info = try response.decode(MattermostWire.Channel.self, "mattermost channel")
            let posts = try await get(["channels", channel, "posts"], query: [("per_page", "1")], label: "mattermost channel posts")
            if posts.status == 403 {
                findings.append(.problem("channel", "@\(me.username) cannot read the posts of channel \(channel): add the bot to the channel with /invite @\(me.username)"))
                return findings
            }
            if let failure = failure(posts, "mattermost channel posts", forbidden: channelAdvice) { throw failure }
            _ = try posts.decode(MattermostWire.PostList.self, "mattermost channel posts")
            let title = info.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? info.name ?? channel
            findings.append(.ok("channel", "can read \(title) (\(channel)); the bot posts there and in threads, and sends nudges as direct messages"))
        } catch {
            findings.append(checkProblem("channel", error))
        }
        return findings
    }

    func checkProblem(_ subject: String, _ error: TransportError) -> CheckFinding {
        switch error {
        case .unauthorized(let reason) where reason.contains("HTTP 401"):
            return .problem(subject, "the token in \(tokenVariable) was refused: create a bot account (System Console > Integrations > Bot Accounts) or a personal access token, and export it as \(tokenVariable)")
        case .unauthorized(let reason), .rejected(let reason):
            return .problem(subject, reason)
        case .rateLimited(let wait):
            return .problem(subject, "the server asked to slow down (retry after \(wait)); run the check again shortly")
        case .temporary(let reason):
            return .problem(subject, "could not reach \(server.absoluteString): \(reason); check transport.settings.baseURL and the network")
        case .closed:
            return .problem(subject, "the connection closed")
        }
    }

    // MARK: - HTTP

    /// The bot's own account, asked once.
    func identity() async throws(TransportError) -> Identity {
        if let me { return me }
        let label = "mattermost users/me"
        let response = try await get(["users", "me"], label: label)
        if let failure = failure(response, label, forbidden: "the token may not read its own account") { throw failure }
        let user = try response.decode(MattermostWire.User.self, label)
        let identity = Identity(id: user.id, username: user.username)
        me = identity
        users[user.id] = user
        return identity
    }

    nonisolated var channelAdvice: String {
        "the bot cannot read channel \(channel): add the bot to the channel (/invite @<bot> in it)"
    }

    nonisolated var postAdvice: String {
        "the bot may not post in channel \(channel): add the bot to the channel (/invite @<bot> in it)"
    }

    nonisolated func get(_ path: [String], query: [(String, String)] = [], label: String) async throws(TransportError) -> WebResponse {
        var url = api
        for segment in path { url = url.appending(segments: segment) }
        return try await web.send(WebRequest(url: url.adding(query: query), headers: headers, timeout: requestTimeout, label: label))
    }

    nonisolated func post(_ path: [String], body: some Encodable, label: String) async throws(TransportError) -> WebResponse {
        var url = api
        for segment in path { url = url.appending(segments: segment) }
        return try await web.send(.json(url: url, headers: headers, body: body, timeout: requestTimeout, label: label))
    }

    nonisolated var headers: [String: String] {
        ["Authorization": "Bearer \(token)", "Accept": "application/json"]
    }

    /// Mattermost's reading of a failed call, then the shared one. A 429's body is plain text; the wait is in
    /// `Retry-After` (or `X-Ratelimit-Reset`), seconds from now. A 404 on the bot's own channel is a setup mistake,
    /// not a message to drop, so it stops the bot with the fix.
    nonisolated func failure(_ response: WebResponse, _ label: String, forbidden: String) -> TransportError? {
        guard !response.isSuccess else { return nil }
        let detail = Self.detail(response)
        switch response.status {
        case 429:
            let reset = response.header("X-Ratelimit-Reset").flatMap(Double.init).flatMap { Duration.platformWait(seconds: $0) }
            return .rateLimited(retryAfter: response.retryAfterHeader() ?? reset ?? .seconds(60))
        case 401:
            return .unauthorized(reason: "\(label): HTTP 401, the token in \(tokenVariable) was refused (\(detail)); create a new bot access token")
        case 403:
            return .unauthorized(reason: "\(label): HTTP 403, \(forbidden) (\(detail))")
        case 404 where label.hasPrefix("mattermost channel"):
            return .unauthorized(reason: "\(label): HTTP 404, no channel \(channel) is visible to the bot: check transport.settings.channel and add the bot to the channel (\(detail))")
        default:
            return response.failure(label, detail: detail)
        }
    }

    /// The `message` of Mattermost's JSON error, or the start of the body.
    static func detail(_ response: WebResponse) -> String {
        if let failure = try? JSONDecoder().decode(MattermostWire.Failure.self, from: response.body), let message = failure.message {
            return failure.id.map { "\(message) [\($0)]" } ?? message
        }
        return response.bodyExcerpt
    }

    // MARK: - Text

    /// Characters Mattermost allows in a username.
    static func isUsernameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-" || character == "_")
    }

    /// The `@name` tokens in a post, as people typed them (trailing dots dropped, as Mattermost does), except the
    /// channel-wide ones.
    static func mentionTokens(in text: String) -> [String] {
        var tokens: [String] = []
        var previous: Character = " "
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "@", !(previous.isLetter || previous.isNumber || previous == "_") {
                let start = text.index(after: index)
                var end = start
                while end < text.endIndex, isUsernameCharacter(text[end]) { end = text.index(after: end) }
                var token = String(text[start..<end])
                while token.hasSuffix(".") { token.removeLast() }
                if !token.isEmpty, !["channel", "here", "all"].contains(token.lowercased()) { tokens.append(token) }
                index = end
                previous = "x"
                continue
            }
            previous = character
            index = text.index(after: index)
        }
        return tokens
    }

    /// The text after a leading `@botname` (and the `:` or `,` people put after it), or nil when it does not start so.
    static func strippingLeadingMention(of username: String, from text: String) -> String? {
        let trimmed = text.drop { $0.isWhitespace }
        guard !username.isEmpty, trimmed.first == "@" else { return nil }
        // The whole name as Mattermost reads it, so `@coach.old` is not `@coach`; a full stop after it is not part.
        var name = trimmed.dropFirst().prefix { isUsernameCharacter($0) }
        while name.hasSuffix(".") { name = name.dropLast() }
        guard name.lowercased() == username.lowercased() else { return nil }
        let rest = trimmed.dropFirst(1 + name.count)
        return String(rest.drop { $0 == ":" || $0 == "," || $0 == "." || $0.isWhitespace })
    }
}

/// Where the bot has read to: the channel's last post id (empty when the channel was empty at the start) and each
/// private conversation the bot opened. JSON, because the runtime stores cursors as opaque strings.
struct MattermostCursor: Codable, Equatable {
    var channel: String
    var after: String
    var direct: [DirectConversation]?

    enum CodingKeys: String, CodingKey {
        case channel = "c"
        case after = "a"
        case direct = "d"
    }

    init(channel: String, after: String, direct: [DirectConversation]? = nil) {
        self.channel = channel
        self.after = after
        self.direct = direct
    }

    /// Reads a stored cursor; one this version cannot read counts as a first start.
    init?(_ text: String?) {
        guard let text, let cursor = try? JSONDecoder().decode(MattermostCursor.self, from: Data(text.utf8)) else { return nil }
        self = cursor
    }

    var encoded: String {
        (try? JSONEncoder.platform.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
