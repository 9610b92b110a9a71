import ArgumentParser
import CoachChat
import CoachCore
import CoachPlatforms
import CoachRuntime
import Foundation
import Logging

@main
struct CoachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coach",
        abstract: "ServiceCoach: a customer-service improvement programme that runs in your team's chat.",
        subcommands: [Run.self, Simulate.self, Check.self],
        defaultSubcommand: Run.self)
}

/// Options every subcommand that loads a deployment shares.
struct DeploymentOptions: ParsableArguments {
    @Option(help: "The config file. Default: Config/coach.json, a local chat in this terminal.")
    var config: String?

    @Option(help: "The folder with the templates and the principle catalogue. Default: ./Prompts.")
    var prompts: String?

    @Option(help: "The folder for the bot's state, overriding the config's stateDirectory. For simulate: keep the simulated state there (an empty folder).")
    var state: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
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

/// Prints a start-up failure as the one clear sentence it carries, and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    let message = String(describing: error)
    FileHandle.standardError.write(Data(("coach: " + message + "\n").utf8))
    return ExitCode(1)
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the bot (the default). With no config: a local chat in this terminal.")

    @OptionGroup var deployment: DeploymentOptions

    func run() async throws {
        let logger = deployment.logger("coach")
        do {
            try await CoachBuilder.serviceGroup(for: try deployment.load(), .live(logger: logger)).run()
        } catch {
            throw fail(error)
        }
    }
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a whole programme on a simulated clock with a scripted team, and print the chat transcript.")

    @Option(help: "How many principles (weeks) the programme runs.")
    var weeks: Int = 6

    @Option(help: "How many people are in the scripted team.")
    var teamSize: Int = 5

    @Option(help: "The random seed; the same seed gives the same transcript.")
    var seed: UInt64 = 1

    @OptionGroup var deployment: DeploymentOptions

    func validate() throws {
        guard (1...200).contains(weeks) else { throw ValidationError("--weeks must be between 1 and 200, e.g. --weeks 6") }
        guard (1...5000).contains(teamSize) else { throw ValidationError("--team-size must be between 1 and 5000, e.g. --team-size 8") }
    }

    func run() async throws {
        do {
            let setup = try deployment.load()
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

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the config, the catalogue and every template; for a chat platform, sign in and confirm the bot can read the channel.")

    @OptionGroup var deployment: DeploymentOptions

    func run() async throws {
        let findings: [CheckFinding]
        let prompts: PromptBook
        do {
            let setup = try deployment.load()
            prompts = try setup.prompts(for: .plain)
            let transport = try CoachBuilder.transport(
                for: setup, .live(logger: deployment.logger("coach"), readsInput: false))
            print(prompts.render(CheckOKView(
                config: setup.configFile?.path ?? "", principles: setup.catalogue.principles.count,
                templates: setup.templates.count, transport: setup.config.transport.kind,
                state: setup.stateDirectory.path, team: setup.config.team.name)))
            findings = await transport.check()
        } catch {
            throw fail(error)
        }
        let problems = findings.filter { $0.status == .problem }.count
        print(prompts.render(CheckPlatformView(
            findings: findings.map { .init(status: $0.status.rawValue, subject: $0.subject, detail: $0.detail) },
            problems: problems, hasProblems: problems > 0)))
        if problems > 0 { throw ExitCode(1) }
    }
}

/// `coach check`'s summary of what it loaded.
struct CheckOKView: MessageView {
    static let template = Template.checkOK
    var config: String
    var principles: Int
    var templates: Int
    var transport: String
    var state: String
    var team: String
}

/// `coach check`'s findings about the chat platform, and the count of problems.
struct CheckPlatformView: MessageView {
    static let template = Template.checkPlatform
    var findings: [Finding]
    var problems: Int
    var hasProblems: Bool

    struct Finding: Encodable {
        var status: String
        var subject: String
        var detail: String
    }
}
