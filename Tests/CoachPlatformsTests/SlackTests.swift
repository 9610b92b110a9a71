import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// A Slack workspace as the Web API shows it: one channel the bot is in, its history (paged newest first, as Slack
/// documents), thread replies (oldest first, parent included), members, and everything the bot posted.
actor FakeSlackWorkspace {
    struct Message {
        var ts: String
        var user: String?
        var botID: String?
        var text: String
        var subtype: String?
        var threadTS: String?

        var json: [String: Any] {
            var object: [String: Any] = ["type": "message", "ts": ts, "text": text]
            if let user { object["user"] = user }
            if let botID { object["bot_id"] = botID }
            if let subtype { object["subtype"] = subtype }
            if let threadTS { object["thread_ts"] = threadTS }
            return object
        }
    }

    struct Posted: Equatable {
        var channel: String
        var text: String
        var threadTS: String?
        /// The body's keys: the bot must never ask Slack to parse names into pings (`link_names`).
        var keys: [String]
    }

    static let token = "xoxb-test-token"
    var history: [Message] = []
    var replies: [String: [Message]] = [:]
    var users: [String: (name: String, display: String, real: String)] = [
        "U1": ("alex.k", "Alex", "Alex Kim"), "U2": ("sam", "Sam", "Sam Lee"), "U3": ("jo.b", "", "Jo Brown"),
    ]
    var scopes: String? = "chat:write,channels:history,channels:read,users:read,im:write,files:write"
    /// Who is in channel C1 (`conversations.members`); other users are in the workspace only.
    var channelMembers = ["UBOT", "U1", "U2", "U3"]
    var membersScopeMissing = false
    /// Canned answers for a method, used before the normal behaviour (errors, malformed bodies, delays).
    var scripted: [String: [Reply]] = [:]
    var posted: [Posted] = []
    var opened: [String] = []
    var botInChannel = true
    var usersInfoScopeMissing = false

    /// A file shared by `files.completeUploadExternal`: where, with which message, and what Slack received.
    struct SharedFile {
        var channel: String
        var comment: String?
        var threadTS: String?
        var title: String?
        var filename: String
        var contentType: String?
        var bytes: Data
    }

    /// Where the fake is served, for the upload URLs it hands out.
    var baseURL = URL(string: "http://127.0.0.1")!
    /// Upload URLs handed out, by file id: the name and length the bot announced.
    var announced: [String: (filename: String, length: Int)] = [:]
    /// Bytes posted to an upload URL, by file id, and whether that request carried the bot's token (it must not).
    var uploaded: [String: (part: FormPart, carriedToken: Bool)] = [:]
    var sharedFiles: [SharedFile] = []
    private var fileCounter = 0
    private var clock = 1_700_000_000

    func nextTS() -> String {
        clock += 1
        return "\(clock).000200"
    }

    /// A member writes in the channel (or in a thread); returns the message's ts.
    @discardableResult
    func say(_ user: String?, _ text: String, subtype: String? = nil, thread: String? = nil, botID: String? = nil) -> String {
        let ts = nextTS()
        let message = Message(ts: ts, user: user, botID: botID, text: text, subtype: subtype, threadTS: thread)
        if let thread {
            replies[thread, default: []].append(message)
            // A reply "also sent to the channel" shows in the history too.
            if subtype == "thread_broadcast" { history.append(message) }
        } else {
            history.append(message)
        }
        return ts
    }

    func script(_ method: String, _ replies: Reply...) {
        scripted[method, default: []] += replies
    }

    func set(scopes: String?) { self.scopes = scopes }
    func set(botInChannel: Bool) { self.botInChannel = botInChannel }
    func set(usersInfoScopeMissing: Bool) { self.usersInfoScopeMissing = usersInfoScopeMissing }
    func set(membersScopeMissing: Bool) { self.membersScopeMissing = membersScopeMissing }

    /// Someone in the workspace, and in the channel only if `inChannel`.
    func addUser(_ id: String, name: String, real: String, inChannel: Bool) {
        users[id] = (name, "", real)
        if inChannel { channelMembers.append(id) }
    }

    func set(baseURL: URL) { self.baseURL = baseURL }

    func handle(_ request: Received) -> Reply {
        if request.path.hasPrefix("/upload/") { return receiveUpload(request) }
        let method = String(request.path.dropFirst("/api/".count))
        if var queue = scripted[method], !queue.isEmpty {
            let reply = queue.removeFirst()
            scripted[method] = queue
            return reply
        }
        guard request.header("Authorization") == "Bearer \(Self.token)" else { return Self.refused("invalid_auth") }
        let q = request.query
        switch method {
        case "auth.test":
            var headers: [String: String] = [:]
            if let scopes { headers["X-OAuth-Scopes"] = scopes }
            return .json(["ok": true, "user_id": "UBOT", "user": "coachbot", "bot_id": "BBOT", "team": "Corner Bakery"], headers: headers)
        case "conversations.history":
            if let refusal = channelRefusal(q["channel"]) { return refusal }
            let window = history.filter { inWindow($0.ts, q) }.sorted { Self.less($1.ts, $0.ts) }
            return page(window, q)
        case "conversations.replies":
            if let refusal = channelRefusal(q["channel"]) { return refusal }
            guard let root = q["ts"], let parent = history.first(where: { $0.ts == root }) else { return Self.refused("thread_not_found") }
            let window = (replies[root] ?? []).filter { inWindow($0.ts, q) }
            // Slack includes the parent with every replies page set.
            var parentJSON = parent.json
            parentJSON["thread_ts"] = root
            return page(window, q, prefix: q["cursor"] == nil ? [parentJSON] : [])
        case "users.info":
            if usersInfoScopeMissing { return .json(["ok": false, "error": "missing_scope", "needed": "users:read", "provided": "chat:write"]) }
            guard let id = q["user"], let user = users[id] else { return Self.refused("user_not_found") }
            return .json(["ok": true, "user": ["id": id, "name": user.name, "real_name": user.real,
                "profile": ["display_name": user.display, "real_name": user.real]]])
        case "conversations.members":
            if membersScopeMissing { return .json(["ok": false, "error": "missing_scope", "needed": "channels:read", "provided": "chat:write"]) }
            if let refusal = channelRefusal(q["channel"]) { return refusal }
            // Pages of two, so a member on a later page is found only by following `next_cursor`.
            let offset = q["cursor"].flatMap { Int($0.dropFirst("members:".count)) } ?? 0
            let page = Array(channelMembers.dropFirst(offset).prefix(2))
            let next = offset + 2 < channelMembers.count ? "members:\(offset + 2)" : ""
            return .json(["ok": true, "members": page, "response_metadata": ["next_cursor": next]])
        case "chat.postMessage":
            let body = request.json
            guard let channel = body["channel"] as? String, let text = body["text"] as? String else { return Self.refused("no_text") }
            if channel.hasPrefix("C"), let refusal = channelRefusal(channel) { return refusal }
            if text.count > 4000 { return Self.refused("msg_too_long") }
            let thread = body["thread_ts"] as? String
            posted.append(Posted(channel: channel, text: text, threadTS: thread, keys: body.keys.sorted()))
            let ts = nextTS()
            if channel == "C1" {
                let message = Message(ts: ts, user: "UBOT", botID: "BBOT", text: text, threadTS: thread)
                if let thread { replies[thread, default: []].append(message) } else { history.append(message) }
            }
            return .json(["ok": true, "channel": channel, "ts": ts])
        case "files.getUploadURLExternal":
            // Slack documents these arguments as form fields (or query parameters).
            let form = request.form
            guard scopes?.contains("files:write") == true else {
                return .json(["ok": false, "error": "missing_scope", "needed": "files:write", "provided": scopes ?? ""])
            }
            guard let filename = form["filename"], let length = form["length"].flatMap(Int.init), length > 0 else {
                return Self.refused("missing_argument")
            }
            fileCounter += 1
            let id = "F\(fileCounter)"
            announced[id] = (filename, length)
            return .json(["ok": true, "upload_url": baseURL.absoluteString + "/upload/" + id, "file_id": id])
        case "files.completeUploadExternal":
            let body = request.json
            guard let files = body["files"] as? [[String: Any]], let id = files.first?["id"] as? String,
                let upload = uploaded[id], let channel = body["channel_id"] as? String
            else { return Self.refused("file_not_found") }
            sharedFiles.append(SharedFile(
                channel: channel, comment: body["initial_comment"] as? String, threadTS: body["thread_ts"] as? String,
                title: files.first?["title"] as? String, filename: upload.part.filename ?? "", contentType: upload.part.contentType,
                bytes: upload.part.body))
            return .json(["ok": true, "files": [["id": id, "title": files.first?["title"] ?? ""]]])
        case "conversations.open":
            guard let user = request.json["users"] as? String else { return Self.refused("users_list_not_supplied") }
            opened.append(user)
            return .json(["ok": true, "channel": ["id": "D" + user]])
        default:
            return Self.refused("unknown_method")
        }
    }

    /// The bytes posted to an upload URL: Slack answers 200 with plain text once it has them.
    private func receiveUpload(_ request: Received) -> Reply {
        let id = String(request.path.dropFirst("/upload/".count))
        guard let expected = announced[id], let part = request.part("file") ?? request.multipart.first else {
            return .text("invalid upload", status: 404)
        }
        guard part.body.count == expected.length else { return .text("length mismatch", status: 400) }
        uploaded[id] = (part, request.header("Authorization") != nil)
        return .text("OK - \(part.body.count)", status: 200)
    }

    private func channelRefusal(_ channel: String?) -> Reply? {
        guard channel == "C1" else { return Self.refused("channel_not_found") }
        return botInChannel ? nil : Self.refused("not_in_channel")
    }

    private func inWindow(_ ts: String, _ q: [String: String]) -> Bool {
        if let oldest = q["oldest"], !Self.less(oldest, ts) { return false }
        if let latest = q["latest"], !Self.less(ts, latest) { return false }
        return true
    }

    private func page(_ window: [Message], _ q: [String: String], prefix: [[String: Any]] = []) -> Reply {
        let limit = Int(q["limit"] ?? "100") ?? 100
        let offset = q["cursor"].flatMap { Int($0.dropFirst("page:".count)) } ?? 0
        let slice = Array(window.dropFirst(offset).prefix(limit))
        let more = offset + limit < window.count
        return .json(["ok": true, "messages": prefix + slice.map(\.json), "has_more": more,
            "response_metadata": ["next_cursor": more ? "page:\(offset + limit)" : ""]])
    }

    static func less(_ a: String, _ b: String) -> Bool { (Decimal(string: a) ?? 0) < (Decimal(string: b) ?? 0) }

    static func refused(_ code: String) -> Reply { .json(["ok": false, "error": code]) }
}

