import ArgumentParser
import CoachCore
import CoachReport
import CoachRuntime
import CoachStore
import Foundation
import Logging

struct ForgetMember: AsyncParsableCommand, DeploymentUse {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase a member from the state folder: their name, handle and id, and everything they wrote.",
        discussion: "What they did stays counted, as a former member's, so the team's numbers stay right. The "
            + "snapshot is rewritten and the journal emptied, so no file in the state folder keeps them. It takes "
            + "the state folder's lock, so it refuses while the bot runs: stop the bot first, or erase through the "
            + "chat (!forget @member) while it runs. The config file's members and admins lists are not changed.")
    static let configHelp = "The deployment's config file: the words for a former member come from its Prompts. "
        + "Default: Config/coach.json."
    static let stateHelp = "The state folder to erase the member from, instead of the config's stateDirectory."

    @Option(help: ArgumentHelp("The member's id on the chat platform (mydata and coach export --member show it).", valueName: "id"))
    var member: String

    @OptionGroup var deployment: DeploymentOptions<ForgetMember>

    @OptionGroup var choice: TeamChoice

    func run() async throws {
        do {
            let setup = try choice.load(deployment)
            print(try await MemberFiles.forget(setup: setup, memberID: member, now: SystemClock().now()))
        } catch {
            throw fail(error)
        }
    }
}

/// Why `coach forget` or `coach export --member` did nothing.
enum MemberDataError: Error, CustomStringConvertible, Equatable {
    /// A bot holds the state folder's lock; `pid` is what its lock file says.
    case botRunning(directory: String, pid: Int32?)
    /// The state holds nothing about that id; `known` is who it does hold, as "Name (id)".
    case unknownMember(id: String, directory: String, known: [String])
    /// `--member` with `--csv`: a member's data is one document.
    case memberNeedsJSON

    var description: String {
        switch self {
        case .botRunning(let directory, let pid):
            "A bot is running on \(directory)\(pid.map { " (pid \($0))" } ?? ""), and coach forget changes the state, "
                + "so nothing was erased. Stop the bot first (e.g. systemctl stop coach, or Ctrl-C where it runs), run "
                + "coach forget again, then start the bot; or erase through the chat while it runs: !forget @member."
        case .unknownMember(let id, let directory, let known):
            "The state in \(directory) holds nothing about a member with the id \(id), so nothing was changed. "
                + (known.isEmpty
                    ? "It knows no members at all: check --state."
                    : "Ids are the chat platform's (mydata shows a member theirs); the members it knows: "
                        + known.prefix(20).joined(separator: ", ") + (known.count > 20 ? ", ..." : "") + ".")
        case .memberNeedsJSON:
            "--member writes one JSON document: use it with --json <file>, not --csv."
        }
    }
}

/// What `coach forget` and `coach export --member` do once the setup is loaded, with the time passed in, so tests run
/// them against a state folder and a fixed moment.
enum MemberFiles {
    /// Erases `memberID` with the same code the chat's `forget` runs, and returns what it erased, as printed.
    static func forget(setup: CoachSetup, memberID: String, now: Date) async throws -> String {
        guard StateStore.holdsState(in: setup.stateDirectory) else {
            throw ReportError.noState(directory: setup.stateDirectory.path)
        }
        let capabilities = TransportCapabilities(directMessages: false, threads: false, markup: .plain)
        let coach = Coach(
            config: setup.config, catalogue: setup.catalogue, prompts: try setup.prompts(for: .plain),
            capabilities: capabilities)
        let quiet = Logger(label: "coach.forget") { _ in SwiftLogNoOpLogHandler() }
        let session: CoachSession
        do {
            session = try CoachSession(coach: coach, directory: setup.stateDirectory, logger: quiet)
        } catch StoreError.locked(let directory, let pid) {
            throw MemberDataError.botRunning(directory: directory, pid: pid)
        }
        let result: ServerErasure
        do {
            result = try await session.forget(memberID: memberID, at: now)
        } catch {
            await session.close()
            throw error
        }
        await session.close()
        switch result {
        case .unknown(let known):
            throw MemberDataError.unknownMember(id: memberID, directory: setup.stateDirectory.path, known: known)
        case .erased(_, let report):
            return report
        }
    }

    /// Writes everything the state holds about `memberID` as the JSON document `mydata` sends, read the way
    /// `coach export` reads (no lock, no repair), and returns where.
    static func export(setup: CoachSetup, memberID: String, json: String, now: Date) throws -> URL {
        let file = try OutputPath.file(json, option: "--json", stateDirectory: setup.stateDirectory)
        let state = try ResultsFiles.state(of: setup)
        let document = MemberDataDocument(memberID: memberID, state: state, config: setup.config, at: now)
        guard !document.isEmpty else {
            throw MemberDataError.unknownMember(
                id: memberID, directory: setup.stateDirectory.path,
                known: state.members.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) }.map { "\($0.name) (\($0.id))" })
        }
        try OutputPath.write(try document.json(), to: file)
        return file
    }
}
