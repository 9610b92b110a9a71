import CoachChat
import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The live loop with a scripted platform, a manual clock and a real state folder.
@Suite("Bot service", .timeLimit(.minutes(10)))
struct BotServiceTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func bot(_ chat: ScriptedChat, clock: ManualClock, state: URL, length: Int = 3) throws -> BotService {
        var setup = try Fixtures.setup(state: state)
        setup.config.holidays = []
        setup.config.programme.suggestedLength = length
        return try BotService.open(setup: setup, transport: chat.transport(), clock: clock, logger: logger, randomSeed: 7)
    }

    static func message(_ id: String, _ sender: String, _ text: String, thread: String? = nil) -> InboundMessage {
        InboundMessage(id: id, senderID: sender, senderName: sender.capitalized, text: text, threadRootID: thread)
    }

    static func reopen(_ state: URL) throws -> CoachState {
        let (store, loaded) = try StateStore.open(
            directory: state, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        store.close()
        return loaded
    }

    @Test("a member's command gets the bot's reply; the cursor is committed with it")
    func commandReply() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chat = ScriptedChat(batches: [PollBatch(messages: [Self.message("m1", "sam", "!help example")], cursor: "c1")])
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        try await Self.bot(chat, clock: clock, state: dir).run()
        let sent = await chat.sent
        #expect(sent.map(\.kind) == [.notice, .reply])
        #expect(sent[1].text.contains("!example"))
        let state = try Self.reopen(dir)
        #expect(state.cursors["fake"] == "c1")
        #expect(state.outbox.isEmpty)
        #expect(state.recentMessageIDs.contains("m1"))
    }

    @Test("a redelivered batch (crash before the cursor moved) is applied once")
    func replayedBatch() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let batch = PollBatch(messages: [Self.message("m1", "sam", "!example once only")], cursor: "c1")
        let chat = ScriptedChat(batches: [batch, batch])
        try await Self.bot(chat, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), state: dir).run()
        #expect(try Self.reopen(dir).examples.all.count == 1)
        #expect(await chat.sent.filter { $0.kind == .reply }.count == 1)
    }

    @Test("messages are committed to the outbox before sending: a failed send is sent after a restart, once")
    func outboxSurvivesRestart() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let broken = ScriptedChat(batches: [], sendFailures: [.unauthorized(reason: "token revoked")])
        await #expect(throws: BotError.self) { try await Self.bot(broken, clock: clock, state: dir).run() }
        let pending = try Self.reopen(dir).outbox
        #expect(pending.count == 1)
        let fixed = ScriptedChat(batches: [])
        try await Self.bot(fixed, clock: clock, state: dir).run()
        #expect(await fixed.sent.map(\.id) == pending.map(\.id))
        #expect(try Self.reopen(dir).outbox.isEmpty)
        let again = ScriptedChat(batches: [])
        try await Self.bot(again, clock: clock, state: dir).run()
        #expect(await again.sent.isEmpty)
    }

    @Test("a 429 waits out the platform's retry time before sending again")
    func rateLimited() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let chat = ScriptedChat(batches: [], sendFailures: [.rateLimited(retryAfter: .seconds(30))])
        let bot = try Self.bot(chat, clock: clock, state: dir)
        let start = clock.now()
        let run = Task { try await bot.run() }
        await clock.waitForSleepers()
        // Parked until exactly the platform's retry time, so nothing can be sent before it.
        #expect(clock.deadlines == [start.addingTimeInterval(30)])
        #expect(await chat.sent.isEmpty)
        clock.advance(by: 29)
        #expect(clock.deadlines == [start.addingTimeInterval(30)], "29 s later the loop is still parked on the same wait")
        clock.advance(by: 1)
        try await run.value
        #expect(await chat.sent.count == 1)
    }

    @Test("5xx and timeouts back off exponentially with jitter, then succeed")
    func backoff() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let chat = ScriptedChat(batches: [], sendFailures: [.temporary(reason: "HTTP 502"), .temporary(reason: "timeout")])
        let bot = try Self.bot(chat, clock: clock, state: dir)
        let run = Task { try await bot.run() }
        for _ in 0..<2 {
            await clock.waitForSleepers()
            #expect(await chat.sent.isEmpty)
            clock.advance(by: 10)
        }
        try await run.value
        #expect(await chat.sent.count == 1)
        // The loop's own waits: the first between 0.5 and 1 s, the second between 1 and 2 s (half fixed, half jitter).
        let waits = clock.requestedWaits
        #expect(waits.count >= 2)
        #expect(waits.count >= 2 && (0.5...1).contains(waits[0]) && (1...2).contains(waits[1]), "waits were \(waits)")
    }

    @Test("backoff delays grow, stay within their step and are reproducible for a seed")
    func backoffDelays() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(60))
        var a = SeededRandom(seed: 1)
        var b = SeededRandom(seed: 1)
        for attempt in 0..<10 {
            let step = min(60.0, pow(2, Double(attempt)))
            let delay = backoff.delay(attempt: attempt, using: &a)
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            #expect(seconds >= step / 2 - 0.001 && seconds <= step + 0.001)
            #expect(delay == backoff.delay(attempt: attempt, using: &b))
        }
    }

    @Test("a rejected message is dropped and logged, and the rest still go out")
    func rejected() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chat = ScriptedChat(
            batches: [PollBatch(messages: [Self.message("m1", "sam", "!status")], cursor: "c1")],
            sendFailures: [.rejected(reason: "cannot send private messages to this user")])
        try await Self.bot(chat, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), state: dir).run()
        #expect(await chat.sent.map(\.kind) == [.reply])
        #expect(try Self.reopen(dir).outbox.isEmpty)
    }

    @Test("restart in mid-week loses nothing and posts nothing twice")
    func restartMidWeek() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let coach = try Fixtures.coach()
        let clock = ManualClock(Harness.instant("2027-01-01 10:00", coach))
        let setupChat = ScriptedChat(batches: [PollBatch(messages: [Self.message("m1", "alex", "!start 2027-01-04")], cursor: "c1")])
        try await Self.bot(setupChat, clock: clock, state: dir).run()
        clock.advance(to: Harness.instant("2027-01-04 09:00", coach))
        let monday = ScriptedChat(batches: [])
        try await Self.bot(monday, clock: clock, state: dir).run()
        let announcement = try #require(await monday.sent.first { $0.kind == .announcement })
        clock.advance(to: Harness.instant("2027-01-05 11:00", coach))
        let tuesday = ScriptedChat(batches: [PollBatch(messages: [Self.message("m2", "sam", "Fixed an order", thread: "p1")], cursor: "c2")])
        try await Self.bot(tuesday, clock: clock, state: dir).run()
        #expect(await tuesday.sent.filter { $0.kind == .announcement }.isEmpty)
        #expect(await tuesday.sent.map(\.kind) == [.reply])
        let state = try Self.reopen(dir)
        #expect(state.examples.all.map(\.text) == ["Fixed an order"])
        #expect(state.weeks.first?.announcementOutboxID == announcement.id)
        #expect(state.cursors["fake"] == "c2")
    }

    @Test("a corrupt state file stops the bot with a clear message and is never overwritten")
    func corruptState() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("state.json")
        let garbage = Data("{\"schema\": 1, \"seq\": 3, \"state\": {\"members\": [oops".utf8)
        try garbage.write(to: file)
        do {
            _ = try Self.bot(ScriptedChat(batches: []), clock: ManualClock(Date()), state: dir)
            Issue.record("a corrupt state was accepted")
        } catch let error as StoreError {
            #expect(error.description.contains(file.path))
            #expect(error.description.contains("backup"))
        }
        #expect(try Data(contentsOf: file) == garbage)
    }

    @Test("a state from a newer version is refused, untouched")
    func newerState() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("state.json")
        let future = Data(#"{"schema": 99, "seq": 0, "state": {}}"#.utf8)
        try future.write(to: file)
        #expect(throws: StoreError.newerSchema(path: file.path, found: 99, supported: CoachState.schemaVersion)) {
            _ = try Self.bot(ScriptedChat(batches: []), clock: ManualClock(Date()), state: dir)
        }
        #expect(try Data(contentsOf: file) == future)
    }

    @Test("two bots cannot share one state")
    func lock() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Self.bot(ScriptedChat(batches: []), clock: ManualClock(Date()), state: dir)
        #expect(throws: StoreError.self) {
            _ = try Self.bot(ScriptedChat(batches: []), clock: ManualClock(Date()), state: dir)
        }
        _ = first
    }

    @Test("however long the platform was away, the bot is back within 10 s of its return", arguments: [60.0, 300.0, 1800.0])
    func recoveryAfterOutage(seconds outage: TimeInterval) async throws {
        for seed in UInt64(1)...20 {
            let seconds = try await OutageRecovery.secondsToRecover(afterOutage: outage, seed: seed)
            #expect((0...10).contains(seconds), "seed \(seed): back \(seconds) s after a \(Int(outage)) s outage")
        }
    }

    @Test("the back-off never waits longer than its cap, so probes continue through a long outage")
    func backoffCap() {
        var random = SeededRandom(seed: 3)
        let waits = (0..<400).map { Backoff().delay(attempt: $0, using: &random) }
        #expect(waits.allSatisfy { $0 <= .seconds(8) }, "longest wait \(waits.max()!)")
        #expect(waits.suffix(100).allSatisfy { $0 >= .seconds(4) }, "at the cap, half the step is fixed")
    }

    @Test("a long outage logs a handful of warnings, and one line when the platform answers again")
    func outageLogging() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let failures = (0..<100).map { _ in TransportError.temporary(reason: "connection refused") }
        let chat = ScriptedChat(batches: [], sendFailures: failures)
        let log = LogRecorder()
        var setup = try Fixtures.setup(state: dir)
        setup.config.holidays = []
        let bot = try BotService.open(setup: setup, transport: chat.transport(), clock: clock, logger: log.logger, randomSeed: 7)
        let run = Task { try await bot.run() }
        for _ in 0..<100 {
            await clock.waitForSleepers()
            clock.advance(by: 10)
        }
        try await run.value
        let warnings = log.all.filter { $0.hasPrefix("warning: platform call failed") }
        // The 1st, 2nd, 4th, 8th, 16th, 32nd and 64th of 100 failed calls.
        #expect(warnings.count == 7, "\(warnings)")
        let back = try #require(log.all.first { $0.hasPrefix("notice: platform answering again") })
        #expect(back.contains("failedCalls=100"), "\(back)")
        #expect(log.all.last?.hasPrefix("info: bot stopped") == true, "\(log.all.suffix(3))")
    }

    @Test("a graceful stop during a poll logs no failure, and says the bot stopped")
    func cleanStopDuringPoll() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let polling = AsyncStream<Void>.makeStream()
        // A long poll that ends only when cancelled, failing as the HTTP client fails a cancelled request.
        let transport = FakeTransport(
            onPoll: { _ throws(TransportError) in
                polling.continuation.yield()
                do { try await Task.sleep(for: .seconds(3600)) } catch { throw .temporary(reason: "cancelled") }
                throw .temporary(reason: "the poll was not cancelled")
            },
            onSend: { _, _ in "sent" })
        let log = LogRecorder()
        var setup = try Fixtures.setup(state: dir)
        setup.config.holidays = []
        let bot = try BotService.open(
            setup: setup, transport: transport, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
            logger: log.logger, randomSeed: 7)
        let group = ServiceGroup(configuration: .init(services: [bot], logger: Self.logger))
        let running = Task { try await group.run() }
        var polls = polling.stream.makeAsyncIterator()
        _ = await polls.next()
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(!log.all.contains { $0.hasPrefix("warning") || $0.hasPrefix("error") || $0.hasPrefix("critical") }, "\(log.all)")
        #expect(log.all.last?.hasPrefix("info: bot stopped") == true, "\(log.all)")
    }
}
