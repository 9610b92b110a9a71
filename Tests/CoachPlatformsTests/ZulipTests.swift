import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// A Zulip realm in miniature: message history with ids, event queues that receive every message sent after they
/// were registered (and drop events up to the `last_event_id` a client passes), queues that can expire, and
/// one-shot scripted answers per "METHOD path" for failures.
actor ZulipFake {
    static let email = "coach-bot@team.zulipchat.com"
    static let key = "SECRETKEY123"
    static let botID = 50
    static let streamName = "customer-service"
    static let people: [(Int, String)] = [
        (50, "Coach"), (11, "Alex Kim"), (12, "Sam Taylor"), (13, "Jo"), (14, "Priya Shah"), (20, "Chris Lee"), (21, "Chris Lee"),
    ]

    struct Queue {
        var events: [(id: Int, data: Data)] = []
        var nextEventID = 0
    }

    private(set) var history: [(id: Int, data: Data)] = []
    private var queues: [String: Queue] = [:]
    private var queueCount = 0
    private var nextMessageID = 100
    private var scripted: [String: [Reply]] = [:]
    var subscribed = true
    /// Who is subscribed to the configured channel (id 7): everyone but the two Chris Lees, until a test says otherwise.
    var subscribers: Set<Int> = [50, 11, 12, 13, 14]
    var reportsMaxMessageID = true
    /// What the bot posted: (type, to, topic, content).
    private(set) var posted: [(type: String, to: String, topic: String?, content: String)] = []

    var liveQueues: [String] { queues.keys.sorted() }
    /// Files uploaded, by the path `/user_uploads` answered with.
    private(set) var uploads: [String: FormPart] = [:]
    /// The organisation's `max_file_upload_size_mib`; 0 turns uploads off.
    var maxUploadMiB = 25
    /// A byte limit a test sets to refuse the file as too large without sending megabytes.
    var maxUploadBytes = 25 * 1024 * 1024

    func set(maxUploadMiB: Int) { self.maxUploadMiB = maxUploadMiB }
    func set(maxUploadBytes: Int) { self.maxUploadBytes = maxUploadBytes }

    func script(_ route: String, _ reply: Reply) { scripted[route, default: []].append(reply) }
    func setSubscribed(_ value: Bool) { subscribed = value }
    func unsubscribe(_ user: Int) { subscribers.remove(user) }
    func setReportsMaxMessageID(_ value: Bool) { reportsMaxMessageID = value }

    /// The event queue is garbage-collected, as after ten idle minutes.
    func expireQueues() { queues.removeAll() }

    /// A message in a channel (the configured one unless told otherwise) or a direct message to the bot.
    @discardableResult
    func post(_ content: String, from sender: Int = 12, topic: String = "general", stream: String = streamName, direct: Bool = false) -> Int {
        let id = nextMessageID
        nextMessageID += 1
        let name = Self.people.first { $0.0 == sender }?.1 ?? "Someone"
        var message: [String: Any] = [
            "id": id, "sender_id": sender, "sender_full_name": name, "sender_email": "user\(sender)@team.example",
            "content": content, "timestamp": 1_800_000_000 + id,
        ]
        if direct {
            message["type"] = "private"
            message["display_recipient"] = [
                ["id": Self.botID, "full_name": "Coach", "email": Self.email], ["id": sender, "full_name": name, "email": "u@x"],
            ]
            message["subject"] = ""
        } else {
            message["type"] = "stream"
            message["stream_id"] = stream == Self.streamName ? 7 : 8
            message["display_recipient"] = stream
            message["subject"] = topic
        }
        let data = (try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys])) ?? Data()
        history.append((id, data))
        for key in queues.keys {
            let eventID = queues[key]!.nextEventID
            queues[key]!.nextEventID += 1
            let event = "{\"flags\":[],\"id\":\(eventID),\"message\":\(String(decoding: data, as: UTF8.self)),\"type\":\"message\"}"
            queues[key]!.events.append((eventID, Data(event.utf8)))
        }
        return id
    }

    static func error(_ status: Int, _ code: String, _ msg: String, extra: [String: Any] = [:]) -> Reply {
        var body: [String: Any] = ["result": "error", "msg": msg, "code": code]
        body.merge(extra) { $1 }
        return .json(body, status: status)
    }

    static func success(_ fields: [String: Any]) -> Reply {
        var body = fields
        body["result"] = "success"
        body["msg"] = ""
        return .json(body)
    }

    func handle(_ request: Received) -> Reply {
        let expected = "Basic " + Data("\(Self.email):\(Self.key)".utf8).base64EncodedString()
        guard request.header("Authorization") == expected else {
            return Self.error(401, "UNAUTHORIZED", "Invalid API key")
        }
        let route = "\(request.method) \(request.path)"
        if var queue = scripted[route], !queue.isEmpty {
            let reply = queue.removeFirst()
            scripted[route] = queue
            return reply
        }
        switch route {
        case "GET /api/v1/users/me":
            return Self.success(["user_id": Self.botID, "full_name": "Coach", "email": Self.email, "is_bot": true])
        case "GET /api/v1/users":
            return Self.success(["members": Self.people.map { ["user_id": $0.0, "full_name": $0.1, "is_active": true, "is_bot": $0.0 == Self.botID] }])
        case "GET /api/v1/users/me/subscriptions":
            let subs: [[String: Any]] = subscribed ? [["stream_id": 7, "name": "Customer-Service"], ["stream_id": 9, "name": "random"]] : [["stream_id": 9, "name": "random"]]
            return Self.success(["subscriptions": subs])
        case "GET /api/v1/get_stream_id":
            guard request.query["stream"]?.lowercased() == Self.streamName else {
                return Self.error(400, "STREAM_DOES_NOT_EXIST", "Channel '\(request.query["stream"] ?? "")' does not exist")
            }
            return Self.success(["stream_id": 7])
        case _ where route.hasPrefix("GET /api/v1/users/") && route.hasSuffix("/subscriptions/7"):
            let user = route.dropFirst("GET /api/v1/users/".count).dropLast("/subscriptions/7".count)
            guard let id = Int(user), Self.people.contains(where: { $0.0 == id }) else { return Self.error(400, "BAD_REQUEST", "No such user") }
            return Self.success(["is_subscribed": subscribers.contains(id)])
        case "POST /api/v1/register":
            queueCount += 1
            let id = "q\(queueCount)"
            queues[id] = Queue()
            var body: [String: Any] = [
                "queue_id": id, "last_event_id": -1, "event_queue_longpoll_timeout_seconds": 90,
                "max_message_length": 10000, "max_topic_length": 60, "zulip_feature_level": 300,
            ]
            if reportsMaxMessageID { body["max_message_id"] = history.last?.id ?? -1 }
            if request.form["fetch_event_types"]?.contains("realm") == true { body["max_file_upload_size_mib"] = maxUploadMiB }
            return Self.success(body)
        case "DELETE /api/v1/events":
            guard let key = request.query["queue_id"], queues.removeValue(forKey: key) != nil else {
                return Self.error(400, "BAD_EVENT_QUEUE_ID", "Bad event queue ID")
            }
            return Self.success([:])
        case "POST /api/v1/user_uploads":
            let files = request.multipart.filter { $0.filename != nil }
            guard files.count == 1, let file = files.first else { return Self.error(400, "BAD_REQUEST", "You must specify a file to upload") }
            guard maxUploadMiB > 0 else { return Self.error(400, "BAD_REQUEST", "File uploads are disabled for this organization.") }
            guard file.body.count <= maxUploadBytes else {
                return Self.error(400, "BAD_REQUEST", "Uploaded file is larger than the allowed limit of \(maxUploadMiB) MiB")
            }
            let path = "/user_uploads/2/4e/u\(uploads.count + 1)/\(file.filename ?? "file")"
            uploads[path] = file
            return Self.success(["uri": path, "url": path, "filename": file.filename ?? ""])
        case "GET /api/v1/events":
            guard let key = request.query["queue_id"], var queue = queues[key] else {
                return Self.error(400, "BAD_EVENT_QUEUE_ID", "Bad event queue ID: \(request.query["queue_id"] ?? "")",
                    extra: ["queue_id": request.query["queue_id"] ?? ""])
            }
            let last = Int(request.query["last_event_id"] ?? "") ?? -1
            queue.events.removeAll { $0.id <= last }
            if queue.events.isEmpty && request.query["dont_block"] == "false" {
                // Nothing new: a real server would hold the request, then answer with a heartbeat.
                let heartbeat = queue.nextEventID
                queue.nextEventID += 1
                queue.events.append((heartbeat, Data("{\"id\":\(heartbeat),\"type\":\"heartbeat\"}".utf8)))
            }
            queues[key] = queue
            let items = queue.events.map { String(decoding: $0.data, as: UTF8.self) }.joined(separator: ",")
            return Reply(status: 200, headers: ["Content-Type": "application/json"],
                body: Data("{\"events\":[\(items)],\"msg\":\"\",\"queue_id\":\"\(key)\",\"result\":\"success\"}".utf8))
        case "GET /api/v1/messages":
            let before = Int(request.query["num_before"] ?? "") ?? 0
            let after = Int(request.query["num_after"] ?? "") ?? 0
            let include = request.query["include_anchor"] != "false"
            let anchor = request.query["anchor"] == "newest" ? (history.last?.id ?? 0) : (Int(request.query["anchor"] ?? "") ?? 0)
            let older = history.filter { $0.id < anchor || ($0.id == anchor && include) }.suffix(before)
            let newer = history.filter { $0.id > anchor || ($0.id == anchor && include && before == 0) }.prefix(after)
            let chosen = Array(older) + Array(newer)
            let foundNewest = (history.last?.id ?? 0) <= (chosen.last?.id ?? anchor)
            let items = chosen.map { String(decoding: $0.data, as: UTF8.self) }.joined(separator: ",")
            return Reply(status: 200, headers: ["Content-Type": "application/json"],
                body: Data("{\"found_newest\":\(foundNewest),\"messages\":[\(items)],\"msg\":\"\",\"result\":\"success\"}".utf8))
        case "POST /api/v1/messages":
            let form = request.form
            posted.append((form["type"] ?? "", form["to"] ?? "", form["topic"], form["content"] ?? ""))
            let direct = form["type"] == "direct"
            let id = post(form["content"] ?? "", from: Self.botID, topic: form["topic"] ?? "", direct: direct)
            return Self.success(["id": id])
        default:
            return Self.error(404, "BAD_REQUEST", "Not found")
        }
    }
}

