import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// A homeserver in miniature: one room, sync tokens `s<n>` (the position after n events), `/messages` paging,
/// transaction ids that replay their first answer, and failures a test queues for a path.
actor FakeHomeserver {
    static let room = "!room:test"
    static let bot = "@coach:test"
    static let token = "syt_good"

    var events: [JSONValue] = []
    var joined = true
    var invited = false
    var encrypted = false
    var transactions: [String: String] = [:]
    var displayNames: [String: String] = [FakeHomeserver.bot: "Coach"]
    /// Queued answers: the first whose method and path fragment match is used once instead of the normal one.
    var overrides: [(method: String, path: String, reply: Reply)] = []

    func fail(_ method: String, _ path: String, with reply: Reply, times: Int = 1) {
        for _ in 0..<times { overrides.append((method, path, reply)) }
    }

    func setEncrypted() { encrypted = true }

    func setJoined(_ value: Bool, invited: Bool = false) {
        joined = value
        self.invited = invited
    }

    /// A member joins (with a display name), as a state event in the timeline.
    func member(_ user: String, _ name: String) {
        displayNames[user] = name
        append(["type": "m.room.member", "sender": .string(user), "state_key": .string(user),
            "content": ["membership": "join", "displayname": .string(name)]])
    }

    /// A person's message; `content` adds or replaces fields (formatting, relations, mentions).
    @discardableResult
    func say(_ user: String, _ body: String, _ content: [String: JSONValue] = [:]) -> String {
        var fields: [String: JSONValue] = ["msgtype": "m.text", "body": .string(body)]
        fields.merge(content) { $1 }
        return append(["type": "m.room.message", "sender": .string(user), "content": .object(fields)])
    }

    @discardableResult
    func append(_ event: JSONValue) -> String {
        let id = "$ev\(events.count + 1)"
        guard case .object(var fields) = event else { return id }
        fields["event_id"] = .string(id)
        fields["origin_server_ts"] = .number(Double(1_800_000_000_000 + events.count))
        events.append(.object(fields))
        return id
    }

    /// The bot's events, in order.
    var botEvents: [JSONValue] { events.filter { $0["sender"]?.string == Self.bot } }

    static func position(_ token: String?) -> Int? {
        guard let token, token.hasPrefix("s") else { return nil }
        return Int(token.dropFirst())
    }

    func handle(_ request: Received) -> Reply {
        let path = request.path.removingPercentEncoding ?? request.path
        if let index = overrides.firstIndex(where: { $0.method == request.method && path.contains($0.path) }) {
            return overrides.remove(at: index).reply
        }
        let prefix = "/_matrix/client/v3/"
        guard path.hasPrefix(prefix) else { return Self.error(404, "M_UNRECOGNIZED", "unknown path") }
        let route = String(path.dropFirst(prefix.count))
        if route == "login" { return .json(["access_token": Self.token, "user_id": Self.bot, "device_id": "DEV1"]) }
        guard request.header("Authorization") == "Bearer \(Self.token)" else {
            return Self.error(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
        }
        switch (request.method, route) {
        case ("GET", "account/whoami"):
            return .json(["user_id": Self.bot, "device_id": "DEV1"])
        case ("GET", "profile/\(Self.bot)/displayname"):
            return .json(["displayname": "Coach"])
        case ("GET", "joined_rooms"):
            return .json(["joined_rooms": joined ? [Self.room] : []])
        case ("POST", "join/\(Self.room)"):
            guard joined || invited else { return Self.error(403, "M_FORBIDDEN", "You are not invited to this room.") }
            joined = true
            invited = false
            return .json(["room_id": Self.room])
        case ("GET", "rooms/\(Self.room)/joined_members"):
            guard joined else { return Self.error(403, "M_FORBIDDEN", "User not in room") }
            return .json(["joined": Dictionary(uniqueKeysWithValues: displayNames.map { ($0.key, ["display_name": $0.value]) })])
        case ("GET", "rooms/\(Self.room)/state/m.room.encryption"):
            return encrypted ? .json(["algorithm": "m.megolm.v1.aes-sha2"]) : Self.error(404, "M_NOT_FOUND", "Event not found.")
        case ("GET", "sync"):
            return sync(request)
        case ("GET", "rooms/\(Self.room)/messages"):
            return messages(request)
        case ("PUT", let route) where route.hasPrefix("rooms/\(Self.room)/send/m.room.message/"):
            guard joined else { return Self.error(403, "M_FORBIDDEN", "User not in room") }
            let txn = String(route.dropFirst("rooms/\(Self.room)/send/m.room.message/".count))
            if let known = transactions[txn] { return .json(["event_id": known]) }
            let content = (try? JSONDecoder().decode(JSONValue.self, from: request.body)) ?? .null
            let id = append(["type": "m.room.message", "sender": .string(Self.bot), "content": content,
                "unsigned": ["transaction_id": .string(txn)]])
            transactions[txn] = id
            return .json(["event_id": id])
        default:
            return Self.error(404, "M_UNRECOGNIZED", "unknown path \(route)")
        }
    }

    func sync(_ request: Received) -> Reply {
        let filter = request.query["filter"].flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        let limit = Int(filter?["room"]?["timeline"]?["limit"]?.double ?? 10)
        let since = Self.position(request.query["since"]) ?? 0
        let fresh = Array(events[min(since, events.count)...])
        let shown = fresh.suffix(limit)
        var rooms: [String: JSONValue] = [:]
        if joined {
            let members = displayNames.map { user, name -> JSONValue in
                ["type": "m.room.member", "sender": .string(user), "state_key": .string(user),
                    "content": ["membership": "join", "displayname": .string(name)]]
            }
            rooms["join"] = [Self.room: [
                "timeline": ["events": .array(Array(shown)), "limited": .bool(fresh.count > limit),
                    "prev_batch": .string("s\(events.count - shown.count)")],
                "state": ["events": .array(members)],
            ]]
        } else if invited {
            rooms["invite"] = [Self.room: ["invite_state": ["events": []]]]
        }
        return Self.json(["next_batch": .string("s\(events.count)"), "rooms": .object(rooms)])
    }

    func messages(_ request: Received) -> Reply {
        guard request.query["dir"] == "b", let from = Self.position(request.query["from"]) else {
            return Self.error(400, "M_INVALID_PARAM", "bad pagination")
        }
        let to = Self.position(request.query["to"]) ?? 0
        let limit = Int(request.query["limit"] ?? "10") ?? 10
        let start = max(to, from - limit)
        guard start < from else { return Self.json(["chunk": [], "start": .string("s\(from)")]) }
        return Self.json(["chunk": .array(events[start..<from].reversed()), "start": .string("s\(from)"), "end": .string("s\(start)")])
    }

    static func json(_ value: JSONValue, status: Int = 200, headers: [String: String] = [:]) -> Reply {
        var headers = headers
        headers["Content-Type"] = "application/json"
        return Reply(status: status, headers: headers, body: (try? JSONEncoder().encode(value)) ?? Data())
    }

    static func error(_ status: Int, _ code: String, _ message: String, extra: [String: JSONValue] = [:], headers: [String: String] = [:]) -> Reply {
        var body: [String: JSONValue] = ["errcode": .string(code), "error": .string(message)]
        body.merge(extra) { $1 }
        return json(.object(body), status: status, headers: headers)
    }
}

/// A fake homeserver on loopback and a Matrix transport pointed at it.
struct MatrixRig {
    let home = FakeHomeserver()
    let server: FakeServer
    let transport: MatrixTransport

    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    init(settings: [String: String] = [:], environment: [String: String] = ["MATRIX_ACCESS_TOKEN": FakeHomeserver.token],
        web: any WebClient = URLSessionWebClient()) async throws
    {
        let home = self.home
        server = try await FakeServer { request in await home.handle(request) }
        var values = ["baseURL": server.baseURL.absoluteString, "room": FakeHomeserver.room]
        values.merge(settings) { $1 }
        transport = try MatrixTransport(
            settings: PlatformSettings(kind: "matrix", values: values, environment: environment),
            context: PlatformContext(web: web, logger: Self.logger, botName: "coach"))
    }

    /// A first start, returning the cursor for "now".
    func start() async throws -> String {
        let batch = try await transport.poll(PollRequest(cursor: nil, timeout: .zero))
        return try #require(batch.cursor)
    }

    func poll(_ cursor: String?, threads: [String] = []) async throws(TransportError) -> PollBatch {
        try await transport.poll(PollRequest(cursor: cursor, timeout: .zero, threads: threads))
    }

    /// Requests to a path, compared decoded (room ids travel percent-encoded).
    func requests(to path: String) -> [Received] {
        server.requests.filter { ($0.path.removingPercentEncoding ?? $0.path) == path }
    }

    func syncs() -> [Received] { requests(to: "/_matrix/client/v3/sync") }

    func sends() -> [Received] { server.requests.filter { $0.method == "PUT" } }

}

func outbound(_ text: String, to destination: OutboundMessage.Destination = .channel, id: String = "o1") -> OutboundMessage {
    OutboundMessage(id: id, destination: destination, kind: .reply, text: text, createdAt: Date(timeIntervalSince1970: 1_800_000_000))
}

@Suite("Matrix adapter", .stopsServers)
struct MatrixTests {
    static let alice = "@alice:test"
    static let bob = "@bob:test"

    // MARK: Polling

    @Test func firstStartReturnsNoHistoryAndACursorForNow() async throws {
        let rig = try await MatrixRig()
        await rig.home.say(Self.alice, "old message 1")
        await rig.home.say(Self.alice, "old message 2")
        let batch = try await rig.poll(nil)
        #expect(batch.messages.isEmpty)
        #expect(batch.cursor == "s2")
        let sync = try #require(rig.syncs().first)
        #expect(sync.query["since"] == nil)
        #expect(sync.query["timeout"] == "0")
        #expect(sync.query["set_presence"] == "offline")
        #expect(sync.header("Authorization") == "Bearer \(FakeHomeserver.token)")
        let filterText = try #require(sync.query["filter"])
        let filter = try JSONDecoder().decode(JSONValue.self, from: Data(filterText.utf8))
        #expect(filter["room"]?["timeline"]?["limit"] == 1)
        #expect(filter["room"]?["rooms"] == [.string(FakeHomeserver.room)])
        #expect(filter["room"]?["timeline"]?["types"]?.elements.contains("m.room.message") == true)
        #expect(rig.server.requests.map(\.path).contains("/_matrix/client/v3/account/whoami"))
        #expect(rig.requests(to: "/_matrix/client/v3/join/!room:test").isEmpty)
    }

    @Test func firstStartWithBacklogReadsTheRecentTimeline() async throws {
        let rig = try await MatrixRig(settings: ["firstStart": "backlog"])
        await rig.home.say(Self.alice, "!example from before the bot")
        let batch = try await rig.poll(nil)
        #expect(batch.messages.map(\.text) == ["!example from before the bot"])
    }

    @Test func firstStartJoinsThePendingInvite() async throws {
        let rig = try await MatrixRig()
        await rig.home.setJoined(false, invited: true)
        _ = try await rig.start()
        #expect(rig.server.requests.contains { $0.method == "POST" && $0.path.removingPercentEncoding == "/_matrix/client/v3/join/!room:test" })
        #expect(await rig.home.joined)
    }

    @Test func aSendBeforeAnyPollJoinsThePendingInviteFirst() async throws {
        let rig = try await MatrixRig()
        await rig.home.setJoined(false, invited: true)
        // A new bot's first act is its introduction, before it has ever polled.
        let id = try await rig.transport.send(outbound("Hello team"), key: "k-intro")
        #expect(id == "$ev1")
        #expect(rig.server.requests.map { "\($0.method) \($0.path.removingPercentEncoding ?? "")" }.filter { !$0.contains("whoami") && !$0.contains("profile") }
            == ["GET /_matrix/client/v3/joined_rooms", "POST /_matrix/client/v3/join/!room:test",
                "GET /_matrix/client/v3/rooms/!room:test/state/m.room.encryption",
                "PUT /_matrix/client/v3/rooms/!room:test/send/m.room.message/k-intro"])
    }

    @Test func firstStartWithoutAnInviteStopsWithTheFix() async throws {
        let rig = try await MatrixRig()
        await rig.home.setJoined(false)
        do {
            _ = try await rig.poll(nil)
            Issue.record("a room the bot cannot join must stop it")
        } catch {
            guard case .unauthorized(let reason) = error else { Issue.record("expected unauthorized, got \(error)"); return }
            #expect(reason.contains("/invite @coach:test"), "\(reason)")
        }
    }

    @Test func messagesArriveInOrderWithNamesHandlesAndTheCursorAfterThem() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        await rig.home.member(Self.alice, "Alice Smith")
        let first = await rig.home.say(Self.alice, "!example one")
        await rig.home.say(Self.bob, "two")
        await rig.home.say(Self.alice, "emote", ["msgtype": "m.emote"])
        await rig.home.say(Self.alice, "three")
        let batch = try await rig.poll(cursor)
        #expect(batch.messages.map(\.text) == ["!example one", "two", "three"])
        #expect(batch.messages.first?.id == first)
        #expect(batch.messages.first?.senderID == Self.alice)
        #expect(batch.messages.first?.senderName == "Alice Smith")
        #expect(batch.messages.first?.senderHandle == "alice")
        #expect(batch.messages[1].senderName == "bob")
        #expect(batch.messages.allSatisfy { !$0.fromBot && !$0.isDirect })
        #expect(batch.cursor == "s5")
        let again = try await rig.poll(batch.cursor)
        #expect(again.messages.isEmpty)
        #expect(rig.syncs().last?.query["since"] == "s5")
    }

    @Test func aLimitedTimelineIsFilledBackToThePreviousCursorWithoutLossOrRepeats() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        for n in 1...230 { await rig.home.say(Self.alice, "message \(n)") }
        let batch = try await rig.poll(cursor)
        #expect(batch.messages.map(\.text) == (1...230).map { "message \($0)" })
        #expect(Set(batch.messages.map(\.id)).count == 230)
        #expect(batch.cursor == "s230")
        let pages = rig.requests(to: "/_matrix/client/v3/rooms/!room:test/messages")
        #expect(pages.count >= 2)
        #expect(pages.allSatisfy { $0.query["dir"] == "b" && $0.query["to"] == cursor })
        #expect(pages.first?.query["from"] == "s180")
    }

    @Test func ownMessagesAreMarkedFromBot() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        _ = try await rig.transport.send(outbound("hello"), key: "k1")
        await rig.home.say(Self.alice, "hi coach")
        let batch = try await rig.poll(cursor)
        #expect(batch.messages.map(\.fromBot) == [true, false])
    }

    @Test func threadRepliesCarryTheirRoot() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        let root = try #require(try await rig.transport.send(outbound("Principle of the week"), key: "k-announce"))
        await rig.home.say(Self.alice, "I rebooked a delivery",
            ["m.relates_to": ["rel_type": "m.thread", "event_id": .string(root), "is_falling_back": true,
                "m.in_reply_to": ["event_id": .string(root)]]])
        await rig.home.say(Self.bob, "> <@coach:test> Principle of the week\n\nI called a customer back",
            ["m.relates_to": ["m.in_reply_to": ["event_id": .string(root)]]])
        await rig.home.say(Self.bob, "> <@alice:test> hi\n\nnot about the announcement",
            ["m.relates_to": ["m.in_reply_to": ["event_id": "$elsewhere"]]])
        await rig.home.say(Self.alice, "edited", ["m.relates_to": ["rel_type": "m.replace", "event_id": .string(root)]])
        let batch = try await rig.poll(cursor, threads: [root])
        let people = batch.messages.filter { !$0.fromBot }
        #expect(people.map(\.text) == ["I rebooked a delivery", "I called a customer back", "not about the announcement"])
        #expect(people.map(\.threadRootID) == [root, root, nil])
    }

    @Test func aRateLimitWaitsTheServersRetryAfterMilliseconds() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        await rig.home.fail("GET", "sync", with: FakeHomeserver.error(429, "M_LIMIT_EXCEEDED", "Too many requests", extra: ["retry_after_ms": 1500]))
        await #expect(throws: TransportError.rateLimited(retryAfter: .milliseconds(1500))) { try await rig.poll(cursor) }
    }

    @Test func aRetryAfterHeaderIsPreferredToTheBodyField() async throws {
        let rig = try await MatrixRig()
        await rig.home.fail("PUT", "send", with: FakeHomeserver.error(429, "M_LIMIT_EXCEEDED", "Too many requests",
            extra: ["retry_after_ms": 9000], headers: ["Retry-After": "3"]))
        await #expect(throws: TransportError.rateLimited(retryAfter: .seconds(3))) {
            try await rig.transport.send(outbound("hi"), key: "k1")
        }
        #expect(await rig.home.botEvents.isEmpty)
    }

    @Test func serverErrorsAreTemporary() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        await rig.home.fail("GET", "sync", with: .text("Bad Gateway", status: 502))
        do {
            _ = try await rig.poll(cursor)
            Issue.record("a 502 must fail the poll")
        } catch {
            guard case .temporary(let reason) = error else { Issue.record("expected temporary, got \(error)"); return }
            #expect(reason.hasPrefix("matrix sync: HTTP 502"))
        }
    }

    @Test func aSyncThatNeverAnswersTimesOutAsTemporary() async throws {
        let web = TimeoutWebClient()
        let rig = try await MatrixRig(web: web)
        let cursor = try await rig.start()
        await web.timeOut("matrix sync")
        do {
            _ = try await rig.poll(cursor)
            Issue.record("a sync past its timeout must fail")
        } catch {
            guard case .temporary(let reason) = error else { Issue.record("expected temporary, got \(error)"); return }
            #expect(reason.hasPrefix("matrix sync: no answer within"), "\(reason)")
        }
    }

    @Test func malformedJSONIsTemporaryAndTheNextPollAsksFromTheSameCursor() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        await rig.home.say(Self.alice, "kept")
        await rig.home.fail("GET", "sync", with: .malformed)
        await rig.home.fail("GET", "sync", with: FakeHomeserver.json(["rooms": [:]]))
        for _ in 0..<2 {
            do {
                _ = try await rig.poll(cursor)
                Issue.record("a malformed sync must fail")
            } catch {
                guard case .temporary = error else { Issue.record("expected temporary, got \(error)"); return }
            }
        }
        let batch = try await rig.poll(cursor)
        #expect(batch.messages.map(\.text) == ["kept"])
        #expect(rig.syncs().suffix(3).map { $0.query["since"] } == [cursor, cursor, cursor])
    }

    @Test func oneStrangeEventDoesNotBlockTheOthers() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        await rig.home.append(["type": "m.room.message", "sender": 42, "content": ["msgtype": "m.text", "body": ["not": "text"]]])
        await rig.home.say(Self.alice, "body of the wrong type", ["body": 7])
        await rig.home.say(Self.alice, "fine")
        let batch = try await rig.poll(cursor)
        #expect(batch.messages.map(\.text) == ["", "fine"])
    }

    @Test func anUnknownOrMissingTokenIsUnauthorized() async throws {
        let rig = try await MatrixRig(environment: ["MATRIX_ACCESS_TOKEN": "syt_revoked"])
        do {
            _ = try await rig.poll(nil)
            Issue.record("a refused token must stop the bot")
        } catch {
            guard case .unauthorized(let reason) = error else { Issue.record("expected unauthorized, got \(error)"); return }
            #expect(reason.contains("M_UNKNOWN_TOKEN") && reason.contains("tokenEnv"))
            #expect(!reason.contains("syt_revoked"))
        }
        await rig.home.fail("PUT", "send", with: FakeHomeserver.error(401, "M_MISSING_TOKEN", "Missing access token"))
        await #expect(throws: TransportError.self) { try await rig.transport.send(outbound("x"), key: "k") }
    }

    @Test func passwordLoginUsesTheFixedDeviceAndLogsInAgainWhenTheTokenIsRevoked() async throws {
        let rig = try await MatrixRig(settings: ["user": "coach", "deviceID": "COACHBOT"], environment: ["MATRIX_PASSWORD": "pw"])
        _ = try await rig.start()
        await rig.home.fail("PUT", "send", with: FakeHomeserver.error(401, "M_UNKNOWN_TOKEN", "Token revoked"))
        _ = try await rig.transport.send(outbound("hello"), key: "k1")
        let logins = rig.server.requests(to: "/_matrix/client/v3/login")
        #expect(logins.count == 2)
        #expect(logins.first?.json["device_id"] as? String == "COACHBOT")
        #expect((logins.first?.json["identifier"] as? [String: String])?["user"] == "coach")
        #expect(rig.sends().compactMap(\.path.removingPercentEncoding) == Array(repeating: "/_matrix/client/v3/rooms/!room:test/send/m.room.message/k1", count: 2))
        #expect(await rig.home.botEvents.count == 1)
    }

    @Test func forbiddenSaysHowToInviteTheBot() async throws {
        let rig = try await MatrixRig()
        _ = try await rig.start()
        await rig.home.setJoined(false)
        do {
            _ = try await rig.transport.send(outbound("x"), key: "k")
            Issue.record("sending to a room the bot left must fail")
        } catch {
            guard case .unauthorized(let reason) = error else { Issue.record("expected unauthorized, got \(error)"); return }
            #expect(reason.contains("M_FORBIDDEN") && reason.contains("/invite @coach:test"), "\(reason)")
        }
    }

    // MARK: Sending

    @Test func aRetriedSendReusesItsTransactionIDAndShowsOnce() async throws {
        let rig = try await MatrixRig()
        await rig.home.fail("PUT", "send", with: .text("upstream timeout", status: 504))
        let message = outbound("Principle of the week")
        await #expect(throws: TransportError.self) { try await rig.transport.send(message, key: "inst-o7") }
        let first = try await rig.transport.send(message, key: "inst-o7")
        // After a crash the outbox sends again with the same key: the homeserver answers with the first event.
        let afterRestart = try await rig.transport.send(message, key: "inst-o7")
        #expect(first == afterRestart)
        #expect(Set(rig.sends().compactMap(\.path.removingPercentEncoding)) == ["/_matrix/client/v3/rooms/!room:test/send/m.room.message/inst-o7"])
        #expect(rig.sends().count == 3)
        #expect(await rig.home.botEvents.count == 1)
    }

    @Test func htmlIsSentWithAPlainBodyAndNoPings() async throws {
        let rig = try await MatrixRig()
        let text = "Thanks, Sam!\nYou wrote: &lt;b&gt;5 stars&lt;/b&gt; &amp; @\u{2060}room\n    e.g. !example"
        _ = try await rig.transport.send(outbound(text), key: "k1")
        let body = try #require(rig.sends().first).json
        #expect(body["msgtype"] as? String == "m.text")
        #expect(body["format"] as? String == "org.matrix.custom.html")
        #expect(body["formatted_body"] as? String
            == "Thanks, Sam!<br>You wrote: &lt;b&gt;5 stars&lt;/b&gt; &amp; @\u{2060}room<br>&nbsp;&nbsp;&nbsp;&nbsp;e.g. !example")
        #expect(body["body"] as? String == "Thanks, Sam!\nYou wrote: <b>5 stars</b> & @\u{2060}room\n    e.g. !example")
        #expect((body["m.mentions"] as? [String: Any])?.isEmpty == true)
        #expect(body["m.relates_to"] == nil)
    }

    @Test func threadRepliesAreSentAsThreadEventsWithAFallback() async throws {
        let rig = try await MatrixRig()
        _ = try await rig.transport.send(outbound("Thanks!", to: .thread(rootID: "$root")), key: "k1")
        let sent = try #require(rig.sends().first)
        let relation = try #require(sent.json["m.relates_to"] as? [String: Any])
        #expect(relation["rel_type"] as? String == "m.thread")
        #expect(relation["event_id"] as? String == "$root")
        #expect(relation["is_falling_back"] as? Bool == true)
        #expect((relation["m.in_reply_to"] as? [String: String])?["event_id"] == "$root")
    }

    @Test func privateMessagesAreRefusedForGood() async throws {
        let rig = try await MatrixRig()
        await #expect(throws: TransportError.self) {
            try await rig.transport.send(outbound("nudge", to: .direct(userID: Self.alice)), key: "k1")
        }
        #expect(rig.sends().isEmpty)
        #expect(rig.transport.capabilities == TransportCapabilities(directMessages: false, threads: true, markup: .html))
    }

    @Test func aLongMessageIsSplitIntoOrderedPartsWithTheirOwnTransactionIDs() async throws {
        let rig = try await MatrixRig()
        let lines = (1...1500).map { "- Example \($0): Sam &amp; Jo stayed late to rebook a delivery for a customer" }
        let text = "Report-back\n" + lines.joined(separator: "\n")
        let root = try await rig.transport.send(outbound(text, to: .thread(rootID: "$root")), key: "inst-o9")
        let sends = rig.sends()
        #expect(sends.count >= 5)
        #expect(sends.map { $0.path.components(separatedBy: "/").last ?? "" }
            == ["inst-o9"] + (2...sends.count).map { "inst-o9.\($0)" })
        let events = await rig.home.botEvents
        #expect(root == events.first?["event_id"]?.string)
        var plain: [String] = []
        for send in sends {
            let formatted = try #require(send.json["formatted_body"] as? String)
            #expect(formatted.utf8.count <= MatrixTransport.formattedLimit)
            #expect(send.body.count < 65_536 - 2_000)
            #expect((send.json["m.relates_to"] as? [String: Any])?["event_id"] as? String == "$root")
            plain.append(try #require(send.json["body"] as? String))
        }
        #expect(plain.joined(separator: "\n") == MatrixHTML.plain(MatrixHTML.formatted(text)))
        #expect(plain.joined().contains("Sam & Jo"))
    }

    @Test func aFailurePartWayResumesWithTheRemainingParts() async throws {
        let rig = try await MatrixRig()
        let text = (1...1500).map { "line \($0) of a long summary that needs several events" }.joined(separator: "\n")
        await rig.home.fail("PUT", "m.room.message/k.3", with: .text("busy", status: 503))
        await #expect(throws: TransportError.self) { try await rig.transport.send(outbound(text), key: "k") }
        _ = try await rig.transport.send(outbound(text), key: "k")
        let paths = rig.sends().map { $0.path.components(separatedBy: "/").last ?? "" }
        #expect(paths.prefix(4) == ["k", "k.2", "k.3", "k.3"])
        #expect(Set(paths).count == paths.count - 1)
        #expect(await rig.home.botEvents.count == Set(paths).count)
    }

    // MARK: Mentions and addressing

    @Test func pillsBecomeTokensThatResolveToTheMember() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        await rig.home.say(Self.alice, "!caught Bob stayed late", [
            "format": "org.matrix.custom.html",
            "formatted_body": "!caught <a href=\"https://matrix.to/#/@bob:test\">Bob Jones</a> stayed &lt;late&gt;",
            "m.mentions": ["user_ids": ["@bob:test"]],
        ])
        await rig.home.say(Self.alice, "!caught Bob Jones for the follow-up", ["m.mentions": ["user_ids": ["@bob:test"]]])
        await rig.home.member(Self.bob, "Bob Jones")
        await rig.home.say(Self.alice, "!caught @bob:test, great call")
        let batch = try await rig.poll(cursor)
        #expect(batch.messages.map(\.text) == [
            "!caught @bob:test stayed <late>", "!caught @bob:test for the follow-up", "!caught @bob:test, great call",
        ])
        #expect(batch.messages.allSatisfy { $0.mentions == ["bob:test": Self.bob] })
        #expect(batch.messages.first?.mentionedNames == [Self.bob: "Bob Jones"])
    }

    @Test func aLeadingMentionOfTheBotAddressesIt() {
        let reader = MatrixReader(selfID: "@coach:test", selfName: "Coach", botName: "coach", names: [:], watchedRoots: [])
        func read(_ body: String, html: String? = nil) -> InboundMessage? {
            var content: [String: JSONValue] = ["msgtype": "m.text", "body": .string(body)]
            if let html {
                content["format"] = "org.matrix.custom.html"
                content["formatted_body"] = .string(html)
            }
            return reader.message(["type": "m.room.message", "event_id": "$1", "sender": "@sam:test", "content": .object(content)])
        }
        let pill = read("Coach: status", html: "<a href=\"https://matrix.to/#/%40coach%3Atest\">Coach</a>: status")
        #expect(pill?.text == "status")
        #expect(pill?.addressed == true)
        #expect(pill?.mentions.isEmpty == true)
        #expect(read("Coach: help")?.text == "help")
        #expect(read("coach, help")?.addressed == true)
        #expect(read("@coach help")?.text == "help")
        #expect(read("@coach:test goals")?.text == "goals")
        #expect(read("Coaching went well")?.addressed == false)
        #expect(read("Coach is great")?.addressed == false)
        #expect(read("!help")?.addressed == false)
    }

    // MARK: Setup and check

    @Test func settingsAreValidatedWithFixes() {
        let context = PlatformContext(web: URLSessionWebClient(), logger: MatrixRig.logger, botName: "coach")
        func make(_ values: [String: String], _ env: [String: String] = ["MATRIX_ACCESS_TOKEN": "t"]) throws(PlatformSetupError) {
            _ = try MatrixTransport.entry.make(PlatformSettings(kind: "matrix", values: values, environment: env), context)
        }
        #expect(throws: PlatformSetupError.missingSetting(kind: "matrix", key: "baseURL", hint: "the homeserver's address, e.g. https://matrix.example.org")) {
            try make(["room": "!a:b"])
        }
        #expect(throws: PlatformSetupError.self) { try make(["baseURL": "https://m.org", "room": "#team:m.org"]) }
        #expect(throws: PlatformSetupError.secretInConfig(kind: "matrix", key: "accessToken", instead: "tokenEnv")) {
            try make(["baseURL": "https://m.org", "room": "!a:m.org", "accessToken": "syt_x"])
        }
        #expect(throws: PlatformSetupError.missingSecret(kind: "matrix", variable: "MATRIX_ACCESS_TOKEN", setting: "tokenEnv", what: "bot's access token")) {
            try make(["baseURL": "https://m.org", "room": "!a:m.org"], [:])
        }
        #expect(throws: PlatformSetupError.self) { try make(["baseURL": "https://m.org", "room": "!a:m.org", "deviceID": "X"]) }
        #expect(throws: Never.self) { try make(["baseURL": "https://m.org", "room": "!a:m.org", "tokenEnv": "MY_TOKEN"], ["MY_TOKEN": "t"]) }
        #expect(Platforms.kinds.contains("matrix"))
    }

    @Test func theExampleConfigBuildsAMatrixTransport() throws {
        let url = Fixtures.projectRoot.appendingPathComponent("Config/examples/matrix.json")
        let config = try CoachConfig(json: [UInt8](try Data(contentsOf: url)))
        #expect(config.transport.kind == "matrix")
        let transport = try Platforms.make(kind: config.transport.kind, settings: config.transport.settings,
            environment: ["MATRIX_ACCESS_TOKEN": "syt_example"],
            context: PlatformContext(web: URLSessionWebClient(), logger: MatrixRig.logger, botName: config.team.botName))
        #expect(transport.name == "matrix")
        #expect(config.admins.allSatisfy { config.members.map(\.id).contains($0) && MatrixIDs.isUserID($0) })
    }

    @Test func checkReportsTheAccountAndTheRoom() async throws {
        let rig = try await MatrixRig()
        let findings = await rig.transport.check()
        #expect(findings.map(\.status) == [.ok, .ok])
        #expect(findings.first?.detail == "signed in as @coach:test, device DEV1")
        #expect(findings.last?.detail.contains(FakeHomeserver.room) == true)
    }

    @Test func checkRefusesAnEncryptedRoom() async throws {
        let rig = try await MatrixRig()
        await rig.home.setEncrypted()
        let findings = await rig.transport.check()
        #expect(findings.map(\.status) == [.ok, .ok, .problem])
        #expect(findings.last?.subject == "encryption")
        #expect(findings.last?.detail.contains("without encryption") == true)
    }

    @Test func checkNamesABadToken() async throws {
        let rig = try await MatrixRig(environment: ["MATRIX_ACCESS_TOKEN": "wrong"])
        let findings = await rig.transport.check()
        #expect(findings.count == 1)
        #expect(findings.first?.status == .problem)
        #expect(findings.first?.subject == "token")
        #expect(findings.first?.detail.contains("tokenEnv") == true)
    }

    @Test func checkSaysHowToInviteABotThatIsNotInTheRoom() async throws {
        let rig = try await MatrixRig()
        await rig.home.setJoined(false)
        var findings = await rig.transport.check()
        #expect(findings.last?.status == .problem)
        #expect(findings.last?.detail.contains("/invite @coach:test") == true)
        await rig.home.setJoined(false, invited: true)
        findings = await rig.transport.check()
        #expect(findings.last?.status == .warning)
        #expect(findings.last?.detail.contains("invited") == true)
    }

    // MARK: Through the engine

    @Test func aMembersHelpGetsTheBotsReplyAndCaughtResolvesThroughThePill() async throws {
        let rig = try await MatrixRig()
        let coach = try Fixtures.coach(capabilities: rig.transport.capabilities)
        let session = try CoachSession(coach: coach, directory: nil, logger: MatrixRig.logger)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func step() async throws {
            let request = await session.pollRequest(for: rig.transport.name, timeout: .zero)
            let batch = try await rig.transport.poll(request)
            try await session.receive(batch, transport: rig.transport.name, at: now)
            for message in await session.outbox {
                let id = try await rig.transport.send(message, key: await session.deliveryKey(for: message))
                try await session.markDelivered(message.id, platformID: id)
            }
        }
        try await step()
        await rig.home.member(Self.alice, "Alice")
        await rig.home.member(Self.bob, "Bob")
        await rig.home.say(Self.alice, "!help")
        try await step()
        let reply = try #require(await rig.home.botEvents.last)
        #expect(reply["content"]?["body"]?.string?.hasPrefix("Here's what I can do, Alice") == true)
        #expect(reply["content"]?["formatted_body"]?.string?.contains("<br>") == true)
        await rig.home.say(Self.bob, "hello all")
        await rig.home.say(Self.alice, "!caught Bob kept the queue moving", [
            "format": "org.matrix.custom.html",
            "formatted_body": "!caught <a href=\"https://matrix.to/#/@bob:test\">Bob</a> kept the queue moving",
        ])
        await rig.home.say(Self.bob, "!caught @alice for the calm handover")
        try await step()
        let examples = await session.state.examples.all
        #expect(examples.map(\.caughtIDs) == [[Self.bob], [Self.alice]])
        #expect(examples.map(\.text) == ["kept the queue moving", "the calm handover"])
        #expect(await rig.home.botEvents.count == 3)
    }
}

