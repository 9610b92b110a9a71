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
@Suite("Builder", .timeLimit(.minutes(1)))
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
