import ArgumentParser
import CoachBackup
import CoachCore
import CoachRuntime
import Foundation

struct Backup: AsyncParsableCommand, DeploymentUse {
    static let configuration = CommandConfiguration(
        abstract: "Write the team's state to one compressed, checked backup file, while the bot runs or not.",
        discussion: "The state is read the way coach report reads it (no lock, nothing repaired), so a running bot is "
            + "neither stopped nor disturbed, and the backup holds a state the bot really had. The file is a header "
            + "line (format, versions, counts, checksum) and the state gzip-compressed; it is written whole or not at "
            + "all, readable by its owner only, and never into the state folder. coach restore puts it back.")
    static let configHelp = "The deployment's config file: the team's name and time zone. Default: Config/coach.json."
    static let stateHelp = "The state folder to back up, instead of the config's stateDirectory. It is only read."

    @Argument(help: ArgumentHelp(
        "The backup file to write, e.g. backups/coach-2027-04-09.coachbackup. Its folder must exist, outside the state "
            + "folder; a file already there is replaced.", valueName: "file"))
    var file: String

    @OptionGroup var deployment: DeploymentOptions<Backup>

    @OptionGroup var choice: TeamChoice

    func run() async throws {
        do {
            print(try BackupFiles.backup(setup: try choice.load(deployment), file: file, now: SystemClock().now()))
        } catch {
            throw fail(error)
        }
    }
}

struct Restore: AsyncParsableCommand, DeploymentUse {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup's state in place of the state folder's, after checking the backup through.",
        discussion: "The whole file is checked first (that it is a backup, complete, undamaged, of a format and schema "
            + "this coach reads, and that its state loads), and nothing is touched if any of that fails. It is refused "
            + "while a bot runs on the folder: stop the bot, restore, start it. The state it replaces is moved to a "
            + "folder beside the state folder, <state folder>.replaced-<UTC time>, and the restored state starts with "
            + "an empty journal.")
    static let configHelp = "The deployment's config file: the team's time zone and the state folder. "
        + "Default: Config/coach.json."
    static let stateHelp = "The state folder to restore into, instead of the config's stateDirectory."

    @Argument(help: ArgumentHelp("The backup file coach backup wrote.", valueName: "file"))
    var file: String

    @OptionGroup var deployment: DeploymentOptions<Restore>

    @OptionGroup var choice: TeamChoice

    func run() async throws {
        do {
            print(try BackupFiles.restore(setup: try choice.load(deployment), file: file, now: SystemClock().now()))
        } catch {
            throw fail(error)
        }
    }
}

/// What `coach backup` and `coach restore` do once the setup is loaded, with the time passed in, so tests run them
/// against a state folder and a fixed moment. Each returns its report, rendered from its template.
enum BackupFiles {
    static func backup(setup: CoachSetup, file: String, now: Date) throws -> String {
        // The templates first: a report that cannot be said should not follow a file that was written.
        let prompts = try setup.prompts(for: .plain)
        let written = try StateBackup.write(
            stateDirectory: setup.stateDirectory, to: absolute(file), team: setup.config.team.name,
            appVersion: CoachVersion.current, at: now)
        return prompts.render(BackupWrittenView(written, prompts: prompts, calendar: calendar(setup)))
    }

    static func restore(setup: CoachSetup, file: String, now: Date) throws -> String {
        let prompts = try setup.prompts(for: .plain)
        let restored = try StateBackup.restore(absolute(file), into: setup.stateDirectory, at: now)
        return prompts.render(StateRestoredView(restored, prompts: prompts, calendar: calendar(setup)))
    }

    static func calendar(_ setup: CoachSetup) -> TeamCalendar { TeamCalendar(timeZone: setup.config.team.timeZone) }

    /// Relative to the folder coach runs in, like every command-line path.
    static func absolute(_ text: String) -> URL {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/")
        return URL(fileURLWithPath: text, relativeTo: here).absoluteURL.standardizedFileURL
    }
}
