import CoachChat
import CoachCore
import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// The local Synapse that `scripts/test.sh` starts (through `scripts/synapse.sh`) and names in `COACH_SYNAPSE_URL`
/// and `COACH_SYNAPSE_SECRET`. A plain `swift test` has none, and the tests below are skipped (reported as skipped,
/// not passed); `scripts/test.sh` also sets `COACH_REQUIRE_SYNAPSE=1`, which turns a missing server into a failure,
/// so CI can never pass by not running them.
let synapse = SynapseHomeserver.fromEnvironment()
let synapseRequired = ProcessInfo.processInfo.environment["COACH_REQUIRE_SYNAPSE"] == "1"

/// Three accounts on the homeserver and a room: Alex (the programme's admin) created it, invited Sam and the bot;
/// Sam joined, the bot has only its invite (it joins on its first start).
struct SynapseRoom {
    let bot: MatrixAccount
    let alex: MatrixAccount
    let sam: MatrixAccount
    let room: String

    static func make(_ homeserver: SynapseHomeserver) async throws -> SynapseRoom {
        let bot = try await homeserver.register("coach", displayName: "Coach")
        let alex = try await homeserver.register("alex", displayName: "Alex")
        let sam = try await homeserver.register("sam", displayName: "Sam")
        let room = try await alex.createRoom(name: "Corner Bakery", invite: [bot.userID, sam.userID])
        try await sam.join(room)
        return SynapseRoom(bot: bot, alex: alex, sam: sam, room: room)
    }

    /// The bot's messages in the room, oldest first, as a member's client sees them.
    func botMessages() async throws -> [[String: Any]] {
        try await alex.messages(in: room).filter { $0.sender == bot.userID }
    }
}

/// The bot as its executable would run it, against the homeserver: a new process (a new transport and a freshly
/// opened state) for every `run`, the real `BotService` loop, and a manual clock so the test decides what day it is.
struct SynapseBot {
    let setup: CoachSetup
    let account: MatrixAccount
    let room: String
    let clock: ManualClock
    /// Every delivery key the platform accepted a send for, across runs.
    let keys = Keys()

    static let logger = Logger(label: "synapse-test") { _ in SwiftLogNoOpLogHandler() }

    /// A local time in the shipped config's zone, e.g. "2027-01-04 09:00".
    static func at(_ text: String) -> Date {
        (try? Harness.instant(text, Fixtures.coach())) ?? Date(timeIntervalSince1970: 0)
    }

    /// A room with Alex (the admin) and Sam, and the bot on a fresh state folder, its clock on 2027-01-01 10:00,
    /// with no holidays in the way and the plan opening on a principle. The caller removes `directory`.
    static func programme(on homeserver: SynapseHomeserver) async throws -> (SynapseRoom, SynapseBot, URL) {
        let chat = try await SynapseRoom.make(homeserver)
        let directory = Fixtures.temporaryDirectory()
        var setup = try Fixtures.setup(state: directory)
        setup.config.holidays = []
        // A principle's week from the first Monday: these check the Matrix transport; week 0 has its own tests.
        setup.config.programme.openingWeek = false
        setup.config.admins = [chat.alex.userID]
        setup.config.members = [.init(id: chat.alex.userID, name: "Alex"), .init(id: chat.sam.userID, name: "Sam")]
        let bot = SynapseBot(setup: setup, account: chat.bot, room: chat.room, clock: ManualClock(at("2027-01-01 10:00")))
        return (chat, bot, directory)
    }

    actor Keys {
        var sent: [String] = []
        func add(_ key: String) { sent.append(key) }
    }

    actor Counter {
        var count = 0
        func next() -> Int {
            count += 1
            return count
        }
    }

    /// The Matrix adapter as `coach run` builds it (through the registry); Matrix is two-way, so it can be polled.
    func transport() throws -> any PollingTransport {
        let made = try Platforms.make(
            kind: "matrix", settings: ["baseURL": account.homeserver.absoluteString, "room": room],
            environment: ["MATRIX_ACCESS_TOKEN": account.accessToken],
            context: PlatformContext(web: HTTPWebClient(), logger: Self.logger, botName: setup.config.team.botName))
        return try #require(made as? any PollingTransport)
    }