/// Builds Slack adapters against a fake workspace.
enum SlackTestKit: AdapterTestSuite {
    static func start() async throws -> (FakeSlackWorkspace, FakeServer) {
        let workspace = FakeSlackWorkspace()
        let server = try await FakeServer { request in await workspace.handle(request) }
        await workspace.set(baseURL: server.baseURL)
        return (workspace, server)
    }

    static func transport(_ server: FakeServer, _ extra: [String: String] = [:], token: String = FakeSlackWorkspace.token,
        web: (any WebClient)? = nil, maxPages: Int = 10) throws -> SlackTransport
    {
        try SlackTransport(
            settings: settings("slack", ["channel": "C1", "baseURL": server.baseURL.absoluteString + "/api"], extra,
                environment: ["SLACK_BOT_TOKEN": token]),
            context: context(web: web), maxPages: maxPages)
    }

    static func cursor(_ batch: PollBatch) throws -> SlackCursor {
        try #require(SlackCursor(batch.cursor))
    }
}

@Suite("Slack Web API adapter", .stopsServers)
struct SlackTests {
    typealias Kit = SlackTestKit

    // MARK: First start and cursors

    @Test func firstStartReturnsNoHistoryAndACursorAtTheNewestMessage() async throws {
        let (slack, server) = try await Kit.start()
        await slack.say("U1", "old one")
        let newest = await slack.say("U2", "old two")
        let transport = try Kit.transport(server)

        let first = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        #expect(first.messages.isEmpty)
        #expect(try Kit.cursor(first).channel == SlackStream(ts: newest))
        let firstStartCalls = server.requests(to: "/api/conversations.history")
        #expect(firstStartCalls.count == 1)
        #expect(firstStartCalls.first?.query["limit"] == "1")
        #expect(firstStartCalls.first?.query["oldest"] == nil)

        let fresh = await slack.say("U2", "new one")
        let second = try await transport.poll(PollRequest(cursor: first.cursor, timeout: .seconds(1)))
        #expect(second.messages.map(\.id) == [fresh])
        #expect(server.requests(to: "/api/conversations.history").last?.query["oldest"] == newest)
        let third = try await transport.poll(PollRequest(cursor: second.cursor, timeout: .seconds(1)))
        #expect(third.messages.isEmpty)
        #expect(third.cursor == second.cursor)
    }

