import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// A Telegram Bot API in miniature: a queue of updates with Telegram's offset rules (an update is dropped only when
/// a later call passes a higher offset), `sendMessage` that numbers what it posts, and one-shot scripted answers
/// per method for failures.
actor TelegramFake {
    static let token = "123456:SECRET-token_abc"
    static let botID: Int64 = 999
    static let group: Int64 = -1001234567890

    private(set) var pending: [(id: Int64, data: Data)] = []
    private var nextUpdateID: Int64 = 1
    private var nextMessageID: Int64 = 500
    private var scripted: [String: [Reply]] = [:]
    var privacyOff = true
    var memberStatus = "member"
    var webhookURL = ""
    var chatKnown = true
    /// Documents sent: to which chat, with which caption and parse mode, and the file part as it arrived.
    private(set) var documents: [(chat: String, caption: String?, parseMode: String?, file: FormPart)] = []
    /// Members who blocked the bot (or never started it): private sends to them are refused.
    var blocked: Set<String> = []
    /// Telegram's limit for a bot's upload is 50 MB; a test lowers it.
    var maxDocumentBytes = 50 * 1024 * 1024

    func block(_ user: String) { blocked.insert(user) }
    func set(maxDocumentBytes: Int) { self.maxDocumentBytes = maxDocumentBytes }

    /// Queues an update holding one message; returns its update id.
    @discardableResult
    func add(_ message: [String: Any]) -> Int64 {
        let id = nextUpdateID
        nextUpdateID += 1
        var message = message
        if message["message_id"] == nil {
            message["message_id"] = nextMessageID
            nextMessageID += 1
        }
        let update: [String: Any] = ["update_id": id, "message": message]
        pending.append((id, (try? JSONSerialization.data(withJSONObject: update, options: [.sortedKeys])) ?? Data()))
        return id
    }

    /// Queues an update of a kind the coach does not read (an edit, a reaction).
    func addOther(_ kind: String) {
        let id = nextUpdateID
        nextUpdateID += 1
        let update: [String: Any] = ["update_id": id, kind: ["message_id": 1, "chat": ["id": 1, "type": "private"]]]
        pending.append((id, (try? JSONSerialization.data(withJSONObject: update)) ?? Data()))
    }

    /// The next answer to `method` is `reply`, once.
    func script(_ method: String, _ reply: Reply) {
        scripted[method, default: []].append(reply)
    }

    func setPrivacyOff(_ value: Bool) { privacyOff = value }
    func setMemberStatus(_ value: String) { memberStatus = value }
    func setWebhook(_ value: String) { webhookURL = value }
    func setChatKnown(_ value: Bool) { chatKnown = value }

    static func ok(_ result: Any) -> Reply { .json(["ok": true, "result": result]) }

    static func error(_ status: Int, _ description: String, parameters: [String: Any]? = nil) -> Reply {
        var body: [String: Any] = ["ok": false, "error_code": status, "description": description]
        if let parameters { body["parameters"] = parameters }
        return .json(body, status: status)
    }

    func handle(_ request: Received) -> Reply {
        let prefix = "/bot\(Self.token)/"
        guard request.path.hasPrefix(prefix) else { return Self.error(401, "Unauthorized") }
        let method = String(request.path.dropFirst(prefix.count))
        if var queue = scripted[method], !queue.isEmpty {
            let reply = queue.removeFirst()
            scripted[method] = queue
            return reply
        }
        let body = request.json
        switch method {
        case "getMe":
            return Self.ok([
                "id": Self.botID, "is_bot": true, "first_name": "Coach", "username": "ServiceCoachBot",
                "can_read_all_group_messages": privacyOff,
            ])
        case "getUpdates":
            let offset = (body["offset"] as? NSNumber)?.int64Value ?? 0
            let limit = (body["limit"] as? NSNumber)?.intValue ?? 100
            let chosen: [(id: Int64, data: Data)]
            if offset < 0 {
                pending = Array(pending.suffix(Int(-offset)))
                chosen = pending
            } else {
                pending.removeAll { $0.id < offset }
                chosen = Array(pending.prefix(limit))
            }
            let items = chosen.map { String(decoding: $0.data, as: UTF8.self) }.joined(separator: ",")
            return Reply(status: 200, headers: ["Content-Type": "application/json"], body: Data("{\"ok\":true,\"result\":[\(items)]}".utf8))
        case "sendMessage":
            let id = nextMessageID
            nextMessageID += 1
            return Self.ok(["message_id": id, "date": 1_800_000_000, "chat": ["id": Self.group, "type": "supergroup"]])
        case "sendDocument":
            guard let chat = request.part("chat_id")?.text, let document = request.part("document"), document.filename != nil else {
                return Self.error(400, "Bad Request: there is no document in the request")
            }
            if blocked.contains(chat) { return Self.error(403, "Forbidden: bot was blocked by the user") }
            guard document.body.count <= maxDocumentBytes else { return .text("Request Entity Too Large", status: 413) }
            documents.append((chat, request.part("caption")?.text, request.part("parse_mode")?.text, document))
            let id = nextMessageID
            nextMessageID += 1
            return Self.ok(["message_id": id, "date": 1_800_000_000, "chat": ["id": Int64(chat) ?? 0, "type": "private"],
                "document": ["file_id": "doc\(id)", "file_name": document.filename ?? ""]])
        case "getChat":
            guard chatKnown else { return Self.error(400, "Bad Request: chat not found") }
            return Self.ok(["id": Self.group, "type": "supergroup", "title": "Corner Bakery team"])
        case "getChatMember":
            return Self.ok(["status": memberStatus, "user": ["id": Self.botID, "is_bot": true, "first_name": "Coach"]])
        case "getWebhookInfo":
            return Self.ok(["url": webhookURL, "has_custom_certificate": false, "pending_update_count": pending.count])
        default:
            return Self.error(404, "Not Found: method not found")
        }
    }
}