    /// Starts the bot on its state, lets the loop poll `polls` times (each poll is followed by sending the replies it
    /// caused), then ends it as if its input closed: a clean stop with a snapshot. With `crashAfterSend`, the first
    /// send reaches the homeserver but the bot dies before recording it, as a kill -9 at that moment would.
    func run(polls: Int = 1, crashAfterSend: Bool = false) async throws {
        let matrix = try transport()
        let pollCount = Counter()
        let keys = self.keys
        let wrapped = FakeTransport(
            name: matrix.name, capabilities: matrix.capabilities, pacing: matrix.pacing,
            onPoll: { request throws(TransportError) in
                if await pollCount.next() > polls { throw .closed }
                return try await matrix.poll(request)
            },
            onSend: { message, key throws(TransportError) in
                let id = try await matrix.send(message, key: key)
                await keys.add(key)
                if crashAfterSend { throw .unauthorized(reason: "simulated crash after the send, before it was recorded") }
                return id
            })
        let prompts = try setup.prompts(for: matrix.capabilities.markup)
        let coach = Coach(config: setup.config, catalogue: setup.catalogue, prompts: prompts, capabilities: matrix.capabilities)
        let session = try CoachSession(coach: coach, directory: setup.stateDirectory, logger: Self.logger)
        // A short long-poll: the clock is manual, so there is nothing to wait for beyond what is already in the room.
        let bot = BotService(session: session, transport: wrapped, clock: clock, logger: Self.logger,
            pollTimeout: .milliseconds(10), randomSeed: 7)
        do {
            try await bot.run()
        } catch {
            // A crash releases the state's lock with the process; here the session closes it.
            await session.close()
            throw error
        }
    }

    /// The state as the next start would find it.
    func state() async throws -> CoachState {
        let coach = Coach(config: setup.config, catalogue: setup.catalogue, prompts: try setup.prompts(for: .html),
            capabilities: .init(directMessages: false, threads: true, markup: .html))
        let session = try CoachSession(coach: coach, directory: setup.stateDirectory, logger: Self.logger)
        let state = await session.state
        await session.close()
        return state
    }
}

@Suite("Synapse", .serialized)
struct SynapseTests {
    @Test("the Synapse tests ran: scripts/test.sh requires a server")
    func serverPresentWhenRequired() {
        if synapseRequired {
            #expect(synapse != nil, "COACH_REQUIRE_SYNAPSE=1 but COACH_SYNAPSE_URL/COACH_SYNAPSE_SECRET are not set; run bash scripts/test.sh")
        }
    }

