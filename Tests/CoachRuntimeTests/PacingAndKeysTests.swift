import CoachChat
import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// How the loop paces platforms that answer at once, never reads send-only ones, and keys every delivery.
@Suite("Pacing and delivery keys", .timeLimit(.minutes(10)))
struct PacingAndKeysTests {
    /// Counts polls; hands out scripted batches, then empty ones.
    actor Polls {
        var requests: [PollRequest] = []
        var batches: [PollBatch]
        init(_ batches: [PollBatch] = []) { self.batches = batches }
        func next(_ request: PollRequest) -> PollBatch {
            requests.append(request)
            return batches.isEmpty ? PollBatch(messages: [], cursor: request.cursor ?? "now") : batches.removeFirst()
        }
    }

    actor Sends {
        var messages: [(OutboundMessage, String)] = []
        func add(_ message: OutboundMessage, _ key: String) -> String {
            messages.append((message, key))
            return "p\(messages.count)"
        }
    }

    static func bot(_ transport: any ChatTransport, clock: ManualClock, state: URL) throws -> BotService {
        var setup = try Fixtures.setup(state: state)
        setup.config.holidays = []
        return try BotService.open(setup: setup, transport: transport, clock: clock, logger: BotServiceTests.logger, randomSeed: 7)
    }

    @Test("a platform that answers at once is polled again only after its interval")
    func intervalPacing() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let polls = Polls()
        let sends = Sends()
        let transport = FakeTransport(
            pacing: .every(.seconds(5)),
            onPoll: { request in await polls.next(request) },
            onSend: { message, key in await sends.add(message, key) })
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let start = clock.now()
        let run = Task { try await Self.bot(transport, clock: clock, state: dir).run() }
        await clock.waitForSleepers()
        #expect(await polls.requests.count == 1)
        // After an empty poll the loop is parked for the platform's interval, so it cannot poll before then.
        #expect(clock.deadlines == [start.addingTimeInterval(5)])
        clock.advance(by: 4)
        #expect(clock.deadlines == [start.addingTimeInterval(5)], "no second poll before the interval has passed")
        #expect(await polls.requests.count == 1)
        clock.advance(by: 1)
        await clock.waitForSleepers()
        #expect(await polls.requests.count == 2)
        run.cancel()
        _ = try? await run.value
    }

    @Test("a send-only platform is never polled, yet its posts go out")
    func sendOnly() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sends = Sends()
        // Send-only: it has no `poll` at all, so the loop cannot poll it.
        let transport = FakeSendOnlyTransport(onSend: { message, key in await sends.add(message, key) })
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let run = Task { try await Self.bot(transport, clock: clock, state: dir).run() }
        await clock.waitForSleepers()
        let kinds = await sends.messages.map(\.0.kind)
        #expect(kinds == [.notice], "the introduction is posted without any poll")
        run.cancel()
        _ = try? await run.value
    }

    @Test("delivery keys carry the install id, survive a restart and differ between installs")
    func deliveryKeys() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chat = ScriptedChat(batches: [PollBatch(messages: [BotServiceTests.message("m1", "sam", "!help")], cursor: "c1")])
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        try await BotServiceTests.bot(chat, clock: clock, state: dir).run()
        let keys = await chat.sentKeys
        let install = try #require(try BotServiceTests.reopen(dir).installID)
        #expect(keys == ["\(install)-o1", "\(install)-o2"])
        // The same state keeps its install id.
        let again = ScriptedChat(batches: [PollBatch(messages: [BotServiceTests.message("m2", "sam", "!help")], cursor: "c2")])
        try await BotServiceTests.bot(again, clock: clock, state: dir).run()
        #expect(await again.sentKeys == ["\(install)-o3"])
        // A fresh state is a new install, so its o1 cannot collide with the old o1 (a Matrix txnId, say).
        let other = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: other) }
        var setup = try Fixtures.setup(state: other)
        setup.config.holidays = []
        let fresh = ScriptedChat(batches: [])
        try await BotService.open(setup: setup, transport: fresh.transport(), clock: clock, logger: BotServiceTests.logger, randomSeed: 8).run()
        let freshKey = try #require(await fresh.sentKeys.first)
        #expect(freshKey.hasSuffix("-o1") && freshKey != "\(install)-o1")
    }

    @Test("polls ask for the thread of this week's announcement once it is delivered")
    func watchedThreads() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let coach = try Fixtures.coach()
        let clock = ManualClock(Harness.instant("2027-01-01 10:00", coach))
        let setupChat = ScriptedChat(batches: [PollBatch(messages: [BotServiceTests.message("m1", "alex", "!start 2027-01-04")], cursor: "c1")])
        try await BotServiceTests.bot(setupChat, clock: clock, state: dir).run()
        #expect(await setupChat.pollThreads.allSatisfy { $0.isEmpty })
        clock.advance(to: Harness.instant("2027-01-04 09:00", coach))
        let monday = ScriptedChat(batches: [PollBatch(messages: [], cursor: "c2")])
        try await BotServiceTests.bot(monday, clock: clock, state: dir).run()
        let announcementIndex = try #require(await monday.sent.firstIndex { $0.kind == .announcement })
        // ScriptedChat numbers platform ids p1, p2, … in send order.
        #expect(await monday.pollThreads.first == ["p\(announcementIndex + 1)"])
    }
}