@Suite("Zulip adapter", .stopsServers)
struct ZulipTests: AdapterTestSuite {
    struct Rig {
        let server: FakeServer
        let fake: ZulipFake
        let transport: ZulipTransport
        let log: LogRecorder

        func calls(_ method: String, _ path: String) -> [Received] {
            server.requests.filter { $0.method == method && $0.path == "/api/v1/" + path }
        }
    }

    static func rig(_ settings: [String: String] = [:], key: String = ZulipFake.key, web: (any WebClient)? = nil) async throws -> Rig {
        let fake = ZulipFake()
        let server = try await FakeServer { await fake.handle($0) }
        let log = LogRecorder()
        let transport = try ZulipTransport(
            settings: Self.settings("zulip", ["baseURL": server.baseURL.absoluteString, "stream": ZulipFake.streamName, "email": ZulipFake.email],
                settings, environment: ["ZULIP_API_KEY": key]),
            context: context(logger: log.logger, web: web))
        return Rig(server: server, fake: fake, transport: transport, log: log)
    }

    static func request(_ cursor: String?, timeout: Duration = .zero) -> PollRequest {
        PollRequest(cursor: cursor, timeout: timeout)
    }

    static func cursor(_ text: String?) throws -> ZulipCursor {
        try #require(ZulipCursor(text))
    }