@Suite("Telegram adapter", .stopsServers)
struct TelegramTests: AdapterTestSuite {
    static let group = TelegramFake.group

    struct Rig {
        let server: FakeServer
        let fake: TelegramFake
        let transport: TelegramTransport
        let log: LogRecorder


        /// The JSON bodies of every `sendMessage` call, in order.
        var sends: [[String: Any]] { server.requests(to: "/bot\(TelegramFake.token)/sendMessage").map(\.json) }
        func calls(_ method: String) -> [Received] { server.requests(to: "/bot\(TelegramFake.token)/\(method)") }
    }

    static func rig(_ settings: [String: String] = [:], env: [String: String] = ["TELEGRAM_BOT_TOKEN": TelegramFake.token],
        web: (any WebClient)? = nil) async throws -> Rig
    {
        let fake = TelegramFake()
        let server = try await FakeServer { await fake.handle($0) }
        let log = LogRecorder()
        let transport = try TelegramTransport(
            settings: Self.settings("telegram", ["chat": String(group), "baseURL": server.baseURL.absoluteString], settings, environment: env),
            context: context(logger: log.logger, web: web))
        return Rig(server: server, fake: fake, transport: transport, log: log)
    }

    static func user(_ id: Int64, _ first: String, _ last: String? = nil, username: String? = nil, bot: Bool = false) -> [String: Any] {
        var user: [String: Any] = ["id": id, "is_bot": bot, "first_name": first]
        if let last { user["last_name"] = last }
        if let username { user["username"] = username }
        return user
    }

    static var sam: [String: Any] { user(1002, "Sam", "Taylor", username: "sam_t") }
    static var alex: [String: Any] { user(1001, "Alex", username: "alex") }
    static var jo: [String: Any] { user(1003, "Jo") }

    static func message(_ text: String, from: [String: Any] = sam, chat: Int64 = group, id: Int64? = nil,
        replyTo: Int64? = nil, replyFrom: [String: Any]? = nil, entities: [[String: Any]]? = nil) -> [String: Any]
    {
        let chatObject: [String: Any] = chat > 0
            ? ["id": chat, "type": "private", "first_name": from["first_name"] ?? ""]
            : ["id": chat, "type": "supergroup", "title": "Team"]
        var message: [String: Any] = ["date": 1_800_000_000, "chat": chatObject, "from": from, "text": text]
        if let id { message["message_id"] = id }
        if let replyTo {
            message["reply_to_message"] = ["message_id": replyTo, "date": 1_800_000_000, "chat": chatObject,
                "from": replyFrom ?? user(TelegramFake.botID, "Coach", username: "ServiceCoachBot", bot: true)]
        }
        if let entities { message["entities"] = entities }
        return message
    }

    static func request(_ cursor: String?, threads: [String] = [], timeout: Duration = .zero) -> PollRequest {
        PollRequest(cursor: cursor, timeout: timeout, threads: threads)
    }

