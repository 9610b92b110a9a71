import ArgumentParser
import CoachChat
import CoachCore
import CoachOperations
import CoachPlatforms
import CoachReport
import CoachRuntime
import Foundation
import Logging
import ServiceLifecycle

/// The version `coach --version` prints. Bump it here, and only here, for a release.
enum CoachVersion {
    static let current = "0.9.0"
}

@main
struct CoachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coach",
        abstract: "ServiceCoach: a customer-service improvement programme that runs in your team's chat.",
        version: CoachVersion.current,
        subcommands: [Run.self, Simulate.self, Check.self, Report.self, Export.self, Backup.self, Restore.self, ForgetMember.self],
        defaultSubcommand: Run.self)

    /// The subcommands' names, for suggesting one when a word is none of them.
    static var subcommandNames: [String] { configuration.subcommands.map { $0._commandName } }
}

/// What `--config` and `--state` mean differs per subcommand (the bot's state, a folder to inspect, the simulated
/// team's); the options are declared once, in `DeploymentOptions`, and each subcommand says what they mean for it.
protocol DeploymentUse {
    static var configHelp: String { get }
    static var stateHelp: String { get }
}

/// Options every subcommand that loads a deployment shares.
struct DeploymentOptions<Use: DeploymentUse>: ParsableArguments {
    @Option(help: ArgumentHelp(Use.configHelp))
    var config: String?

    @Option(help: "The folder with the templates and the principle catalogue. Default: ./Prompts.")
    var prompts: String?

    @Option(help: ArgumentHelp(Use.stateHelp))
    var state: String?

    // ArgumentParser lists the levels and the default itself.
    @Option(help: "How much to log, to stderr.")
    var logLevel: Logger.Level = .notice

    @Option(help: "How log lines look: text for people, json for log collectors (one JSON object per line).")
    var logFormat: LogFormat = .text

    func load() throws -> CoachSetup {
        try CoachSetup.load(configPath: config, promptsPath: prompts, stateOverride: state)
    }

    func logger(_ label: String) -> Logger {
        logFormat.bootstrap(level: logLevel)
        return Logger(label: label)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `--teams DIR --team NAME`: one team of a teams folder, for the commands that work on one deployment's state
/// (report, export, backup, forget). Without them, `--config` and `--state` say which deployment as before.
struct TeamChoice: ParsableArguments {
    @Option(help: ArgumentHelp("A teams folder, as coach run --teams takes; with --team.", valueName: "folder"))
    var teams: String?

    @Option(help: ArgumentHelp("The team to work on: the name of its folder in --teams.", valueName: "name"))
    var team: String?

    func validate() throws {
        switch (teams, team) {
        case (nil, nil), (.some, .some): return
        case (.some(let folder), nil):
            throw ValidationError("--teams needs --team to say which team, e.g. --teams \(folder) --team acme.")
        case (nil, .some(let name)):
            throw ValidationError("--team needs --teams to say which folder it is in, e.g. --teams /etc/servicecoach/teams --team \(name).")
        }
    }

    /// The chosen team's setup, or the deployment `--config` names when no team was chosen.
    func load<Use>(_ deployment: DeploymentOptions<Use>) throws -> CoachSetup {
        guard let teams, let team else { return try deployment.load() }
        guard deployment.config == nil, deployment.state == nil else {
            throw ValidationError("--teams and --team choose the team's own coach.json and state folder, so they take no --config or --state.")
        }
        let folder = try TeamsFolder(teams).team(named: team)
        return try CoachSetup.load(configPath: folder.config.path, promptsPath: deployment.prompts, stateOverride: nil, team: folder)
    }
}

/// `--log-format`.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json

    func bootstrap(level: Logger.Level) {
        let format = self
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler.standardError(label: label)
            }
            handler.logLevel = level
            return handler
        }
    }
}

/// Prints a start-up failure as the one clear sentence it carries, with the deployment's secrets masked, and exits
/// non-zero.
func fail(_ error: any Error, redacting redactor: Redactor = .none) -> ExitCode {
    let message = redactor(String(describing: error))
    FileHandle.standardError.write(Data(("coach: " + message + "\n").utf8))
    return ExitCode(1)
}

struct Run: AsyncParsableCommand, DeploymentUse {
    static let configuration = CommandConfiguration(
        // ArgumentParser marks it "(default)" in coach --help.
        abstract: "Run the bot. With no config: a local chat in this terminal.")
    static let configHelp = "The deployment's config file. Default: Config/coach.json, a local chat in this terminal."
    static let stateHelp = "The folder the bot keeps its state in, instead of the config's stateDirectory."