    static func outbound(_ text: String, to destination: OutboundMessage.Destination = .channel,
        kind: OutboundMessage.Kind = .reply) -> OutboundMessage
    {
        OutboundMessage(id: "o1", destination: destination, kind: kind, text: text, createdAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    /// Polls until a poll returns no messages, collecting everything.
    static func drain(_ rig: Rig, from cursor: String?) async throws -> (messages: [InboundMessage], cursor: String?) {
        var cursor = cursor
        var messages: [InboundMessage] = []
        for _ in 0..<20 {
            let batch = try await rig.transport.poll(request(cursor))
            cursor = batch.cursor
            if batch.messages.isEmpty { break }
            messages += batch.messages
        }
        return (messages, cursor)
    }

    // MARK: - Polling

    @Test("a first start registers one queue for everything, skips history and starts after the newest message")
    func firstStart() async throws {
        let rig = try await Self.rig()
        for n in 1...3 { await rig.fake.post("old \(n)") }
        let first = try await rig.transport.poll(Self.request(nil))
        #expect(first.messages.isEmpty)
        let cursor = try Self.cursor(first.cursor)
        #expect(cursor.queue_id == "q1")
        #expect(cursor.last_event_id == -1)
        #expect(cursor.last_message_id == 102)
        let register = try #require(rig.calls("POST", "register").first?.form)
        #expect(register["event_types"] == #"["message"]"#)
        #expect(register["apply_markdown"] == "false")
        #expect(register["narrow"] == nil)

        await rig.fake.post("new")
        let next = try await rig.transport.poll(Self.request(first.cursor, timeout: .seconds(5)))
        #expect(next.messages.map(\.text) == ["new"])
        #expect(next.messages.first?.id == "103")
        let events = try #require(rig.calls("GET", "events").last?.query)
        #expect(events["queue_id"] == "q1")
        #expect(events["last_event_id"] == "-1")
        #expect(events["dont_block"] == "false")
        let after = try Self.cursor(next.cursor)
        #expect(after.last_event_id == 0)
        #expect(after.last_message_id == 103)
    }

    @Test("a server that does not report max_message_id is asked for the newest message instead")
    func firstStartOlderServer() async throws {
        let rig = try await Self.rig()
        await rig.fake.setReportsMaxMessageID(false)
        for n in 1...2 { await rig.fake.post("old \(n)") }
        let first = try await rig.transport.poll(Self.request(nil))
        #expect(try Self.cursor(first.cursor).last_message_id == 101)
        #expect(rig.calls("GET", "messages").first?.query["anchor"] == "newest")
    }

    @Test("firstStart=backlog returns the recent history once; the queue then carries on without repeats")
    func backlog() async throws {
        let rig = try await Self.rig(["firstStart": "backlog"])
        for n in 1...3 { await rig.fake.post("old \(n)") }
        let first = try await rig.transport.poll(Self.request(nil))
        #expect(first.messages.map(\.text) == ["old 1", "old 2", "old 3"])
        await rig.fake.post("new")
        let next = try await rig.transport.poll(Self.request(first.cursor))
        #expect(next.messages.map(\.text) == ["new"])
    }

    @Test("events come in order; the next poll acknowledges them; heartbeats move the event id only")
    func ordering() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        for n in 1...3 { await rig.fake.post("m\(n)") }
        let batch = try await rig.transport.poll(Self.request(start.cursor, timeout: .seconds(5)))
        #expect(batch.messages.map(\.text) == ["m1", "m2", "m3"])
        #expect(try Self.cursor(batch.cursor).last_event_id == 2)
        // Uncommitted, the same cursor gets the same events again (the runtime dedups by id)…
        let again = try await rig.transport.poll(Self.request(start.cursor))
        #expect(again.messages.map(\.id) == batch.messages.map(\.id))
        // …committed, they are gone, and a quiet queue answers with a heartbeat.
        let quiet = try await rig.transport.poll(Self.request(batch.cursor, timeout: .seconds(5)))
        #expect(quiet.messages.isEmpty)
        let moved = try Self.cursor(quiet.cursor)
        #expect(moved.last_event_id == 3)
        #expect(moved.last_message_id == 102)
    }

    @Test("a poll due back within a second does not block")
    func shortPollDoesNotBlock() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        let batch = try await rig.transport.poll(Self.request(start.cursor, timeout: .milliseconds(300)))
        #expect(batch.messages.isEmpty)
        #expect(rig.calls("GET", "events").last?.query["dont_block"] == "true")
    }

