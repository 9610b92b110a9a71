import CoachCore
import CoachRuntime
import Foundation

/// The project's real config, catalogue and templates, found from this file's place in the checkout, so tests
/// exercise the wording that ships.
public enum Fixtures {
    public static let projectRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func setup(state: URL? = nil) throws -> CoachSetup {
        try CoachSetup.load(
            configPath: projectRoot.appendingPathComponent("Config/coach.json").path,
            promptsPath: projectRoot.appendingPathComponent("Prompts").path,
            stateOverride: (state ?? FileManager.default.temporaryDirectory.appendingPathComponent("coach-unused")).path)
    }

    /// A coach with the real prompts and a config adjusted by the test.
    public static func coach(
        capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain),
        _ adjust: (inout CoachConfig) -> Void = { _ in }
    ) throws -> Coach {
        let setup = try setup()
        var config = setup.config
        adjust(&config)
        return Coach(config: config, catalogue: setup.catalogue, prompts: try setup.prompts(for: capabilities.markup), capabilities: capabilities)
    }

    /// A fresh temporary folder for one test's state.
    public static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("coach-test-\(UUID().uuidString)")
    }
}

/// Drives the pure engine for a test: a state, a clock value, and helpers to talk as members.
public struct Harness {
    public let coach: Coach
    public var state = CoachState()
    public var now: Date
    private var counter = 0

    public init(coach: Coach, at start: String) {
        self.coach = coach
        self.now = Harness.instant(start, coach)
    }

    /// "2026-11-30 09:00" in the team's time zone.
    public static func instant(_ text: String, _ coach: Coach) -> Date {
        let parts = text.split(separator: " ")
        let date = LocalDate(String(parts[0]))!
        let time = parts.count > 1 ? parts[1].split(separator: ":").compactMap { Int($0) } : [0, 0]
        return coach.schedule.calendar.at(date, hour: time[0], minute: time[1])
    }

    public func instant(_ text: String) -> Date { Harness.instant(text, coach) }

    /// Sends a message as a member at the current time and returns what the bot queued.
    @discardableResult
    public mutating func say(
        _ sender: String, _ text: String, name: String? = nil, thread: String? = nil, direct: Bool = false,
        mentions: [String: String] = [:]
    ) -> [OutboundMessage] {
        counter += 1
        let message = InboundMessage(
            id: "t\(counter)", senderID: sender, senderName: name ?? sender.capitalized, text: text, threadRootID: thread,
            isDirect: direct, mentions: mentions)
        return receive([message]).queued
    }

    public mutating func receive(_ messages: [InboundMessage]) -> Outcome {
        let outcome = coach.receive(messages, at: now, state: &state)
        deliverAll()
        return outcome
    }

    /// Moves the clock to a local time and runs what is due then.
    @discardableResult
    public mutating func tick(at text: String) -> Outcome {
        now = instant(text)
        return tick()
    }

    @discardableResult
    public mutating func tick() -> Outcome {
        let outcome = coach.tick(at: now, state: &state)
        deliverAll()
        return outcome
    }

    /// Marks everything sent, giving each message a platform id "p<outbox id>" as a real transport would.
    public mutating func deliverAll() {
        for message in state.outbox { state.apply(.delivered(id: message.id, platformID: "p-\(message.id)")) }
    }
}