    static func outbound(_ text: String, to destination: OutboundMessage.Destination = .channel,
        kind: OutboundMessage.Kind = .reply, id: String = "o1") -> OutboundMessage
    {
        OutboundMessage(id: id, destination: destination, kind: kind, text: text, createdAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    // MARK: - Polling

    @Test("a first start skips the backlog, starts after the newest update and tells Telegram to forget the rest")
    func firstStart() async throws {
        let rig = try await Self.rig()
        for n in 1...3 { await rig.fake.add(Self.message("old \(n)")) }
        let first = try await rig.transport.poll(Self.request(nil))
        #expect(first.messages.isEmpty)
        #expect(first.cursor == "4")
        let call = try #require(rig.calls("getUpdates").first?.json)
        #expect(call["offset"] as? Int == -1)
        #expect(call["timeout"] as? Int == 0)

        await rig.fake.add(Self.message("new"))
        let next = try await rig.transport.poll(Self.request("4", timeout: .seconds(2)))
        #expect(next.messages.map(\.text) == ["new"])
        #expect(next.cursor == "5")
        let second = try #require(rig.calls("getUpdates").last?.json)
        #expect(second["offset"] as? Int == 4)
        #expect(second["timeout"] as? Int == 2)
        #expect(second["allowed_updates"] as? [String] == ["message"])
        #expect(await rig.fake.pending.map(\.id) == [4])
    }

    @Test("a first start with no updates at all starts from offset 0")
    func firstStartEmpty() async throws {
        let rig = try await Self.rig()
        let first = try await rig.transport.poll(Self.request(nil))
        #expect(first == PollBatch(messages: [], cursor: "0"))
    }

    @Test("firstStart=backlog reads what Telegram still holds")
    func backlog() async throws {
        let rig = try await Self.rig(["firstStart": "backlog"])
        await rig.fake.add(Self.message("kept from yesterday"))
        let batch = try await rig.transport.poll(Self.request(nil))
        #expect(batch.messages.map(\.text) == ["kept from yesterday"])
        #expect(batch.cursor == "2")
        #expect(rig.calls("getUpdates").first?.json["offset"] == nil)
    }

    @Test("pages of 100 come back in order; nothing is lost or repeated across pages")
    func pagination() async throws {
        let rig = try await Self.rig()
        for n in 1...150 { await rig.fake.add(Self.message("m\(n)", id: Int64(n))) }
        var cursor: String? = "0"
        var seen: [InboundMessage] = []
        for _ in 0..<3 {
            let batch = try await rig.transport.poll(Self.request(cursor))
            seen += batch.messages
            cursor = batch.cursor
        }
        #expect(seen.map(\.text) == (1...150).map { "m\($0)" })
        #expect(Set(seen.map(\.id)).count == 150)
        #expect(seen.first?.id == "\(Self.group):1")
        #expect(cursor == "151")
        #expect(rig.calls("getUpdates").map { $0.json["offset"] as? Int } == [0, 101, 151])
        #expect(await rig.fake.pending.isEmpty)
    }

    @Test("an update is confirmed only by the next offset: an uncommitted poll is redelivered with the same ids")
    func offsetConfirmation() async throws {
        let rig = try await Self.rig()
        for n in 1...3 { await rig.fake.add(Self.message("m\(n)")) }
        let first = try await rig.transport.poll(Self.request("1"))
        #expect(first.cursor == "4")
        // A crash before the runtime committed "4": the next start polls with "1" again and gets the same messages.
        let again = try await rig.transport.poll(Self.request("1"))
        #expect(again == first)
        #expect(await rig.fake.pending.count == 3)
        // Committed: passing 4 confirms them, and Telegram forgets them.
        let after = try await rig.transport.poll(Self.request("4"))
        #expect(after == PollBatch(messages: [], cursor: "4"))
        #expect(await rig.fake.pending.isEmpty)
    }

    @Test("other groups, edits and non-text messages are skipped but confirmed; private chats are direct")
    func otherChats() async throws {
        let rig = try await Self.rig()
        await rig.fake.add(Self.message("elsewhere", chat: -100999))
        await rig.fake.addOther("edited_message")
        var sticker = Self.message("x")
        sticker.removeValue(forKey: "text")
        sticker["sticker"] = ["file_id": "abc"]
        await rig.fake.add(sticker)
        await rig.fake.add(Self.message("status", chat: 1002))
        await rig.fake.add(Self.message("in the group"))
        var photo = Self.message("x")
        photo.removeValue(forKey: "text")
        photo["caption"] = "photo of the new display"
        await rig.fake.add(photo)
        let batch = try await rig.transport.poll(Self.request("0"))
        #expect(batch.messages.map(\.text) == ["status", "in the group", "photo of the new display"])
        #expect(batch.messages.map(\.isDirect) == [true, false, false])
        #expect(batch.messages[0].senderID == "1002")
        #expect(batch.messages[0].id.hasPrefix("1002:"))
        #expect(batch.cursor == "7")
    }

    @Test("senders: name, handle and id; the bot itself and other bots are fromBot")
    func senders() async throws {
        let rig = try await Self.rig()
        await rig.fake.add(Self.message("hello"))
        await rig.fake.add(Self.message("mine", from: Self.user(TelegramFake.botID, "Coach", username: "ServiceCoachBot", bot: true)))
        await rig.fake.add(Self.message("beep", from: Self.user(77, "Other", username: "OtherBot", bot: true)))
        await rig.fake.add(Self.message("no surname", from: Self.jo))
        let batch = try await rig.transport.poll(Self.request("0"))
        #expect(batch.messages.map(\.fromBot) == [false, true, true, false])
        let sam = batch.messages[0]
        #expect(sam.senderID == "1002")
        #expect(sam.senderName == "Sam Taylor")
        #expect(sam.senderHandle == "sam_t")
        #expect(batch.messages[3].senderName == "Jo")
        #expect(batch.messages[3].senderHandle == nil)
    }

    @Test("a reply to the announcement is in its thread; so is a reply to the bot's own thread reply")
    func threads() async throws {
        let rig = try await Self.rig()
        let announcement = try #require(try await rig.transport.send(Self.outbound("<b>Week 1</b>", kind: .announcement), key: "k1"))
        let reminder = try #require(try await rig.transport.send(Self.outbound("Midweek", to: .thread(rootID: announcement)), key: "k2"))
        let reply = try #require(rig.sends.last?["reply_parameters"] as? [String: Any])
        #expect(reply["message_id"] as? Int == Int(announcement))
        #expect(reply["allow_sending_without_reply"] as? Bool == true)

        await rig.fake.add(Self.message("Fixed an order", replyTo: Int64(announcement)))
        await rig.fake.add(Self.message("Helped a lost customer", replyTo: Int64(reminder)))
        await rig.fake.add(Self.message("agreed", replyTo: 42, replyFrom: Self.alex))
        await rig.fake.add(Self.message("thanks", replyTo: 43))
        await rig.fake.add(Self.message("private reply", chat: 1002, replyTo: Int64(announcement)))
        let batch = try await rig.transport.poll(Self.request("0", threads: [announcement]))
        #expect(batch.messages.map(\.threadRootID) == [announcement, announcement, nil, "43", nil])
    }

    @Test("commands for this bot by username are normalised; another bot's are ignored; a private /start is a greeting")
    func addressing() async throws {
        let rig = try await Self.rig()
        await rig.fake.add(Self.message("/help@ServiceCoachBot goal"))
        await rig.fake.add(Self.message("/help@OtherBot"))
        await rig.fake.add(Self.message("/status@coach"))
        await rig.fake.add(Self.message("@ServiceCoachBot: status"))
        await rig.fake.add(Self.message("@someone else"))
        await rig.fake.add(Self.message("/start", chat: 1002))
        await rig.fake.add(Self.message("/start next", chat: 1002))
        let batch = try await rig.transport.poll(Self.request("0"))
        #expect(batch.messages.map(\.text) == ["/help goal", "/status@coach", "status", "@someone else", "/help", "/start next"])
        #expect(batch.messages.map(\.addressed) == [false, false, true, false, false, false])
        #expect(batch.cursor == "8")
    }

    @Test("people picked without a username become @<id> with their name; UTF-16 offsets are honoured")
    func textMentions() async throws {
        let rig = try await Self.rig()
        // "🎉 " is three UTF-16 units; "caught " seven more: Jo starts at 10.
        let text = "🎉 caught Jo Brown and @sam_t for the rush"
        let entities: [[String: Any]] = [
            ["type": "text_mention", "offset": 10, "length": 8, "user": Self.user(1003, "Jo", "Brown")],
            ["type": "mention", "offset": 23, "length": 6],
            ["type": "text_mention", "offset": 400, "length": 3, "user": Self.user(5, "Out", "Of Range")],
        ]
        await rig.fake.add(Self.message(text, entities: entities))
        let batch = try await rig.transport.poll(Self.request("0"))
        let message = try #require(batch.messages.first)
        #expect(message.text == "🎉 caught @1003 and @sam_t for the rush")
        #expect(message.mentions == ["1003": "1003"])
        #expect(message.mentionedNames == ["1003": "Jo Brown"])
    }

    @Test("a group that became a supergroup is followed, in polls and in sends, with a warning to fix the config")
    func migration() async throws {
        let rig = try await Self.rig()
        let newGroup: Int64 = -1009999
        await rig.fake.script("sendMessage", TelegramFake.error(400, "Bad Request: group chat was upgraded to a supergroup chat",
            parameters: ["migrate_to_chat_id": newGroup]))
        let id = try await rig.transport.send(Self.outbound("hello"), key: "k")
        #expect(id != nil)
        #expect(rig.sends.map { $0["chat_id"] as? Int64 } == [Self.group, newGroup])
        #expect(await rig.transport.currentChat == newGroup)
        #expect(rig.log.all.contains { $0.contains("transport.settings.chat") && $0.contains("\(newGroup)") })
        await rig.fake.add(Self.message("in the new group", chat: newGroup))
        await rig.fake.add(Self.message("in the old group"))
        let batch = try await rig.transport.poll(Self.request("0"))
        #expect(batch.messages.map(\.text) == ["in the new group"])
    }

    @Test("the service message announcing a migration switches the chat for the rest of the batch")
    func migrationInPoll() async throws {
        let rig = try await Self.rig()
        let newGroup: Int64 = -1008888
        var moved = Self.message("x")
        moved.removeValue(forKey: "text")
        moved["migrate_to_chat_id"] = newGroup
        await rig.fake.add(moved)
        await rig.fake.add(Self.message("hello from the supergroup", chat: newGroup))
        let batch = try await rig.transport.poll(Self.request("0"))
        #expect(batch.messages.map(\.text) == ["hello from the supergroup"])
        #expect(await rig.transport.currentChat == newGroup)
    }

    // MARK: - Failures

    @Test("429 waits exactly parameters.retry_after, in polls and sends")
    func rateLimited() async throws {
        let rig = try await Self.rig()
        await rig.fake.script("getUpdates", TelegramFake.error(429, "Too Many Requests: retry after 7", parameters: ["retry_after": 7]))
        await rig.fake.script("sendMessage", TelegramFake.error(429, "Too Many Requests: retry after 3", parameters: ["retry_after": 3]))
        await #expect(throws: TransportError.rateLimited(retryAfter: .seconds(7))) {
            _ = try await rig.transport.poll(Self.request("0"))
        }
        await #expect(throws: TransportError.rateLimited(retryAfter: .seconds(3))) {
            _ = try await rig.transport.send(Self.outbound("hi"), key: "k")
        }
    }