    @Test("an expired queue is registered again and the gap read from history in pages: nothing lost, nothing twice")
    func expiredQueueCatchUp() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        await rig.fake.post("before the outage")
        let seen = try await rig.transport.poll(Self.request(start.cursor))
        #expect(seen.messages.map(\.text) == ["before the outage"])

        // The bot is away long enough for Zulip to drop its queue; 250 messages arrive meanwhile.
        await rig.fake.expireQueues()
        for n in 1...250 { await rig.fake.post("missed \(n)") }
        var cursor = seen.cursor
        var collected: [InboundMessage] = []
        let first = try await rig.transport.poll(Self.request(cursor))
        collected += first.messages
        cursor = first.cursor
        #expect(first.messages.count == 100)
        let paging = try Self.cursor(first.cursor)
        #expect(paging.backfilling == true)
        #expect(paging.queue_id == "q2")
        #expect(paging.queue_start == 350)
        #expect(paging.overlap == nil)
        #expect(await rig.fake.liveQueues == ["q2"])
        #expect(rig.log.all.contains { $0.contains("event queue expired") })
        // A message arrives while catching up: it is both in history and in the new queue.
        await rig.fake.post("during the catch-up")
        let rest = try await Self.drain(rig, from: cursor)
        collected += rest.messages
        await rig.fake.post("after the catch-up")
        let last = try await rig.transport.poll(Self.request(rest.cursor))
        collected += last.messages

