import CoachChat
import CoachCore
import CoachPlatforms
import CoachRuntime
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Turns a loaded setup into the services that run it. `coach` calls it with the live world; tests call it with a
/// fake network, a scripted terminal and a manual clock. This is the one place that knows the concrete platforms:
/// the runtime only sees a `ChatTransport`.
enum CoachBuilder {
    /// What a bot takes from the world outside it.
    struct Outside {
        var clock: any CoachClock
        /// Where secrets come from: the variables the config names.
        var environment: [String: String]
        var web: any WebClient
        /// The terminal, for the console platform.
        var input: ConsoleInput
        var output: @Sendable (String) -> Void
        var logger: Logger
        /// Seeds the jitter of retries and the state's install id.
        var randomSeed: UInt64
        /// The signals that stop the bot gracefully; none in tests, so a test run keeps its own.
        var shutdownSignals: [UnixSignal]

        /// The process's own clock, environment, network, terminal and signals. `coach check` reads no input.
        static func live(logger: Logger, readsInput: Bool = true) -> Outside {
            Outside(
                clock: SystemClock(), environment: ProcessInfo.processInfo.environment, web: HTTPWebClient(),
                input: readsInput ? .standardInput() : ConsoleInput(), output: { print($0) }, logger: logger,
                randomSeed: UInt64(truncatingIfNeeded: Date().timeIntervalSince1970.bitPattern),
                shutdownSignals: [.sigterm, .sigint])
        }
    }

    /// Masks the secrets the config's platform reads from the environment: in every log line, error, report and what
    /// reaches the state folder.
    static func redactor(for setup: CoachSetup, _ outside: Outside) -> Redactor {
        Platforms.redactor(
            kind: setup.config.transport.kind, settings: setup.config.transport.settings, environment: outside.environment)
    }

    /// `outside` with its logger masking the setup's secrets; every part of the bot logs through it.
    static func guarded(_ outside: Outside, for setup: CoachSetup) -> Outside {
        var guarded = outside
        guarded.logger = outside.logger.redacting(with: redactor(for: setup, outside))
        return guarded
    }

    /// The platform the config's `transport.kind` names, its secrets read from the environment.
    static func transport(for setup: CoachSetup, _ outside: Outside) throws -> any ChatTransport {
        let outside = guarded(outside, for: setup)
        let prompts = try setup.prompts(for: .plain)
        let calendar = TeamCalendar(timeZone: setup.config.team.timeZone)
        let clock = outside.clock
        let terminal = Terminal(
            input: outside.input, output: outside.output, roster: setup.config.members, prompts: prompts,
            clockText: { prompts.timestamp(clock.now(), in: calendar) })
        let context = PlatformContext(
            web: outside.web, logger: outside.logger, botName: setup.config.team.botName, terminal: terminal)
        return try Platforms.make(
            kind: setup.config.transport.kind, settings: setup.config.transport.settings,
            environment: outside.environment, context: context)
    }

    /// The bot on its platform, its state opened, ready to run. `reports` makes the programme report the bot sends
    /// as a file (`report html`): the caller chooses it, so this module need not know how the report is drawn; nil
    /// builds a bot that answers `report html` with how to get the report on the server instead.
    ///
    /// `team` labels its metrics: the team's folder name in a teams folder, else the team's name from the config.
    static func bot(for setup: CoachSetup, _ outside: Outside, reports: ReportFiles.Maker?, team: String? = nil) throws -> BotService {
        let outside = guarded(outside, for: setup)
        var bot = try BotService.open(
            setup: setup, transport: transport(for: setup, outside), clock: outside.clock, logger: outside.logger,
            randomSeed: outside.randomSeed, redactor: redactor(for: setup, outside),
            renderAttachment: ReportFiles.renderer(for: setup, reports: reports))
        bot.metrics = BotMetrics(team: team ?? setup.config.team.name, platform: setup.config.transport.kind)
        return bot
    }

    /// What `coach run` runs: the bot in a service group that stops it gracefully on the given signals, after the
    /// commit in flight. The loop also returns on its own when the console's input closes (Ctrl-D): a normal end.
    ///
    /// The service is named explicitly: swift-service-lifecycle otherwise names it by `"\(service)"`, which would
    /// spell out whatever the service holds in its "Starting service" line.
    ///
    /// `alongside` are services that run with the bot and stop with it (the health endpoint); `registry` learns the
    /// bot's monitor, under the team's name, for them.
    static func serviceGroup(
        for setup: CoachSetup, _ outside: Outside, reports: ReportFiles.Maker?, alongside: [any Service] = [],
        registry: TeamsRegistry? = nil
    ) throws -> ServiceGroup {
        let outside = guarded(outside, for: setup)
        let bot = try bot(for: setup, outside, reports: reports)
        registry?.set(setup.config.team.name, .running(bot.monitor))
        return ServiceGroup(configuration: .init(
            services: [.init(service: bot, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: bot.description)]
                + alongside.map { .init(service: $0, serviceName: "OperationsServer") },
            gracefulShutdownSignals: outside.shutdownSignals, logger: outside.logger))
    }

    /// What `coach run --teams` runs: every team of the folder under one supervisor (`TeamsService`), in a service
    /// group that stops them all gracefully on the shutdown signals. Each team's bot logs with the team's name in its
    /// metadata and masks its own secrets; a team whose config chose the local chat is refused (it needs the one
    /// terminal).
    static func teamsGroup(
        folder: TeamsFolder, promptsPath: String?, _ outside: Outside, reports: ReportFiles.Maker?,
        reloads: AsyncStream<Void>, registry: TeamsRegistry = TeamsRegistry(), alongside: [any Service] = [],
        notify: @escaping @Sendable (TeamsEvent) -> Void = { _ in }
    ) -> (group: ServiceGroup, teams: TeamsService) {
        let teams = TeamsService(
            read: { TeamsReading(folder: folder, promptsPath: promptsPath) },
            start: { team, setup in
                if let refusal = teamRefusal(setup) { throw refusal }
                var own = outside
                own.logger[metadataKey: "team"] = "\(team.name)"
                // Each team's retries jitter apart, so teams sharing a platform that failed do not retry in step.
                var name = Hasher()
                name.combine(team.name)
                own.randomSeed = outside.randomSeed &+ UInt64(truncatingIfNeeded: name.finalize())
                let bot = try bot(for: setup, own, reports: reports, team: team.name)
                return (bot, guarded(own, for: setup).logger)
            },
            logger: outside.logger, reloads: reloads, registry: registry, notify: notify)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: teams, serviceName: teams.description)]
                + alongside.map { .init(service: $0, serviceName: "OperationsServer") },
            gracefulShutdownSignals: outside.shutdownSignals, logger: outside.logger))
        return (group, teams)
    }

    /// Why a setup cannot be one team of many, if it cannot: the local chat needs the one terminal.
    static func teamRefusal(_ setup: CoachSetup) -> SetupError? {
        setup.config.transport.kind == "console" ? .consoleInTeams : nil
    }

    /// One element per SIGHUP, for as long as the process runs.
    static func reloadSignals() -> AsyncStream<Void> {
        AsyncStream { continuation in
            let task = Task {
                for await _ in await UnixSignalsSequence(trapping: .sighup) { continuation.yield() }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