    @Test("5xx is temporary")
    func serverError() async throws {
        let rig = try await Self.rig()
        await rig.fake.script("getUpdates", .text("Bad Gateway", status: 502))
        do {
            _ = try await rig.transport.poll(Self.request("0"))
            Issue.record("a 502 must fail the poll")
        } catch {
            guard case .temporary(let reason) = error else { Issue.record("expected temporary, got \(error)"); return }
            #expect(reason.hasPrefix("telegram getUpdates"))
        }
    }

    @Test("an error page that echoes the URL never shows the token")
    func errorPageEchoingTheURL() async throws {
        let rig = try await Self.rig()
        await rig.fake.script("sendMessage", .text("<html>503: upstream failed for /bot\(TelegramFake.token)/sendMessage</html>", status: 503))
        do {
            _ = try await rig.transport.send(Self.outbound("hi"), key: "k")
            Issue.record("a 503 must fail")
        } catch {
            guard case .temporary(let reason) = error else { Issue.record("expected temporary, got \(error)"); return }
            #expect(!reason.contains(TelegramFake.token))
            #expect(reason.contains("/bot[redacted TELEGRAM_BOT_TOKEN]/sendMessage"))
        }
    }

    @Test("a poll that outlasts its HTTP wait is temporary and never names the token")
    func timeout() async throws {
        let web = TimeoutWebClient()
        let rig = try await Self.rig(web: web)
        _ = try await rig.transport.poll(Self.request("0"))  // learns getMe first
        await web.timeOut("telegram getUpdates")
        do {
            _ = try await rig.transport.poll(Self.request("0"))
            Issue.record("a poll the server never answers must time out")
        } catch {
            guard case .temporary(let reason) = error else { Issue.record("expected temporary, got \(error)"); return }
            #expect(reason.hasPrefix("telegram getUpdates: no answer within"))
            #expect(!reason.contains("SECRET"))
        }
    }