@Suite("Matrix HTML")
struct MatrixHTMLTests {
    @Test func templatesBecomeHTMLWithBreaksAndBlocksStayBlocks() {
        #expect(MatrixHTML.formatted("a\nb\n\nc") == "a<br>b<br><br>c")
        #expect(MatrixHTML.formatted("<b>Week 1</b>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\nend")
            == "<b>Week 1</b><ul><li>one</li><li>two</li></ul>end")
        #expect(MatrixHTML.formatted("<pre>x\n  y</pre>\nz") == "<pre>x\n  y</pre>z")
        #expect(MatrixHTML.formatted("<pre>x\n  y\n</pre>") == "<pre>x\n  y\n</pre>")
    }

    @Test func plainBodiesReadLikeTheHTML() {
        #expect(MatrixHTML.plain("a<br>b<br/><br />c") == "a\nb\n\nc")
        #expect(MatrixHTML.plain("Intro<ul><li>one</li><li>two &amp; three</li></ul>End") == "Intro\n- one\n- two & three\nEnd")
        #expect(MatrixHTML.plain("&lt;tag&gt; &quot;q&quot; &#39;s&#39; &#x1F600; &bogus; AT&T") == "<tag> \"q\" 's' 😀 &bogus; AT&T")
        #expect(MatrixHTML.plain("<a href=\"https://matrix.to/#/@sam:x\">Sam</a> 5 < 6") == "Sam 5 < 6")
    }

    @Test func replyFallbacksAndPillsAreReadAsTheSenderMeantThem() {
        let html = "<mx-reply><blockquote>In reply to <a href=\"https://matrix.to/#/@coach:x\">Coach</a></blockquote></mx-reply>thanks <a href='matrix:u/sam:x'>Sam</a>!"
        var seen: [String] = []
        let text = MatrixHTML.text(fromHTML: html) { user, label in
            seen.append("\(user)=\(label)")
            return "@" + user.dropFirst()
        }
        #expect(text == "thanks @sam:x!")
        #expect(seen == ["@sam:x=Sam"])
        #expect(MatrixReader.withoutReplyFallback("> <@a:x> hi\n> more\n\nmy answer") == "my answer")
        #expect(MatrixReader.withoutReplyFallback("no quote") == "no quote")
    }

    @Test func userIDsAreRecognised() {
        #expect(MatrixHTML.userID(fromLink: "https://matrix.to/#/%40sam%3Aexample.org?via=example.org") == "@sam:example.org")
        #expect(MatrixHTML.userID(fromLink: "https://matrix.to/#/!room:example.org") == nil)
        #expect(MatrixHTML.userID(fromLink: "https://example.org") == nil)
        #expect(MatrixIDs.isUserID("@sam:localhost:8008"))
        #expect(!MatrixIDs.isUserID("@sam"))
        #expect(MatrixIDs.localpart("@sam.jones:x") == "sam.jones")
    }
}
