import CoachChat
import CoachCore
import CoachPlatforms
import CoachStore
import Foundation
import Logging
import ServiceLifecycle

/// Wires a bot together. The executable calls this with the live pieces; tests call it with fakes.
public enum CoachApplication {
    /// The transports this build can run, by `transport.kind`.
    public static var knownTransports: [String] { ["console"] + Platforms.kinds }

    /// The adapter for a real chat platform named by the config, its secrets read from `environment`.
    public static func platformTransport(
        setup: CoachSetup, environment: [String: String], web: any WebClient = URLSessionWebClient(), logger: Logger
    ) throws(PlatformSetupError) -> any ChatTransport {
        try Platforms.make(
            kind: setup.config.transport.kind, settings: setup.config.transport.settings, environment: environment,
            context: PlatformContext(web: web, logger: logger, botName: setup.config.team.botName))
    }

    /// The console transport for the config's roster, reading standard input.
    public static func consoleTransport(setup: CoachSetup, prompts: PromptBook, clock: any CoachClock, input: ConsoleInput,
        output: @escaping @Sendable (String) -> Void) -> ConsoleTransport
    {
        let coachForTime = Coach(config: setup.config, catalogue: setup.catalogue, prompts: prompts,
            capabilities: TransportCapabilities(directMessages: true, threads: false, markup: .plain))
        return ConsoleTransport(
            input: input, roster: setup.config.members, botName: setup.config.team.botName, prompts: prompts,
            clockText: { coachForTime.timestamp(clock.now()) }, output: output)
    }

    /// The journal is compacted once it outgrows both 4 MiB and the snapshot, which bounds what a start after a crash
    /// replays while keeping compaction's share of each commit constant; a clean stop compacts, so it replays nothing.
    public static let storeOptions = StoreOptions(compactAfterJournalBytes: 4 * 1024 * 1024)

    /// Opens the state and builds the bot's service for a transport.
    public static func makeBot(
        setup: CoachSetup, transport: any ChatTransport, clock: any CoachClock, logger: Logger,
        storeOptions: StoreOptions = CoachApplication.storeOptions, randomSeed: UInt64
    ) throws -> BotService {
        let prompts = try setup.prompts(for: transport.capabilities.markup)
        let coach = Coach(config: setup.config, catalogue: setup.catalogue, prompts: prompts, capabilities: transport.capabilities)
        let session = try CoachSession(coach: coach, directory: setup.stateDirectory, options: storeOptions, logger: logger)
        return BotService(session: session, transport: transport, clock: clock, logger: logger, randomSeed: randomSeed)
    }

    /// Runs a bot until SIGINT/SIGTERM or until its input closes.
    public static func run(_ bot: BotService, logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(
                // The loop returns on its own when the input closes (Ctrl-D): a normal end, not a failure.
                services: [.init(service: bot, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
