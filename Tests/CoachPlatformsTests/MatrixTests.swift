import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// A homeserver in miniature: the team's room and the bot's private rooms, sync tokens `s<n>` (the position after n
/// events, across all rooms), `/messages` paging, transaction ids that replay their first answer, the bot's account
/// data, and failures a test queues for a path.
actor FakeHomeserver {
    static let room = "!room:test"
    static let bot = "@coach:test"
    static let token = "syt_good"

    /// Every room's events in the order they happened; each carries its `room_id`.
    var events: [JSONValue] = []
    var joined = true
    var invited = false
    var encrypted = false
    /// Event ids by room and transaction id.
    var transactions: [String: String] = [:]
    var displayNames: [String: String] = [FakeHomeserver.bot: "Coach"]
    /// Private rooms (any room but the team's): membership by user id.
    var directRooms: [String: [String: String]] = [:]
    /// The bot's account data by type (`m.direct`).
    var accountData: [String: JSONValue] = [:]
    /// Users whose profile is 404: the homeserver knows no such user.
    var unknownUsers: Set<String> = []
    /// The next createRoom makes its room but the answer is lost (a 504 instead of the room id).
    var losesNextCreateAnswer = false
    /// The media repository: uploads by `mxc://` URI, as they arrived.
    var media: [String: (filename: String?, contentType: String?, bytes: Data)] = [:]
    /// `m.upload.size`; a larger upload is refused with `M_TOO_LARGE`.
    var maxUploadBytes = 50_000_000
    var uploadsForbidden = false
    /// An older homeserver: no authenticated media (Matrix 1.11), only `/_matrix/media/v3/config`.
    var authenticatedMedia = true

    func set(maxUploadBytes: Int) { self.maxUploadBytes = maxUploadBytes }
    func set(uploadsForbidden: Bool) { self.uploadsForbidden = uploadsForbidden }
    func set(authenticatedMedia: Bool) { self.authenticatedMedia = authenticatedMedia }
    /// Queued answers: the first whose method and path fragment match is used once instead of the normal one.
    var overrides: [(method: String, path: String, reply: Reply)] = []
    /// A sync told to wait (`holdNextSync`) parks here until `releaseSync`.
    private var holdsNextSync = false
    private var parkedSync: CheckedContinuation<Void, Never>?
    private var syncWatcher: CheckedContinuation<Void, Never>?

    func fail(_ method: String, _ path: String, with reply: Reply, times: Int = 1) {
        for _ in 0..<times { overrides.append((method, path, reply)) }
    }

    func setEncrypted() { encrypted = true }

    func setJoined(_ value: Bool, invited: Bool = false) {
        joined = value
        self.invited = invited
    }

    func setAccountData(_ type: String, _ content: JSONValue) { accountData[type] = content }

    func loseNextCreateAnswer() { losesNextCreateAnswer = true }

    func forgetUser(_ user: String) { unknownUsers.insert(user) }

    /// The next sync waits, after it arrived and before it is answered, until `releaseSync()`.
    func holdNextSync() { holdsNextSync = true }

    /// Returns once the held sync has arrived and is waiting.
    func syncIsHeld() async {
        guard parkedSync == nil else { return }
        await withCheckedContinuation { syncWatcher = $0 }
    }

    func releaseSync() {
        parkedSync?.resume()
        parkedSync = nil
    }

    /// A member joins (with a display name), as a state event in the timeline.
    func member(_ user: String, _ name: String) {
        displayNames[user] = name
        append(["type": "m.room.member", "sender": .string(user), "state_key": .string(user),
            "content": ["membership": "join", "displayname": .string(name)]])
    }

    /// A person's message; `content` adds or replaces fields (formatting, relations, mentions).
    @discardableResult
    func say(_ user: String, _ body: String, _ content: [String: JSONValue] = [:], in room: String = FakeHomeserver.room) -> String {
        var fields: [String: JSONValue] = ["msgtype": "m.text", "body": .string(body)]
        fields.merge(content) { $1 }
        return append(["type": "m.room.message", "sender": .string(user), "content": .object(fields)], in: room)
    }

    @discardableResult
    func append(_ event: JSONValue, in room: String = FakeHomeserver.room) -> String {
        let id = "$ev\(events.count + 1)"
        guard case .object(var fields) = event else { return id }
        fields["event_id"] = .string(id)
        fields["room_id"] = .string(room)
        fields["origin_server_ts"] = .number(Double(1_800_000_000_000 + events.count))
        events.append(.object(fields))
        return id
    }

    /// The bot's messages in the team's room, in order.
    var botEvents: [JSONValue] { messages(in: Self.room).filter { $0["sender"]?.string == Self.bot } }

    /// A room's messages, in order.
    func messages(in room: String) -> [JSONValue] {
        events.filter { $0["room_id"]?.string == room && $0["type"]?.string == "m.room.message" }
    }

    /// A private room as an earlier run left it: `members` by membership, nothing said yet.
    func addDirectRoom(_ room: String, _ members: [String: String]) { directRooms[room] = members }

    /// A member's membership in a private room changes (`join` accepts the invite, `leave` leaves or rejects it).
    func setMembership(_ user: String, _ membership: String, in room: String) {
        directRooms[room, default: [:]][user] = membership
        var content: [String: JSONValue] = ["membership": .string(membership)]
        if membership == "join", let name = displayNames[user] { content["displayname"] = .string(name) }
        append(["type": "m.room.member", "sender": .string(user), "state_key": .string(user), "content": .object(content)], in: room)
    }

    static func position(_ token: String?) -> Int? {
        guard let token, token.hasPrefix("s") else { return nil }
        return Int(token.dropFirst())
    }

    func handle(_ request: Received) async -> Reply {
        let path = request.path.removingPercentEncoding ?? request.path
        if let index = overrides.firstIndex(where: { $0.method == request.method && path.contains($0.path) }) {
            return overrides.remove(at: index).reply
        }
        if let answer = mediaRepository(path, request) { return answer }
        let prefix = "/_matrix/client/v3/"
        guard path.hasPrefix(prefix) else { return Self.error(404, "M_UNRECOGNIZED", "unknown path") }
        let route = String(path.dropFirst(prefix.count))
        if route == "login" { return .json(["access_token": Self.token, "user_id": Self.bot, "device_id": "DEV1"]) }
        guard request.header("Authorization") == "Bearer \(Self.token)" else {
            return Self.error(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
        }
        let parts = route.split(separator: "/", maxSplits: 2).map(String.init)
        if parts.count == 3, parts[0] == "rooms" { return inRoom(parts[1], parts[2], request) }
        switch (request.method, route) {
        case ("GET", "account/whoami"):
            return .json(["user_id": Self.bot, "device_id": "DEV1"])
        case ("GET", "profile/\(Self.bot)/displayname"):
            return .json(["displayname": "Coach"])
        case ("GET", let route) where route.hasPrefix("profile/"):
            let user = String(route.dropFirst("profile/".count))
            if unknownUsers.contains(user) { return Self.error(404, "M_UNKNOWN", "No row found (profiles)") }
            return Self.json(["displayname": .string(displayNames[user] ?? MatrixIDs.localpart(user))])
        case ("GET", "joined_rooms"):
            let rooms = (joined ? [Self.room] : []) + directRooms.filter { $0.value[Self.bot] == "join" }.keys.sorted()
            return Self.json(["joined_rooms": .array(rooms.map(JSONValue.string))])
        case ("POST", "join/\(Self.room)"):
            guard joined || invited else { return Self.error(403, "M_FORBIDDEN", "You are not invited to this room.") }
            joined = true
            invited = false
            return .json(["room_id": Self.room])
        case ("GET", let route) where route.hasPrefix("user/\(Self.bot)/account_data/"):
            let type = String(route.dropFirst("user/\(Self.bot)/account_data/".count))
            return accountData[type].map { Self.json($0) } ?? Self.error(404, "M_NOT_FOUND", "Account data not found")
        case ("PUT", let route) where route.hasPrefix("user/\(Self.bot)/account_data/"):
            let type = String(route.dropFirst("user/\(Self.bot)/account_data/".count))
            accountData[type] = (try? JSONDecoder().decode(JSONValue.self, from: request.body)) ?? .null
            return .json([:])
        case ("POST", "createRoom"):
            return createRoom(request)
        case ("GET", "sync"):
            if holdsNextSync {
                holdsNextSync = false
                await withCheckedContinuation { continuation in
                    parkedSync = continuation
                    syncWatcher?.resume()
                    syncWatcher = nil
                }
            }
            return sync(request)
        default:
            return Self.error(404, "M_UNRECOGNIZED", "unknown path \(route)")
        }
    }

    /// The media endpoints beside the client API: upload, and the config in its authenticated and older places.
    func mediaRepository(_ path: String, _ request: Received) -> Reply? {
        let routes = ["/_matrix/media/v3/upload", "/_matrix/media/v3/config", "/_matrix/client/v1/media/config"]
        guard routes.contains(path) else { return nil }
        guard request.header("Authorization") == "Bearer \(Self.token)" else {
            return Self.error(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
        }
        switch (request.method, path) {
        case ("POST", "/_matrix/media/v3/upload"):
            if uploadsForbidden { return Self.error(403, "M_FORBIDDEN", "You are not permitted to upload media") }
            guard request.body.count <= maxUploadBytes else { return Self.error(413, "M_TOO_LARGE", "Upload request body is too large") }
            let uri = "mxc://test/m\(media.count + 1)"
            media[uri] = (request.query["filename"], request.header("Content-Type"), request.body)
            return .json(["content_uri": uri])
        case ("GET", "/_matrix/client/v1/media/config") where authenticatedMedia, ("GET", "/_matrix/media/v3/config"):
            return .json(["m.upload.size": maxUploadBytes])
        default:
            return Self.error(404, "M_UNRECOGNIZED", "Unrecognized request")
        }
    }

    /// Calls about one room: `rooms/<room>/<rest>`.
    func inRoom(_ room: String, _ rest: String, _ request: Received) -> Reply {
        let isTeam = room == Self.room
        let botIn = isTeam ? joined : directRooms[room]?[Self.bot] == "join"
        switch (request.method, rest) {
        case ("GET", "joined_members") where isTeam:
            guard joined else { return Self.error(403, "M_FORBIDDEN", "User not in room") }
            return .json(["joined": Dictionary(uniqueKeysWithValues: displayNames.map { ($0.key, ["display_name": $0.value]) })])
        case ("GET", let rest) where isTeam && rest.hasPrefix("state/m.room.member/"):
            // Members who joined (`member(_:_:)`) have a join event; anyone else has none at all.
            let user = String(rest.dropFirst("state/m.room.member/".count))
            guard let name = displayNames[user] else { return Self.error(404, "M_NOT_FOUND", "Event not found.") }
            return Self.json(["membership": "join", "displayname": .string(name)])
        case ("GET", "state/m.room.encryption") where isTeam:
            return encrypted ? .json(["algorithm": "m.megolm.v1.aes-sha2"]) : Self.error(404, "M_NOT_FOUND", "Event not found.")
        case ("GET", "members"):
            // As Synapse: a room the bot left still shows its members as they were when it left.
            guard let members = directRooms[room] else { return Self.error(403, "M_FORBIDDEN", "User not in room") }
            return Self.json(["chunk": .array(Self.memberEvents(members, in: room))])
        case ("POST", "leave"):
            guard directRooms[room] != nil else { return Self.error(403, "M_FORBIDDEN", "User not in room") }
            setMembership(Self.bot, "leave", in: room)
            return .json([:])
        case ("GET", "messages"):
            return messages(request, in: room)
        case ("PUT", let rest) where rest.hasPrefix("send/m.room.message/"):
            guard botIn else { return Self.error(403, "M_FORBIDDEN", "User \(Self.bot) not in room \(room)") }
            let txn = String(rest.dropFirst("send/m.room.message/".count))
            if let known = transactions[room + "|" + txn] { return Self.json(["event_id": .string(known)]) }
            let content = (try? JSONDecoder().decode(JSONValue.self, from: request.body)) ?? .null
            let id = append(["type": "m.room.message", "sender": .string(Self.bot), "content": content,
                "unsigned": ["transaction_id": .string(txn)]], in: room)
            transactions[room + "|" + txn] = id
            return Self.json(["event_id": .string(id)])
        default:
            return Self.error(404, "M_UNRECOGNIZED", "unknown path rooms/\(room)/\(rest)")
        }
    }

    /// A new private room: the bot joined, the invited invited (marked direct as the request asks).
    func createRoom(_ request: Received) -> Reply {
        let body = (try? JSONDecoder().decode(JSONValue.self, from: request.body)) ?? .null
        let room = "!dm\(directRooms.count + 1):test"
        directRooms[room] = [Self.bot: "join"]
        append(["type": "m.room.member", "sender": .string(Self.bot), "state_key": .string(Self.bot),
            "content": ["membership": "join", "displayname": "Coach"]], in: room)
        for user in body["invite"]?.elements.compactMap(\.string) ?? [] {
            directRooms[room]?[user] = "invite"
            var content: [String: JSONValue] = ["membership": "invite"]
            if let direct = body["is_direct"] { content["is_direct"] = direct }
            append(["type": "m.room.member", "sender": .string(Self.bot), "state_key": .string(user), "content": .object(content)], in: room)
        }
        if losesNextCreateAnswer {
            losesNextCreateAnswer = false
            return .text("upstream timeout", status: 504)
        }
        return Self.json(["room_id": .string(room)])
    }

    static func memberEvents(_ members: [String: String], in room: String) -> [JSONValue] {
        members.sorted { $0.key < $1.key }.map { user, membership in
            ["type": "m.room.member", "room_id": .string(room), "sender": .string(user), "state_key": .string(user),
                "content": ["membership": .string(membership)]]
        }
    }

    func sync(_ request: Received) -> Reply {
        let filter = request.query["filter"].flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        let limit = Int(filter?["room"]?["timeline"]?["limit"]?.double ?? 10)
        let named = filter?["room"]?["rooms"].map { Set($0.elements.compactMap(\.string)) }
        let since = min(Self.position(request.query["since"]) ?? 0, events.count)
        /// One room's part of the answer: its events after `since` (the last `limit`), and its state.
        func section(_ room: String, state: [JSONValue]) -> JSONValue {
            let fresh = (since..<events.count).filter { events[$0]["room_id"]?.string == room }
            let shown = fresh.suffix(limit)
            return [
                "timeline": ["events": .array(shown.map { events[$0] }), "limited": .bool(fresh.count > limit),
                    "prev_batch": .string("s\(shown.first ?? events.count)")],
                "state": ["events": .array(state)],
            ]
        }
        var join: [String: JSONValue] = [:]
        var leave: [String: JSONValue] = [:]
        var invite: [String: JSONValue] = [:]
        if named?.contains(Self.room) ?? true {
            if joined {
                let members = displayNames.map { user, name -> JSONValue in
                    ["type": "m.room.member", "sender": .string(user), "state_key": .string(user),
                        "content": ["membership": "join", "displayname": .string(name)]]
                }
                join[Self.room] = section(Self.room, state: members)
            } else if invited {
                invite[Self.room] = ["invite_state": ["events": []]]
            }
        }
        for (room, members) in directRooms where named?.contains(room) ?? true {
            if members[Self.bot] == "join" {
                join[room] = section(room, state: Self.memberEvents(members, in: room))
            } else if events[since...].contains(where: { $0["room_id"]?.string == room }) {
                leave[room] = section(room, state: [])
            }
        }
        var rooms: [String: JSONValue] = [:]
        if !join.isEmpty { rooms["join"] = .object(join) }
        if !leave.isEmpty { rooms["leave"] = .object(leave) }
        if !invite.isEmpty { rooms["invite"] = .object(invite) }
        return Self.json(["next_batch": .string("s\(events.count)"), "rooms": .object(rooms)])
    }

    func messages(_ request: Received, in room: String) -> Reply {
        guard request.query["dir"] == "b", let from = Self.position(request.query["from"]) else {
            return Self.error(400, "M_INVALID_PARAM", "bad pagination")
        }
        let to = Self.position(request.query["to"]) ?? 0
        let limit = Int(request.query["limit"] ?? "10") ?? 10
        var chunk: [JSONValue] = []
        var index = min(from, events.count)
        while index > to, chunk.count < limit {
            index -= 1
            if events[index]["room_id"]?.string == room { chunk.append(events[index]) }
        }
        guard !chunk.isEmpty else { return Self.json(["chunk": [], "start": .string("s\(from)")]) }
        return Self.json(["chunk": .array(chunk), "start": .string("s\(from)"), "end": .string("s\(index)")])
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
    let settings: PlatformSettings
    let web: any WebClient

    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    init(settings: [String: String] = [:], environment: [String: String] = ["MATRIX_ACCESS_TOKEN": FakeHomeserver.token],
        web: any WebClient = HTTPWebClient()) async throws
    {
        let home = self.home
        server = try await FakeServer { request in await home.handle(request) }
        var values = ["baseURL": server.baseURL.absoluteString, "room": FakeHomeserver.room]
        values.merge(settings) { $1 }
        self.settings = PlatformSettings(kind: "matrix", values: values, environment: environment)
        self.web = web
        transport = try MatrixTransport(settings: self.settings, context: PlatformContext(web: web, logger: Self.logger, botName: "coach"))
    }

    /// A new transport on the same homeserver: the bot after a restart, with nothing in memory.
    func restarted() throws -> MatrixTransport {
        try MatrixTransport(settings: settings, context: PlatformContext(web: web, logger: Self.logger, botName: "coach"))
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

    /// The bot's posts, in any room.
    func sends() -> [Received] { server.requests.filter { $0.method == "PUT" && $0.path.contains("/send/") } }

    func roomCreations() -> [Received] { requests(to: "/_matrix/client/v3/createRoom") }

    /// The bot's writes of its `m.direct` account data.
    func directWrites() -> [Received] {
        requests(to: "/_matrix/client/v3/user/\(FakeHomeserver.bot)/account_data/m.direct").filter { $0.method == "PUT" }
    }

}

func outbound(_ text: String, to destination: OutboundMessage.Destination = .channel, id: String = "o1") -> OutboundMessage {
    OutboundMessage(id: id, destination: destination, kind: .reply, text: text, createdAt: Date(timeIntervalSince1970: 1_800_000_000))
}

@Suite("Matrix adapter", .stopsServers)
struct MatrixTests: AdapterTestSuite {
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

    // MARK: Private messages

    /// The first private room the fake homeserver makes.
    static let aliceRoom = "!dm1:test"

    static func body(_ event: JSONValue) -> String? { event["content"]?["body"]?.string }

    @Test func privateMessagesAreOffered() async throws {
        let rig = try await MatrixRig()
        #expect(rig.transport.capabilities == TransportCapabilities(directMessages: true, threads: true, markup: .html, files: true))
    }

    @Test func aFirstPrivateMessageCreatesADirectRoomAndRecordsItInMDirectKeepingOtherEntries() async throws {
        let rig = try await MatrixRig()
        await rig.home.setAccountData("m.direct", ["@carol:elsewhere": ["!old:elsewhere"], "@bob:test": ["!bobs:test"]])
        let id = try await rig.transport.send(outbound("Any example yet this week?", to: .direct(userID: Self.alice)), key: "inst-o3")
        let creations = rig.roomCreations()
        #expect(creations.count == 1)
        let creation = try #require(creations.first).json
        #expect(creation["is_direct"] as? Bool == true)
        #expect(creation["invite"] as? [String] == [Self.alice])
        #expect(creation["preset"] as? String == "trusted_private_chat")
        #expect(await rig.home.accountData["m.direct"]
            == ["@carol:elsewhere": ["!old:elsewhere"], "@bob:test": ["!bobs:test"], "@alice:test": [.string(Self.aliceRoom)]])
        // Recorded before the post: a restart between the two still knows the room.
        let calls = rig.server.requests.map { "\($0.method) \($0.path.removingPercentEncoding ?? $0.path)" }
        let created = try #require(calls.firstIndex { $0.hasSuffix("/createRoom") })
        let recorded = try #require(calls.firstIndex { $0.hasPrefix("PUT") && $0.hasSuffix("/m.direct") })
        let posted = try #require(calls.firstIndex { $0.contains("/send/") })
        #expect(created < recorded && recorded < posted)
        let sent = try #require(rig.sends().first)
        #expect(sent.path.removingPercentEncoding == "/_matrix/client/v3/rooms/\(Self.aliceRoom)/send/m.room.message/inst-o3")
        #expect(sent.json["body"] as? String == "Any example yet this week?")
        #expect((sent.json["m.mentions"] as? [String: Any])?.isEmpty == true)
        let posts = await rig.home.messages(in: Self.aliceRoom)
        #expect(posts.count == 1)
        #expect(id == posts.first?["event_id"]?.string)
        #expect(await rig.home.botEvents.isEmpty)
    }

    @Test func aSecondPrivateMessageReusesTheRoomInTheRunAndAfterARestart() async throws {
        let rig = try await MatrixRig()
        _ = try await rig.transport.send(outbound("first", to: .direct(userID: Self.alice)), key: "k1")
        _ = try await rig.transport.send(outbound("second", to: .direct(userID: Self.alice)), key: "k2")
        #expect(rig.roomCreations().count == 1)
        // After a restart the room comes from m.direct. Alice has not accepted the invite yet: still her room.
        let restarted = try rig.restarted()
        _ = try await restarted.send(outbound("third", to: .direct(userID: Self.alice)), key: "k3")
        #expect(rig.roomCreations().count == 1)
        #expect(rig.directWrites().count == 1)
        #expect(rig.requests(to: "/_matrix/client/v3/rooms/\(Self.aliceRoom)/members").count == 1)
        #expect(await rig.home.messages(in: Self.aliceRoom).map(Self.body) == ["first", "second", "third"])
    }

    @Test func aListedRoomTheMemberLeftIsNotReusedAndTheBotLeavesIt() async throws {
        let rig = try await MatrixRig()
        await rig.home.addDirectRoom("!gone:test", [FakeHomeserver.bot: "join", Self.alice: "leave"])
        await rig.home.addDirectRoom("!removed:test", [FakeHomeserver.bot: "leave", Self.alice: "join"])
        await rig.home.setAccountData("m.direct", ["@alice:test": ["!gone:test", "!removed:test"]])
        _ = try await rig.transport.send(outbound("nudge", to: .direct(userID: Self.alice)), key: "k1")
        #expect(rig.roomCreations().count == 1)
        let fresh = "!dm3:test"
        #expect(await rig.home.messages(in: fresh).map(Self.body) == ["nudge"])
        #expect(await rig.home.accountData["m.direct"] == ["@alice:test": ["!gone:test", "!removed:test", .string(fresh)]])
        #expect(await rig.home.directRooms["!gone:test"]?[FakeHomeserver.bot] == "leave")
        // Only the team's room and the new one are read.
        _ = try await rig.start()
        let filter = try #require(rig.syncs().last?.query["filter"])
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(filter.utf8))["room"]?["rooms"]
            == [.string(FakeHomeserver.room), .string(fresh)])
    }

    @Test func aMemberWhoLeavesTheirRoomGetsANewOneWithTheNextMessage() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        _ = try await rig.transport.send(outbound("first", to: .direct(userID: Self.alice)), key: "k1")
        await rig.home.setMembership(Self.alice, "leave", in: Self.aliceRoom)
        _ = try await rig.poll(cursor)
        _ = try await rig.transport.send(outbound("second", to: .direct(userID: Self.alice)), key: "k2")
        #expect(rig.roomCreations().count == 2)
        #expect(await rig.home.messages(in: "!dm2:test").map(Self.body) == ["second"])
    }

    @Test func anAnswerInThePrivateRoomIsReadAsDirect() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        let nudge = try await rig.transport.send(outbound("Any example this week?", to: .direct(userID: Self.alice)), key: "k1")
        await rig.home.setMembership(Self.alice, "join", in: Self.aliceRoom)
        await rig.home.say(Self.alice, "example I called a customer back", in: Self.aliceRoom)
        await rig.home.say(Self.bob, "in the room")
        let batch = try await rig.poll(cursor)
        let filter = try #require(rig.syncs().last?.query["filter"])
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(filter.utf8))["room"]?["rooms"]
            == [.string(FakeHomeserver.room), .string(Self.aliceRoom)])
        #expect(batch.messages.map(\.text) == ["in the room", "Any example this week?", "example I called a customer back"])
        #expect(batch.messages.map(\.isDirect) == [false, true, true])
        #expect(batch.messages.map(\.fromBot) == [false, true, false])
        #expect(batch.messages[1].id == nudge)
        #expect(batch.messages[2].senderID == Self.alice)
        #expect(batch.cursor == "s\(await rig.home.events.count)")
    }

    @Test func afterARestartTheCursorStillReadsThePrivateRoom() async throws {
        let rig = try await MatrixRig()
        let start = try await rig.start()
        _ = try await rig.transport.send(outbound("nudge", to: .direct(userID: Self.alice)), key: "k1")
        let cursor = try #require(try await rig.poll(start).cursor)
        await rig.home.setMembership(Self.alice, "join", in: Self.aliceRoom)
        await rig.home.say(Self.alice, "!status", in: Self.aliceRoom)
        let restarted = try rig.restarted()
        let batch = try await restarted.poll(PollRequest(cursor: cursor, timeout: .zero))
        #expect(batch.messages.map(\.text) == ["!status"])
        #expect(batch.messages.first?.isDirect == true)
        // The answer goes to the room she wrote in, without another look at its members.
        _ = try await restarted.send(outbound("Week 1 of 8", to: .direct(userID: Self.alice)), key: "k2")
        #expect(rig.roomCreations().count == 1)
        #expect(rig.requests(to: "/_matrix/client/v3/rooms/\(Self.aliceRoom)/members").isEmpty)
        #expect(await rig.home.messages(in: Self.aliceRoom).filter { $0["sender"]?.string == FakeHomeserver.bot }.map(Self.body)
            == ["nudge", "Week 1 of 8"])
    }

    @Test func aSyncUnderWayWhenAPrivateRoomIsMadeIsReadAgainWithTheRoom() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        await rig.home.holdNextSync()
        let transport = rig.transport
        let held = Task { try await transport.poll(PollRequest(cursor: cursor, timeout: .zero)) }
        await rig.home.syncIsHeld()
        // While the sync waits, a nudge makes Alice's room, and she answers before the sync is answered.
        _ = try await rig.transport.send(outbound("nudge", to: .direct(userID: Self.alice)), key: "k1")
        await rig.home.setMembership(Self.alice, "join", in: Self.aliceRoom)
        await rig.home.say(Self.alice, "my answer", in: Self.aliceRoom)
        await rig.home.say(Self.bob, "in the room")
        await rig.home.releaseSync()
        let first = try await held.value
        #expect(first.messages.isEmpty)
        #expect(first.cursor == cursor)
        let second = try await rig.poll(first.cursor)
        #expect(second.messages.filter { !$0.fromBot }.map(\.text) == ["in the room", "my answer"])
    }

    @Test func aRefusedRoomCreationRejectsOnlyThatMessage() async throws {
        let rig = try await MatrixRig()
        let cursor = try await rig.start()
        await rig.home.fail("POST", "createRoom", with: FakeHomeserver.error(403, "M_FORBIDDEN", "You are not allowed to create rooms"))
        let error = await Self.error { _ = try await rig.transport.send(outbound("nudge", to: .direct(userID: Self.alice)), key: "k1") }
        guard case .rejected(let reason)? = error else { Issue.record("expected rejected, got \(String(describing: error))"); return }
        #expect(reason.contains("M_FORBIDDEN"))
        #expect(rig.directWrites().isEmpty)
        #expect(rig.sends().isEmpty)
        // The bot goes on: the team's room, the sync, and the next private message, which tries again.
        _ = try await rig.transport.send(outbound("hello team"), key: "k2")
        _ = try await rig.poll(cursor)
        _ = try await rig.transport.send(outbound("nudge", to: .direct(userID: Self.alice)), key: "k3")
        #expect(rig.roomCreations().count == 2)
        #expect(await rig.home.messages(in: Self.aliceRoom).map(Self.body) == ["nudge"])
    }

    @Test func aPrivateMessageToSomeoneWhoIsNotAUserIsRejected() async throws {
        let rig = try await MatrixRig()
        await rig.home.forgetUser("@ghost:test")
        for user in ["@ghost:test", "sam", FakeHomeserver.bot] {
            let error = await Self.error { _ = try await rig.transport.send(outbound("nudge", to: .direct(userID: user)), key: "k-\(user)") }
            guard case .rejected(let reason)? = error else { Issue.record("expected rejected, got \(String(describing: error))"); continue }
            #expect(reason.contains(user))
        }
        #expect(rig.roomCreations().isEmpty)
    }

    @Test func rateLimitsAndOutagesWhileOpeningARoomWaitAndRetry() async throws {
        let rig = try await MatrixRig()
        let message = outbound("nudge", to: .direct(userID: Self.alice))
        await rig.home.fail("GET", "account_data/m.direct", with: .text("Bad Gateway", status: 502))
        await rig.home.fail("POST", "createRoom", with: FakeHomeserver.error(429, "M_LIMIT_EXCEEDED", "Too many", extra: ["retry_after_ms": 2000]))
        await rig.home.fail("POST", "createRoom", with: .text("Service Unavailable", status: 503))
        guard case .temporary? = await Self.error({ _ = try await rig.transport.send(message, key: "k1") }) else {
            Issue.record("an unreadable m.direct is an outage"); return
        }
        #expect(await Self.error { _ = try await rig.transport.send(message, key: "k1") } == .rateLimited(retryAfter: .milliseconds(2000)))
        guard case .temporary? = await Self.error({ _ = try await rig.transport.send(message, key: "k1") }) else {
            Issue.record("a 503 is an outage"); return
        }
        _ = try await rig.transport.send(message, key: "k1")
        #expect(await rig.home.directRooms.count == 1)
        #expect(await rig.home.messages(in: Self.aliceRoom).map(Self.body) == ["nudge"])
    }

    @Test func aRoomCreationWhoseAnswerWasLostIsFoundNotMadeTwice() async throws {
        let rig = try await MatrixRig()
        let message = outbound("nudge", to: .direct(userID: Self.alice))
        await rig.home.loseNextCreateAnswer()
        guard case .temporary? = await Self.error({ _ = try await rig.transport.send(message, key: "k1") }) else {
            Issue.record("a lost answer is temporary"); return
        }
        _ = try await rig.transport.send(message, key: "k1")
        #expect(rig.roomCreations().count == 1)
        #expect(await rig.home.directRooms.count == 1)
        #expect(await rig.home.accountData["m.direct"] == ["@alice:test": [.string(Self.aliceRoom)]])
        #expect(await rig.home.messages(in: Self.aliceRoom).map(Self.body) == ["nudge"])
    }

    @Test func aFailedMDirectWriteIsRetriedInTheSameRoom() async throws {
        let rig = try await MatrixRig()
        let message = outbound("nudge", to: .direct(userID: Self.alice))
        await rig.home.fail("PUT", "account_data/m.direct", with: .text("Bad Gateway", status: 502))
        guard case .temporary? = await Self.error({ _ = try await rig.transport.send(message, key: "k1") }) else {
            Issue.record("a failed write is temporary"); return
        }
        #expect(rig.sends().isEmpty)
        _ = try await rig.transport.send(message, key: "k1")
        #expect(rig.roomCreations().count == 1)
        #expect(rig.directWrites().count == 2)
        #expect(await rig.home.accountData["m.direct"] == ["@alice:test": [.string(Self.aliceRoom)]])
        #expect(await rig.home.messages(in: Self.aliceRoom).map(Self.body) == ["nudge"])
    }

    @Test func aPostRefusedInThePrivateRoomDropsThatMessageAndTheNextLooksAgain() async throws {
        let rig = try await MatrixRig()
        _ = try await rig.transport.send(outbound("first", to: .direct(userID: Self.alice)), key: "k1")
        // The bot was removed from the room, and this run has not synced since.
        await rig.home.setMembership(FakeHomeserver.bot, "leave", in: Self.aliceRoom)
        let error = await Self.error { _ = try await rig.transport.send(outbound("second", to: .direct(userID: Self.alice)), key: "k2") }
        guard case .rejected? = error else { Issue.record("expected rejected, got \(String(describing: error))"); return }
        _ = try await rig.transport.send(outbound("third", to: .direct(userID: Self.alice)), key: "k3")
        #expect(rig.roomCreations().count == 2)
        #expect(await rig.home.messages(in: "!dm2:test").map(Self.body) == ["third"])
    }

    @Test func checkSaysWhetherTheBotCanKeepItsPrivateRooms() async throws {
        let rig = try await MatrixRig()
        var findings = await rig.transport.check()
        #expect(findings.map(\.status) == [.ok, .ok, .ok])
        #expect(findings[1].detail.hasSuffix("; private nudges go to a direct room per member") == true)
        await rig.home.fail("GET", "account_data/m.direct", with: FakeHomeserver.error(403, "M_FORBIDDEN", "Cannot get account data"))
        findings = await rig.transport.check()
        #expect(findings.map(\.status) == [.ok, .ok, .warning, .ok])
        #expect(findings[1].detail.contains("private") == false)
        #expect(findings[2].subject == "private messages")
        #expect(findings[2].detail.contains("M_FORBIDDEN") == true)
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
        let context = PlatformContext(web: HTTPWebClient(), logger: MatrixRig.logger, botName: "coach")
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
            context: PlatformContext(web: HTTPWebClient(), logger: MatrixRig.logger, botName: config.team.botName))
        #expect(transport.name == "matrix")
        #expect(config.admins.allSatisfy { config.members.map(\.id).contains($0) && MatrixIDs.isUserID($0) })
    }

    @Test func checkReportsTheAccountAndTheRoom() async throws {
        let rig = try await MatrixRig()
        let findings = await rig.transport.check()
        #expect(findings.map(\.status) == [.ok, .ok, .ok])
        #expect(findings.first?.detail == "signed in as @coach:test, device DEV1")
        #expect(findings[1].detail.contains(FakeHomeserver.room) == true)
        #expect(findings.last?.subject == "files")
        #expect(findings.last?.detail.contains("uploads up to 50 MB") == true)
    }

    // MARK: Files

    @Test func theReportFileIsUploadedAndPostedAsAnMFileEventInTheMembersDirectRoom() async throws {
        let rig = try await MatrixRig()
        let message = outbound("Here is <b>Corner Bakery</b>'s report, @room", to: .direct(userID: Self.alice))
        let delivery = try await rig.transport.send(message, file: Self.reportFile, key: "k-o1")
        let (uri, stored) = try #require(await rig.home.media.first)
        #expect(stored.filename == Self.reportFile.filename)
        #expect(stored.contentType == "text/html; charset=utf-8")
        #expect(stored.bytes == Self.reportFile.bytes)
        let room = try #require(await rig.home.directRooms.first { $0.value[Self.alice] == "invite" }?.key)
        let event = try #require(await rig.home.messages(in: room).last)
        #expect(delivery == .sent(platformID: event["event_id"]?.string))
        let content = try #require(event["content"])
        #expect(content["msgtype"]?.string == "m.file")
        #expect(content["url"]?.string == uri)
        #expect(content["filename"]?.string == Self.reportFile.filename)
        #expect(content["info"]?["mimetype"]?.string == "text/html")
        #expect(content["info"]?["size"]?.double == Double(Self.reportFile.bytes.count))
        #expect(content["formatted_body"]?.string?.contains("<b>Corner Bakery</b>") == true)
        #expect(content["body"]?.string?.contains("@room") == false, "the caption's @room is broken")
        #expect(content["m.mentions"] == .object([:]))
        #expect(rig.sends().last?.path.removingPercentEncoding?.hasSuffix("/send/m.room.message/k-o1") == true)
        #expect(await rig.home.botEvents.isEmpty)

        // The same key again, as after a restart: the homeserver answers with the event already made.
        #expect(try await rig.restarted().send(message, file: Self.reportFile, key: "k-o1") == delivery)
        #expect(await rig.home.messages(in: room).count == 1)
    }

    @Test func aForbiddenOrTooLargeUploadIsARefusalAndCheckSaysSo() async throws {
        let rig = try await MatrixRig()
        let message = outbound("caption", to: .direct(userID: Self.alice))
        await rig.home.set(uploadsForbidden: true)
        let forbidden = try await rig.transport.send(message, file: Self.reportFile, key: "k-o1")
        #expect(forbidden.refusal?.problem == .notAllowed)
        #expect(forbidden.refusal?.reason.contains("M_FORBIDDEN") == true)
        await rig.home.set(uploadsForbidden: false)
        await rig.home.set(maxUploadBytes: 10)
        #expect(try await rig.transport.send(message, file: Self.reportFile, key: "k-o2").refusal?.problem == .tooLarge)
        #expect(await rig.home.media.isEmpty)
        #expect(await rig.transport.check().last?.detail.contains("uploads up to 10 bytes") == true)

        await rig.home.set(authenticatedMedia: false)
        await rig.home.set(maxUploadBytes: 2_500_000)
        let older = try #require(await rig.transport.check().last)
        #expect(older.subject == "files" && older.status == .ok && older.detail.contains("up to 2.5 MB"))
    }

    @Test func checkRefusesAnEncryptedRoom() async throws {
        let rig = try await MatrixRig()
        await rig.home.setEncrypted()
        let findings = await rig.transport.check()
        #expect(findings.map(\.status) == [.ok, .ok, .problem, .ok])
        #expect(findings[2].subject == "encryption")
        #expect(findings[2].detail.contains("without encryption") == true)
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
        var channel = try #require(findings.first { $0.subject == "channel" })
        #expect(channel.status == .problem)
        #expect(channel.detail.contains("/invite @coach:test") == true)
        await rig.home.setJoined(false, invited: true)
        findings = await rig.transport.check()
        channel = try #require(findings.first { $0.subject == "channel" })
        #expect(channel.status == .warning)
        #expect(channel.detail.contains("invited") == true)
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

    @Test func aPillOfSomeoneOutsideTheRoomOrOfTheBotIsNotCredited() async throws {
        let rig = try await MatrixRig()
        let session = try Self.session(for: rig.transport)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func step() async throws { try await Self.step(session, rig.transport, at: now, tick: false, timeout: .zero) }
        try await step()
        await rig.home.member(Self.alice, "Alice")
        await rig.home.member(Self.bob, "Bob")
        func pill(_ user: String, _ label: String, _ rest: String) -> [String: JSONValue] {
            ["format": "org.matrix.custom.html", "formatted_body": .string("!caught <a href=\"https://matrix.to/#/\(user)\">\(label)</a> \(rest)")]
        }
        await rig.home.say(Self.alice, "!caught Eve for the till", pill("@eve:elsewhere.org", "Eve", "for the till"))
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        #expect(await rig.home.botEvents.last?["content"]?["body"]?.string?.contains("I can't credit @Eve") == true)

        await rig.home.say(Self.alice, "!caught Coach for the reminders", pill(FakeHomeserver.bot, "Coach", "for the reminders"))
        try await step()
        #expect(await session.state.examples.all.isEmpty)
        #expect(await rig.home.botEvents.last?["content"]?["body"]?.string?.contains("is me, the bot") == true)

        // Bob joined the room but never wrote: credited.
        await rig.home.say(Self.alice, "!caught Bob for the handover", pill(Self.bob, "Bob", "for the handover"))
        try await step()
        #expect(await session.state.examples.all.last?.caughtIDs == [Self.bob])
    }

    @Test func aMembersAnswerInThePrivateRoomGetsAPrivateReply() async throws {
        let rig = try await MatrixRig()
        let session = try Self.session(for: rig.transport)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await Self.step(session, rig.transport, at: now, tick: false, timeout: .zero)
        _ = try await rig.transport.send(outbound("Any example yet this week?", to: .direct(userID: Self.alice)), key: "nudge")
        await rig.home.member(Self.alice, "Alice")
        await rig.home.setMembership(Self.alice, "join", in: Self.aliceRoom)
        // No `!` needed in a private room.
        await rig.home.say(Self.alice, "help", in: Self.aliceRoom)
        try await Self.step(session, rig.transport, at: now, tick: false, timeout: .zero)
        let posts = await rig.home.messages(in: Self.aliceRoom).filter { $0["sender"]?.string == FakeHomeserver.bot }
        #expect(posts.count == 2)
        #expect(posts.last.flatMap(Self.body)?.hasPrefix("Here's what I can do, Alice") == true)
        #expect(await rig.home.botEvents.isEmpty)
        #expect(rig.roomCreations().count == 1)
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
