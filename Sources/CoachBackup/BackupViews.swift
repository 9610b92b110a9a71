import CoachCore
import CoachStore
import Foundation

/// `coach backup`'s report: what it backed up, counted, where, and how big.
public struct BackupWrittenView: MessageView {
    public static let template = Template.backupWritten
    var team: String
    /// When the state was read, in the team's time zone.
    var createdAt: String
    var file: String
    @Inline var counts: CountsView
    /// The backup file's size, and the state's uncompressed, in whole KB (rounded up: a tiny state is not "0 KB").
    var kilobytes: Int
    var stateKilobytes: Int
    var formatVersion: Int
    var schemaVersion: Int

    public init(_ written: StateBackup.Written, prompts: PromptBook, calendar: TeamCalendar) {
        let header = written.header
        team = header.team
        createdAt = prompts.timestamp(header.createdAt, in: calendar)
        file = written.file.path
        counts = CountsView(header.counts)
        kilobytes = Self.kilobytes(written.fileBytes)
        stateKilobytes = Self.kilobytes(header.payload.bytes)
        formatVersion = header.formatVersion
        schemaVersion = header.schemaVersion
    }

    static func kilobytes(_ bytes: Int) -> Int { (bytes + 1023) / 1024 }
}

/// `coach restore`'s report: what it restored, from when, and where the state it replaced went.
public struct StateRestoredView: MessageView {
    public static let template = Template.stateRestored
    var team: String
    /// When the backup's state was read, in the team's time zone.
    var createdAt: String
    var file: String
    var state: String
    @Inline var counts: CountsView
    /// The folder beside the state folder that now holds the replaced files; nil when there was no state.
    var aside: String?
    var moved: [String]

    public init(_ restored: StateBackup.Restored, prompts: PromptBook, calendar: TeamCalendar) {
        let header = restored.header
        team = header.team
        createdAt = prompts.timestamp(header.createdAt, in: calendar)
        file = restored.file.path
        state = restored.stateDirectory.path
        counts = CountsView(header.counts)
        aside = restored.replaced.asideFolder?.path
        moved = restored.replaced.movedFiles
    }
}

/// The counts both reports show, through the `backup-counts` partial: each number with a flag for one, so the
/// wording can say "1 example" and "2 examples".
struct CountsView: Encodable {
    struct Count: Encodable {
        var count: Int
        var one: Bool

        init(_ count: Int) {
            self.count = count
            one = count == 1
        }
    }

    var members: Count
    var examples: Count
    var weeks: Count
    var goals: Count
    var followUps: Count
    var ideas: Count
    var definitions: Count
    var feedback: Count

    init(_ counts: BackupCounts) {
        members = Count(counts.members)
        examples = Count(counts.examples)
        weeks = Count(counts.weeks)
        goals = Count(counts.goals)
        followUps = Count(counts.followUps)
        ideas = Count(counts.ideas)
        definitions = Count(counts.definitions)
        feedback = Count(counts.feedback)
    }
}

extension StateBackup {
    /// One of each view, for `coach check` to render every template (see `TemplateSamples`).
    public static func templateSamples(prompts: PromptBook) -> [any MessageView] {
        var state = CoachState()
        state.members["alex"] = Member(id: "alex", name: "Alex")
        let calendar = TeamCalendar(timeZone: TimeZone(identifier: "Europe/London")!)
        let header = BackupHeader(
            format: BackupFile.formatName, formatVersion: BackupFile.formatVersion, headerCRC32: "8f01d2e4",
            schemaVersion: CoachState.schemaVersion,
            appVersion: "0.9.0", createdAt: Date(timeIntervalSince1970: 1_807_000_000), team: "Corner Bakery", seq: 812,
            counts: BackupCounts(state),
            payload: .init(
                compression: BackupHeader.Payload.gzip, bytes: 1_960_000, compressedBytes: 310_000,
                compressedCRC32: "5e0a17c2", crc32: "1c291ca3"))
        let file = URL(fileURLWithPath: "/var/backups/coach/2027-04-09.coachbackup")
        let folder = URL(fileURLWithPath: "/var/lib/coach/state")
        return [
            BackupWrittenView(Written(file: file, header: header, fileBytes: 310_240), prompts: prompts, calendar: calendar),
            StateRestoredView(
                Restored(
                    file: file, header: header, stateDirectory: folder,
                    replaced: ReplacedState(
                        asideFolder: URL(fileURLWithPath: folder.path + ".replaced-20270410T081500Z"),
                        movedFiles: ["state.json", "journal.jsonl"], seq: 813)),
                prompts: prompts, calendar: calendar),
        ]
    }
}