    @OptionGroup var deployment: DeploymentOptions<Run>

    @Option(help: ArgumentHelp(
        "Run every team of a folder in this one process: each subfolder with a coach.json is a team, with its own "
            + "state, platform and credentials, and optionally its own Prompts/ overriding the shared wording file by "
            + "file. SIGHUP (or a restart) picks up teams added, removed or changed.", valueName: "folder"))
    var teams: String?

    @Option(help: ArgumentHelp(
        "Serve GET /healthz and GET /metrics (Prometheus) on this address, e.g. 127.0.0.1:9090. Off unless given; "
            + "keep it on 127.0.0.1 unless a firewall or a reverse proxy guards it.", valueName: "host:port"))
    var listen: String?

    /// Words that are no option. Run is the default subcommand, so `coach chek` arrives here as the word "chek";
    /// ArgumentParser would only say "Unexpected argument", so `validate` names the closest subcommand instead.
    @Argument(help: .hidden)
    var unexpected: [String] = []

    func validate() throws {
        if let word = unexpected.first { throw ValidationError(Self.notACommand(word)) }
        if teams != nil, deployment.config != nil || deployment.state != nil {
            throw ValidationError(
                "--teams runs each team with its own coach.json and state folder, so it takes no --config or --state. "
                    + "Use coach run --teams <folder>, or coach run --config <file> for one deployment.")
        }
        if let listen, case .failure(let problem) = ListenAddress.parse(listen) { throw ValidationError(problem.description) }
    }

    /// What runs beside the bots: the health and metrics endpoint when `--listen` asks for it (metrics are counted
    /// from here on), and systemd's watchdog when the unit sets `WatchdogSec=`, fed while every team's loop turns.
    func operations(_ registry: TeamsRegistry, notifier: SystemdNotifier?, logger: Logger) -> [any Service] {
        var services: [any Service] = []
        if let listen, case .success(let address) = ListenAddress.parse(listen) {
            services.append(OperationsServer.live(address: address, registry: registry, logger: logger))
        }
        let clock = SystemClock()
        if let notifier, let feeder = WatchdogFeeder(
            notifier: notifier, clock: clock, logger: logger, healthy: { registry.turning(at: clock.now()) })
        {
            services.append(feeder)
        }
        return services
    }

    /// Tells systemd (Type=notify units) what the teams do; a failed notification is logged, never fatal.
    static func tell(_ notifier: SystemdNotifier?, _ event: TeamsEvent, logger: Logger) {
        do {
            try notifier?.tell(event)
        } catch {
            logger.warning("could not notify systemd", metadata: ["error": "\(error)"])
        }
    }

    static func notACommand(_ word: String) -> String {
        let names = CoachCommand.subcommandNames
        let suggestion = Spelling.closest(to: word, among: names).map { " Did you mean \"\($0)\"?" } ?? ""
        return "\"\(word)\" is not a coach command, nor an option of coach run.\(suggestion) "
            + "The commands are: \(names.joined(separator: ", ")). See coach --help."
    }

    /// The programme report the bot sends in the chat (`report html`): the same page `coach report --html` writes,
    /// prepared once at start (a setup the renderer cannot use stops the start with its reason).
    static let reports: ReportFiles.Maker? = { setup in
        let renderer = try ReportRenderer(setup: setup)
        return { try renderer.html(state: $0, at: $1) }
    }

    func run() async throws {
        if let teams {
            let folder = TeamsFolder(teams)
            do {
                _ = try folder.scan()
            } catch {
                throw fail(error)
            }
            // No team reads the terminal: each has a chat platform of its own.
            let outside = CoachBuilder.Outside.live(logger: deployment.logger("coach"), readsInput: false)
            let registry = TeamsRegistry()
            let notifier = SystemdNotifier.fromEnvironment(outside.environment, logger: outside.logger)
            let logger = outside.logger
            do {
                let teamsGroup = CoachBuilder.teamsGroup(
                    folder: folder, promptsPath: deployment.prompts, outside, reports: Self.reports,
                    reloads: CoachBuilder.reloadSignals(), registry: registry,
                    alongside: operations(registry, notifier: notifier, logger: outside.logger),
                    notify: { Self.tell(notifier, $0, logger: logger) })
                try await teamsGroup.group.run()
            } catch {
                throw fail(error)
            }
            return
        }
        let setup: CoachSetup
        do {
            setup = try deployment.load()
        } catch {
            throw fail(error)
        }
        let outside = CoachBuilder.Outside.live(logger: deployment.logger("coach"))
        let registry = TeamsRegistry()
        let notifier = SystemdNotifier.fromEnvironment(outside.environment, logger: outside.logger)
        do {
            let group = try CoachBuilder.serviceGroup(
                for: setup, outside, reports: Self.reports,
                alongside: operations(registry, notifier: notifier, logger: outside.logger), registry: registry)
            // The state is loaded and the platform built: ready, as systemd's Type=notify waits to hear.
            Self.tell(notifier, .started(running: 1, failed: 0), logger: outside.logger)
            try await group.run()
        } catch {
            throw fail(error, redacting: CoachBuilder.redactor(for: setup, outside))
        }
    }
}

