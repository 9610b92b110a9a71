import CoachChat
import CoachCore
import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// Helpers every adapter's tests share. A suite (or a test kit) adopts `AdapterTestSuite` and calls them as
/// `Self.message(…)` / `Kit.error { … }`, so each platform's file keeps only what is particular to its platform.
protocol AdapterTestSuite {}

extension AdapterTestSuite {
    static var logger: Logger { Logger(label: "adapter-test") { _ in SwiftLogNoOpLogHandler() } }

    /// What an adapter is given, with a real HTTP client (tests point it at a `FakeServer`), or `web` (a
    /// `TimeoutWebClient`, for a test of what a timeout does).
    static func context(logger: Logger? = nil, web: (any WebClient)? = nil) -> PlatformContext {
        PlatformContext(web: web ?? HTTPWebClient(), logger: logger ?? Self.logger, botName: "coach")
    }

    /// A platform's settings: the test's usual `values` with `overrides` on top.
    static func settings(_ kind: String, _ values: [String: String], _ overrides: [String: String] = [:],
        environment: [String: String]) -> PlatformSettings
    {
        PlatformSettings(kind: kind, values: values.merging(overrides) { _, new in new }, environment: environment)
    }

    static func poll(_ transport: some PollingTransport, _ cursor: String?, threads: [String] = []) async throws(TransportError) -> PollBatch {
        try await transport.poll(PollRequest(cursor: cursor, timeout: .seconds(1), threads: threads))
    }

    /// A reply the engine would send.
    static func message(_ text: String, to destination: OutboundMessage.Destination = .channel, id: String = "o1") -> OutboundMessage {
        OutboundMessage(id: id, destination: destination, kind: .reply, text: text, createdAt: Date(timeIntervalSince1970: 0))
    }

    /// Records an issue unless `body` throws an error that `expected` accepts.
    static func expectError(_ expected: (TransportError) -> Bool, _ body: () async throws(TransportError) -> Void,
        sourceLocation: SourceLocation = #_sourceLocation) async
    {
        do {
            try await body()
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch {
            #expect(expected(error), "\(error)", sourceLocation: sourceLocation)
        }
    }

    /// The error a call threw, or nil.
    static func error(_ body: () async throws -> Void) async -> TransportError? {
        do {
            try await body()
            return nil
        } catch let error as TransportError {
            return error
        } catch {
            Issue.record("expected a TransportError, got \(error)")
            return nil
        }
    }

    /// `Config/examples/<kind>.json` loaded, and the adapter it names built with `environment` as its secrets.
    static func example(_ kind: String, environment: [String: String]) throws -> (setup: CoachSetup, transport: any ChatTransport) {
        let setup = try CoachSetup.load(
            configPath: Fixtures.projectRoot.appendingPathComponent("Config/examples/\(kind).json").path,
            promptsPath: Fixtures.projectRoot.appendingPathComponent("Prompts").path, stateOverride: Fixtures.temporaryDirectory().path)
        // A terminal too, as `coach` attaches one: the console is one of the platforms.
        var context = context()
        context.terminal = Terminal(
            input: ConsoleInput(), output: { _ in }, roster: setup.config.members, prompts: try setup.prompts(for: .plain),
            clockText: { "" })
        let transport = try Platforms.make(kind: setup.config.transport.kind, settings: setup.config.transport.settings,
            environment: environment, context: context)
        return (setup, transport)
    }

    /// How often `transport` may be polled; nil for a send-only one, which cannot be.
    static func pacing(_ transport: any ChatTransport) -> PollPacing? {
        (transport as? any PollingTransport)?.pacing
    }

    // MARK: - The real engine

    /// An in-memory session of the real engine, with the real prompts in the transport's markup.
    static func session(for transport: some ChatTransport, _ adjust: (inout CoachConfig) -> Void = { _ in }) throws -> CoachSession {
        let coach = try Fixtures.coach(capabilities: transport.capabilities, adjust)
        return try CoachSession(coach: coach, directory: nil, logger: logger)
    }

    /// One turn of the live loop: (optionally) the clock's tick, a poll, the batch applied, the outbox delivered.
    static func step(_ session: CoachSession, _ transport: some PollingTransport, at now: Date, tick: Bool = true,
        timeout: Duration = .seconds(1)) async throws
    {
        if tick { try await session.tick(at: now) }
        let batch = try await transport.poll(await session.pollRequest(for: transport.name, timeout: timeout))
        try await session.receive(batch, transport: transport.name, at: now)
        try await deliver(session, transport)
    }

    /// Sends everything in the outbox, marking each delivered with the platform's id.
    static func deliver(_ session: CoachSession, _ transport: some ChatTransport) async throws {
        for message in await session.outbox {
            let id = try await transport.send(message, key: await session.deliveryKey(for: message))
            try await session.markDelivered(message.id, platformID: id)
        }
    }
}

extension String {
    /// A Monday post as the shipped config makes it: week 0's definition activity opens the programme, and the
    /// weeks after it announce their principle.
    var isMondayPost: Bool { contains("Principle of the week") || contains("Week 0, before our") }
}

extension AdapterTestSuite {
    /// A report file as the runtime hands it to a transport: a small HTML page with text that is not ASCII and a line
    /// that looks like a multipart boundary, so a transport that mangles bytes or cuts at a fake boundary is caught.
    static var reportFile: FileAttachment {
        FileAttachment(
            filename: "programme-report-2027-01-05.html", mimeType: "text/html; charset=utf-8",
            bytes: Data("<!doctype html><title>Report</title><p>Zoë said “thanks” 🎉</p>\r\n--ServiceCoach-form-boundary-7c2e9a\r\n<p>end</p>".utf8))
    }
}

extension FileDelivery {
    /// The refusal, when the platform refused the file.
    var refusal: FileRefusal? {
        if case .refused(let refusal) = self { refusal } else { nil }
    }
}