    @Test("malformed JSON is temporary and the cursor stays: the next poll gets the messages")
    func malformed() async throws {
        let rig = try await Self.rig()
        await rig.fake.add(Self.message("kept"))
        await rig.fake.script("getUpdates", .malformed)
        await #expect(throws: TransportError.self) { _ = try await rig.transport.poll(Self.request("0")) }
        let batch = try await rig.transport.poll(Self.request("0"))
        #expect(batch.messages.map(\.text) == ["kept"])
    }

    @Test("a refused token is unauthorized, says to ask @BotFather, and never shows the token")
    func badToken() async throws {
        let rig = try await Self.rig(env: ["TELEGRAM_BOT_TOKEN": "123456:WRONG"])
        do {
            _ = try await rig.transport.poll(Self.request("0"))
            Issue.record("a wrong token must fail")
        } catch {
            guard case .unauthorized(let reason) = error else { Issue.record("expected unauthorized, got \(error)"); return }
            #expect(reason.contains("@BotFather"))
            #expect(reason.contains("TELEGRAM_BOT_TOKEN"))
            #expect(!reason.contains("WRONG"))
        }
    }

    @Test("409 (another poller or a webhook) stops the bot with the fix")
    func conflict() async throws {
        let rig = try await Self.rig()
        await rig.fake.script("getUpdates",
            TelegramFake.error(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"))
        do {
            _ = try await rig.transport.poll(Self.request("0"))
            Issue.record("a conflict must fail")
        } catch {
            guard case .unauthorized(let reason) = error else { Issue.record("expected unauthorized, got \(error)"); return }
            #expect(reason.contains("deleteWebhook"))
            #expect(reason.contains("stop the other"))
        }
    }

    // MARK: - Sending

    @Test("sends HTML with link previews off, to the group, and returns the message id")
    func sendsHTML() async throws {
        let rig = try await Self.rig()
        let text = "<b>Shout-out</b> to Sam &amp; Jo: &lt;3 @\u{2060}all"
        let id = try await rig.transport.send(Self.outbound(text), key: "k")
        #expect(id == "500")
        let body = try #require(rig.sends.first)
        #expect(body["chat_id"] as? Int64 == Self.group)
        #expect(body["text"] as? String == text)
        #expect(body["parse_mode"] as? String == "HTML")
        #expect((body["link_preview_options"] as? [String: Any])?["is_disabled"] as? Bool == true)
        #expect(body["reply_parameters"] == nil)
    }

    @Test("a long message is split at 4096 UTF-16 units into parts sent in order; a retry sends only the rest")
    func splitting() async throws {
        let rig = try await Self.rig()
        let lines = (1...300).map { "<i>Example \($0)</i>: 🎉 helped a customer find the right size" }
        let text = lines.joined(separator: "\n")
        #expect(text.utf16.count > 8192)
        // The second part fails once: the retry under the same key resumes there.
        await rig.fake.script("sendMessage", TelegramFake.ok(["message_id": 700]))
        await rig.fake.script("sendMessage", .text("Bad Gateway", status: 502))
        await #expect(throws: TransportError.self) { _ = try await rig.transport.send(Self.outbound(text, to: .thread(rootID: "42")), key: "k") }
        let id = try await rig.transport.send(Self.outbound(text, to: .thread(rootID: "42")), key: "k")
        #expect(id == "700")
        let parts = rig.sends.map { $0["text"] as? String ?? "" }
        #expect(parts.count >= 4)
        #expect(parts[1] == parts[2], "the failed part is the one retried")
        let delivered = [parts[0]] + parts.dropFirst(2)
        #expect(delivered.allSatisfy { $0.utf16.count <= 4096 })
        #expect(delivered.joined(separator: "\n") == text)
        #expect(rig.sends.allSatisfy { ($0["reply_parameters"] as? [String: Any])?["message_id"] as? Int == 42 })
    }

    @Test("private messages go to the person; a person who never started the bot refuses just that message")
    func direct() async throws {
        let rig = try await Self.rig()
        _ = try await rig.transport.send(Self.outbound("nudge", to: .direct(userID: "1002")), key: "k1")
        #expect(rig.sends.last?["chat_id"] as? Int == 1002)
        await rig.fake.script("sendMessage", TelegramFake.error(403, "Forbidden: bot can't initiate conversation with a user"))
        await #expect(throws: TransportError.rejected(reason: "telegram sendMessage: Forbidden: bot can't initiate conversation with a user (the member has not started a private chat with the bot, or blocked it)")) {
            _ = try await rig.transport.send(Self.outbound("nudge", to: .direct(userID: "1003")), key: "k2")
        }
        await rig.fake.script("sendMessage", TelegramFake.error(403, "Forbidden: bot was kicked from the supergroup chat"))
        do {
            _ = try await rig.transport.send(Self.outbound("to all"), key: "k3")
            Issue.record("a group that removed the bot must fail")
        } catch {
            guard case .unauthorized(let reason) = error else { Issue.record("expected unauthorized, got \(error)"); return }
            #expect(reason.contains("add the bot to the group"))
        }
    }

    // MARK: - Files

    @Test("the report file goes to the member's private chat with sendDocument, its caption in HTML")
    func reportFile() async throws {
        let rig = try await Self.rig()
        let delivery = try await rig.transport.send(
            Self.outbound("Here is <b>Corner Bakery</b>'s report, Sam", to: .direct(userID: "1002")), file: Self.reportFile, key: "k1")
        let document = try #require(await rig.fake.documents.first)
        #expect(await rig.fake.documents.count == 1)
        #expect(delivery == .sent(platformID: "500"))
        #expect(document.chat == "1002")
        #expect(document.caption == "Here is <b>Corner Bakery</b>'s report, Sam")
        #expect(document.parseMode == "HTML")
        #expect(document.file.filename == Self.reportFile.filename)
        #expect(document.file.contentType == "text/html; charset=utf-8")
        #expect(document.file.body == Self.reportFile.bytes)
        #expect(rig.sends.isEmpty)
    }

    @Test("a caption over Telegram's 1,024 goes first as a message of its own; the file follows without one")
    func longCaption() async throws {
        let rig = try await Self.rig()
        let long = String(repeating: "a long caption line\n", count: 80)
        _ = try await rig.transport.send(Self.outbound(long, to: .direct(userID: "1002")), file: Self.reportFile, key: "k1")
        #expect(rig.sends.map { $0["text"] as? String } == [long])
        #expect(await rig.fake.documents.first?.caption == nil)
    }

    @Test("too large is a refusal the member hears about; a member who blocked the bot drops the message as any private one")
    func reportFileRefused() async throws {
        let rig = try await Self.rig()
        await rig.fake.set(maxDocumentBytes: 10)
        let tooLarge = try await rig.transport.send(Self.outbound("caption", to: .direct(userID: "1002")), file: Self.reportFile, key: "k1")
        #expect(tooLarge.refusal?.problem == .tooLarge)
        await rig.fake.script("sendDocument", TelegramFake.error(400, "Bad Request: not enough rights to send documents to the chat"))
        let notAllowed = try await rig.transport.send(Self.outbound("caption"), file: Self.reportFile, key: "k2")
        #expect(notAllowed.refusal?.problem == .notAllowed)
        await rig.fake.block("1003")
        await Self.expectError({ if case .rejected = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await rig.transport.send(Self.outbound("caption", to: .direct(userID: "1003")), file: Self.reportFile, key: "k3")
        }
        #expect(await rig.fake.documents.isEmpty)
    }

    // MARK: - coach check

    @Test("check: a good setup is all ok")
    func checkGood() async throws {
        let rig = try await Self.rig()
        let findings = await rig.transport.check()
        #expect(findings.map(\.status) == [.ok, .ok, .ok, .ok, .ok])
        #expect(findings.map(\.subject) == ["token", "channel", "privacy", "webhook", "files"])
        #expect(findings[4].detail.contains("private chat"))
        #expect(findings[0].detail.contains("@ServiceCoachBot"))
        #expect(findings[1].detail.contains("Corner Bakery team"))
    }

    @Test("check: privacy mode on warns what members must do and how to turn it off; an admin bot sees all")
    func checkPrivacy() async throws {
        let rig = try await Self.rig()
        await rig.fake.setPrivacyOff(false)
        let findings = await rig.transport.check()
        let privacy = try #require(findings.first { $0.subject == "privacy" })
        #expect(privacy.status == .warning)
        #expect(privacy.detail.contains("/setprivacy"))
        #expect(privacy.detail.contains("/caught"))
        await rig.fake.setMemberStatus("administrator")
        #expect(await rig.transport.check().first { $0.subject == "privacy" }?.status == .ok)
    }

    @Test("check: a bad token is a problem and stops there")
    func checkBadToken() async throws {
        let rig = try await Self.rig(env: ["TELEGRAM_BOT_TOKEN": "1:bad"])
        let findings = await rig.transport.check()
        #expect(findings.count == 1)
        #expect(findings[0].status == .problem)
        #expect(findings[0].subject == "token")
        #expect(findings[0].detail.contains("@BotFather"))
    }

    @Test("check: a bot outside the group, or a removed one, is told to be added")
    func checkNotInGroup() async throws {
        let rig = try await Self.rig()
        await rig.fake.setChatKnown(false)
        var channel = try #require(await rig.transport.check().first { $0.subject == "channel" })
        #expect(channel.status == .problem)
        #expect(channel.detail.contains("Add the bot to the group"))
        await rig.fake.setChatKnown(true)
        await rig.fake.setMemberStatus("left")
        channel = try #require(await rig.transport.check().first { $0.subject == "channel" })
        #expect(channel.status == .problem)
        #expect(channel.detail.contains("add it to the group"))
    }

    @Test("check: a webhook blocks polling and says how to remove it")
    func checkWebhook() async throws {
        let rig = try await Self.rig()
        await rig.fake.setWebhook("https://example.org/hook")
        let webhook = try #require(await rig.transport.check().first { $0.subject == "webhook" })
        #expect(webhook.status == .problem)
        #expect(webhook.detail.contains("deleteWebhook"))
        #expect(!webhook.detail.contains(TelegramFake.token))
    }

    // MARK: - Setup

    @Test("setup refuses a missing or non-numeric chat, a token in the file, and a missing variable")
    func setup() throws {
        let context = Self.context()
        let env = ["TELEGRAM_BOT_TOKEN": "1:x"]
        @discardableResult
        func make(_ values: [String: String], _ env: [String: String] = env) throws(PlatformSetupError) -> any ChatTransport {
            try TelegramTransport.entry.make(PlatformSettings(kind: "telegram", values: values, environment: env), context)
        }
        #expect(throws: PlatformSetupError.self) { try make([:]) }
        #expect(throws: PlatformSetupError.self) { try make(["chat": "my-team"]) }
        #expect(throws: PlatformSetupError.secretInConfig(kind: "telegram", key: "token", instead: "tokenEnv")) {
            try make(["chat": "-100", "token": "1:x"])
        }
        #expect(throws: PlatformSetupError.missingSecret(kind: "telegram", variable: "TG", setting: "tokenEnv", what: "bot token")) {
            try make(["chat": "-100", "tokenEnv": "TG"])
        }
        try make(["chat": "-100", "tokenEnv": "TG"], ["TG": "1:x"])
        #expect(try make(["chat": "-100"]) is any PollingTransport, "two-way: it reads the group")
    }