        let expected = (1...250).map { "missed \($0)" } + ["during the catch-up", "after the catch-up"]
        #expect(collected.map(\.text) == expected)
        #expect(Set(collected.map(\.id)).count == collected.count)
        let pages = rig.calls("GET", "messages").map(\.query)
        #expect(pages.allSatisfy { $0["include_anchor"] == "false" && $0["num_before"] == "0" && $0["num_after"] == "100" })
        #expect(pages.map { $0["anchor"] } == ["100", "200", "300"])
        #expect(try Self.cursor(last.cursor).backfilling == nil)
        #expect(try Self.cursor(last.cursor).overlap == nil)
    }

    @Test("only the configured channel and direct messages count; the bot's own messages are fromBot")
    func filtering() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        await rig.fake.post("elsewhere", stream: "random")
        await rig.fake.post("status", direct: true)
        await rig.fake.post("in the channel", topic: "daily")
        await rig.fake.post("mine", from: ZulipFake.botID)
        let batch = try await rig.transport.poll(Self.request(start.cursor))
        #expect(batch.messages.map(\.text) == ["status", "in the channel", "mine"])
        #expect(batch.messages.map(\.isDirect) == [true, false, false])
        #expect(batch.messages.map(\.threadRootID) == [nil, "topic:daily", "topic:general"])
        #expect(batch.messages.map(\.fromBot) == [false, false, true])
        #expect(batch.messages[1].senderID == "12")
        #expect(batch.messages[1].senderName == "Sam Taylor")
        // The skipped message still moved the cursor past it.
        #expect(try Self.cursor(batch.cursor).last_message_id == 103)
    }

    @Test("mentions become @<id> tokens with names; wildcards stay; unknown and ambiguous names keep a name token")
    func mentions() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        await rig.fake.post("!caught @**Sam Taylor|12** and @**Priya Shah**, @_**Jo** for the rush @**all** @**Nobody Known** @**Chris Lee** @*support*")
        await rig.fake.post("also @**Nobody Known**")
        let batch = try await rig.transport.poll(Self.request(start.cursor))
        let message = try #require(batch.messages.first)
        #expect(message.text == "!caught @12 and @14, @13 for the rush @**all** @NobodyKnown @ChrisLee @*support*")
        #expect(message.mentions == ["12": "12", "14": "14", "13": "13"])
        #expect(message.mentionedNames == ["12": "Sam Taylor", "14": "Priya Shah", "13": "Jo"])
        #expect(batch.messages[1].text == "also @NobodyKnown")
        // The directory is read once, not for every unknown name.
        #expect(rig.calls("GET", "users").count == 1)
    }

    @Test("a leading mention of the bot addresses it and is removed; a mention later on does not")
    func addressing() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        await rig.fake.post("@**Coach** help goal")
        await rig.fake.post("@**Coach|50**: status")
        await rig.fake.post("thanks @**Coach|50**")
        let batch = try await rig.transport.poll(Self.request(start.cursor))
        #expect(batch.messages.map(\.text) == ["help goal", "status", "thanks @50"])
        #expect(batch.messages.map(\.addressed) == [true, true, false])
    }

    // MARK: - Failures

    @Test("429 waits exactly the body's retry-after, in polls and sends")
    func rateLimited() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        await rig.fake.script("GET /api/v1/events", ZulipFake.error(429, "RATE_LIMIT_HIT", "API usage exceeded rate limit", extra: ["retry-after": 2.5]))
        await rig.fake.script("POST /api/v1/messages", ZulipFake.error(429, "RATE_LIMIT_HIT", "API usage exceeded rate limit", extra: ["retry-after": 0.25]))
        await #expect(throws: TransportError.rateLimited(retryAfter: .milliseconds(2500))) {
            _ = try await rig.transport.poll(Self.request(start.cursor))
        }
        await #expect(throws: TransportError.rateLimited(retryAfter: .milliseconds(250))) {
            _ = try await rig.transport.send(Self.outbound("hi"), key: "k")
        }
    }

    @Test("5xx is temporary")
    func serverError() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        await rig.fake.script("GET /api/v1/events", .text("Bad Gateway", status: 502))
        do {
            _ = try await rig.transport.poll(Self.request(start.cursor))
            Issue.record("a 502 must fail")
        } catch {
            guard case .temporary(let reason) = error else { Issue.record("expected temporary, got \(error)"); return }
            #expect(reason.hasPrefix("zulip events"))
        }
    }

    @Test("a call that outlasts its wait is temporary")
    func timeout() async throws {
        let web = TimeoutWebClient()
        let rig = try await Self.rig(web: web)
        let start = try await rig.transport.poll(Self.request(nil))
        await web.timeOut("zulip events")
        do {
            _ = try await rig.transport.poll(Self.request(start.cursor))
            Issue.record("a poll the server never answers must time out")
        } catch {
            guard case .temporary(let reason) = error else { Issue.record("expected temporary, got \(error)"); return }
            #expect(reason.hasPrefix("zulip events: no answer within"))
        }
    }

    @Test("malformed JSON is temporary and the cursor stays: the next poll gets the messages")
    func malformed() async throws {
        let rig = try await Self.rig()
        let start = try await rig.transport.poll(Self.request(nil))
        await rig.fake.post("kept")
        await rig.fake.script("GET /api/v1/events", .malformed)
        await #expect(throws: TransportError.self) { _ = try await rig.transport.poll(Self.request(start.cursor)) }
        let batch = try await rig.transport.poll(Self.request(start.cursor))
        #expect(batch.messages.map(\.text) == ["kept"])
    }

    @Test("a refused API key is unauthorized, names the fix and never the key")
    func badKey() async throws {
        let rig = try await Self.rig(key: "WRONGKEY")
        do {
            _ = try await rig.transport.poll(Self.request(nil))
            Issue.record("a wrong key must fail")
        } catch {
            guard case .unauthorized(let reason) = error else { Issue.record("expected unauthorized, got \(error)"); return }
            #expect(reason.contains(ZulipFake.email))
            #expect(reason.contains("Personal settings"))
            #expect(!reason.contains("WRONGKEY"))
        }
        #expect(!rig.transport.client.authorization.isEmpty)
    }

    // MARK: - Sending

    @Test("an announcement opens its own topic and returns it; thread replies go there; other posts use the fixed topic")
    func topics() async throws {
        let rig = try await Self.rig()
        let announcement = "Principle of the week, week 3 of 12:\nOwn the problem \\- don't pass it on\n\nWhy it matters: …"
        let root = try await rig.transport.send(Self.outbound(announcement, kind: .announcement), key: "k1")
        let name = String(try #require(root).dropFirst("topic:".count))
        #expect(name.hasPrefix("Principle of the week, week 3 of 12: Own the problem"))
        #expect(name.hasSuffix("…"))
        #expect(name.unicodeScalars.count <= 60)
        let reminder = try await rig.transport.send(Self.outbound("Midweek reminder", to: .thread(rootID: try #require(root)), kind: .reminder), key: "k2")
        #expect(reminder == root)
        let plain = try await rig.transport.send(Self.outbound("Summary"), key: "k3")
        #expect(plain == "topic:ServiceCoach")
        let posted = await rig.fake.posted
        #expect(posted.map(\.type) == ["stream", "stream", "stream"])
        #expect(posted.map(\.to) == [ZulipFake.streamName, ZulipFake.streamName, ZulipFake.streamName])
        #expect(posted.map(\.topic) == [String(root!.dropFirst(6)), String(root!.dropFirst(6)), "ServiceCoach"])
        #expect(posted.map { $0.topic?.unicodeScalars.count ?? 0 }.allSatisfy { $0 <= 60 })
        #expect(posted[0].content == announcement)

        // A member's reply in the announcement's topic carries the same id the send returned.
        let start = try await rig.transport.poll(Self.request(nil))
        await rig.fake.post("Fixed a refund myself", topic: String(root!.dropFirst(6)))
        let batch = try await rig.transport.poll(Self.request(start.cursor))
        #expect(batch.messages.first?.threadRootID == root)
    }

    @Test("topic names: Markdown escapes removed, cut at a word with an ellipsis, never empty")
    func topicNames() {
        #expect(ZulipTransport.announcementTopic("Week 1:\n**Say \\\"sorry\\\"** \\- mean it\n\nmore", limit: 60, fallback: "x")
            == "Week 1: Say \"sorry\" - mean it")
        let long = ZulipTransport.announcementTopic(String(repeating: "listen carefully ", count: 10), limit: 60, fallback: "x")
        #expect(long.unicodeScalars.count <= 60)
        #expect(long.hasSuffix("carefully…") || long.hasSuffix("listen…"))
        #expect(ZulipTransport.announcementTopic("\n\n", limit: 60, fallback: "ServiceCoach") == "ServiceCoach")
    }

    @Test("direct messages go to the user id and return the message id; a refused one is rejected")
    func direct() async throws {
        let rig = try await Self.rig()
        let id = try await rig.transport.send(Self.outbound("a nudge", to: .direct(userID: "12")), key: "k")
        let posted = await rig.fake.posted
        #expect(posted.last?.type == "direct")
        #expect(posted.last?.to == "[12]")
        #expect(id == String(await rig.fake.history.last?.id ?? 0))
        await rig.fake.script("POST /api/v1/messages", ZulipFake.error(400, "BAD_REQUEST", "'user99@x' is no longer using Zulip."))
        await #expect(throws: TransportError.rejected(reason: "zulip send: 'user99@x' is no longer using Zulip. BAD_REQUEST")) {
            _ = try await rig.transport.send(Self.outbound("a nudge", to: .direct(userID: "99")), key: "k2")
        }
    }

    @Test("a message over 10,000 characters goes in parts, in order, to one topic; a retry sends only the rest")
    func splitting() async throws {
        let rig = try await Self.rig()
        let text = (1...600).map { "Example \($0): **helped** a customer choose the right cake" }.joined(separator: "\n")
        #expect(text.count > 20_000)
        await rig.fake.script("POST /api/v1/messages", ZulipFake.success(["id": 900]))
        await rig.fake.script("POST /api/v1/messages", .text("Bad Gateway", status: 502))
        await #expect(throws: TransportError.self) { _ = try await rig.transport.send(Self.outbound(text, kind: .summary), key: "k") }
        let id = try await rig.transport.send(Self.outbound(text, kind: .summary), key: "k")
        #expect(id == "topic:ServiceCoach")
        let sends = rig.calls("POST", "messages").map(\.form)
        let parts = sends.map { $0["content"] ?? "" }
        #expect(parts.count >= 4)
        #expect(parts[1] == parts[2], "the failed part is the one retried")
        let delivered = [parts[0]] + parts.dropFirst(2)
        #expect(delivered.allSatisfy { $0.count <= 10_000 })
        #expect(delivered.joined(separator: "\n") == text)
        #expect(sends.allSatisfy { $0["topic"] == "ServiceCoach" })
    }

    // MARK: - coach check

    @Test("check: signed in and subscribed is all ok")
    func checkGood() async throws {
        let rig = try await Self.rig()
        let findings = await rig.transport.check()
        #expect(findings.map(\.status) == [.ok, .ok, .ok])
        #expect(findings[0].detail.contains("Coach"))
        #expect(findings[1].detail.contains("#Customer-Service"))
        #expect(findings[2].subject == "files" && findings[2].detail.contains("up to 25 MiB"))
        #expect(await rig.fake.liveQueues.isEmpty, "the queue registered to read the settings is deleted")
    }

    // MARK: - Files

    @Test("the report file is uploaded and linked in a private message to the member, after its caption")
    func reportFile() async throws {
        let rig = try await Self.rig()
        let delivery = try await rig.transport.send(
            Self.message("Here is **Corner Bakery**'s report", to: .direct(userID: "12")), file: Self.reportFile, key: "k1")
        let (path, file) = try #require(await rig.fake.uploads.first)
        #expect(file.filename == Self.reportFile.filename)
        #expect(file.contentType == "text/html; charset=utf-8")
        #expect(file.body == Self.reportFile.bytes)
        let posted = try #require(await rig.fake.posted.last)
        #expect(await rig.fake.posted.count == 1)
        #expect(posted.type == "direct" && posted.to == "[12]")
        #expect(posted.content == "Here is **Corner Bakery**'s report\n\n[programme-report-2027-01-05.html](\(path))")
        guard case .sent(let id?) = delivery else {
            Issue.record("expected the message id, got \(delivery)")
            return
        }
        #expect(Int(id) != nil)
    }

    @Test("a file over the limit, or uploads turned off, is a refusal the member hears about; check warns of the second")
    func reportFileRefused() async throws {
        let rig = try await Self.rig()
        let message = Self.message("caption", to: .direct(userID: "12"))
        await rig.fake.set(maxUploadBytes: 10)
        #expect(try await rig.transport.send(message, file: Self.reportFile, key: "k1").refusal?.problem == .tooLarge)
        await rig.fake.set(maxUploadMiB: 0)
        #expect(try await rig.transport.send(message, file: Self.reportFile, key: "k2").refusal?.problem == .notAllowed)
        #expect(await rig.fake.posted.isEmpty)
        let files = try #require(await rig.transport.check().last)
        #expect(files.subject == "files" && files.status == .warning && files.detail.contains("turned off"))
    }

    @Test("a message that failed after the upload links the same file on the retry")
    func reportFileRetry() async throws {
        let rig = try await Self.rig()
        await rig.fake.script("POST /api/v1/messages", .json(["result": "error", "msg": "down"], status: 502))
        let message = Self.message("caption", to: .direct(userID: "12"))
        await Self.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await rig.transport.send(message, file: Self.reportFile, key: "k1")
        }
        _ = try await rig.transport.send(message, file: Self.reportFile, key: "k1")
        #expect(await rig.fake.uploads.count == 1)
        #expect(await rig.fake.posted.count == 1)
    }

    @Test("check: a bad key is a problem and stops there")
    func checkBadKey() async throws {
        let rig = try await Self.rig(key: "nope")
        let findings = await rig.transport.check()
        #expect(findings.count == 1)
        #expect(findings[0].status == .problem)
        #expect(findings[0].subject == "token")
    }

    @Test("check: a bot that is not subscribed is told how to subscribe it")
    func checkNotSubscribed() async throws {
        let rig = try await Self.rig()
        await rig.fake.setSubscribed(false)
        let channel = try #require(await rig.transport.check().first { $0.subject == "channel" })
        #expect(channel.status == .problem)
        #expect(channel.subject == "channel")
        #expect(channel.detail.contains("Subscribers"))
    }

    // MARK: - Setup

    @Test("setup needs the realm, channel and email; refuses a key in the file and an over-long topic; trims /api/v1")
    func setup() throws {
        let context = Self.context()
        let env = ["ZULIP_API_KEY": "k"]
        let good = ["baseURL": "https://team.zulipchat.com/api/v1/", "stream": "cs", "email": "bot@x"]
        func make(_ values: [String: String]) throws(PlatformSetupError) -> ZulipTransport {
            try ZulipTransport(settings: PlatformSettings(kind: "zulip", values: values, environment: env), context: context)
        }
        #expect(try make(good).client.root.absoluteString == "https://team.zulipchat.com/api/v1")
        #expect(throws: PlatformSetupError.self) { _ = try make(good.filter { $0.key != "baseURL" }) }
        #expect(throws: PlatformSetupError.self) { _ = try make(good.filter { $0.key != "email" }) }
        #expect(throws: PlatformSetupError.secretInConfig(kind: "zulip", key: "apiKey", instead: "apiKeyEnv")) {
            _ = try make(good.merging(["apiKey": "abc"]) { $1 })
        }
        #expect(throws: PlatformSetupError.self) { _ = try make(good.merging(["topic": String(repeating: "t", count: 61)]) { $1 }) }
        #expect(try make(good) as any ChatTransport is any PollingTransport, "two-way: it reads the channel")
    }

    @Test("Config/examples/zulip.json loads and builds this adapter")
    func exampleConfig() throws {
        let (setup, transport) = try Self.example("zulip", environment: ["ZULIP_API_KEY": "k"])
        #expect(setup.config.transport.kind == "zulip")
        #expect(transport.name == "zulip")
        #expect(Self.pacing(transport) == .longPoll)
    }

    // MARK: - End to end

    @Test("end to end: help is answered in the asker's topic, the announcement's topic collects examples, caught resolves")
    func endToEnd() async throws {
        let rig = try await Self.rig()
        let coach = try Fixtures.coach(capabilities: rig.transport.capabilities) { config in
            config.admins = ["11"]
            config.members = []
            config.holidays = []
        }
        let session = try CoachSession(coach: coach, directory: nil, logger: Self.logger)
        var now = Harness.instant("2027-01-01 10:00", coach)
        func step() async throws { try await Self.step(session, rig.transport, at: now, timeout: .zero) }

        try await step()  // first start
        await rig.fake.post("!help", from: 13, topic: "questions")
        try await step()
        let help = try #require(await rig.fake.posted.last)
        #expect(help.topic == "questions")
        #expect(help.content.contains("Here's what I can do, Jo"))

        await rig.fake.post("!start 2027-01-04", from: 11, topic: "questions")
        try await step()
        now = Harness.instant("2027-01-04 09:00", coach)
        try await step()
        let announcement = try #require(await rig.fake.posted.first { $0.content.isMondayPost })
        let topic = try #require(announcement.topic)
        #expect(topic.isMondayPost, "the Monday post's first line names its topic")
        #expect(await session.state.weeks.last?.announcementPlatformID == "topic:" + topic)

        now = Harness.instant("2027-01-05 11:00", coach)
        await rig.fake.post("Took a complaint call and fixed it on the spot", from: 12, topic: topic)
        await rig.fake.post("!caught @**Priya Shah|14** for staying late to help", from: 11, topic: topic)
        try await step()
        let examples = await session.state.examples.all
        #expect(examples.map(\.text) == ["Took a complaint call and fixed it on the spot", "staying late to help"])
        #expect(examples.map(\.source) == [.threadReply, .caught])
        #expect(examples.last?.caughtIDs == ["14"])
        #expect(await session.state.members["14"]?.name == "Priya Shah")
        #expect(await rig.fake.posted.last?.topic == topic)
    }

    @Test("end to end: a raw @**Name|id** of someone outside the channel, a made-up id, or the bot is not credited, and the reply says why")
    func rawMentionsAreChecked() async throws {
        let rig = try await Self.rig()
        await rig.fake.unsubscribe(14)
        let coach = try Fixtures.coach(capabilities: rig.transport.capabilities) { config in
            config.members = []
            config.holidays = []
        }
        let session = try CoachSession(coach: coach, directory: nil, logger: Self.logger)
        let now = Harness.instant("2027-01-05 11:00", coach)
        func step() async throws { try await Self.step(session, rig.transport, at: now, timeout: .zero) }
        try await step()  // first start

        await rig.fake.post("!caught @**Priya Shah|14** for staying late", from: 11, topic: "questions")
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        #expect(await session.state.members["14"] == nil)
        let unknown = try #require(await rig.fake.posted.last?.content)
        #expect(unknown.contains("I can't credit @Priya Shah"), "\(unknown)")

        // An id typed by hand into the markup, naming a member's name: the id decides, and nobody has it.
        await rig.fake.post("!caught @**Alex Kim|999** for the window display", from: 12, topic: "questions")
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        let madeUp = try #require(await rig.fake.posted.last?.content)
        #expect(madeUp.contains("I can't credit @Alex Kim"), "\(madeUp)")

        await rig.fake.post("!caught @**Coach|50** for the reminders", from: 11, topic: "questions")
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        let bot = try #require(await rig.fake.posted.last?.content)
        #expect(bot.contains("is me, the bot"), "\(bot)")

        // A subscriber who never wrote is credited, named by Zulip.
        await rig.fake.post("!caught @**Jo|13** for the calm handover", from: 11, topic: "questions")
        try await step()
        #expect(await session.state.examples.all.last?.caughtIDs == ["13"])
        #expect(await session.state.members["13"]?.name == "Jo")
        #expect(rig.server.requests.filter { $0.path.hasSuffix("/subscriptions/7") }.count == 3, "once per person; the bot never")
    }
}