    @Test func anEmptyChannelStartsAtZeroAndNeverReplays() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let first = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        #expect(first.messages.isEmpty)
        #expect(try Kit.cursor(first).channel.ts == "0")
        let a = await slack.say("U1", "first words")
        let second = try await transport.poll(PollRequest(cursor: first.cursor, timeout: .seconds(1)))
        #expect(second.messages.map(\.id) == [a])
        let third = try await transport.poll(PollRequest(cursor: second.cursor, timeout: .seconds(1)))
        #expect(third.messages.isEmpty, "the first message is not read again")
    }

    @Test func backlogFirstStartReadsWhatTheChannelHolds() async throws {
        let (slack, server) = try await Kit.start()
        let a = await slack.say("U1", "one")
        let b = await slack.say("U2", "two")
        let transport = try Kit.transport(server, ["firstStart": "backlog"])
        let batch = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        #expect(batch.messages.map(\.id) == [a, b])
        #expect(try Kit.cursor(batch).channel.ts == b)
    }

    @Test func anUnreadableCursorStartsAgainFromNowInsteadOfReplaying() async throws {
        let (slack, server) = try await Kit.start()
        let newest = await slack.say("U1", "one")
        let transport = try Kit.transport(server)
        let batch = try await transport.poll(PollRequest(cursor: "{garbage", timeout: .seconds(1)))
        #expect(batch.messages.isEmpty)
        #expect(try Kit.cursor(batch).channel.ts == newest)
        // A bare ts (typed by hand) is read as the channel's position.
        let bare = try await transport.poll(PollRequest(cursor: "0", timeout: .seconds(1)))
        #expect(bare.messages.map(\.id) == [newest])
    }

    // MARK: Ordering and pages

    @Test func severalPagesComeBackOldestFirstWithNothingLostOrRepeated() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server, ["pageSize": "2"])
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        var written: [String] = []
        for n in 1...7 { written.append(await slack.say("U\(n % 3 + 1)", "message \(n)")) }
        let batch = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1)))
        #expect(batch.messages.map(\.id) == written)
        #expect(batch.messages.map(\.text) == (1...7).map { "message \($0)" })
        #expect(try Kit.cursor(batch).channel == SlackStream(ts: written[6]))
        let pages = server.requests(to: "/api/conversations.history").dropFirst()
        #expect(pages.count == 4)
        #expect(pages.map { $0.query["cursor"] } == [nil, "page:2", "page:4", "page:6"])
        #expect(pages.allSatisfy { $0.query["limit"] == "2" })
    }

    @Test func aBacklogLongerThanOnePollIsReadOldestPartFirstWithoutSkipping() async throws {
        let (slack, server) = try await Kit.start()
        // Two pages of two per poll: eleven messages need several polls.
        let transport = try Kit.transport(server, ["pageSize": "2"], maxPages: 2)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        var written: [String] = []
        for n in 1...11 { written.append(await slack.say("U1", "m\(n)")) }
        var cursor = start.cursor
        var received: [String] = []
        for _ in 0..<12 {
            let batch = try await transport.poll(PollRequest(cursor: cursor, timeout: .seconds(1)))
            // Each poll's messages follow straight on from what came before: never a gap to fill later.
            #expect(Array(written.dropFirst(received.count).prefix(batch.messages.count)) == batch.messages.map(\.id))
            received += batch.messages.map(\.id)
            cursor = batch.cursor
        }
        #expect(received == written)
        #expect(try #require(SlackCursor(cursor)) == SlackCursor(channel: SlackStream(ts: written[10])))
    }

    // MARK: Threads

    @Test func repliesInAWatchedThreadCarryTheRootThatSendReturned() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        let root = try #require(try await transport.send(Kit.message("Principle of the week"), key: "k-1"))
        let reply = await slack.say("U2", "I stayed late to help a customer", thread: root)
        let elsewhere = await slack.say("U1", "not watched", thread: await slack.say("U1", "other root"))

        let batch = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1), threads: [root]))
        let fromThread = try #require(batch.messages.first { $0.id == reply })
        #expect(fromThread.threadRootID == root)
        #expect(fromThread.senderID == "U2")
        #expect(!batch.messages.contains { $0.id == elsewhere })
        #expect(batch.messages.first { $0.id == root }?.fromBot == true, "the announcement itself is the bot's own")
        #expect(try Kit.cursor(batch).threads[root] == SlackStream(ts: reply))
        let repliesCall = try #require(server.requests(to: "/api/conversations.replies").last)
        #expect(repliesCall.query["ts"] == root)
        #expect(repliesCall.query["oldest"] == root)

        let again = try await transport.poll(PollRequest(cursor: batch.cursor, timeout: .seconds(1), threads: [root]))
        #expect(again.messages.isEmpty)
        #expect(server.requests(to: "/api/conversations.replies").last?.query["oldest"] == reply)

        let broadcast = await slack.say("U3", "also sent to the channel", subtype: "thread_broadcast", thread: root)
        let third = try await transport.poll(PollRequest(cursor: again.cursor, timeout: .seconds(1), threads: [root]))
        #expect(third.messages.map(\.id) == [broadcast], "a broadcast reply shows once though Slack lists it twice")
        #expect(third.messages.first?.threadRootID == root)

        // A thread no longer watched is dropped from the cursor.
        let later = try await transport.poll(PollRequest(cursor: third.cursor, timeout: .seconds(1), threads: []))
        #expect(try Kit.cursor(later).threads.isEmpty)
    }

    @Test func aDeletedThreadRootIsNotAnError() async throws {
        let (_, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        let batch = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1), threads: ["1600000000.000100"]))
        #expect(batch.messages.isEmpty)
    }

    // MARK: Failures

    @Test func a429WaitsExactlyWhatSlackSays() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        await slack.script("conversations.history", .json(["ok": false, "error": "ratelimited"], status: 429, headers: ["Retry-After": "17"]))
        let pollError = await Kit.error { _ = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1))) }
        #expect(pollError == .rateLimited(retryAfter: .seconds(17)))
        await slack.script("chat.postMessage", .json(["ok": false, "error": "ratelimited"], status: 429, headers: ["Retry-After": "3"]))
        let sendError = await Kit.error { _ = try await transport.send(Kit.message("hi"), key: "k") }
        #expect(sendError == .rateLimited(retryAfter: .seconds(3)))
        // An `ok:false` "ratelimited" with HTTP 200 is read the same way.
        await slack.script("chat.postMessage", .json(["ok": false, "error": "ratelimited"], headers: ["Retry-After": "9"]))
        let bodyError = await Kit.error { _ = try await transport.send(Kit.message("hi"), key: "k") }
        #expect(bodyError == .rateLimited(retryAfter: .seconds(9)))
    }

    @Test func serverErrorsAndSlackOutagesAreTemporary() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        await slack.script("auth.test", .text("upstream connect error", status: 503))
        guard case .temporary? = await Kit.error({ _ = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1))) }) else {
            Issue.record("a 503 must be temporary")
            return
        }
        await slack.script("chat.postMessage", .json(["ok": false, "error": "internal_error"]))
        guard case .temporary? = await Kit.error({ _ = try await transport.send(Kit.message("hi"), key: "k") }) else {
            Issue.record("internal_error must be temporary")
            return
        }
    }

    @Test func aTimeoutIsTemporary() async throws {
        let (_, server) = try await Kit.start()
        let web = TimeoutWebClient()
        let transport = try Kit.transport(server, web: web)
        await web.timeOut("slack auth.test")
        let error = await Kit.error { _ = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1))) }
        guard case .temporary(let reason)? = error else {
            Issue.record("expected temporary, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("slack auth.test"))
    }

    @Test func malformedJSONIsTemporaryAndTheCursorDoesNotMove() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        let written = await slack.say("U1", "kept safe")
        await slack.script("conversations.history", .malformed)
        guard case .temporary? = await Kit.error({ _ = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1))) }) else {
            Issue.record("malformed JSON must be temporary")
            return
        }
        // The runtime keeps the old cursor after a failed poll: the message arrives on the retry.
        let retry = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1)))
        #expect(retry.messages.map(\.id) == [written])
    }

    @Test func aBadTokenIsUnauthorizedAndNeverQuoted() async throws {
        let (_, server) = try await Kit.start()
        let transport = try Kit.transport(server, token: "xoxb-wrong-secret")
        let error = await Kit.error { _ = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1))) }
        guard case .unauthorized(let reason)? = error else {
            Issue.record("expected unauthorized, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("invalid_auth"))
        #expect(!reason.contains("xoxb-wrong-secret"))
        #expect(server.requests.first?.header("Authorization") == "Bearer xoxb-wrong-secret")
    }

    @Test func permissionRefusalsNameTheFix() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        await slack.script("conversations.history", .json(["ok": false, "error": "missing_scope", "needed": "groups:history", "provided": "chat:write"]))
        let scope = await Kit.error { _ = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1))) }
        guard case .unauthorized(let scopeReason)? = scope else { Issue.record("missing_scope must be unauthorized"); return }
        #expect(scopeReason.contains("groups:history"))

        await slack.set(botInChannel: false)
        let invite = await Kit.error { _ = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1))) }
        guard case .unauthorized(let inviteReason)? = invite else { Issue.record("not_in_channel must be unauthorized"); return }
        #expect(inviteReason.contains("/invite @coachbot"))

        await slack.script("chat.postMessage", FakeSlackWorkspace.refused("token_revoked"))
        guard case .unauthorized? = await Kit.error({ _ = try await transport.send(Kit.message("hi"), key: "k") }) else {
            Issue.record("token_revoked must be unauthorized")
            return
        }
    }

    @Test func aMessageSlackRefusesForGoodIsRejected() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        await slack.script("chat.postMessage", FakeSlackWorkspace.refused("msg_too_long"))
        guard case .rejected(let reason)? = await Kit.error({ _ = try await transport.send(Kit.message("hi"), key: "k") }) else {
            Issue.record("msg_too_long must be rejected")
            return
        }
        #expect(reason.contains("msg_too_long"))
    }

    // MARK: What a message is

    @Test func ownMessagesAreFromBotAndNonPeopleAreSkipped() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        let own = await slack.say("UBOT", "posted by the bot", botID: "BBOT")
        let ownByBotID = await slack.say(nil, "posted by the bot's app", subtype: "bot_message", botID: "BBOT")
        await slack.say(nil, "another app", subtype: "bot_message", botID: "BOTHER")
        await slack.say("U1", "<@U1> has joined the channel", subtype: "channel_join")
        await slack.say("U1", "set the topic", subtype: "channel_topic")
        let person = await slack.say("U2", "!status")
        let file = await slack.say("U3", "a photo of the queue", subtype: "file_share")

        let batch = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1)))
        #expect(batch.messages.map(\.id) == [own, ownByBotID, person, file])
        #expect(batch.messages.map(\.fromBot) == [true, true, false, false])
        // Skipped messages still move the cursor: they are read, just not for the engine.
        #expect(try Kit.cursor(batch).channel.ts == file)
    }

    @Test func mentionsBecomeTokensTheEngineResolvesAndEscapesAreUndone() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        await slack.say("U1", "<@UBOT> caught <@U2> &amp; <@U3|jo.b> fixing the &lt;till&gt; <https://example.com/a|the doc> in <#C9|ops> <!here>")
        await slack.say("U2", "hello <@UBOT>")

        let batch = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1)))
        let first = try #require(batch.messages.first)
        #expect(first.addressed)
        #expect(first.text == "caught @U2 & @U3 fixing the <till> the doc in #ops @here")
        #expect(first.mentions == ["U2": "U2", "U3": "U3"])
        #expect(first.mentionedNames == ["U2": "Sam", "U3": "Jo Brown"], "display name, falling back to the real name")
        #expect(first.senderName == "Alex")
        #expect(first.senderHandle == "alex.k")
        let second = try #require(batch.messages.last)
        #expect(!second.addressed, "only a leading mention addresses the bot")
        #expect(second.mentions == ["UBOT": "UBOT"])
        // Each member is looked up once.
        #expect(second.mentionedNames == ["UBOT": "coachbot"], "the bot's own name needs no look-up")
        #expect(server.requests(to: "/api/users.info").compactMap { $0.query["user"] }.sorted() == ["U1", "U2", "U3"])
    }

    @Test func withoutUsersReadMembersAreNamedByTheirIDs() async throws {
        let (slack, server) = try await Kit.start()
        await slack.set(usersInfoScopeMissing: true)
        let transport = try Kit.transport(server)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        await slack.say("U2", "!caught <@U3|jo.b> great")
        let batch = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .seconds(1)))
        #expect(batch.messages.first?.senderName == "U2")
        #expect(batch.messages.first?.mentionedNames == ["U3": "jo.b"])
        #expect(server.requests(to: "/api/users.info").count == 1, "asked once, then not again this run")
    }

    // MARK: Sending

    @Test func sendPostsTheTextAsGivenWithoutAskingSlackToLinkNames() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let id = try await transport.send(Kit.message("Thanks &lt;Sam&gt;, @\u{2060}channel"), key: "k-1")
        let posted = await slack.posted
        #expect(posted == [.init(channel: "C1", text: "Thanks &lt;Sam&gt;, @\u{2060}channel", threadTS: nil, keys: ["channel", "text"])])
        #expect(id != nil)
        #expect(server.requests(to: "/api/chat.postMessage").first?.header("Authorization") == "Bearer \(FakeSlackWorkspace.token)")
    }

    @Test func longMessagesAreSplitInOrderIntoTheSameThread() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let lines = (1...300).map { "Line \($0): caught someone doing something right &amp; said so." }
        let text = lines.joined(separator: "\n")
        let first = try await transport.send(Kit.message(text, to: .thread(rootID: "1700000000.000100")), key: "k-2")
        let posted = await slack.posted
        #expect(posted.count > 1)
        #expect(posted.allSatisfy { $0.text.count <= 4000 && $0.threadTS == "1700000000.000100" })
        #expect(posted.map(\.text).joined(separator: "\n") == text)
        #expect(first == "1700000001.000200", "the first part's ts")
    }

    @Test func aRetryAfterAFailurePartWaySendsOnlyTheRest() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let text = (1...300).map { "Line \($0) of the weekly summary, long enough to need parts." }.joined(separator: "\n")
        let parts = SlackTransport.splitter.split(text)
        #expect(parts.count >= 3)
        await slack.script("chat.postMessage", .json(["ok": true, "channel": "C1", "ts": "1700000500.000001"]), .text("bad gateway", status: 502))
        guard case .temporary? = await Kit.error({ _ = try await transport.send(Kit.message(text), key: "k-3") }) else {
            Issue.record("a 502 part-way must be temporary")
            return
        }
        let first = try await transport.send(Kit.message(text), key: "k-3")
        #expect(first == "1700000500.000001", "the first part's id survives the retry")
        #expect(await slack.posted.map(\.text) == Array(parts.dropFirst()), "the retry posts only what was not yet posted")
    }

    @Test func privateMessagesOpenAConversationOnceAndAMissingScopeDropsOnlyThatMessage() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        _ = try await transport.send(Kit.message("a nudge", to: .direct(userID: "U2")), key: "k-4")
        _ = try await transport.send(Kit.message("another", to: .direct(userID: "U2")), key: "k-5")
        #expect(await slack.opened == ["U2"])
        #expect(await slack.posted.map(\.channel) == ["DU2", "DU2"])
        #expect(server.requests(to: "/api/conversations.open").first?.json["users"] as? String == "U2")

        await slack.script("conversations.open", .json(["ok": false, "error": "missing_scope", "needed": "im:write"]))
        let error = await Kit.error { _ = try await transport.send(Kit.message("a nudge", to: .direct(userID: "U3")), key: "k-6") }
        guard case .rejected(let reason)? = error else {
            Issue.record("a missing im:write must drop the nudge, not stop the bot: \(String(describing: error))")
            return
        }
        #expect(reason.contains("im:write"))
    }

    // MARK: Files

    @Test func theReportFileGoesThroughTheExternalUploadToTheMembersPrivateConversation() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let message = Kit.message("Here is the report, <@U1>", to: .direct(userID: "U1"))
        let delivery = try await transport.send(message, file: Kit.reportFile, key: "k-o1")
        #expect(delivery == .sent(platformID: "F1"))

        let asked = try #require(server.requests(to: "/api/files.getUploadURLExternal").first)
        #expect(asked.form["filename"] == Kit.reportFile.filename)
        #expect(asked.form["length"] == String(Kit.reportFile.bytes.count))
        let upload = try #require(await slack.uploaded["F1"])
        #expect(!upload.carriedToken, "the signed upload URL must not be sent the bot's token")
        let shared = try #require(await slack.sharedFiles.first)
        #expect(await slack.sharedFiles.count == 1)
        #expect(await slack.opened == ["U1"])
        #expect(shared.channel == "DU1")
        #expect(shared.comment == "Here is the report, <@U1>")
        #expect(shared.title == Kit.reportFile.filename)
        #expect(shared.filename == Kit.reportFile.filename)
        #expect(shared.contentType == "text/html; charset=utf-8")
        #expect(shared.bytes == Kit.reportFile.bytes)
        #expect(await slack.posted.isEmpty, "the caption goes with the file, not as a message of its own")
    }

    @Test func withoutFilesWriteTheFileIsRefusedAndNothingIsUploaded() async throws {
        let (slack, server) = try await Kit.start()
        await slack.set(scopes: "chat:write,channels:history,users:read,im:write")
        let transport = try Kit.transport(server)
        let delivery = try await transport.send(Kit.message("caption", to: .direct(userID: "U1")), file: Kit.reportFile, key: "k-o1")
        guard case .refused(let refusal) = delivery else {
            Issue.record("expected a refusal, got \(delivery)")
            return
        }
        #expect(refusal.problem == .notAllowed)
        #expect(refusal.reason.contains("files:write"))
        #expect(await slack.uploaded.isEmpty)
        #expect(await slack.sharedFiles.isEmpty)
    }

    @Test func aWorkspaceSizeLimitIsATooLargeRefusal() async throws {
        let (slack, server) = try await Kit.start()
        await slack.script("files.getUploadURLExternal", .json(["ok": false, "error": "file_upload_size_restricted"]))
        let delivery = try await (try Kit.transport(server)).send(
            Kit.message("caption", to: .direct(userID: "U1")), file: Kit.reportFile, key: "k-o1")
        #expect(delivery == .refused(FileRefusal(.tooLarge, reason: "slack files.getUploadURLExternal: the workspace restricts uploads of this size (file_upload_size_restricted)")))
    }

    @Test func aRetryAfterTheUploadCompletesTheSameFileWithoutUploadingAgain() async throws {
        let (slack, server) = try await Kit.start()
        await slack.script("files.completeUploadExternal", Reply(status: 503))
        let transport = try Kit.transport(server)
        let message = Kit.message("caption", to: .direct(userID: "U1"))
        await Kit.expectError({ if case .temporary = $0 { true } else { false } }) { () throws(TransportError) in
            _ = try await transport.send(message, file: Kit.reportFile, key: "k-o1")
        }
        #expect(try await transport.send(message, file: Kit.reportFile, key: "k-o1") == .sent(platformID: "F1"))
        #expect(server.requests(to: "/api/files.getUploadURLExternal").count == 1)
        #expect(server.requests(to: "/upload/F1").count == 1)
        #expect(await slack.sharedFiles.count == 1)
    }

    // MARK: Check

    @Test func checkReportsTokenChannelThreadsAndScopes() async throws {
        let (slack, server) = try await Kit.start()
        await slack.say("U1", "hello")
        let findings = await (try Kit.transport(server)).check()
        #expect(findings.map(\.status) == [.ok, .ok, .ok, .ok, .ok])
        #expect(findings.map(\.subject) == ["token", "scopes", "files", "channel", "threads"])
        #expect(findings[0].detail.contains("@coachbot (UBOT)"))
        #expect(findings[2].detail.contains("files:write is granted"))
    }

    @Test func checkNamesABadToken() async throws {
        let (_, server) = try await Kit.start()
        let findings = await (try Kit.transport(server, token: "xoxb-nope")).check()
        #expect(findings.count == 1)
        #expect(findings.first?.status == .problem)
        #expect(findings.first?.subject == "token")
        #expect(findings.first?.detail.contains("SLACK_BOT_TOKEN") == true)
        #expect(findings.first?.detail.contains("xoxb-nope") == false)
    }

    @Test func checkSaysHowToInviteTheBotAndNamesMissingScopes() async throws {
        let (slack, server) = try await Kit.start()
        await slack.set(botInChannel: false)
        await slack.set(scopes: "chat:write,channels:history")
        let findings = await (try Kit.transport(server)).check()
        let channel = try #require(findings.first { $0.subject == "channel" })
        #expect(channel.status == .problem)
        #expect(channel.detail.contains("/invite @coachbot"))
        let scopes = findings.filter { $0.subject == "scopes" }
        #expect(scopes.map(\.status) == [.warning, .warning, .warning])
        #expect(scopes[0].detail.contains("users:read"))
        #expect(scopes[1].detail.contains("im:write"))
        #expect(scopes[2].detail.contains("channels:read"))
        #expect(scopes[2].detail.contains("groups:read"))
        let files = try #require(findings.first { $0.subject == "files" })
        #expect(files.status == .warning)
        #expect(files.detail.contains("lacks files:write"))
        #expect(files.detail.contains("coach report --html"))

        await slack.set(botInChannel: true)
        await slack.script("conversations.history", .json(["ok": false, "error": "missing_scope", "needed": "channels:history"]))
        let scopeFindings = await (try Kit.transport(server)).check()
        #expect(scopeFindings.first { $0.subject == "channel" }?.detail.contains("channels:history") == true)

        let wrongChannel = try Kit.transport(server, ["channel": "C404"])
        let missing = await wrongChannel.check().first { $0.subject == "channel" }
        #expect(missing?.status == .problem)
        #expect(missing?.detail.contains("transport.settings.channel") == true)
    }

    // MARK: Settings

    @Test func settingsAreCheckedBeforeAnythingRuns() throws {
        let context = Kit.context()
        let env = ["SLACK_BOT_TOKEN": "xoxb-1"]
        #expect(throws: PlatformSetupError.self) {
            _ = try Platforms.make(kind: "slack", settings: [:], environment: env, context: context)
        }
        #expect(throws: PlatformSetupError.self) {
            _ = try Platforms.make(kind: "slack", settings: ["channel": "#general"], environment: env, context: context)
        }
        #expect(throws: PlatformSetupError.secretInConfig(kind: "slack", key: "token", instead: "tokenEnv")) {
            _ = try Platforms.make(kind: "slack", settings: ["channel": "C1", "token": "xoxb-1"], environment: env, context: context)
        }
        #expect(throws: PlatformSetupError.missingSecret(kind: "slack", variable: "MY_SLACK", setting: "tokenEnv", what: "bot token (xoxb-…)")) {
            _ = try Platforms.make(kind: "slack", settings: ["channel": "C1", "tokenEnv": "MY_SLACK"], environment: env, context: context)
        }
        #expect(throws: PlatformSetupError.self) {
            _ = try Platforms.make(kind: "slack", settings: ["channel": "C1", "pageSize": "5000"], environment: env, context: context)
        }
        let made = try Platforms.make(kind: "slack", settings: ["channel": "C1", "pollSeconds": "60"], environment: env, context: context)
        #expect(Kit.pacing(made) == .every(.seconds(60)))
        #expect(made.capabilities == TransportCapabilities(directMessages: true, threads: true, markup: .slack, files: true))
        #expect(made is any PollingTransport, "two-way: it reads the channel")
        let defaults = try Platforms.make(kind: "slack", settings: ["channel": "C1"], environment: env, context: context)
        #expect(Kit.pacing(defaults) == .every(.seconds(5)))
    }

    @Test func timestampsCompareAsDecimals() {
        #expect(SlackTimestamp.less("1700000000.000099", "1700000000.000100"))
        #expect(SlackTimestamp.less("999999999.999999", "1000000000.000000"))
        #expect(!SlackTimestamp.less("1700000000.000100", "1700000000.0001"))
        #expect(SlackTimestamp.less("0", "1700000000.000100"))
        #expect(SlackTimestamp.less("junk", "0"))
        #expect(!SlackTimestamp.isValid("12a.5"))
    }
}

