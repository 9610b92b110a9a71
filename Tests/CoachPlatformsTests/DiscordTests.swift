import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// A small Discord: users, channels (threads started from a message share its id), messages with snowflake ids
/// that cross a digit boundary, permissions per channel, and the REST v10 calls the adapter makes, answered as
/// Discord does (newest first, the oldest page after `after`, nonce de-duplication, JSON 429s).
actor FakeDiscord {
    struct User {
        var id: String
        var username: String
        var globalName: String?
        var bot = false
    }

    struct Message {
        var id: String
        var channel: String
        var author: String
        var content: String
        var type = 0
        var reference: String?
        var webhook: String?
        var nonce: String?
        /// Files sent with the message, as their `files[n]` parts arrived.
        var files: [FormPart] = []
    }

    static let token = "discord-secret-token"
    static let bot = User(id: "900000000000000001", username: "servicecoach", globalName: "Coach", bot: true)
    static let channel = "80000000000000000"
    static let guild = "70000000000000000"
    static let botRole = "60000000000000006"

    var users: [String: User] = [bot.id: bot]
    /// Users who are members of the server (`guild`); other users exist on Discord but are not.
    var serverMembers: Set<String> = [bot.id]
    /// Channel id → name; threads and private channels too.
    var channels: [String: String] = [channel: "front-desk"]
    var readable: Set<String> = [channel]
    var writable: Set<String> = [channel]
    var blocksPrivateMessages: Set<String> = []
    var messages: [Message] = []
    /// Just below a power of ten, so ids grow from 17 to 18 digits during a test.
    var nextID: UInt64 = 99_999_999_999_999_800
    var applicationFlags: UInt64 = 1 << 19
    var scripted: [(path: String, skip: Int, reply: Reply)] = []
    /// Discord's default upload limit per file: 10 MiB.
    var maxUploadBytes = 10 * 1024 * 1024

    func set(maxUploadBytes: Int) { self.maxUploadBytes = maxUploadBytes }

    func files(in channel: String) -> [FormPart] {
        messages.filter { $0.channel == channel }.flatMap(\.files)
    }

    @discardableResult
    func addUser(_ id: String, _ username: String, globalName: String? = nil, bot: Bool = false, inServer: Bool = true) -> User {
        let user = User(id: id, username: username, globalName: globalName, bot: bot)
        users[id] = user
        if inServer { serverMembers.insert(id) }
        return user
    }

    func snowflake() -> String {
        nextID += 1
        return String(nextID)
    }

    @discardableResult
    func say(_ author: String, _ content: String, in channel: String = FakeDiscord.channel, type: Int? = nil,
        replyTo: String? = nil, webhook: String? = nil) -> String
    {
        let id = snowflake()
        messages.append(Message(id: id, channel: channel, author: author, content: content,
            type: type ?? (replyTo == nil ? 0 : 19), reference: replyTo, webhook: webhook))
        return id
    }

    /// A Discord thread started from a message: a channel with the message's id.
    func startThread(on messageID: String, name: String = "thread") {
        channels[messageID] = name
        readable.insert(messageID)
        writable.insert(messageID)
    }

    func deleteThread(_ id: String) {
        channels[id] = nil
        messages.removeAll { $0.channel == id }
    }

    func setReadable(_ channel: String, _ can: Bool) { if can { readable.insert(channel) } else { readable.remove(channel) } }
    func setWritable(_ channel: String, _ can: Bool) { if can { writable.insert(channel) } else { writable.remove(channel) } }
    func setApplicationFlags(_ flags: UInt64) { applicationFlags = flags }
    func blockPrivateMessages(from user: String) { blocksPrivateMessages.insert(user) }

    func script(_ path: String, after skip: Int = 0, _ reply: Reply) { scripted.append((path, skip, reply)) }

    func contents(in channel: String, by author: String = FakeDiscord.bot.id) -> [String] {
        messages.filter { $0.channel == channel && $0.author == author }.map(\.content)
    }

    func ids(in channel: String, by author: String = FakeDiscord.bot.id) -> [String] {
        messages.filter { $0.channel == channel && $0.author == author }.map(\.id)
    }

    func handle(_ request: Received) -> Reply {
        if let index = scripted.firstIndex(where: { $0.path == request.path }) {
            if scripted[index].skip == 0 { return scripted.remove(at: index).reply }
            scripted[index].skip -= 1
        }
        guard request.header("Authorization") == "Bot \(Self.token)" else { return error(401, 0, "401: Unauthorized") }
        let route = request.path.split(separator: "/").map(String.init)
        switch (request.method, route.count, route.first) {
        case ("GET", 2, "users") where route[1] == "@me":
            return .json(userJSON(Self.bot))
        case ("GET", 2, "applications") where route[1] == "@me":
            return .json(["id": "app1", "name": "ServiceCoach", "flags": applicationFlags])
        case ("POST", 3, "users") where route[1] == "@me" && route[2] == "channels":
            guard let recipient = request.json["recipient_id"] as? String, users[recipient] != nil else {
                return error(400, 50035, "Invalid Form Body")
            }
            let id = "7\(recipient)"
            channels[id] = ""
            readable.insert(id)
            if !blocksPrivateMessages.contains(recipient) { writable.insert(id) }
            return .json(["id": id, "type": 1, "recipients": [userJSON(users[recipient]!)]])
        case ("GET", 2, "channels"):
            guard let name = channels[route[1]] else { return error(404, 10003, "Unknown Channel") }
            guard readable.contains(route[1]) else { return error(403, 50001, "Missing Access") }
            return .json(["id": route[1], "name": name, "type": 0, "guild_id": Self.guild])
        case ("GET", 3, "guilds") where route[1] == Self.guild && route[2] == "roles":
            return .json([["id": Self.guild, "name": "@everyone"], ["id": "50000000000000005", "name": "staff"],
                ["id": Self.botRole, "name": "Coach", "managed": true, "tags": ["bot_id": Self.bot.id]]])
        case ("GET", 4, "guilds") where route[1] == Self.guild && route[2] == "members":
            guard let user = users[route[3]], serverMembers.contains(user.id) else { return error(404, 10007, "Unknown Member") }
            return .json(["user": userJSON(user), "roles": [], "joined_at": "2026-01-04T09:00:00.000000+00:00"])
        case ("GET", 3, "channels") where route[2] == "messages":
            guard channels[route[1]] != nil else { return error(404, 10003, "Unknown Channel") }
            guard readable.contains(route[1]) else { return error(403, 50001, "Missing Access") }
            return history(route[1], request.query)
        case ("POST", 3, "channels") where route[2] == "messages" && !request.multipart.isEmpty:
            // Files: the JSON body as `payload_json`, each file as `files[n]`, named in `attachments` by its `n`.
            let payload = request.part("payload_json").flatMap { try? JSONSerialization.jsonObject(with: $0.body) } as? [String: Any] ?? [:]
            let named = (payload["attachments"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            let files = named.compactMap { request.part("files[\($0)]") }
            guard !files.isEmpty, files.count == named.count, files.allSatisfy({ $0.filename != nil }) else {
                return error(400, 50035, "Invalid Form Body")
            }
            guard files.allSatisfy({ $0.body.count <= maxUploadBytes }) else { return error(413, 40005, "Request entity too large") }
            return create(in: route[1], payload, files: files)
        case ("POST", 3, "channels") where route[2] == "messages":
            return create(in: route[1], request.json)
        default:
            return error(404, 0, "404: Not Found")
        }
    }

    func history(_ channel: String, _ query: [String: String]) -> Reply {
        let limit = min(100, Int(query["limit"] ?? "50") ?? 50)
        let inChannel = messages.filter { $0.channel == channel }.sorted { UInt64($0.id)! < UInt64($1.id)! }
        let page: [Message]
        if let after = query["after"].flatMap(UInt64.init) {
            page = Array(inChannel.filter { UInt64($0.id)! > after }.prefix(limit))
        } else {
            page = Array(inChannel.suffix(limit))
        }
        return .json(page.reversed().map(messageJSON))
    }

    func create(in channel: String, _ body: [String: Any], files: [FormPart] = []) -> Reply {
        guard channels[channel] != nil else { return error(404, 10003, "Unknown Channel") }
        guard writable.contains(channel) else {
            if channel.hasPrefix("7") { return error(403, 50007, "Cannot send messages to this user") }
            return error(403, 50013, "Missing Permissions")
        }
        guard let content = body["content"] as? String, content.count <= 2000 else { return error(400, 50035, "Invalid Form Body") }
        let nonce = body["nonce"] as? String
        if body["enforce_nonce"] as? Bool == true, let nonce, let existing = messages.first(where: { $0.nonce == nonce }) {
            return .json(messageJSON(existing))
        }
        let reference = (body["message_reference"] as? [String: Any])?["message_id"] as? String
        var message = Message(id: snowflake(), channel: channel, author: Self.bot.id, content: content, type: reference == nil ? 0 : 19, reference: reference)
        message.nonce = nonce
        message.files = files
        messages.append(message)
        return .json(messageJSON(message))
    }

    func messageJSON(_ message: Message) -> [String: Any] {
        var json: [String: Any] = [
            "id": message.id, "channel_id": message.channel, "type": message.type, "content": message.content,
            "author": userJSON(users[message.author] ?? User(id: message.author, username: "ghost")),
            "mentions": mentioned(in: message.content).compactMap { users[$0] }.map(userJSON),
            "timestamp": "2027-01-04T09:00:00.000000+00:00", "tts": false, "pinned": false,
        ]
        if let nonce = message.nonce { json["nonce"] = nonce }
        if let webhook = message.webhook { json["webhook_id"] = webhook }
        if let reference = message.reference {
            json["message_reference"] = ["type": 0, "message_id": reference, "channel_id": message.channel]
            if let target = messages.first(where: { $0.id == reference }) {
                var referenced: [String: Any] = ["id": target.id, "type": target.type, "content": target.content]
                if let above = target.reference { referenced["message_reference"] = ["type": 0, "message_id": above] }
                json["referenced_message"] = referenced
            } else {
                json["referenced_message"] = NSNull()
            }
        }
        return json
    }

    func mentioned(in content: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(content)
        while let open = rest.range(of: "<@") {
            let after = rest[open.upperBound...].drop { $0 == "!" }
            let digits = after.prefix { $0.isNumber }
            if !digits.isEmpty { ids.append(String(digits)) }
            rest = rest[open.upperBound...]
        }
        return ids
    }

    func userJSON(_ user: User) -> [String: Any] {
        var json: [String: Any] = ["id": user.id, "username": user.username, "discriminator": "0", "global_name": user.globalName ?? NSNull()]
        if user.bot { json["bot"] = true }
        return json
    }

    func error(_ status: Int, _ code: Int, _ message: String) -> Reply {
        .json(["message": message, "code": code], status: status)
    }
}

@Suite("Discord adapter", .stopsServers)
struct DiscordTests: AdapterTestSuite {
    static let sam = "200000000000000002"
    static let riley = "300000000000000003"

    static func platform() async throws -> (FakeDiscord, FakeServer) {
        let fake = FakeDiscord()
        await fake.addUser(sam, "sam.lee", globalName: "Sam Lee")
        await fake.addUser(riley, "riley_q")
        let server = try await FakeServer { request in await fake.handle(request) }
        return (fake, server)
    }

    static func transport(_ server: FakeServer, _ settings: [String: String] = [:], web: (any WebClient)? = nil,
        environment: [String: String] = ["DISCORD_BOT_TOKEN": FakeDiscord.token]) throws -> DiscordTransport
    {
        try DiscordTransport(
            settings: Self.settings("discord", ["baseURL": server.baseURL.absoluteString, "channel": FakeDiscord.channel], settings,
                environment: environment),
            context: context(web: web))
    }

    static let messagesPath = "/channels/\(FakeDiscord.channel)/messages"

    // MARK: - Polling

    @Test("a first start reads no history and returns a cursor for now; later messages arrive once each")
    func firstStart() async throws {
        let (fake, server) = try await Self.platform()
        await fake.say(Self.sam, "old news")
        let transport = try Self.transport(server)
        let first = try await Self.poll(transport, nil)
        #expect(first.messages.isEmpty)
        #expect(server.requests(to: Self.messagesPath).last?.query["limit"] == "1")

        let fresh = await fake.say(Self.sam, "hello team")
        let second = try await Self.poll(transport, first.cursor)
        #expect(second.messages.map(\.id) == [fresh])
        let message = try #require(second.messages.first)
        #expect(message.text == "hello team")
        #expect(message.senderID == Self.sam)
        #expect(message.senderName == "Sam Lee")
        #expect(message.senderHandle == "sam.lee")
        #expect(!message.fromBot && !message.isDirect && !message.addressed)
        let read = try #require(server.requests(to: Self.messagesPath).last)
        #expect(read.query["limit"] == "100")
        #expect(read.header("Authorization") == "Bot \(FakeDiscord.token)")
        #expect(read.header("User-Agent") == "DiscordBot (https://github.com/servicecoach, 1.0)")

        let third = try await Self.poll(transport, second.cursor)
        #expect(third.messages.isEmpty)
        #expect(third.cursor == second.cursor)
    }

    @Test("an empty channel at the start is read from its beginning; backlog reads what is there")
    func emptyChannelAndBacklog() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let first = try await Self.poll(transport, nil)
        let a = await fake.say(Self.sam, "first ever")
        let b = await fake.say(Self.riley, "second ever")
        let batch = try await Self.poll(transport, first.cursor)
        #expect(batch.messages.map(\.id) == [a, b])
        #expect(server.requests(to: Self.messagesPath).last?.query["after"] == FakeDiscord.channel)

        let backlog = try await Self.poll(try Self.transport(server, ["firstStart": "backlog"]), nil)
        #expect(backlog.messages.map(\.id) == [a, b])
    }

    @Test("pages are read oldest first by snowflake, across a digit boundary, five pages per poll, without loss")
    func pagination() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        await fake.say(Self.sam, "before the bot")
        let start = try await Self.poll(transport, nil)
        var written: [String] = []
        for n in 0..<620 { written.append(await fake.say(n.isMultiple(of: 2) ? Self.sam : Self.riley, "message \(n)")) }
        // The ids grow from 17 to 18 digits: compared as text, "100…" would sort before "99…".
        #expect(written.first?.count == 17 && written.last?.count == 18)

        let first = try await Self.poll(transport, start.cursor)
        #expect(first.messages.count == 500)
        #expect(first.messages.map(\.id) == Array(written.prefix(500)))
        let second = try await Self.poll(transport, first.cursor)
        #expect(second.messages.map(\.id) == Array(written.suffix(120)))
        #expect(try await Self.poll(transport, second.cursor).messages.isEmpty)
        #expect(server.requests(to: Self.messagesPath).dropFirst().allSatisfy { $0.query["limit"] == "100" })
    }

    @Test("snowflakes compare as numbers, never as text or Double")
    func snowflakeOrder() {
        #expect(Snowflake.precedes("99999999999999999", "100000000000000000"))
        #expect(!Snowflake.precedes("100000000000000000", "99999999999999999"))
        // Two ids a Double cannot tell apart.
        #expect(Snowflake.precedes("1234567890123456789", "1234567890123456790"))
        #expect(Double("1234567890123456789") == Double("1234567890123456790"))
        #expect(Snowflake.isValid("18446744073709551615") && !Snowflake.isValid("18446744073709551616"))
        #expect(!Snowflake.isValid("12a") && !Snowflake.isValid(""))
    }

    @Test("a reply to the announcement, and a reply to such a reply, carry the announcement's id; other replies their target's")
    func replyThreads() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        let announcement = try #require(try await transport.send(Self.message("This week: **listen first**"), key: "k-o1"))
        let chat = await fake.say(Self.riley, "lunch?")
        let reply = await fake.say(Self.sam, "Listened before answering", replyTo: announcement)
        let nested = await fake.say(Self.riley, "Same here, with a regular", replyTo: reply)
        let other = await fake.say(Self.sam, "yes please", replyTo: chat)
        let batch = try await Self.poll(transport, start.cursor, threads: [announcement])
        #expect(batch.messages.map(\.id) == [announcement, chat, reply, nested, other])
        #expect(batch.messages.map(\.threadRootID) == [nil, nil, announcement, announcement, chat])
        #expect(batch.messages[0].fromBot)

        _ = try await transport.send(Self.message("Thanks, Sam: noted.", to: .thread(rootID: announcement), id: "o2"), key: "k-o2")
        let sent = try #require(server.requests(to: Self.messagesPath).last { $0.method == "POST" })
        let reference = try #require(sent.json["message_reference"] as? [String: Any])
        #expect(reference["message_id"] as? String == announcement)
        #expect(reference["fail_if_not_exists"] as? Bool == false)
    }

    @Test("a Discord thread started from the announcement is read and answered in; other threads are not read")
    func threadChannels() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        let announcement = try #require(try await transport.send(Self.message("This week: **listen first**"), key: "k-o1"))
        let before = try await Self.poll(transport, start.cursor, threads: [announcement])
        #expect(before.messages.map(\.id) == [announcement])
        // No thread yet: the bot answers as a reply in the channel.
        _ = try await transport.send(Self.message("first answer", to: .thread(rootID: announcement), id: "o2"), key: "k-o2")
        #expect(await fake.contents(in: FakeDiscord.channel).last == "first answer")

        await fake.startThread(on: announcement)
        let elsewhere = await fake.say(Self.riley, "unrelated")
        await fake.startThread(on: elsewhere)
        let inThread = await fake.say(Self.sam, "Listened to a long complaint without interrupting", in: announcement)
        await fake.say(Self.riley, "not watched", in: elsewhere)
        var batch = try await Self.poll(transport, before.cursor, threads: [announcement])
        // Nine quiet polls later at most, the new thread is noticed: until then nothing is lost, only late.
        for _ in 0..<10 where !batch.messages.contains(where: { $0.id == inThread }) {
            batch = try await Self.poll(transport, batch.cursor, threads: [announcement])
        }
        let found = try #require(batch.messages.first { $0.id == inThread })
        #expect(found.threadRootID == announcement)
        #expect(!server.requests.contains { $0.path == "/channels/\(elsewhere)/messages" })

        _ = try await transport.send(Self.message("Thanks, Sam: noted.", to: .thread(rootID: announcement), id: "o3"), key: "k-o3")
        #expect(await fake.contents(in: announcement) == ["Thanks, Sam: noted."])
        let again = try await Self.poll(transport, batch.cursor, threads: [announcement])
        #expect(again.messages.map(\.fromBot) == [true])

        // The thread is deleted: answers fall back to replies in the channel.
        await fake.deleteThread(announcement)
        _ = try await transport.send(Self.message("after the thread went", to: .thread(rootID: announcement), id: "o4"), key: "k-o4")
        #expect(await fake.contents(in: FakeDiscord.channel).last == "after the thread went")
    }

    @Test("the bot's own, other bots' and webhooks' messages are fromBot; system messages are left out")
    func ownAndSystemMessages() async throws {
        let (fake, server) = try await Self.platform()
        let other = await fake.addUser("400000000000000004", "deploybot", bot: true)
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        await fake.say(Self.riley, "", type: 7)
        let mine = await fake.say(FakeDiscord.bot.id, "I am the coach")
        let bot = await fake.say(other.id, "deployed")
        let hook = await fake.say(Self.riley, "from a webhook", webhook: "5555")
        let person = await fake.say(Self.sam, "hi")
        let batch = try await Self.poll(transport, start.cursor)
        #expect(batch.messages.map(\.id) == [mine, bot, hook, person])
        #expect(batch.messages.map(\.fromBot) == [true, true, true, false])
        #expect(try await Self.poll(transport, batch.cursor).messages.isEmpty)
    }

    @Test("<@id> mentions become @id with the member's name; a leading mention of the bot addresses it")
    func mentionsAndAddressing() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        await fake.say(Self.sam, "<@\(FakeDiscord.bot.id)> help")
        await fake.say(Self.sam, " <@!\(FakeDiscord.bot.id)>: status")
        await fake.say(Self.sam, "!caught <@!\(Self.riley)> and <@\(Self.sam)> kept the queue calm <@&777> <#888> <@oops>")
        await fake.say(Self.sam, "thanks <@\(FakeDiscord.bot.id)> *really* `x` \\o/")
        await fake.say(Self.sam, "<@&\(FakeDiscord.botRole)> scores")
        await fake.say(Self.sam, "<@&50000000000000005> meeting at 3")
        let messages = try await Self.poll(transport, start.cursor).messages
        #expect(messages.count == 6)
        #expect(messages[0].addressed && messages[0].text == "help")
        #expect(messages[1].addressed && messages[1].text == "status")
        #expect(!messages[2].addressed)
        #expect(messages[2].text == "!caught @\(Self.riley) and @\(Self.sam) kept the queue calm <@&777> <#888> <@oops>")
        #expect(messages[2].mentions == [Self.riley: Self.riley, Self.sam: Self.sam])
        #expect(messages[2].mentionedNames == [Self.riley: "riley_q", Self.sam: "Sam Lee"])
        #expect(!messages[3].addressed)
        #expect(messages[3].text == "thanks @\(FakeDiscord.bot.id) *really* `x` \\o/")
        // Discord's suggestions offer the bot's own role too: mentioning it addresses the bot; other roles do not.
        #expect(messages[4].addressed && messages[4].text == "scores")
        #expect(!messages[5].addressed && messages[5].text == "<@&50000000000000005> meeting at 3")
    }

    // MARK: - Failures

    @Test("a 429 waits the body's retry_after exactly (1.5 s), or the Retry-After header without a body")
    func rateLimited() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        await fake.script(Self.messagesPath, .json(["message": "You are being rate limited.", "retry_after": 1.5, "global": false],
            status: 429, headers: ["Retry-After": "2", "X-RateLimit-Scope": "user"]))
        await Self.expectError({ $0 == .rateLimited(retryAfter: .milliseconds(1500)) }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        await fake.script(Self.messagesPath, .text("", status: 429, headers: ["Retry-After": "3"]))
        await Self.expectError({ $0 == .rateLimited(retryAfter: .seconds(3)) }) { () throws(TransportError) in
            _ = try await transport.send(Self.message("hi"), key: "k1")
        }
        #expect(await fake.contents(in: FakeDiscord.channel).isEmpty)
    }

    @Test("5xx, timeouts and malformed answers are temporary, and the cursor does not move past unread messages")
    func temporaryFailures() async throws {
        let (fake, server) = try await Self.platform()
        let web = TimeoutWebClient()
        let transport = try Self.transport(server, web: web)
        let start = try await Self.poll(transport, nil)
        let message = await fake.say(Self.sam, "please do not lose me")
        await fake.script(Self.messagesPath, .json(["message": "upstream", "code": 0], status: 502))
        await Self.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        await fake.script(Self.messagesPath, .malformed)
        await Self.expectError({ if case .temporary(let reason) = $0 { reason.contains("malformed") } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        await web.timeOut("discord channel messages")
        await Self.expectError({ if case .temporary(let reason) = $0 { reason.contains("no answer") } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        #expect(try await Self.poll(transport, start.cursor).messages.map(\.id) == [message])
    }

    @Test("a refused token and a channel the bot may not read or post in stop the bot with the fix")
    func unauthorized() async throws {
        let (fake, server) = try await Self.platform()
        let wrong = try Self.transport(server, environment: ["DISCORD_BOT_TOKEN": "wrong"])
        await Self.expectError({ if case .unauthorized(let reason) = $0 { reason.contains("DISCORD_BOT_TOKEN") && !reason.contains("wrong") } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(wrong, nil)
        }
        let transport = try Self.transport(server)
        await fake.setWritable(FakeDiscord.channel, false)
        await Self.expectError({ if case .unauthorized(let reason) = $0 { reason.contains("Send Messages") } else { false } }) { () throws(TransportError) in
            _ = try await transport.send(Self.message("hello?"), key: "k1")
        }
        await fake.setReadable(FakeDiscord.channel, false)
        await Self.expectError({ if case .unauthorized(let reason) = $0 { reason.contains("Read Message History") } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, nil)
        }
    }

    // MARK: - Sending

    @Test("a message is posted as rendered with nonce, enforce_nonce and no pings; a retry returns the same message")
    func sendOnce() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let text = "Thanks, Sam\\_L: noted. @\u{2060}everyone stays quiet."
        let first = try await transport.send(Self.message(text), key: "inst-o1")
        let again = try await transport.send(Self.message(text), key: "inst-o1")
        #expect(first != nil && first == again)
        #expect(await fake.contents(in: FakeDiscord.channel) == [text])
        let sent = server.requests(to: Self.messagesPath).filter { $0.method == "POST" }
        #expect(sent.count == 2)
        for request in sent {
            #expect(request.json["nonce"] as? String == "inst-o1")
            #expect(request.json["enforce_nonce"] as? Bool == true)
            let allowed = try #require(request.json["allowed_mentions"] as? [String: Any])
            #expect((allowed["parse"] as? [Any])?.isEmpty == true)
            #expect(allowed["users"] == nil)
            #expect(request.json["message_reference"] == nil)
        }
    }

    @Test("nonces stay within 25 characters, stable per part, distinct between parts")
    func nonces() {
        #expect(DiscordTransport.nonce("ab12cd-o7", 0) == "ab12cd-o7")
        #expect(DiscordTransport.nonce("ab12cd-o7", 2) == "ab12cd-o7.3")
        let long = "installation-identifier-o123456"
        let parts = (0..<3).map { DiscordTransport.nonce(long, $0) }
        #expect(parts.allSatisfy { $0.count <= 25 })
        #expect(Set(parts).count == 3)
        #expect(parts == (0..<3).map { DiscordTransport.nonce(long, $0) })
    }

    @Test("a long message goes out in ordered parts of at most 2,000 characters; a failure part-way resends only the rest")
    func splitting() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let text = "Summary\n```\n" + (0..<200).map { "principle \($0): 3.5 → 4.0" }.joined(separator: "\n") + "\n```\nWell done."
        #expect(text.count > 2 * 2000)
        await fake.script(Self.messagesPath, after: 1, .json(["message": "upstream", "code": 0], status: 502))
        await Self.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await transport.send(Self.message(text), key: "inst-o2")
        }
        #expect(await fake.contents(in: FakeDiscord.channel).count == 1)
        let id = try await transport.send(Self.message(text), key: "inst-o2")
        let posted = await fake.contents(in: FakeDiscord.channel)
        #expect(posted.count >= 3)
        #expect(posted.allSatisfy { $0.count <= 2000 })
        #expect(posted.allSatisfy { $0.components(separatedBy: "```").count % 2 == 1 })
        #expect(await fake.ids(in: FakeDiscord.channel).first == id)
        let nonces = server.requests(to: Self.messagesPath).filter { $0.method == "POST" }.compactMap { $0.json["nonce"] as? String }
        #expect(nonces == ["inst-o2", "inst-o2.2"] + (2...posted.count).map { "inst-o2.\($0)" })
    }

    @Test("a private message opens the conversation once; the answer there is read as direct; a refusal is rejected")
    func directMessages() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let start = try await Self.poll(transport, nil)
        _ = try await transport.send(Self.message("Hi Sam, a gentle nudge", to: .direct(userID: Self.sam), id: "o3"), key: "k-o3")
        _ = try await transport.send(Self.message("Hi Sam, another", to: .direct(userID: Self.sam), id: "o4"), key: "k-o4")
        let opened = server.requests(to: "/users/@me/channels")
        #expect(opened.count == 1)
        #expect(opened.first?.json["recipient_id"] as? String == Self.sam)
        let dm = "7" + Self.sam
        #expect(await fake.contents(in: dm) == ["Hi Sam, a gentle nudge", "Hi Sam, another"])

        // A poll that fails must not forget the conversation: the retry still carries it.
        await fake.script(Self.messagesPath, .json(["message": "upstream", "code": 0], status: 503))
        await Self.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await Self.poll(transport, start.cursor)
        }
        let withDM = try await Self.poll(transport, start.cursor)
        #expect(withDM.messages.allSatisfy { $0.fromBot })
        let answer = await fake.say(Self.sam, "example: served a regular first", in: dm)
        let batch = try await Self.poll(transport, withDM.cursor)
        #expect(batch.messages.map(\.id) == [answer])
        #expect(batch.messages.first?.isDirect == true)
        #expect(batch.messages.first?.threadRootID == nil)

        await fake.blockPrivateMessages(from: Self.riley)
        await Self.expectError({ if case .rejected(let reason) = $0 { reason.contains("will not deliver") } else { false } }) { () throws(TransportError) in
            _ = try await transport.send(Self.message("Hi Riley", to: .direct(userID: Self.riley), id: "o5"), key: "k-o5")
        }
        await Self.expectError({ if case .rejected = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await transport.send(Self.message("Hi ghost", to: .direct(userID: "123"), id: "o6"), key: "k-o6")
        }
    }

    // MARK: - Files

    @Test("the report file goes to the member's private channel as files[0] with payload_json; a retry shows it once")
    func reportFile() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let message = Self.message("Here is **Corner Bakery**'s report, @everyone", to: .direct(userID: Self.sam))
        let delivery = try await transport.send(message, file: Self.reportFile, key: "k-o1")
        let dm = "7\(Self.sam)"
        let file = try #require(await fake.files(in: dm).first)
        #expect(delivery == .sent(platformID: await fake.ids(in: dm).first))
        #expect(file.filename == Self.reportFile.filename)
        #expect(file.contentType == "text/html; charset=utf-8")
        #expect(file.body == Self.reportFile.bytes)
        let request = try #require(server.requests(to: "/channels/\(dm)/messages").first)
        let payloadPart = try #require(request.part("payload_json"))
        let payload = try #require(try JSONSerialization.jsonObject(with: payloadPart.body) as? [String: Any])
        #expect(request.part("payload_json")?.contentType == "application/json")
        #expect(payload["nonce"] as? String == "k-o1")
        #expect(payload["enforce_nonce"] as? Bool == true)
        #expect((payload["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
        #expect(await fake.contents(in: dm).first?.contains("@everyone") == false, "the caption's mass mention is broken")
        #expect(await fake.contents(in: FakeDiscord.channel).isEmpty)

        // The same key again (a retry after a crash): Discord returns the message already made.
        #expect(try await transport.send(message, file: Self.reportFile, key: "k-o1") == delivery)
        #expect(await fake.files(in: dm).count == 1)
    }

    @Test("missing permissions and a file over the upload limit are refusals the member hears about")
    func reportFileRefused() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        await fake.setWritable(FakeDiscord.channel, false)
        let forbidden = try await transport.send(Self.message("caption"), file: Self.reportFile, key: "k-o1")
        #expect(forbidden.refusal?.problem == .notAllowed)
        #expect(forbidden.refusal?.reason.contains("50013") == true)
        await fake.set(maxUploadBytes: 10)
        let tooLarge = try await transport.send(Self.message("caption", to: .direct(userID: Self.sam)), file: Self.reportFile, key: "k-o2")
        #expect(tooLarge.refusal?.problem == .tooLarge)
        #expect(await fake.files(in: "7\(Self.sam)").isEmpty)
    }

    // MARK: - check and settings

    @Test("check: a good setup, a bad token, the intent off, no access to the channel, a wrong channel id")
    func check() async throws {
        let (fake, server) = try await Self.platform()
        let good = await (try Self.transport(server)).check()
        #expect(good.map(\.status) == [.ok, .ok, .ok, .ok])
        #expect(good.map(\.subject) == ["token", "intent", "channel", "files"])
        #expect(good[2].detail.contains("#front-desk"))
        #expect(good[3].detail.contains("private channel"))

        let badToken = await (try Self.transport(server, environment: ["DISCORD_BOT_TOKEN": "nope"])).check()
        #expect(badToken.map(\.status) == [.problem])
        #expect(badToken[0].detail.contains("Reset Token") && !badToken[0].detail.contains("nope"))

        await fake.setApplicationFlags(0)
        let intentOff = await (try Self.transport(server)).check()
        #expect(intentOff.map(\.status) == [.ok, .problem, .ok, .ok])
        #expect(intentOff[1].detail.contains("Message Content Intent"))
        await fake.setApplicationFlags(1 << 18)

        let wrongID = await (try Self.transport(server, ["channel": "12345"])).check()
        #expect(wrongID.map(\.status) == [.ok, .ok, .problem])
        #expect(wrongID[2].detail.contains("Copy Channel ID"))

        await fake.setReadable(FakeDiscord.channel, false)
        let outside = await (try Self.transport(server)).check()
        #expect(outside.map(\.status) == [.ok, .ok, .problem])
        #expect(outside[2].detail.contains("View Channel"))
    }

    @Test("settings: the channel must be an id, tokens come only from the environment, the API root has a default")
    func settings() async throws {
        let web = HTTPWebClient()
        let context = PlatformContext(web: web, logger: Self.logger, botName: "coach")
        func make(_ values: [String: String], _ env: [String: String] = ["DISCORD_BOT_TOKEN": "t"]) throws(PlatformSetupError) -> any ChatTransport {
            try Platforms.make(kind: "discord", settings: values, environment: env, context: context)
        }
        #expect(throws: PlatformSetupError.self) { try make([:]) }
        #expect(throws: PlatformSetupError.self) { try make(["channel": "#general"]) }
        #expect(throws: PlatformSetupError.secretInConfig(kind: "discord", key: "botToken", instead: "tokenEnv")) {
            try make(["channel": "123", "botToken": "abc"])
        }
        #expect(throws: PlatformSetupError.missingSecret(kind: "discord", variable: "DISCORD_BOT_TOKEN", setting: "tokenEnv", what: "bot token")) {
            try make(["channel": "123"], [:])
        }
        let transport = try make(["channel": "123"])
        #expect(Self.pacing(transport) == .every(.seconds(3)))
        #expect(transport.capabilities == TransportCapabilities(directMessages: true, threads: true, markup: .discord, files: true))
        let discord = try #require(transport as? DiscordTransport)
        #expect(discord.client.root.absoluteString == "https://discord.com/api/v10")
        #expect(discord.client.url(["users", "@me"], query: []).absoluteString == "https://discord.com/api/v10/users/@me")
    }

    @Test("the example config loads and builds this adapter")
    func exampleConfig() throws {
        let (setup, transport) = try Self.example("discord", environment: ["DISCORD_BOT_TOKEN": "t"])
        #expect(setup.config.transport.kind == "discord")
        #expect(transport.name == "discord")
    }

    // MARK: - End to end

    @Test("end to end: a member's help gets the bot's reply in the channel, and caught <@riley> names Riley")
    func endToEnd() async throws {
        let (fake, server) = try await Self.platform()
        let transport = try Self.transport(server)
        let session = try Self.session(for: transport)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func step() async throws { try await Self.step(session, transport, at: now, tick: false) }

        try await step()
        await fake.say(Self.sam, "!help")
        try await step()
        // The help is longer than Discord's 2,000 characters: it arrives in parts, in order.
        let replies = await fake.contents(in: FakeDiscord.channel)
        #expect(replies.count >= 2)
        #expect(replies.allSatisfy { $0.count <= 2000 })
        #expect(replies.first?.contains("Here's what I can do, Sam Lee") == true)

        await fake.say(Self.sam, "<@\(FakeDiscord.bot.id)> caught <@\(Self.riley)> stayed late to help a customer find a gift")
        try await step()
        let state = await session.state
        let example = try #require(state.examples.all.last)
        #expect(example.caughtIDs == [Self.riley])
        #expect(example.reporterID == Self.sam)
        #expect(state.members[Self.riley]?.name == "riley_q")
        #expect(state.members[Self.sam]?.handle == "sam.lee")
        #expect(await fake.contents(in: FakeDiscord.channel).last?.contains("riley") == true)
        let posted = await fake.contents(in: FakeDiscord.channel).count
        #expect(posted == replies.count + 1)
        try await step()
        #expect(await fake.contents(in: FakeDiscord.channel).count == posted)
    }

    @Test("end to end: a raw <@id> of someone outside the server, or of the bot, is not credited, and the reply says why")
    func rawMentionsAreChecked() async throws {
        let (fake, server) = try await Self.platform()
        let outsider = "400000000000000004"
        await fake.addUser(outsider, "dana_x", globalName: "Dana Outside", inServer: false)
        let transport = try Self.transport(server)
        let session = try Self.session(for: transport)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func step() async throws { try await Self.step(session, transport, at: now, tick: false) }
        try await step()

        await fake.say(Self.sam, "!caught <@\(outsider)> for fixing the till")
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        #expect(await session.state.members[outsider] == nil)
        let unknown = try #require(await fake.contents(in: FakeDiscord.channel).last)
        #expect(unknown.contains("I can't credit @Dana Outside"), "\(unknown)")

        await fake.say(Self.sam, "!caught <@!\(FakeDiscord.bot.id)> for the reminders")
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        let bot = try #require(await fake.contents(in: FakeDiscord.channel).last)
        #expect(bot.contains("is me, the bot"), "\(bot)")

        // A member of the server who never wrote is credited, named by Discord.
        await fake.say(Self.sam, "!caught <@\(Self.riley)> for the calm handover")
        try await step()
        #expect(await session.state.examples.all.last?.caughtIDs == [Self.riley])
        #expect(server.requests.filter { $0.path.hasPrefix("/guilds/\(FakeDiscord.guild)/members/") }.count == 2,
            "each person is asked about once; the bot never")
    }
}
