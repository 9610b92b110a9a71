import ArgumentParser
@testable import coach
import CoachBackup
import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// `coach backup FILE` and `coach restore FILE` as the executable runs them: parsed, said in their templates' words,
/// a backup taken beside a running bot, and a restore refused until it stops.
@Suite("coach backup and coach restore", .timeLimit(.minutes(10)))
struct BackupCommandTests {
    static let now = ResultsCommandTests.now

    @Test("both parse a file and the deployment options, and a missing file is a usage error")
    func parsing() throws {
        let backup = try Backup.parse(["b.coachbackup", "--state", "/srv/coach/state"])
        #expect(backup.file == "b.coachbackup" && backup.deployment.state == "/srv/coach/state")
        let restore = try Restore.parse(["b.coachbackup", "--config", "team.json"])
        #expect(restore.file == "b.coachbackup" && restore.deployment.config == "team.json")
        #expect(throws: (any Error).self) { try Backup.parse([]) }
        let team = try Restore.parse(["b.coachbackup", "--teams", "/etc/servicecoach/teams", "--team", "acme"])
        #expect(team.choice.teams == "/etc/servicecoach/teams" && team.choice.team == "acme")
        #expect(CoachCommand.subcommandNames.contains("backup") && CoachCommand.subcommandNames.contains("restore"))
    }

    @Test("beside a running bot: the backup is written and says what it holds; restore waits for the bot to stop, then says what it did")
    func besideRunningBot() throws {
        let (folder, store, setup) = try ResultsCommandTests.runningBot()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("team.coachbackup")
        let said = try BackupFiles.backup(setup: setup, file: file.path, now: Self.now)
        #expect(said.hasPrefix("Backed up Corner Bakery as it stood at 2027-01-20 Wednesday 17:00: 2 members, 1 example over 1 programme week"))
        #expect(said.contains("Wrote \(file.path): 1 KB, from 1 KB of state (backup format 1, state schema \(CoachState.schemaVersion))."))
        #expect(FileManager.default.fileExists(atPath: file.path))

        let before = try ResultsCommandTests.snapshot(setup.stateDirectory)
        #expect(throws: BackupError.stateInUse(directory: setup.stateDirectory.path, pid: getpid())) {
            try BackupFiles.restore(setup: setup, file: file.path, now: Self.now)
        }
        #expect(try ResultsCommandTests.snapshot(setup.stateDirectory) == before)

        store.close()
        let restored = try BackupFiles.restore(setup: setup, file: file.path, now: Self.now)
        let aside = setup.stateDirectory.path + ".replaced-20270120T170000Z"
        #expect(restored.hasPrefix("Restored Corner Bakery in \(setup.stateDirectory.path) from \(file.path), as it stood at 2027-01-20 Wednesday 17:00: 2 members"))
        #expect(restored.contains("The state it replaced is in \(aside) (journal.jsonl)."))
        #expect(restored.hasSuffix("Start the bot to carry on from the restored state."))
        #expect(FileManager.default.fileExists(atPath: aside + "/journal.jsonl"))
    }

    @Test("a path inside the state folder is refused before anything is read or written")
    func refusesStateFolder() throws {
        let (folder, store, setup) = try ResultsCommandTests.runningBot()
        defer {
            store.close()
            try? FileManager.default.removeItem(at: folder)
        }
        let inside = setup.stateDirectory.appendingPathComponent("b.coachbackup").path
        #expect(throws: BackupError.self) { try BackupFiles.backup(setup: setup, file: inside, now: Self.now) }
        #expect(!FileManager.default.fileExists(atPath: inside))
    }
}