/// The real engine behind the Slack adapter: commands in, replies out, through the fake workspace.
@Suite("Slack end to end", .stopsServers)
struct SlackEndToEndTests: AdapterTestSuite {
    typealias Kit = SlackTestKit

    @Test func helpIsAnsweredAndCaughtFindsTheSlackMember() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let coach = try Fixtures.coach(capabilities: transport.capabilities) { $0.holidays = [] }
        let session = try CoachSession(coach: coach, directory: nil, logger: Kit.logger)
        let now = Harness.instant("2027-01-05 11:00", coach)
        try await Self.step(session, transport, at: now)
        let before = await slack.posted.count

        await slack.say("U2", "!help")
        try await Self.step(session, transport, at: now)
        let help = try #require(await slack.posted.dropFirst(before).first { $0.text.contains("Here's what I can do") })
        #expect(help.channel == "C1")
        #expect(help.threadTS == nil)
        #expect(help.text.contains("Here's what I can do, Sam"))
        #expect(help.text.contains("!example"))

        await slack.say("U2", "<@UBOT> caught <@U3> calming an upset customer")
        try await Self.step(session, transport, at: now)
        let example = try #require(await session.state.examples.all.last)
        #expect(example.caughtIDs == ["U3"])
        #expect(example.reporterID == "U2")
        #expect(example.text == "calming an upset customer")
        #expect(await session.state.members["U3"]?.name == "Jo Brown", "named from Slack though Jo never spoke")
        #expect(await session.state.members["U2"]?.handle == "sam")
        #expect(await slack.posted.last?.text.contains("Jo Brown") == true)
    }

    @Test func aRawMentionOfSomeoneOutsideTheChannelOrOfTheBotIsNotCredited() async throws {
        let (slack, server) = try await Kit.start()
        await slack.addUser("U9", name: "dana", real: "Dana Outside", inChannel: false)
        await slack.addUser("U4", name: "kim", real: "Kim Park", inChannel: true)
        let transport = try Kit.transport(server)
        let coach = try Fixtures.coach(capabilities: transport.capabilities) { $0.holidays = [] }
        let session = try CoachSession(coach: coach, directory: nil, logger: Kit.logger)
        let now = Harness.instant("2027-01-05 11:00", coach)
        try await Self.step(session, transport, at: now)

        await slack.say("U2", "!caught <@U9> fixing the till")
        try await Self.step(session, transport, at: now)
        #expect(await session.state.examples.all.isEmpty)
        #expect(await session.state.members["U9"] == nil)
        let outsider = try #require(await slack.posted.last?.text)
        #expect(outsider.contains("I can't credit @Dana Outside"), "\(outsider)")

        await slack.say("U2", "!caught <@UBOT> for the reminders")
        try await Self.step(session, transport, at: now)
        #expect(await session.state.examples.all.isEmpty)
        let bot = try #require(await slack.posted.last?.text)
        #expect(bot.contains("is me, the bot"), "\(bot)")

        // In the channel, never wrote, on the member list's last page: credited, named from Slack.
        await slack.say("U2", "!caught <@U4> for the calm handover")
        try await Self.step(session, transport, at: now)
        #expect(await session.state.examples.all.last?.caughtIDs == ["U4"])
        #expect(await session.state.members["U4"]?.name == "Kim Park")
        #expect(server.requests(to: "/api/conversations.members").count == 6, "3 pages for each person, once; the bot never")
    }

    @Test func withoutChannelsReadAMentionedNewcomerWaitsUntilTheyWriteAndTheOperatorIsToldOnce() async throws {
        let (slack, server) = try await Kit.start()
        await slack.set(membersScopeMissing: true)
        let log = LogRecorder()
        let transport = try SlackTransport(
            settings: Kit.settings("slack", ["channel": "C1", "baseURL": server.baseURL.absoluteString + "/api"],
                environment: ["SLACK_BOT_TOKEN": FakeSlackWorkspace.token]),
            context: Kit.context(logger: log.logger))
        let coach = try Fixtures.coach(capabilities: transport.capabilities) { $0.holidays = [] }
        let session = try CoachSession(coach: coach, directory: nil, logger: Kit.logger)
        let now = Harness.instant("2027-01-05 11:00", coach)
        try await Self.step(session, transport, at: now)

        await slack.say("U2", "!caught <@U3> calming an upset customer")
        await slack.say("U1", "!caught <@U3> and <@U2> for the stock count")
        try await Self.step(session, transport, at: now)
        #expect(await session.state.examples.all.isEmpty, "Jo never wrote and Slack would not say who is in the channel")
        #expect(await slack.posted.last?.text.contains("I can't credit @Jo Brown") == true)
        let warnings = log.all.filter { $0.contains("cannot ask whether a mentioned person is in the channel") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("channels:read") == true)

        await slack.say("U3", "morning all")
        await slack.say("U2", "!caught <@U3> calming an upset customer")
        try await Self.step(session, transport, at: now)
        #expect(await session.state.examples.all.last?.caughtIDs == ["U3"], "once Jo has written, the mention counts")
    }

    @Test func aReplyInTheAnnouncementThreadBecomesThisWeeksExample() async throws {
        let (slack, server) = try await Kit.start()
        let transport = try Kit.transport(server)
        let coach = try Fixtures.coach(capabilities: transport.capabilities) { config in
            config.holidays = []
            config.admins = ["U1"]
        }
        let session = try CoachSession(coach: coach, directory: nil, logger: Kit.logger)
        try await Self.step(session, transport, at: Harness.instant("2027-01-01 10:00", coach))
        await slack.say("U1", "!start 2027-01-04")
        try await Self.step(session, transport, at: Harness.instant("2027-01-01 10:00", coach))
        try await Self.step(session, transport, at: Harness.instant("2027-01-04 09:00", coach))
        let announcement = try #require(await slack.posted.last { $0.text.isMondayPost })
        #expect(announcement.threadTS == nil)
        #expect(announcement.text.contains("reply in this thread"))
        let root = try #require(await session.state.watchedThreads.first)

        await slack.say("U2", "Stayed on the phone until the order was fixed", thread: root)
        try await Self.step(session, transport, at: Harness.instant("2027-01-04 11:00", coach))
        let example = try #require(await session.state.examples.all.last)
        #expect(example.source == .threadReply)
        #expect(example.text == "Stayed on the phone until the order was fixed")
        let ack = try #require(await slack.posted.last)
        #expect(ack.threadTS == root, "the bot answers in the thread")
    }
}