    @Test("Config/examples/telegram.json loads and builds this adapter")
    func exampleConfig() throws {
        let (setup, transport) = try Self.example("telegram", environment: ["TELEGRAM_BOT_TOKEN": "1:x"])
        #expect(setup.config.transport.kind == "telegram")
        #expect(transport.name == "telegram")
        #expect(Self.pacing(transport) == .longPoll)
    }

    // MARK: - End to end

    @Test("end to end: a member's /help is answered in the group, and caught resolves text mentions and @usernames")
    func endToEnd() async throws {
        let rig = try await Self.rig()
        let coach = try Fixtures.coach(capabilities: rig.transport.capabilities)
        let session = try CoachSession(coach: coach, directory: nil, logger: Self.logger)
        let now = Harness.instant("2027-01-05 11:00", coach)
        func step() async throws { try await Self.step(session, rig.transport, at: now, tick: false, timeout: .zero) }

        try await step()  // first start
        #expect(await session.cursor(for: "telegram") == "0")
        await rig.fake.add(Self.message("/help@ServiceCoachBot", from: Self.jo))
        try await step()
        let help = try #require(rig.sends.last)
        #expect(help["chat_id"] as? Int64 == Self.group)
        #expect((help["text"] as? String)?.contains("Here's what I can do, Jo") == true)

        await rig.fake.add(Self.message("morning all"))  // Sam speaks, so @sam_t is known
        // Priya has no username and never spoke: the mention carries her id and name.
        await rig.fake.add(Self.message("/caught Priya Shah for calming a queue",
            from: Self.alex, entities: [["type": "text_mention", "offset": 8, "length": 10, "user": Self.user(1004, "Priya", "Shah")]]))
        await rig.fake.add(Self.message("/caught @sam_t for the window display", from: Self.alex))
        try await step()
        let examples = await session.state.examples.all
        #expect(examples.map(\.caughtIDs) == [["1004"], ["1002"]])
        #expect(examples.map(\.reporterID) == ["1001", "1001"])
        #expect(await session.state.members["1004"]?.name == "Priya Shah")
        #expect((rig.sends.last?["text"] as? String)?.contains("Shout-out to Sam Taylor") == true)

        // A redelivered batch (the cursor was not committed) changes nothing.
        let replay = try await rig.transport.poll(Self.request("2"))
        #expect(replay.messages.count == 3)
        try await session.receive(replay, transport: "telegram", at: now)
        #expect(await session.state.examples.all.count == 2)
    }

    @Test("an absurd update id saturates the offset instead of crashing")
    func offsetSaturates() {
        #expect(TelegramTransport.offset(after: 41) == 42)
        #expect(TelegramTransport.offset(after: .max) == .max)
    }
}
