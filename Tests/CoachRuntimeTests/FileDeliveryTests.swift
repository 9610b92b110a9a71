import CoachChat
import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging
import Testing

/// The report file through the live loop: made by the injected renderer when it is sent, handed to a platform that
/// takes files, and answered in words when it does not go.
@Suite("Files in the outbox", .timeLimit(.minutes(10)))
struct FileDeliveryTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func bot(_ transport: any ChatTransport, clock: ManualClock, state: URL, renderer: AttachmentRenderer?) throws -> BotService {
        var setup = try Fixtures.setup(state: state)
        setup.config.holidays = []
        return try BotService.open(
            setup: setup, transport: transport, clock: clock, logger: logger, randomSeed: 7, renderAttachment: renderer)
    }

    /// Alex, the shipped config's admin, asks privately.
    static let ask = PollBatch(
        messages: [InboundMessage(id: "m1", senderID: "alex", senderName: "Alex", text: "report html", isDirect: true)], cursor: "c1")

    static func reopen(_ state: URL) throws -> CoachState {
        let (store, loaded) = try StateStore.open(
            directory: state, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        store.close()
        return loaded
    }

    static let renderFile: AttachmentRenderer = { _, _, _ in
        FileAttachment(filename: "report.html", mimeType: "text/html; charset=utf-8", bytes: Data("<p>report</p>".utf8))
    }

    @Test("the file is made when it is sent, from the state, and goes to the asker with its caption and delivery key")
    func sent() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chat = ScriptedChat(batches: [Self.ask])
        let clock = ManualClock(Self.start)
        let seen = Box()
        let renderer: AttachmentRenderer = { attachment, state, now in
            seen.set(attachment: attachment, installID: state.installID, at: now)
            return try Self.renderFile(attachment, state, now)
        }
        try await Self.bot(chat.fileTransport(), clock: clock, state: dir, renderer: renderer).run()
        let files = await chat.files
        #expect(files.count == 1)
        let file = try #require(files.first)
        #expect(file.message.destination == .direct(userID: "alex"))
        #expect(file.message.attachment == .programmeReport(format: .html))
        #expect(file.message.text.contains("programme report, Alex"))
        #expect(file.file.bytes == Data("<p>report</p>".utf8))
        let state = try Self.reopen(dir)
        #expect(file.key == (state.installID ?? "") + "-" + file.message.id)
        #expect(state.outbox.isEmpty)
        #expect(seen.attachment == .programmeReport(format: .html))
        #expect(seen.installID != nil, "the renderer reads the state as it stands when the file is sent")
        #expect(seen.at == Self.start)
        #expect(await chat.sent.allSatisfy { $0.attachment == nil }, "the file goes only through the file call")
    }

    @Test("a file the platform refuses is dropped, and the member is told why and how else to get the report",
        arguments: [(FileProblem.notAllowed, "doesn't let me upload files"), (.tooLarge, "larger than this chat accepts")])
    func refused(_ problem: FileProblem, _ words: String) async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chat = ScriptedChat(batches: [Self.ask], fileAnswers: [.success(.refused(FileRefusal(problem, reason: "files:write is missing")))])
        try await Self.bot(chat.fileTransport(), clock: ManualClock(Self.start), state: dir, renderer: Self.renderFile).run()
        #expect(await chat.files.isEmpty)
        let notice = try #require(await chat.sent.last)
        #expect(notice.destination == .direct(userID: "alex"))
        #expect(notice.text.contains(words), "\(notice.text)")
        #expect(notice.text.contains("coach report --html"))
        let state = try Self.reopen(dir)
        #expect(state.outbox.isEmpty)
    }

    @Test("without a renderer, or when it fails, the member is told the report could not be made", arguments: [false, true])
    func notMade(_ failing: Bool) async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chat = ScriptedChat(batches: [Self.ask])
        let broken: AttachmentRenderer = { _, _, _ in throw CocoaError(.fileReadCorruptFile) }
        let renderer: AttachmentRenderer? = failing ? broken : nil
        try await Self.bot(chat.fileTransport(), clock: ManualClock(Self.start), state: dir, renderer: renderer).run()
        #expect(await chat.files.isEmpty)
        let notice = try #require(await chat.sent.last)
        #expect(notice.destination == .direct(userID: "alex"))
        #expect(notice.text.contains("couldn't make the report file just now"), "\(notice.text)")
        #expect(try Self.reopen(dir).outbox.isEmpty)
    }

    @Test("an outage while sending the file is retried with backoff, and the file is made again for the retry")
    func retried() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chat = ScriptedChat(batches: [Self.ask], fileAnswers: [.failure(.temporary(reason: "HTTP 502"))])
        let clock = ManualClock(Self.start)
        let made = Box()
        let renderer: AttachmentRenderer = { attachment, state, now in
            made.count()
            return try Self.renderFile(attachment, state, now)
        }
        let bot = try Self.bot(chat.fileTransport(), clock: clock, state: dir, renderer: renderer)
        let run = Task { try await bot.run() }
        await clock.waitForSleepers()
        #expect(await chat.files.isEmpty)
        clock.advance(by: 10)
        try await run.value
        #expect(await chat.files.count == 1)
        #expect(made.renders == 2)
    }

    @Test("a file queued on a platform that took files, sent after a move to one that does not, is answered in words")
    func movedToAPlatformWithoutFiles() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock(Self.start)
        let before = ScriptedChat(batches: [Self.ask], fileAnswers: [.failure(.unauthorized(reason: "token revoked"))])
        await #expect(throws: BotError.self) {
            try await Self.bot(before.fileTransport(), clock: clock, state: dir, renderer: Self.renderFile).run()
        }
        #expect(try Self.reopen(dir).outbox.contains { $0.attachment != nil })
        let after = ScriptedChat(batches: [])
        try await Self.bot(after.transport(), clock: clock, state: dir, renderer: Self.renderFile).run()
        let notice = try #require(await after.sent.first)
        #expect(notice.destination == .direct(userID: "alex"))
        #expect(notice.text.contains("I can't send files here, Alex"), "\(notice.text)")
        #expect(try Self.reopen(dir).outbox.isEmpty)
    }
}

