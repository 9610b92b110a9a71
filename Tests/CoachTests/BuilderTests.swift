@testable import coach
import CoachChat
import CoachCore
import CoachPlatforms
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The builder is the one place that knows the concrete platforms: these wire a bot exactly as `coach run` does,
/// with a scripted terminal, a fake environment and a manual clock.
@Suite("Builder", .timeLimit(.minutes(10)))
struct BuilderTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func outside(_ input: ConsoleInput, _ printed: Printed, environment: [String: String] = [:]) -> CoachBuilder.Outside {
        CoachBuilder.Outside(
            clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), environment: environment,
            web: HTTPWebClient(), input: input, output: { printed.append($0) }, logger: logger, randomSeed: 1,
            shutdownSignals: [])
    }

    static func setup(_ config: String, state: URL) throws -> CoachSetup {
        try CoachSetup.load(
            configPath: Fixtures.projectRoot.appendingPathComponent(config).path,
            promptsPath: Fixtures.projectRoot.appendingPathComponent("Prompts").path, stateOverride: state.path)
    }

    @Test("the embedded default runs as coach run does: the console answers, and a graceful stop keeps the commit in flight")
    func defaultRunsAndStopsGracefully() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = ConsoleInput()
        let printed = Printed()
        let group = try CoachBuilder.serviceGroup(
            for: try Self.setup("Config/coach.json", state: dir), Self.outside(input, printed), reports: nil)
        let running = Task { try await group.run() }
        input.push("example kept through shutdown")
        // The reply is sent after the example's commit: once it is printed, the commit is durable.
        await printed.waitFor("noted")
        await group.triggerGracefulShutdown()
        try await running.value
        let (store, state) = try StateStore.open(
            directory: dir, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        store.close()
        #expect(state.examples.all.map(\.text) == ["kept through shutdown"])
        #expect(printed.text.hasPrefix("ServiceCoach local chat. You are Alex."))
    }

    @Test("closing the terminal's input (Ctrl-D) ends the group as a normal stop")
    func inputClosedEndsTheGroup() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = ConsoleInput()
        let printed = Printed()
        let group = try CoachBuilder.serviceGroup(
            for: try Self.setup("Config/coach.json", state: dir), Self.outside(input, printed), reports: nil)
        input.push("status")
        input.close()
        try await group.run()
        #expect(printed.text.contains("Where Corner Bakery is:"))
    }

    static let examples = try! FileManager.default.contentsOfDirectory(
        atPath: Fixtures.projectRoot.appendingPathComponent("Config/examples").path
    ).filter { $0.hasSuffix(".json") }.sorted()

    @Test("every example config, the console's included, builds its platform the same way", arguments: examples)
    func examplesBuild(_ file: String) throws {
        let setup = try Self.setup("Config/examples/\(file)", state: Fixtures.temporaryDirectory())
        // Every variable a config names holds something each setting of that kind accepts (a URL does for all).
        let environment = Dictionary(uniqueKeysWithValues: setup.config.transport.settings.filter { $0.key.hasSuffix("Env") }
            .map { ($0.value, "https://hooks.example.com/secret") })
        let transport = try CoachBuilder.transport(for: setup, Self.outside(ConsoleInput(), Printed(), environment: environment))
        #expect(transport.name == setup.config.transport.kind)
        #expect(file == "\(setup.config.transport.kind).json")
        // The engine answers `report html` from the capability; the runtime sends through the protocol: they agree.
        #expect(transport.capabilities.files == (transport is any SendsFiles), "\(file)")
        #expect(transport.capabilities.files == Self.takesFiles.contains(setup.config.transport.kind), "\(file)")
    }

    /// The platforms the report file goes to: every two-way platform but the console.
    static let takesFiles: Set<String> = ["slack", "mattermost", "telegram", "matrix", "discord", "zulip"]

    @Test("report html in the console: the admin is told at once that files cannot be shown here, and how to get the report")
    func reportFileInTheConsole() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = ConsoleInput()
        let printed = Printed()
        let group = try CoachBuilder.serviceGroup(
            for: try Self.setup("Config/coach.json", state: dir), Self.outside(input, printed), reports: { _ in { _, _ in "<p>never</p>" } })
        input.push("report html")
        input.close()
        try await group.run()
        #expect(printed.text.contains("I can't send files here, Alex"))
        #expect(printed.text.contains("coach report --html report.html"))
    }

    @Test("the report maker is prepared once from the setup; each file is named for the team's date and is HTML")
    func reportFiles() throws {
        let setup = try Self.setup("Config/coach.json", state: Fixtures.temporaryDirectory())
        let prepared = Prepared()
        let renderer = try #require(try ReportFiles.renderer(for: setup) { given in
            prepared.add(given.config.team.name)
            return { state, now in "<p>\(state.examples.all.count) examples at \(now.timeIntervalSince1970)</p>" }
        })
        #expect(prepared.names == ["Corner Bakery"])
        // 23:30 UTC on 4 July is already 5 July in London (summer time): the team's date names the file.
        let lateEvening = ISO8601DateFormatter().date(from: "2027-07-04T23:30:00Z")!
        let file = try renderer(.programmeReport(format: .html), CoachState(), lateEvening)
        #expect(file.filename == "programme-report-2027-07-05.html")
        #expect(file.mimeType == "text/html; charset=utf-8")
        #expect(String(decoding: file.bytes, as: UTF8.self) == "<p>0 examples at \(lateEvening.timeIntervalSince1970)</p>")
        #expect(prepared.names.count == 1, "made once when the bot is built, not per file")
        // Without a report maker the report cannot be made (the member is told so), but a member's data can.
        let bare = try ReportFiles.renderer(for: setup, reports: nil)
        #expect(throws: ReportFiles.NoReportMaker.self) { _ = try bare(.programmeReport(format: .html), CoachState(), lateEvening) }
        let data = try bare(.memberData(memberID: "u1"), CoachState(), lateEvening)
        #expect(data.filename == "my-data-2027-07-05.json")
        #expect(data.mimeType.hasPrefix("application/json"))
    }

    @Test("a report maker that cannot use the setup stops the start with its reason")
    func reportMakerRefusesTheSetup() throws {
        struct NoTemplates: Error, CustomStringConvertible { var description: String { "the report's templates are missing" } }
        let setup = try Self.setup("Config/coach.json", state: Fixtures.temporaryDirectory())
        #expect(throws: NoTemplates.self) {
            _ = try CoachBuilder.bot(for: setup, Self.outside(ConsoleInput(), Printed()), reports: { _ in throw NoTemplates() })
        }
    }

    @Test("an unknown transport.kind names every kind this build has, the console first")
    func unknownKind() throws {
        var setup = try Self.setup("Config/coach.json", state: Fixtures.temporaryDirectory())
        setup.config.transport.kind = "carrier-pigeon"
        do {
            _ = try CoachBuilder.transport(for: setup, Self.outside(ConsoleInput(), Printed()))
            Issue.record("an unknown kind was built")
        } catch let error as PlatformSetupError {
            #expect(error == .unknownKind(kind: "carrier-pigeon", known: Platforms.kinds))
            #expect(error.description.contains("console, slack"))
        }
    }
}

/// Which setups a report maker was prepared for.
final class Prepared: @unchecked Sendable {
    // @unchecked: `list` is only touched under `lock`.
    private let lock = NSLock()
    private var list: [String] = []

    func add(_ name: String) { lock.withLock { list.append(name) } }
    var names: [String] { lock.withLock { list } }
}