    @Test("HMAC-SHA1 for shared-secret registration matches the RFC 2202 and well-known vectors")
    func hmac() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(hex(SynapseHomeserver.sha1(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(SynapseHomeserver.sha1([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(SynapseHomeserver.hmacSHA1(key: Array("key".utf8), message: Array("The quick brown fox jumps over the lazy dog".utf8)))
            == "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9")
        #expect(hex(SynapseHomeserver.hmacSHA1(key: [UInt8](repeating: 0xAA, count: 80),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))) == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }

    @Test("a programme week on a real homeserver: help, announcement, thread replies, restarts, a crash after a send, the summary",
        .enabled(if: synapse != nil, "needs a local Synapse (COACH_SYNAPSE_URL): run bash scripts/test.sh"))
    func programmeWeek() async throws {
        let homeserver = try #require(synapse)
        let (chat, bot, directory) = try await SynapseBot.programme(on: homeserver)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = bot.clock
        func at(_ text: String) -> Date { SynapseBot.at(text) }

        // Before the first start the bot is only invited; `coach check` says so.
        #expect(await (try bot.transport()).check().map(\.status) == [.ok, .warning, .ok])

        // First start: it joins its invite and introduces itself.
        try await bot.run()
        var posts = try await chat.botMessages()
        #expect(posts.count == 1)
        #expect(posts.first?.messageBody.hasPrefix("Hello Corner Bakery!") == true)
        #expect(await (try bot.transport()).check().map(\.status) == [.ok, .ok, .ok])

        // A member's !help gets the bot's reply; the admin starts the programme for Monday.
        try await chat.sam.say("!help", in: chat.room)
        try await chat.alex.say("!start 2027-01-04", in: chat.room)
        try await bot.run()
        posts = try await chat.botMessages()
        #expect(posts.count == 3)
        #expect(posts.contains { $0.messageBody.hasPrefix("Here's what I can do, Sam") })

        // Monday 09:00: the announcement.
        clock.advance(to: at("2027-01-04 09:00"))
        try await bot.run()
        posts = try await chat.botMessages()
        let announcements = posts.filter { $0.messageBody.contains("Principle of the week") }
        #expect(announcements.count == 1)
        let announcement = try #require(announcements.first).eventID

        // Tuesday: Sam replies in the announcement's thread; Alex catches Sam with a pill.
        clock.advance(to: at("2027-01-05 11:00"))
        try await chat.sam.say("I rebooked a delivery for a customer", in: chat.room, extra: [
            "m.relates_to": ["rel_type": "m.thread", "event_id": announcement, "is_falling_back": true,
                "m.in_reply_to": ["event_id": announcement]],
        ])
        try await chat.alex.say("!caught Sam stayed late to fix an order", in: chat.room, extra: [
            "format": "org.matrix.custom.html",
            "formatted_body": "!caught <a href=\"https://matrix.to/#/\(chat.sam.userID)\">Sam</a> stayed late to fix an order",
            "m.mentions": ["user_ids": [chat.sam.userID]],
        ])
        try await bot.run()
        var state = try await bot.state()
        #expect(state.examples.all.map(\.text) == ["I rebooked a delivery for a customer", "stayed late to fix an order"])
        #expect(state.examples.all.map(\.source) == [.threadReply, .caught])
        #expect(state.examples.all.map(\.caughtIDs) == [[], [chat.sam.userID]])
        posts = try await chat.botMessages()
        #expect(posts.count == 6)
        // The thanks for the thread reply stays in the thread.
        #expect(posts.filter { $0.threadRoot == announcement }.count == 1)

        // A restart mid-week with nothing new: nothing is lost, nothing is posted again.
        clock.advance(to: at("2027-01-05 11:30"))
        try await bot.run(polls: 2)
        #expect(try await chat.botMessages().count == 6)
        #expect(try await bot.state().examples.all.count == 2)

        // Wednesday 12:00: the reminder reaches the room, then the bot dies before recording the send. The next start
        // sends it again with the same transaction id, and the homeserver shows it once.
        clock.advance(to: at("2027-01-06 12:00"))
        await #expect(throws: BotError.self) { try await bot.run(crashAfterSend: true) }
        #expect(try await chat.botMessages().count == 7)
        #expect(try await bot.state().outbox.map(\.kind) == [.reminder])
        try await bot.run()
        posts = try await chat.botMessages()
        #expect(posts.count == 7)
        let reminders = posts.filter { $0.messageBody.hasPrefix("Midweek reminder") }
        #expect(reminders.count == 1)
        #expect(reminders.first?.threadRoot == announcement)
        #expect(try await bot.state().outbox.isEmpty)

        // Friday 16:00: the report-back has the week's examples.
        clock.advance(to: at("2027-01-08 16:00"))
        try await bot.run()
        posts = try await chat.botMessages()
        let summaries = posts.filter { $0.messageBody.hasPrefix("Report-back") }
        #expect(summaries.count == 1)
        let summary = summaries.first?.messageBody ?? ""
        #expect(summary.contains("I rebooked a delivery for a customer"))
        #expect(summary.contains("stayed late to fix an order"))
        #expect(summary.contains("Alex → Sam"))

        // Every delivery key the homeserver accepted is one message in the room, however often it was sent.
        let keys = await bot.keys.sent
        #expect(keys.count == posts.count + 1)
        #expect(Set(keys).count == posts.count)
        state = try await bot.state()
        #expect(state.outbox.isEmpty)
        #expect(state.jobs.keys.filter { $0.hasPrefix("announce:") || $0.hasPrefix("summary:") }.count == 2)
    }

    @Test("a gap longer than the sync's timeline is filled from /messages: every message once, in order",
        .enabled(if: synapse != nil, "needs a local Synapse (COACH_SYNAPSE_URL): run bash scripts/test.sh"))
    func gapFill() async throws {
        let homeserver = try #require(synapse)
        let chat = try await SynapseRoom.make(homeserver)
        let bot = SynapseBot(setup: try Fixtures.setup(), account: chat.bot, room: chat.room, clock: ManualClock(Date()))
        let transport = try bot.transport()
        try await chat.sam.say("before the bot started", in: chat.room)
        let start = try await transport.poll(PollRequest(cursor: nil, timeout: .zero))
        #expect(start.messages.isEmpty)
        for n in 1...130 { try await chat.sam.say("message \(n)", in: chat.room) }
        let batch = try await transport.poll(PollRequest(cursor: start.cursor, timeout: .zero))
        #expect(batch.messages.map(\.text) == (1...130).map { "message \($0)" })
        #expect(batch.messages.allSatisfy { $0.senderID == chat.sam.userID && $0.senderName == "Sam" && !$0.fromBot })
        let quiet = try await transport.poll(PollRequest(cursor: batch.cursor, timeout: .milliseconds(100)))
        #expect(quiet.messages.isEmpty)
    }

    @Test("coach check flags an end-to-end encrypted room, which the bot could post in but never read",
        .enabled(if: synapse != nil, "needs a local Synapse (COACH_SYNAPSE_URL): run bash scripts/test.sh"))
    func encryptedRoom() async throws {
        let homeserver = try #require(synapse)
        let bot = try await homeserver.register("coach", displayName: "Coach")
        let alex = try await homeserver.register("alex", displayName: "Alex")
        let room = try await alex.createRoom(name: "Encrypted", invite: [bot.userID], encrypted: true)
        try await bot.join(room)
        let transport = try SynapseBot(setup: try Fixtures.setup(), account: bot, room: room, clock: ManualClock(Date())).transport()
        let findings = await transport.check()
        #expect(findings.map(\.status) == [.ok, .ok, .problem, .ok])
        #expect(findings[2].subject == "encryption")
    }

    @Test("a long report is split into several events, in order, each within Matrix's size limit",
        .enabled(if: synapse != nil, "needs a local Synapse (COACH_SYNAPSE_URL): run bash scripts/test.sh"))
    func longMessage() async throws {
        let homeserver = try #require(synapse)
        let chat = try await SynapseRoom.make(homeserver)
        try await chat.bot.join(chat.room)
        let bot = SynapseBot(setup: try Fixtures.setup(), account: chat.bot, room: chat.room, clock: ManualClock(Date()))
        let transport = try bot.transport()
        let lines = (1...2000).map { "- \($0): Sam &amp; Jo kept a customer informed about a late delivery" }
        let message = OutboundMessage(id: "o1", destination: .channel, kind: .summary, text: lines.joined(separator: "\n"),
            createdAt: Date())
        let first = try await transport.send(message, key: "long-\(UUID().uuidString.prefix(8))")
        let posts = try await chat.botMessages()
        #expect(posts.count > 1)
        #expect(posts.first?.eventID == first)
        let text = posts.map(\.messageBody).joined(separator: "\n")
        #expect(text.hasPrefix("- 1: Sam & Jo"))
        #expect(text.hasSuffix("- 2000: Sam & Jo kept a customer informed about a late delivery"))
        #expect(text.components(separatedBy: "\n").count == 2000)
    }
}

/// Private messages on the real homeserver: the direct room as the member's own client sees it, its reuse across
/// restarts, the member's answer there, what the homeserver refuses, and the report file (`report html`), rendered
/// by the runtime when it is sent, uploaded to the media repository and posted as an `m.file` in the admin's room.
@Suite("Synapse private messages", .serialized)
struct SynapsePrivateMessageTests {
    @Test("a private nudge reaches the member in a direct room marked m.direct; their answer there is answered in the same room after a restart",
        .enabled(if: synapse != nil, "needs a local Synapse (COACH_SYNAPSE_URL): run bash scripts/test.sh"))
    func privateNudgeAndAnswer() async throws {
        let homeserver = try #require(synapse)
        let (chat, bot, directory) = try await SynapseBot.programme(on: homeserver)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = bot.clock
        func at(_ text: String) -> Date { SynapseBot.at(text) }

        // The bot joins and introduces itself; `coach check` says private nudges go to direct rooms.
        try await bot.run()
        let findings = await (try bot.transport()).check()
        #expect(findings.map(\.status) == [.ok, .ok, .ok])
        #expect(findings[1].detail.contains("private nudges go to a direct room per member") == true)
        #expect(findings[2].subject == "files" && findings[2].detail.contains("the homeserver takes uploads"))
        try await chat.alex.say("!start 2027-01-04", in: chat.room)
        try await bot.run()
        clock.advance(to: at("2027-01-04 09:00"))
        try await bot.run()
        let roomPosts = try await chat.botMessages().count

        // Wednesday 12:00: the reminder goes to the team's room; the nudges to members with no example yet go
        // privately, and no one is named in the room.
        clock.advance(to: at("2027-01-06 12:00"))
        try await bot.run()
        var posts = try await chat.botMessages()
        #expect(posts.count == roomPosts + 1)
        #expect(posts.last?.messageBody.hasPrefix("Midweek reminder") == true)
        #expect(posts.allSatisfy { !$0.messageBody.contains("gentle nudge") })

        // Sam's client: one invite, from the bot, marked direct; the bot's m.direct lists that room for Sam.
        let invites = try await chat.sam.invites()
        #expect(invites.count == 1)
        let invite = try #require(invites.first)
        #expect(invite.inviter == chat.bot.userID)
        #expect(invite.isDirect)
        let direct = try #require(try await chat.bot.accountData("m.direct"))
        #expect(direct[chat.sam.userID] as? [String] == [invite.room])
        #expect((direct[chat.alex.userID] as? [String])?.count == 1)
        #expect(direct[chat.alex.userID] as? [String] != [invite.room])
        // Sam accepts the invite and finds the nudge waiting.
        try await chat.sam.join(invite.room)
        var privately = try await chat.sam.messages(in: invite.room)
        #expect(privately.map(\.sender) == [chat.bot.userID])
        #expect(privately.first?.messageBody.hasPrefix("Hi Sam, your check-in for today:") == true)
        #expect(privately.first?.messageBody.contains("You haven't shared an example yet") == true)

        // Sam answers there, without a `!`. The next start (a new process) finds the room in m.direct, reads Sam's
        // answer as private, and thanks Sam in the same room: a second private message, no second room.
        try await chat.sam.say("example I walked a customer through a refund", in: invite.room)
        try await bot.run()
        privately = try await chat.sam.messages(in: invite.room)
        #expect(privately.map(\.sender) == [chat.bot.userID, chat.sam.userID, chat.bot.userID])
        #expect(privately.last?.messageBody.hasPrefix("Thanks, Sam: noted.") == true)
        posts = try await chat.botMessages()
        #expect(posts.count == roomPosts + 1)
        #expect(try await bot.state().examples.all.map(\.text) == ["I walked a customer through a refund"])
        #expect(try await chat.bot.accountData("m.direct")?[chat.sam.userID] as? [String] == [invite.room])
        #expect(try await chat.sam.invites().isEmpty)
        // The team's room and one direct room per nudged member, nothing more.
        #expect(Set(try await chat.bot.joinedRooms()).count == 3)
    }

    @Test("a private message the homeserver cannot deliver is refused alone: a user it does not know, a server it will not reach",
        .enabled(if: synapse != nil, "needs a local Synapse (COACH_SYNAPSE_URL): run bash scripts/test.sh"))
    func refusedPrivateMessages() async throws {
        let homeserver = try #require(synapse)
        let chat = try await SynapseRoom.make(homeserver)
        let transport = try SynapseBot(setup: try Fixtures.setup(), account: chat.bot, room: chat.room, clock: ManualClock(Date()))
            .transport()
        _ = try await transport.poll(PollRequest(cursor: nil, timeout: .zero))
        let nobody = "@nobody-\(UUID().uuidString.prefix(8).lowercased()):localhost"
        for user in [nobody, "@sam:unreachable.example"] {
            let message = OutboundMessage(id: "o1", destination: .direct(userID: user), kind: .nudge, text: "Hi", createdAt: Date())
            do {
                _ = try await transport.send(message, key: "dm-\(UUID().uuidString.prefix(8))")
                Issue.record("a private message to \(user) must be refused")
            } catch {
                guard case .rejected(let reason) = error else { Issue.record("expected rejected, got \(error)"); continue }
                #expect(reason.contains(user) || reason.contains("M_FORBIDDEN"), "\(reason)")
            }
        }
        // The bot carries on in its room.
        let hello = OutboundMessage(id: "o2", destination: .channel, kind: .reply, text: "Hello", createdAt: Date())
        _ = try await transport.send(hello, key: "hello-\(UUID().uuidString.prefix(8))")
        #expect(try await chat.botMessages().map(\.messageBody) == ["Hello"])
    }

    /// The report as a test renders it: the state's example count, in a page with text that is not ASCII.
    static let renderer: AttachmentRenderer = { attachment, state, now in
        FileAttachment(
            filename: "programme-report-test.html", mimeType: "text/html; charset=utf-8",
            bytes: Data("<!doctype html><title>Report</title><p>Zoë’s team: \(state.examples.all.count) examples</p>".utf8))
    }

    @Test("report html from the admin reaches the admin's direct room as a file whose bytes are the rendered report",
        .enabled(if: synapse != nil, "needs a local Synapse (COACH_SYNAPSE_URL): run bash scripts/test.sh"))
    func reportFile() async throws {
        let homeserver = try #require(synapse)
        let (chat, bot, directory) = try await SynapseBot.programme(on: homeserver)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await bot.run()
        try await chat.sam.say("!example I rang a customer back within the hour", in: chat.room)
        try await chat.alex.say("!report html", in: chat.room)
        // The real transport this time (the loop above wraps it), so the runtime hands it the file.
        let matrix = try bot.transport()
        let prompts = try bot.setup.prompts(for: matrix.capabilities.markup)
        let coach = Coach(config: bot.setup.config, catalogue: bot.setup.catalogue, prompts: prompts, capabilities: matrix.capabilities)
        let session = try CoachSession(coach: coach, directory: bot.setup.stateDirectory, logger: SynapseBot.logger)
        let once = OnePoll(matrix)
        let service = BotService(session: session, transport: once, clock: bot.clock, logger: SynapseBot.logger,
            pollTimeout: .milliseconds(10), randomSeed: 7, renderAttachment: Self.renderer)
        try await service.run()

        // In the room: only that it was sent privately.
        let posts = try await chat.botMessages()
        #expect(posts.last?.messageBody.contains("sent the programme report to you privately, Alex") == true)
        #expect(posts.allSatisfy { ($0["content"] as? [String: Any])?["msgtype"] as? String != "m.file" })

        // Alex's client: the bot's invite to a direct room, and in it the file.
        let invite = try #require(try await chat.alex.invites().first { $0.inviter == chat.bot.userID })
        #expect(invite.isDirect)
        try await chat.alex.join(invite.room)
        let event = try #require(try await chat.alex.messages(in: invite.room).last)
        let content = try #require(event["content"] as? [String: Any])
        #expect(event.sender == chat.bot.userID)
        #expect(content["msgtype"] as? String == "m.file")
        #expect(content["filename"] as? String == "programme-report-test.html")
        #expect((content["body"] as? String)?.contains("programme report, Alex") == true)
        #expect((content["info"] as? [String: Any])?["mimetype"] as? String == "text/html")
        let uri = try #require(content["url"] as? String)
        let (bytes, type) = try await chat.alex.download(uri)
        #expect(String(decoding: bytes, as: UTF8.self) == "<!doctype html><title>Report</title><p>Zoë’s team: 1 examples</p>")
        #expect(type?.hasPrefix("text/html") == true)
        #expect(try await bot.state().outbox.isEmpty)
    }
}

/// The Matrix transport, polled once and then closed, as the console's input ends: the bot loop runs one turn (the
/// poll, the replies it caused, the file) and stops cleanly. It keeps the transport's file sending.
struct OnePoll: PollingTransport, SendsFiles {
    let matrix: any PollingTransport & SendsFiles
    let polls = SynapseBot.Counter()

    init(_ transport: any PollingTransport) {
        // The Matrix adapter sends files; a build where it did not would fail here, not pass quietly.
        matrix = transport as! any PollingTransport & SendsFiles
    }

    var name: String { matrix.name }
    var capabilities: TransportCapabilities { matrix.capabilities }
    var pacing: PollPacing { matrix.pacing }

    func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        if await polls.next() > 1 { throw .closed }
        return try await matrix.poll(request)
    }

    func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        try await matrix.send(message, key: key)
    }

    func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery {
        try await matrix.send(message, file: file, key: key)
    }

    func check() async -> [CheckFinding] { await matrix.check() }
}