/// What a renderer saw, written from its synchronous closure.
final class Box: @unchecked Sendable {
    // @unchecked: every field is read and written under `lock`.
    private let lock = NSLock()
    private var seen: (attachment: OutboundMessage.Attachment?, installID: String?, at: Date?) = (nil, nil, nil)
    private var made = 0

    func set(attachment: OutboundMessage.Attachment, installID: String?, at: Date) {
        lock.withLock { seen = (attachment, installID, at) }
    }

    func count() { lock.withLock { made += 1 } }

    var attachment: OutboundMessage.Attachment? { lock.withLock { seen.attachment } }
    var installID: String? { lock.withLock { seen.installID } }
    var at: Date? { lock.withLock { seen.at } }
    var renders: Int { lock.withLock { made } }
}

@Suite("Outbox order", .timeLimit(.minutes(10)))
struct OutboxOrderTests {
    @Test("a message queued under a headline goes into the headline's thread once the headline is sent, in the same turn")
    func followerJoinsTheThread() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        var state = CoachState()
        let events: [StateEvent] = [
            .installed(id: "k"),
            .queued(OutboundMessage(id: "o1", destination: .channel, kind: .summary, text: "Headline", createdAt: at)),
            .queued(OutboundMessage(id: "o2", destination: .channel, kind: .summary, text: "Lists", createdAt: at, threadUnder: "o1")),
        ]
        let (store, _) = try StateStore.open(
            directory: dir, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        for event in events { state.apply(event) }
        try store.commit(events, state: state)
        store.close()
        let chat = ScriptedChat(batches: [])
        try await FileDeliveryTests.bot(chat.transport(), clock: ManualClock(at), state: dir, renderer: nil).run()
        let sent = await chat.sent
        #expect(sent.map(\.id).prefix(2) == ["o1", "o2"])
        #expect(sent.first { $0.id == "o2" }?.destination == .thread(rootID: "p1"))
    }
}
