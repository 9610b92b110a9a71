import ArgumentParser
import CoachChat
import CoachCore
import CoachPlatforms
import CoachReport
import CoachRuntime
import Foundation
import Logging

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
        subcommands: [Run.self, Simulate.self, Check.self, Report.self, Export.self, ForgetMember.self],
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

    func load() throws -> CoachSetup {
        try CoachSetup.load(configPath: config, promptsPath: prompts, stateOverride: state)
    }

    func logger(_ label: String) -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

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

    /// Words that are no option. Run is the default subcommand, so `coach chek` arrives here as the word "chek";
    /// ArgumentParser would only say "Unexpected argument", so `validate` names the closest subcommand instead.
    @Argument(help: .hidden)
    var unexpected: [String] = []

    func validate() throws {
        if let word = unexpected.first { throw ValidationError(Self.notACommand(word)) }
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
        let setup: CoachSetup
        do {
            setup = try deployment.load()
        } catch {
            throw fail(error)
        }
        let outside = CoachBuilder.Outside.live(logger: deployment.logger("coach"))
        do {
            try await CoachBuilder.serviceGroup(for: setup, outside, reports: Self.reports).run()
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

    func run() async throws {
        let outside = CoachBuilder.Outside.live(logger: deployment.logger("coach"), readsInput: false)
        let report = await CoachCheck.run(
            configPath: deployment.config, promptsPath: deployment.prompts, stateOverride: deployment.state,
            outside: outside)
        print(report.text)
        if report.problems > 0 { throw ExitCode(1) }
    }
}
