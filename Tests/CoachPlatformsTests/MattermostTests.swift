import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// A small Mattermost server: users, channels with members and posts, and the API v4 calls the adapter makes,
/// answered as the real server does (newest-first `order`, thread roots in `posts` but not in `order`, 201 on
/// create, `pending_post_id` de-duplication, plain-text 429s).
actor FakeMattermost {
    struct User {
        var id: String
        var username: String
        var firstName = ""
        var lastName = ""
        var isBot = false
    }

    struct Post {
        var id: String
        var channel: String
        var user: String
        var message: String
        var root = ""
        var createAt: Int64
        var type = ""
        var props: [String: any Sendable] = [:]
        var fileIDs: [String] = []
    }

    /// A file uploaded with `POST /files`: to which channel, and what arrived.
    struct UploadedFile {
        var id: String
        var channel: String
        var filename: String?
        var contentType: String?
        var bytes: Data
    }

    static let token = "mm-secret-token"
    static let bot = User(id: "bot0000000000000000000000a", username: "coachbot", firstName: "Coach", isBot: true)
    static let channel = "town0000000000000000000000"

    var users: [String: User] = [:]
    var members: [String: Set<String>] = [:]
    var posts: [Post] = []
    var clock: Int64 = 1_800_000_000_000
    var counter = 0
    var pending: [String: String] = [:]
    /// Canned answers for calls to a path, used once each after letting `skip` calls through: failures the test
    /// injects.
    var scripted: [(path: String, skip: Int, reply: Reply)] = []
    /// The server's post size in runes (`MaxPostSize`): 16,383 on current databases, 4,000 on old ones.
    var maxRunes = 16_383
    var files: [String: UploadedFile] = [:]
    /// `FileSettings.EnableFileAttachments`, and whether the channel_user role has `upload_file`.
    var attachmentsEnabled = true
    var membersMayUpload = true
    /// The largest file the server takes (`FileSettings.MaxFileSize`).
    var maxFileSize = 100 * 1024 * 1024

    func set(attachmentsEnabled: Bool) { self.attachmentsEnabled = attachmentsEnabled }
    func set(membersMayUpload: Bool) { self.membersMayUpload = membersMayUpload }
    func set(maxFileSize: Int) { self.maxFileSize = maxFileSize }

    init() {
        users[Self.bot.id] = Self.bot
        members[Self.channel] = [Self.bot.id]
    }

    @discardableResult
    func addUser(_ id: String, _ username: String, first: String = "", last: String = "", isBot: Bool = false,
        inChannel: Bool = true) -> User
    {
        let user = User(id: id, username: username, firstName: first, lastName: last, isBot: isBot)
        users[id] = user
        if inChannel { members[Self.channel, default: []].insert(id) }
        return user
    }

    func removeBotFromChannel() { members[Self.channel]?.remove(Self.bot.id) }

    /// A post by `user`; ids are deliberately not in time order, so only `create_at` orders them.
    @discardableResult
    func say(_ user: String, _ message: String, root: String = "", channel: String = FakeMattermost.channel,
        type: String = "", props: [String: any Sendable] = [:], id: String? = nil) -> String
    {
        counter += 1
        clock += 1000
        let postID = id ?? String(format: "p%02d%@", (counter * 37) % 97, String(counter))
        posts.append(Post(id: postID, channel: channel, user: user, message: message, root: root, createAt: clock, type: type, props: props))
        return postID
    }

    func script(_ path: String, after skip: Int = 0, _ reply: Reply) { scripted.append((path, skip, reply)) }

    func limitPosts(toRunes runes: Int) { maxRunes = runes }

    func posts(in channel: String, by user: String) -> [Post] {
        posts.filter { $0.channel == channel && $0.user == user }
    }

    func handle(_ request: Received) -> Reply {
        if let index = scripted.firstIndex(where: { $0.path == request.path }) {
            if scripted[index].skip == 0 { return scripted.remove(at: index).reply }
            scripted[index].skip -= 1
        }
        guard request.header("Authorization") == "Bearer \(Self.token)" else {
            return error(401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
        }
        let parts = request.path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "api", parts[1] == "v4" else { return error(404, "api.context.404.app_error", "Sorry, we could not find the page.") }
        let route = Array(parts.dropFirst(2))
        switch (request.method, route.count, route.first) {
        case ("GET", 2, "users") where route[1] == "me":
            return .json(userJSON(Self.bot))
        case ("POST", 2, "users") where route[1] == "ids":
            let ids = (try? JSONSerialization.jsonObject(with: request.body)) as? [String] ?? []
            return .json(ids.compactMap { users[$0] }.map(userJSON))
        case ("POST", 2, "users") where route[1] == "usernames":
            let names = (try? JSONSerialization.jsonObject(with: request.body)) as? [String] ?? []
            return .json(names.compactMap { name in users.values.first { $0.username == name } }.map(userJSON))
        case ("GET", 2, "channels"):
            guard members[route[1]] != nil else { return error(404, "app.channel.get.existing.app_error", "Unable to find the existing channel.") }
            guard members[route[1]]?.contains(Self.bot.id) == true else { return forbidden() }
            return .json(["id": route[1], "name": "town-square", "display_name": "Town Square", "type": "O"])
        case ("GET", 4, "channels") where route[2] == "members":
            guard members[route[1]]?.contains(Self.bot.id) == true else { return forbidden() }
            guard members[route[1]]?.contains(route[3]) == true else {
                return error(404, "app.channel.get_member.missing.app_error", "No channel member found for that user ID and channel ID.")
            }
            return .json(["channel_id": route[1], "user_id": route[3], "roles": "channel_user"])
        case ("GET", 3, "channels") where route[2] == "posts":
            guard members[route[1]]?.contains(Self.bot.id) == true else { return forbidden() }
            return postList(channel: route[1], query: request.query)
        case ("POST", 2, "channels") where route[1] == "direct":
            let ids = (try? JSONSerialization.jsonObject(with: request.body)) as? [String] ?? []
            guard ids.count == 2, ids.allSatisfy({ users[$0] != nil }) else {
                return error(400, "api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body.")
            }
            let id = "dm-" + ids.sorted().joined(separator: "__")
            members[id] = Set(ids)
            return .json(["id": id, "name": ids.sorted().joined(separator: "__"), "type": "D"], status: 201)
        case ("POST", 1, "files"):
            guard attachmentsEnabled else { return error(501, "api.file.attachments.disabled.app_error", "File attachments have been disabled on this server.") }
            let channel = request.part("channel_id")?.text ?? request.query["channel_id"] ?? ""
            guard members[channel]?.contains(Self.bot.id) == true, membersMayUpload else { return forbidden() }
            guard let file = request.part("files") else {
                return error(400, "api.file.upload_file.incorrect_number_of_files.app_error", "Unable to upload files. Incorrect number of files specified.")
            }
            guard file.body.count <= maxFileSize else {
                return error(413, "api.file.upload_file.too_large_detailed.app_error", "Unable to upload file. File is too large.")
            }
            let id = "file\(files.count + 1)"
            files[id] = UploadedFile(id: id, channel: channel, filename: file.filename, contentType: file.contentType, bytes: file.body)
            return .json(["file_infos": [["id": id, "name": file.filename ?? "", "channel_id": channel]], "client_ids": []], status: 201)
        case ("GET", 2, "config") where route[1] == "client":
            return .json(["EnableFileAttachments": attachmentsEnabled ? "true" : "false"])
        case ("POST", 2, "roles") where route[1] == "names":
            let names = (try? JSONSerialization.jsonObject(with: request.body)) as? [String] ?? []
            let channelUser = ["create_post", "read_channel"] + (membersMayUpload ? ["upload_file"] : [])
            return .json(names.filter { $0 == "channel_user" }.map { ["name": $0, "permissions": channelUser] })
        case ("POST", 1, "posts"):
            let body = request.json
            guard let channel = body["channel_id"] as? String, let message = body["message"] as? String else {
                return error(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
            }
            guard members[channel]?.contains(Self.bot.id) == true else { return forbidden() }
            // `Post.IsValid`: the message counted in runes (`utf8.RuneCountInString`), refused with a 400.
            guard message.unicodeScalars.count <= maxRunes else {
                return error(400, "model.post.is_valid.message_length.app_error", "Invalid message length.")
            }
            if let pendingID = body["pending_post_id"] as? String, !pendingID.isEmpty, let existing = pending[pendingID],
                let post = posts.first(where: { $0.id == existing })
            {
                return .json(postJSON(post), status: 201)
            }
            let fileIDs = body["file_ids"] as? [String] ?? []
            // A file belongs to the channel it was uploaded to.
            guard fileIDs.allSatisfy({ files[$0]?.channel == channel }) else {
                return error(400, "api.post.create_post.attach_files.app_error", "Unable to attach files to post.")
            }
            let id = say(Self.bot.id, message, root: body["root_id"] as? String ?? "", channel: channel,
                props: ["from_bot": "true"], id: "bot-post-\(posts.count + 1)")
            posts[posts.count - 1].fileIDs = fileIDs
            if let pendingID = body["pending_post_id"] as? String, !pendingID.isEmpty { pending[pendingID] = id }
            return .json(postJSON(posts[posts.count - 1]), status: 201)
        default:
            return error(404, "api.context.404.app_error", "Sorry, we could not find the page.")
        }
    }

    /// `after` returns the next posts in time order (then shown newest first); without it, the newest page.
    func postList(channel: String, query: [String: String]) -> Reply {
        let perPage = Int(query["per_page"] ?? "60") ?? 60
        let page = Int(query["page"] ?? "0") ?? 0
        let inChannel = posts.filter { $0.channel == channel }.sorted { $0.createAt < $1.createAt }
        var chosen: [Post]
        if let after = query["after"] {
            guard let anchor = posts.first(where: { $0.id == after }) else { return .json(["order": [], "posts": [:]]) }
            chosen = Array(inChannel.filter { $0.createAt > anchor.createAt }.dropFirst(page * perPage).prefix(perPage))
        } else {
            chosen = Array(inChannel.reversed().dropFirst(page * perPage).prefix(perPage)).reversed()
        }
        var byID: [String: Any] = [:]
        for post in chosen { byID[post.id] = postJSON(post) }
        // The roots of replies on the page come along in `posts`, but not in `order`.
        for root in Set(chosen.map(\.root)) where !root.isEmpty {
            if let parent = posts.first(where: { $0.id == root }) { byID[parent.id] = postJSON(parent) }
        }
        return .json(["order": chosen.reversed().map(\.id), "posts": byID, "next_post_id": "", "prev_post_id": "", "has_next": false])
    }

    func userJSON(_ user: User) -> [String: Any] {
        ["id": user.id, "username": user.username, "first_name": user.firstName, "last_name": user.lastName,
         "nickname": "", "is_bot": user.isBot]
    }

    func postJSON(_ post: Post) -> [String: Any] {
        ["id": post.id, "create_at": post.createAt, "update_at": post.createAt, "user_id": post.user, "channel_id": post.channel,
         "root_id": post.root, "message": post.message, "type": post.type, "props": post.props]
    }

    func error(_ status: Int, _ id: String, _ message: String) -> Reply {
        .json(["id": id, "message": message, "request_id": "r1", "status_code": status, "is_oauth": false], status: status)
    }

    func forbidden() -> Reply {
        error(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
    }
}

@Suite("Mattermost adapter", .stopsServers)
struct MattermostTests: AdapterTestSuite {
    static let riley = "rly0000000000000000000000a"
    static let sam = "sam0000000000000000000000a"

    /// A fake Mattermost with Sam and Riley, and its HTTP server.
    static func platform() async throws -> (FakeMattermost, FakeServer) {
        let fake = FakeMattermost()
        await fake.addUser(sam, "sam", first: "Sam", last: "Lee")
        await fake.addUser(riley, "riley", first: "Riley", last: "Quinn")
        let server = try await FakeServer { request in await fake.handle(request) }
        return (fake, server)
    }

    static func transport(_ server: FakeServer, _ settings: [String: String] = [:], web: (any WebClient)? = nil,
        environment: [String: String] = ["MATTERMOST_TOKEN": FakeMattermost.token]) throws -> MattermostTransport
    {
        try MattermostTransport(
            settings: Self.settings("mattermost", ["baseURL": server.baseURL.absoluteString, "channel": FakeMattermost.channel], settings,
                environment: environment),
            context: context(web: web))
    }

    // MARK: - Polling

    @Test("a first start reads no history and returns a cursor for now; later posts arrive once each")
    func firstStart() async throws {
        let (fake, server) = try await Self.platform()
        await fake.say(Self.sam, "old news")
        await fake.say(Self.riley, "older chatter")
        let transport = try Self.transport(server)

        let first = try await Self.poll(transport, nil)
        #expect(first.messages.isEmpty)
        let cursor = try #require(first.cursor)
        #expect(server.requests(to: "/api/v4/channels/\(FakeMattermost.channel)/posts").last?.query["per_page"] == "1")

        let fresh = await fake.say(Self.sam, "hello team")
        let second = try await Self.poll(transport, cursor)
        #expect(second.messages.map(\.id) == [fresh])
        #expect(second.messages.first?.text == "hello team")
        #expect(second.messages.first?.senderName == "Sam Lee")
        #expect(second.messages.first?.senderHandle == "sam")
        #expect(second.messages.first?.isDirect == false)
        #expect(server.requests(to: "/api/v4/channels/\(FakeMattermost.channel)/posts").last?.query["after"] != nil)

        let third = try await Self.poll(transport, second.cursor)
        #expect(third.messages.isEmpty)
        #expect(third.cursor == second.cursor)
        // Names are looked up once and remembered.
        #expect(server.requests(to: "/api/v4/users/ids").count == 1)
    }

    @Test("a channel that was empty at the start is read from its beginning")
    func emptyChannelAtStart() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let first = try await Self.poll(transport, nil)
        #expect(first.messages.isEmpty)
        let a = await fake.say(Self.sam, "first ever")
        let b = await fake.say(Self.riley, "second ever")
        let batch = try await Self.poll(transport, first.cursor)
        #expect(batch.messages.map(\.id) == [a, b])
        let c = await fake.say(Self.sam, "third")
        #expect(try await Self.poll(transport, batch.cursor).messages.map(\.id) == [c])
    }

    @Test("a channel that was empty at the start and got more than a page meanwhile is read whole, once")
    func emptyChannelThenManyPosts() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let first = try await Self.poll(transport, nil)
        var written: [String] = []
        for n in 0..<450 { written.append(await fake.say(Self.sam, "message \(n)")) }
        let batch = try await Self.poll(transport, first.cursor)
        #expect(batch.messages.count == 450)
        #expect(batch.messages.map(\.id) == written)
        #expect(try await Self.poll(transport, batch.cursor).messages.isEmpty)
    }

    @Test("firstStart backlog returns what the channel still holds, oldest first")
    func backlog() async throws {
        let (fake, server) = try await Self.platform()
        let a = await fake.say(Self.sam, "one")
        let b = await fake.say(Self.riley, "two")
        let batch = try await Self.poll(try Self.transport(server, ["firstStart": "backlog"]), nil)
        #expect(batch.messages.map(\.id) == [a, b])
    }

    @Test("more than a page is read oldest first across pages, without loss or repeats, five pages per poll")
    func pagination() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        await fake.say(Self.sam, "before the bot")
        let start = try await Self.poll(transport, nil)
        var written: [String] = []
        for n in 0..<1_150 { written.append(await fake.say(n.isMultiple(of: 2) ? Self.sam : Self.riley, "message \(n)")) }

        let first = try await Self.poll(transport, start.cursor)
        #expect(first.messages.count == 1_000)
        #expect(first.messages.map(\.id) == Array(written.prefix(1_000)))
        let pages = server.requests(to: "/api/v4/channels/\(FakeMattermost.channel)/posts").suffix(5)
        #expect(pages.allSatisfy { $0.query["per_page"] == "200" })
        #expect(pages.last?.query["after"] == written[799])

        let second = try await Self.poll(transport, first.cursor)
        #expect(second.messages.map(\.id) == Array(written.suffix(150)))
        #expect(second.messages.last?.text == "message 1149")
        #expect(try await Self.poll(transport, second.cursor).messages.isEmpty)
    }

    @Test("a reply in the announcement's thread carries the root id; the root shipped with the page is not re-read")
    func threads() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        let announcement = try #require(try await transport.send(Self.message("This week: **listen first**", id: "o9"), key: "k-o9"))
        let skipRoot = try await Self.poll(transport, start.cursor)
        #expect(skipRoot.messages.map(\.id) == [announcement])
        #expect(skipRoot.messages.first?.fromBot == true)

        let reply = await fake.say(Self.sam, "Listened to a customer before answering", root: announcement)
        let batch = try await Self.poll(transport, skipRoot.cursor, threads: [announcement])
        #expect(batch.messages.map(\.id) == [reply])
        #expect(batch.messages.first?.threadRootID == announcement)

        let answer = try await transport.send(Self.message("Thanks, Sam: noted.", to: .thread(rootID: announcement), id: "o10"), key: "k-o10")
        let sent = try #require(server.requests(to: "/api/v4/posts").last)
        #expect(sent.json["root_id"] as? String == announcement)
        #expect(sent.json["channel_id"] as? String == FakeMattermost.channel)
        #expect(answer != nil)
    }

    @Test("system notices are left out and the bot's and other bots' posts are marked fromBot")
    func ownAndSystemPosts() async throws {
        let (fake, server) = try await Self.platform()
        let other = await fake.addUser("hook00000000000000000000aa", "alerts", isBot: true)
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        await fake.say(Self.riley, "riley joined the channel.", type: "system_join_channel")
        let mine = await fake.say(FakeMattermost.bot.id, "I am the coach")
        let webhook = await fake.say(other.id, "build passed", props: ["from_webhook": "true"])
        let bot = await fake.say(other.id, "beep", props: ["from_bot": true])
        let person = await fake.say(Self.sam, "hi")
        let batch = try await Self.poll(transport, start.cursor)
        #expect(batch.messages.map(\.id) == [mine, webhook, bot, person])
        #expect(batch.messages.map(\.fromBot) == [true, true, true, false])
        // The cursor moved past the notice too: it is never read again.
        #expect(try await Self.poll(transport, batch.cursor).messages.isEmpty)
    }

    @Test("@mentions stay as typed and resolve through usernames; a leading @bot addresses the bot and is stripped")
    func mentionsAndAddressing() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        await fake.say(Self.sam, "@coachbot help")
        await fake.say(Self.sam, "@CoachBot: status")
        await fake.say(Self.sam, "!caught @riley, stayed late for a customer. cc @nobody and @channel, mail x@y.com")
        await fake.say(Self.sam, "@coachbot.old is someone else")
        await fake.say(Self.sam, "Use *stars* and `code` \\ as typed")
        let batch = try await Self.poll(transport, start.cursor)
        let messages = batch.messages
        #expect(messages.count == 5)
        #expect(messages[0].addressed && messages[0].text == "help")
        #expect(messages[1].addressed && messages[1].text == "status")
        #expect(!messages[2].addressed)
        #expect(messages[2].text == "!caught @riley, stayed late for a customer. cc @nobody and @channel, mail x@y.com")
        #expect(messages[2].mentions["riley"] == Self.riley)
        #expect(messages[2].mentions["nobody"] == nil)
        #expect(messages[2].mentionedNames == [Self.riley: "Riley Quinn"])
        #expect(!messages[3].addressed && messages[3].text == "@coachbot.old is someone else")
        #expect(messages[4].text == "Use *stars* and `code` \\ as typed")
        // One look-up for the unknown names; @channel, the bot and e-mail addresses are not looked up.
        let lookups = server.requests(to: "/api/v4/users/usernames")
        #expect(lookups.count == 1)
        let asked = try #require(try JSONSerialization.jsonObject(with: lookups[0].body) as? [String])
        #expect(asked.sorted() == ["coachbot.old", "nobody", "riley"])
    }

    // MARK: - Failures

    @Test("a 429 waits exactly as Retry-After says, or as X-Ratelimit-Reset says when that is all there is")
    func rateLimited() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        let path = "/api/v4/channels/\(FakeMattermost.channel)/posts"
        await fake.script(path, .text("limit exceeded", status: 429, headers: ["Retry-After": "7", "X-Ratelimit-Reset": "7"]))
        await Self.expectError({ $0 == .rateLimited(retryAfter: .seconds(7)) }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        await fake.script("/api/v4/posts", .text("limit exceeded", status: 429, headers: ["X-Ratelimit-Reset": "3"]))
        await Self.expectError({ $0 == .rateLimited(retryAfter: .seconds(3)) }) { () throws(TransportError) in
            _ = try await transport.send(Self.message("hi"), key: "k1")
        }
        #expect(await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id).isEmpty)
    }

    @Test("5xx, timeouts and malformed answers are temporary, and the cursor does not move past unread posts")
    func temporaryFailures() async throws {
        let (fake, server) = try await Self.platform()
        let web = TimeoutWebClient()
        let transport = try Self.transport(server, web: web)
        let start = try await Self.poll(transport, nil)
        let post = await fake.say(Self.sam, "please do not lose me")
        let path = "/api/v4/channels/\(FakeMattermost.channel)/posts"

        await fake.script(path, .json(["id": "x", "message": "db down", "status_code": 503], status: 503))
        await Self.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        await fake.script(path, .malformed)
        await Self.expectError({ if case .temporary(let reason) = $0 { reason.contains("malformed") } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        await web.timeOut("mattermost channel posts")
        await Self.expectError({ if case .temporary(let reason) = $0 { reason.contains("no answer") } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        // The runtime retries with the same cursor: the post is still there, once.
        let batch = try await Self.poll(transport, start.cursor)
        #expect(batch.messages.map(\.id) == [post])
    }

    @Test("a refused token and a channel the bot is not in stop the bot with the fix")
    func unauthorized() async throws {
        let (fake, server) = try await Self.platform()
        let wrong = try Self.transport(server, environment: ["MATTERMOST_TOKEN": "wrong"])
        await Self.expectError({ if case .unauthorized(let reason) = $0 { reason.contains("MATTERMOST_TOKEN") && !reason.contains("wrong") } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(wrong, nil)
        }
        await fake.removeBotFromChannel()
        let outside = try Self.transport(server)
        await Self.expectError({ if case .unauthorized(let reason) = $0 { reason.contains("add the bot to the channel") } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(outside, nil)
        }
        await Self.expectError({ if case .unauthorized = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await outside.send(Self.message("hello?"), key: "k1")
        }
    }

    // MARK: - Sending

    @Test("a message is posted as rendered, with the delivery key as pending_post_id; a retry shows once")
    func sendOnce() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let text = "Thanks, Sam\\_L: noted. @\u{2060}channel stays quiet."
        let first = try await transport.send(Self.message(text), key: "inst-o1")
        let again = try await transport.send(Self.message(text), key: "inst-o1")
        #expect(first != nil && first == again)
        let sent = server.requests(to: "/api/v4/posts")
        #expect(sent.count == 2)
        #expect(sent.allSatisfy { $0.json["pending_post_id"] as? String == "inst-o1" })
        #expect(sent[0].json["message"] as? String == text)
        #expect(sent[0].json["root_id"] == nil)
        #expect(sent[0].header("Authorization") == "Bearer \(FakeMattermost.token)")
        #expect(await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id).count == 1)
    }

    @Test("a long message goes out in ordered parts within 16,383 runes; a failure part-way resends only the rest")
    func splitting() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let line = String(repeating: "é", count: 99) + "\n"
        let text = (0..<400).map { "\($0) " + line }.joined()
        #expect(text.unicodeScalars.count > 2 * 16_383)

        let path = "/api/v4/posts"
        // The first part goes through; the second hits a 502.
        await fake.script(path, after: 1, .json(["id": "x", "message": "bad gateway"], status: 502))
        await Self.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await transport.send(Self.message(text), key: "inst-o2")
        }
        #expect(await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id).count == 1)
        // The runtime retries: the rest follows, each part once, in order.
        let id = try await transport.send(Self.message(text), key: "inst-o2")
        let posted = await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id)
        #expect(posted.count >= 3)
        #expect(posted.map(\.message).joined(separator: "\n") == String(text.dropLast()))
        #expect(posted.allSatisfy { $0.message.unicodeScalars.count <= 16_383 })
        #expect(posted.first?.id == id)
        let keys = server.requests(to: path).compactMap { $0.json["pending_post_id"] as? String }
        #expect(keys == ["inst-o2", "inst-o2.2"] + (2...posted.count).map { "inst-o2.\($0)" })
    }

    @Test("a part the server refuses as too long is split finer and sent; nothing after it is lost")
    func refusedAsTooLong() async throws {
        let (fake, server) = try await Self.platform()
        // An old database holds 4,000 runes; the bot counts to 16,383, so its parts are refused.
        await fake.limitPosts(toRunes: 4_000)
        let transport = try Self.transport(server)
        // The issue's member text: one character of 20,001 scalars, in the middle of a report-back.
        let giant = "a" + String(repeating: "\u{301}", count: 20_000)
        let before = (0..<30).map { "week line \($0): Sam caught Jo listening" }.joined(separator: "\n")
        let after = (0..<300).map { "later line \($0): Riley's example, credited" }.joined(separator: "\n")
        let text = before + "\nSam: " + giant + "\n" + after + "\nthe end"
        let id = try await transport.send(Self.message(text), key: "inst-big")

        let posted = await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id)
        #expect(posted.first?.id == id)
        #expect(posted.count >= 6)
        #expect(posted.allSatisfy { $0.message.unicodeScalars.count <= 4_000 })
        #expect(posted.last?.message.hasSuffix("the end") == true)
        // Every scalar arrives, in order: cuts only take the line break or space they fall on.
        func visible(_ text: String) -> [Unicode.Scalar] { text.unicodeScalars.filter { $0 != "\n" && $0 != " " } }
        #expect(visible(posted.map(\.message).joined()) == visible(text))
        // Parts were refused (400) on the way, and each posted part has a key of its own.
        let requests = server.requests(to: "/api/v4/posts")
        #expect(requests.count > posted.count)
        #expect(Set(requests.compactMap { $0.json["pending_post_id"] as? String }).count == posted.count)
    }

    @Test("a private message opens the conversation once, and the member's answer there is read as direct")
    func directMessages() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        _ = try await transport.send(Self.message("Hi Sam, a gentle nudge", to: .direct(userID: Self.sam), id: "o3"), key: "k-o3")
        _ = try await transport.send(Self.message("Hi Sam, another", to: .direct(userID: Self.sam), id: "o4"), key: "k-o4")
        let opened = server.requests(to: "/api/v4/channels/direct")
        #expect(opened.count == 1)
        #expect(try JSONSerialization.jsonObject(with: opened[0].body) as? [String] == [FakeMattermost.bot.id, Self.sam])
        let dm = "dm-" + [FakeMattermost.bot.id, Self.sam].sorted().joined(separator: "__")
        #expect(await fake.posts(in: dm, by: FakeMattermost.bot.id).count == 2)

        // A poll that fails must not forget the conversation: the retry still carries it.
        await fake.script("/api/v4/channels/\(FakeMattermost.channel)/posts", .json(["message": "down"], status: 503))
        await Self.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        let withDM = try await Self.poll(transport, start.cursor)
        #expect(withDM.messages.filter { !$0.fromBot }.isEmpty)
        let answer = await fake.say(Self.sam, "example served a regular first", channel: dm)
        let batch = try await Self.poll(transport, withDM.cursor)
        #expect(batch.messages.map(\.id) == [answer])
        #expect(batch.messages.first?.isDirect == true)
        #expect(batch.messages.first?.senderID == Self.sam)
        #expect(try await Self.poll(transport, batch.cursor).messages.isEmpty)
    }

    @Test("a private conversation Mattermost refuses is rejected, not retried")
    func directRefused() async throws {
        let (_, server) = try await Self.platform()
        let transport = try Self.transport(server)
        await Self.expectError({ if case .rejected = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await transport.send(Self.message("hi", to: .direct(userID: "ghost")), key: "k1")
        }
    }

    // MARK: - Files

    static var dm: String { "dm-" + [FakeMattermost.bot.id, sam].sorted().joined(separator: "__") }

    @Test("the report file is uploaded to the member's private conversation and posted there with its caption")
    func reportFile() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let delivery = try await transport.send(
            Self.message("Here is **Corner Bakery**'s report", to: .direct(userID: Self.sam)), file: Self.reportFile, key: "k-o1")
        let file = try #require(await fake.files["file1"])
        #expect(file.channel == Self.dm)
        #expect(file.filename == Self.reportFile.filename)
        #expect(file.contentType == "text/html; charset=utf-8")
        #expect(file.bytes == Self.reportFile.bytes)
        let post = try #require(await fake.posts(in: Self.dm, by: FakeMattermost.bot.id).first)
        #expect(delivery == .sent(platformID: post.id))
        #expect(post.fileIDs == ["file1"])
        #expect(post.message == "Here is **Corner Bakery**'s report")
        #expect(server.requests(to: "/api/v4/posts").first?.json["pending_post_id"] as? String == "k-o1")
        #expect(await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id).isEmpty)
    }

    @Test("without upload_file, with attachments off, or too large, the file is refused and nothing is posted")
    func reportFileRefused() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let message = Self.message("caption", to: .direct(userID: Self.sam))
        await fake.set(membersMayUpload: false)
        guard case .refused(let forbidden) = try await transport.send(message, file: Self.reportFile, key: "k-o1") else {
            Issue.record("a 403 on the upload was not a refusal")
            return
        }
        #expect(forbidden.problem == .notAllowed)
        #expect(forbidden.reason.contains("403"))
        let check = await transport.check()
        #expect(check.last?.subject == "files" && check.last?.status == .warning)
        #expect(check.last?.detail.contains("upload_file") == true)

        await fake.set(membersMayUpload: true)
        await fake.set(attachmentsEnabled: false)
        guard case .refused(let off) = try await transport.send(message, file: Self.reportFile, key: "k-o2") else {
            Issue.record("attachments turned off was not a refusal")
            return
        }
        #expect(off.problem == .notAllowed)
        #expect(await transport.check().last?.detail.contains("turned off") == true)

        await fake.set(attachmentsEnabled: true)
        await fake.set(maxFileSize: 10)
        #expect(try await transport.send(message, file: Self.reportFile, key: "k-o3").refusal?.problem == .tooLarge)
        #expect(await fake.posts(in: Self.dm, by: FakeMattermost.bot.id).isEmpty)
    }

    @Test("a post that failed after the upload is retried with the same file, and pending_post_id shows it once")
    func reportFileRetry() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        await fake.script("/api/v4/posts", .json(["message": "down"], status: 503))
        let message = Self.message("caption", to: .direct(userID: Self.sam))
        await Self.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await transport.send(message, file: Self.reportFile, key: "k-o1")
        }
        _ = try await transport.send(message, file: Self.reportFile, key: "k-o1")
        #expect(server.requests(to: "/api/v4/files").count == 1)
        #expect(await fake.posts(in: Self.dm, by: FakeMattermost.bot.id).map(\.fileIDs) == [["file1"]])
    }

    // MARK: - check and settings

    @Test("check: a good setup, a bad token, a channel the bot is not in, a wrong channel id")
    func check() async throws {
        let (fake, server) = try await Self.platform()
        let good = await (try Self.transport(server)).check()
        #expect(good.map(\.status) == [.ok, .ok, .ok])
        #expect(good[0].detail.contains("@coachbot"))
        #expect(good[1].detail.contains("Town Square"))
        #expect(good[2].subject == "files" && good[2].detail.contains("members may upload"))

        let badToken = await (try Self.transport(server, environment: ["MATTERMOST_TOKEN": "nope"])).check()
        #expect(badToken.map(\.status) == [.problem])
        #expect(badToken[0].subject == "token" && badToken[0].detail.contains("MATTERMOST_TOKEN"))
        #expect(!badToken[0].detail.contains("nope"))

        let wrongID = await (try Self.transport(server, ["channel": "nosuchchannel00000000000000"])).check()
        #expect(wrongID.map(\.status) == [.ok, .problem])
        #expect(wrongID[1].detail.contains("View Info"))

        await fake.removeBotFromChannel()
        let outside = await (try Self.transport(server)).check()
        #expect(outside.map(\.status) == [.ok, .problem])
        #expect(outside[1].detail.contains("/invite @coachbot"))
    }

    @Test("settings: required keys, typos and secrets in the config are refused with the fix")
    func settings() throws {
        let web = HTTPWebClient()
        func make(_ values: [String: String], _ env: [String: String] = ["MATTERMOST_TOKEN": "t"]) throws(PlatformSetupError) {
            _ = try Platforms.make(kind: "mattermost", settings: values, environment: env,
                context: PlatformContext(web: web, logger: Self.logger, botName: "coach"))
        }
        #expect(throws: PlatformSetupError.self) { try make(["channel": "c"]) }
        #expect(throws: PlatformSetupError.missingSetting(kind: "mattermost", key: "channel", hint: "the channel id (in Mattermost: the channel name > View Info)")) {
            try make(["baseURL": "https://chat.example.com"])
        }
        #expect(throws: PlatformSetupError.secretInConfig(kind: "mattermost", key: "token", instead: "tokenEnv")) {
            try make(["baseURL": "https://chat.example.com", "channel": "c", "token": "abc"])
        }
        #expect(throws: PlatformSetupError.missingSecret(kind: "mattermost", variable: "MM_BOT", setting: "tokenEnv", what: "bot access token")) {
            try make(["baseURL": "https://chat.example.com", "channel": "c", "tokenEnv": "MM_BOT"])
        }
        #expect(throws: PlatformSetupError.self) { try make(["baseURL": "https://chat.example.com", "channel": "c", "pollSeconds": "0"]) }
        try make(["baseURL": "https://chat.example.com", "channel": "c", "pollSeconds": "5"])
        let transport = try Platforms.make(kind: "mattermost", settings: ["baseURL": "https://chat.example.com", "channel": "c", "pollSeconds": "5"],
            environment: ["MATTERMOST_TOKEN": "t"], context: PlatformContext(web: web, logger: Self.logger, botName: "coach"))
        #expect(Self.pacing(transport) == .every(.seconds(5)))
        #expect(transport.capabilities == TransportCapabilities(directMessages: true, threads: true, markup: .mattermost, files: true))
    }

    @Test("the example config loads and builds this adapter")
    func exampleConfig() throws {
        let (setup, transport) = try Self.example("mattermost", environment: ["MATTERMOST_TOKEN": "t"])
        #expect(setup.config.transport.kind == "mattermost")
        #expect(transport.name == "mattermost")
    }

    @Test("many private conversations are read in turn, a few per poll, and none is missed")
    func directConversationsTakeTurns() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        var cursor = try await Self.poll(transport, nil).cursor
        var people: [String] = []
        for n in 0..<7 {
            let id = String(format: "mbr%023d", n)
            await fake.addUser(id, "member\(n)")
            people.append(id)
            _ = try await transport.send(Self.message("nudge \(n)", to: .direct(userID: id), id: "o\(n)"), key: "k-o\(n)")
        }
        cursor = try await Self.poll(transport, cursor).cursor
        var answers: [String] = []
        for id in people {
            let dm = "dm-" + [FakeMattermost.bot.id, id].sorted().joined(separator: "__")
            answers.append(await fake.say(id, "answer from \(id)", channel: dm))
        }
        var read: [String] = []
        for _ in 0..<3 {
            let before = server.requests.count
            let batch = try await Self.poll(transport, cursor)
            // One channel read plus at most three conversations per poll.
            #expect(server.requests.dropFirst(before).filter { $0.path.hasSuffix("/posts") }.count <= 4)
            read += batch.messages.filter { !$0.fromBot }.map(\.id)
            cursor = batch.cursor
        }
        #expect(read.sorted() == answers.sorted())
        #expect(Set(read).count == read.count)
    }

    // MARK: - End to end

    @Test("end to end: a member's help gets the bot's reply in the channel, and caught @riley names Riley")
    func endToEnd() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let session = try Self.session(for: transport)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func step() async throws { try await Self.step(session, transport, at: now, tick: false) }

        try await step()
        await fake.say(Self.sam, "!help")
        try await step()
        let replies = await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id)
        #expect(replies.count == 1)
        #expect(replies.first?.message.contains("Here's what I can do, Sam Lee") == true)

        await fake.say(Self.sam, "@coachbot caught @riley stayed late to help a customer find a gift")
        try await step()
        let state = await session.state
        let example = try #require(state.examples.all.last)
        #expect(example.caughtIDs == [Self.riley])
        #expect(example.reporterID == Self.sam)
        #expect(state.members[Self.riley]?.name == "Riley Quinn")
        #expect(state.members[Self.sam]?.handle == "sam")
        let ack = await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id).last
        #expect(ack?.message.contains("Riley Quinn") == true)
        // Everything the bot read is committed under the cursor: another step reads nothing new and posts nothing.
        try await step()
        #expect(await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id).count == 2)
    }

    @Test("end to end: @someone outside the channel, or @the bot, is not credited, and the reply says why")
    func mentionsAreChecked() async throws {
        let (fake, server) = try await Self.platform()
        await fake.addUser("dna0000000000000000000000a", "dana", first: "Dana", last: "Outside", inChannel: false)
        let transport = try Self.transport(server)
        let session = try Self.session(for: transport)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func step() async throws { try await Self.step(session, transport, at: now, tick: false) }
        try await step()

        await fake.say(Self.sam, "!caught @dana for fixing the till")
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        let outsider = await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id).last?.message ?? ""
        #expect(outsider.contains("I can't credit @Dana Outside"), "\(outsider)")

        await fake.say(Self.sam, "!caught @coachbot for the reminders")
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        let bot = await fake.posts(in: FakeMattermost.channel, by: FakeMattermost.bot.id).last?.message ?? ""
        #expect(bot.contains("is me, the bot"), "\(bot)")
    }
}