struct Simulate: AsyncParsableCommand, DeploymentUse {
    static let configuration = CommandConfiguration(
        abstract: "Run a whole programme on a simulated clock with a scripted team, and print the chat transcript.")
    static let configHelp = "The team's config the simulation runs with: its time zone, schedule, holidays and "
        + "nudge settings; the scripted team replaces its members, admins and chat platform. Default: Config/coach.json."
    static let stateHelp = "An empty folder to keep the simulated team's state in, to look at afterwards. "
        + "Default: the state stays in memory."

    @Option(help: "How many principles (weeks) the programme runs: at most the catalogue's number of principles.")
    var weeks: Int = 6

    @Option(help: "How many people are in the scripted team.")
    var teamSize: Int = 5

    @Option(help: "The random seed; the same seed gives the same transcript.")
    var seed: UInt64 = 1

    @OptionGroup var deployment: DeploymentOptions<Simulate>

    func validate() throws {
        guard weeks >= 1 else { throw ValidationError("--weeks must be 1 or more, e.g. --weeks 6") }
        guard (1...5000).contains(teamSize) else { throw ValidationError("--team-size must be between 1 and 5000, e.g. --team-size 8") }
    }

    /// A plan holds each principle once, so it is never longer than the catalogue; more weeks would run the plan and
    /// then report weeks that do not exist. Checked after loading, because the catalogue says how long that is.
    static func checkWeeks(_ weeks: Int, longestPlan: Int) throws {
        guard weeks <= longestPlan else {
            throw ValidationError(
                "--weeks \(weeks) is longer than any plan: the catalogue has principles for \(longestPlan) weeks, one a "
                    + "week (after week 0), so a programme runs at most \(longestPlan) weeks. Use --weeks 1 to \(longestPlan).")
        }
    }

    func run() async throws {
        let setup: CoachSetup
        do {
            setup = try deployment.load()
        } catch {
            throw fail(error)
        }
        try Self.checkWeeks(weeks, longestPlan: setup.longestPlan)
        do {
            // Only an explicit --state keeps the simulated team's state; by default it stays in memory.
            let simulation = try Simulation(
                setup: setup,
                options: .init(weeks: weeks, teamSize: teamSize, seed: seed, stateDirectory: deployment.state.map { _ in setup.stateDirectory }),
                output: { print($0) },
                progress: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            _ = try await simulation.run()
        } catch {
            throw fail(error)
        }
    }
}

struct Check: AsyncParsableCommand, DeploymentUse {
    static let configuration = CommandConfiguration(
        abstract: "Check a deployment: the config (showing the settings in force), the catalogue, every template, "
            + "the state folder (read-only) and, for a chat platform, that the bot can sign in and read the channel.")
    static let configHelp = "The config file to check. Default: Config/coach.json."
    static let stateHelp = "The state folder to inspect, instead of the config's stateDirectory. It is only read: "
        + "check takes no lock and repairs nothing."

    @OptionGroup var deployment: DeploymentOptions<Check>

    @Option(help: ArgumentHelp(
        "Check every team of a teams folder (as coach run --teams runs them): one section per team, then the total.",
        valueName: "folder"))
    var teams: String?

    func validate() throws {
        if teams != nil, deployment.config != nil || deployment.state != nil {
            throw ValidationError("--teams checks each team's own coach.json and state folder, so it takes no --config or --state.")
        }
    }

    func run() async throws {
        let outside = CoachBuilder.Outside.live(logger: deployment.logger("coach"), readsInput: false)
        if let teams {
            let report: CoachCheck.Report
            do {
                report = try await CoachCheck.runTeams(folder: TeamsFolder(teams), promptsPath: deployment.prompts, outside: outside)
            } catch {
                throw fail(error)
            }
            print(report.text)
            if report.problems > 0 { throw ExitCode(1) }
            return
        }
        let report = await CoachCheck.run(
            configPath: deployment.config, promptsPath: deployment.prompts, stateOverride: deployment.state,
            outside: outside)
        print(report.text)
        if report.problems > 0 { throw ExitCode(1) }
    }
}
