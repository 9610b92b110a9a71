import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging
import Testing

/// Hand-edited numbers the bot would count on from (`id + 1`, `seq + 1`, `nextOutboxNumber += 1`, a sum of scores):
/// each is refused while loading, as damage at its file, line and place, and never traps.
@Suite("State bounds")
struct StateBoundsTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let huge = "9223372036854775807"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// The `state` object of a snapshot, or the events of one journal line.
        var json: String
        /// Where the refusal must point, as the store prints a coding path.
        var place: String
        var testDescription: String { name }
    }

    static let goal = #""kpi":"x","target":1,"unit":"","direction":"higher","ownerID":"sam","tolerance":0,"#
        + #""tolerancePercent":false,"createdAt":"2026-01-05T09:00:00Z","history":[],"actions":[],"closed":false"#

    static let snapshots: [Case] = [
        Case(name: "an example id of Int.max", json: #"{"examples":{"all":[[\#(huge),"x","sam",1767600000]]}}"#,
             place: "state.examples.all[0][0]"),
        Case(name: "the example log's next id", json: #"{"examples":{"all":[],"nextID":\#(huge)}}"#,
             place: "state.examples.nextID"),
        Case(name: "a negative example id", json: #"{"examples":{"all":[[-9223372036854775808,"x","sam",1767600000]]}}"#,
             place: "state.examples.all[0][0]"),
        Case(name: "an example's time far beyond year 9999", json: #"{"examples":{"all":[[1,"x","sam",1e300]]}}"#,
             place: "state.examples.all[0][3]"),
        Case(name: "the outbox number", json: #"{"nextOutboxNumber":\#(huge)}"#, place: "state.nextOutboxNumber"),
        Case(name: "the report-back watermark", json: #"{"reportedThroughExampleID":\#(huge)}"#,
             place: "state.reportedThroughExampleID"),
        Case(name: "the feedback watermark", json: #"{"reportedThroughFeedbackID":\#(huge)}"#,
             place: "state.reportedThroughFeedbackID"),
        Case(name: "the programme's cycle", json: #"{"programme":{"cycle":\#(huge)}}"#, place: "state.programme.cycle"),
        Case(name: "a goal id", json: #"{"goals":[{"id":\#(huge),\#(goal)}]}"#, place: "state.goals[0].id"),
        Case(name: "a score", json: #"{"ratingRounds":[{"cycle":1,"purpose":"baseline","scores":{"sam":{"p1":\#(huge)}}}]}"#,
             place: "state.ratingRounds[0].scores.sam.p1"),
        Case(name: "a follow-up's goal", json: #"{"followUps":[{"id":1,"text":"x","ownerID":"sam","openedAt":"2026-01-05T09:00:00Z","goalID":\#(huge)}]}"#,
             place: "state.followUps[0].goalID"),
        Case(name: "a queued message's time", json: #"{"outbox":[{"id":"o1","destination":"channel","kind":"reply","text":"x","createdAt":-1e300}]}"#,
             place: "state.outbox[0].createdAt"),
    ]

    static let journals: [Case] = [
        Case(name: "an added example", json: #"{"type":"exampleAdded","value":[\#(huge),"x","sam",1767600000]}"#,
             place: "events[0].value[0]"),
        Case(name: "a deleted example", json: #"{"type":"exampleDeleted","id":\#(huge)}"#, place: "events[0].id"),
        Case(name: "a report-back watermark", json: #"{"type":"examplesReported","id":\#(huge)}"#, place: "events[0].id"),
        Case(name: "a new cycle", json: #"{"type":"cycleStarted","cycle":\#(huge)}"#, place: "events[0].cycle"),
        Case(name: "a score", json: #"{"type":"rated","memberID":"sam","scores":{"p1":-3}}"#, place: "events[0].scores.p1"),
        Case(name: "a reported training", json: #"{"type":"trainingsReported","ids":[1,\#(huge)]}"#,
             place: "events[0].ids[1]"),
        Case(name: "a goal's action", json: #"{"type":"goalActionRecorded","id":1,"action":{"text":"x","at":"2026-01-05T09:00:00Z","followUpID":\#(huge)}}"#,
             place: "events[0].action.followUpID"),
    ]

    static func folder(snapshotState: String? = nil, journal: String? = nil) throws -> URL {
        let directory = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if let snapshotState {
            try Data(#"{"schema":3,"seq":0,"state":\#(snapshotState)}"#.utf8)
                .write(to: directory.appendingPathComponent("state.json"))
        }
        if let journal {
            try Data(journal.utf8).write(to: directory.appendingPathComponent("journal.jsonl"))
        }
        return directory
    }

    /// What `coach run` would stop with, and what `coach check` would report: the same error.
    static func refusal(_ directory: URL) throws -> StoreError? {
        var opened: StoreError?
        do {
            _ = try CoachSession(coach: try Fixtures.coach(), directory: directory, logger: logger)
        } catch let error as StoreError {
            opened = error
        }
        var inspected: StoreError?
        do {
            _ = try CoachSetup.inspectState(in: directory)
        } catch let error as StoreError {
            inspected = error
        }
        #expect(opened == inspected)
        return opened
    }

    @Test("a number out of range in state.json is damage named by file and place", arguments: snapshots)
    func snapshot(_ damage: Case) throws {
        let directory = try Self.folder(snapshotState: damage.json)
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try Data(contentsOf: directory.appendingPathComponent("state.json"))
        let error = try Self.refusal(directory)
        guard case .corruptSnapshot(let path, let reason)? = error else {
            Issue.record("expected a damaged snapshot, got \(String(describing: error))")
            return
        }
        #expect(path == directory.appendingPathComponent("state.json").path)
        #expect(reason.contains("at \(damage.place) (column "), "\(reason)")
        #expect(reason.contains("out of range"))
        #expect(try Data(contentsOf: directory.appendingPathComponent("state.json")) == before)
    }

    @Test("a number out of range in a journal line is damage at that line", arguments: journals)
    func journal(_ damage: Case) throws {
        let lines = #"{"schema":3,"seq":1,"events":[{"type":"installed","id":"k3x9"}]}"# + "\n"
            + #"{"schema":3,"seq":2,"events":[\#(damage.json)]}"# + "\n"
        let directory = try Self.folder(journal: lines)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try Self.refusal(directory)
        guard case .corruptJournal(let path, let line, let reason)? = error else {
            Issue.record("expected a damaged journal, got \(String(describing: error))")
            return
        }
        #expect(path == directory.appendingPathComponent("journal.jsonl").path)
        #expect(line == 2)
        #expect(reason.contains("at \(damage.place) (column "), "\(reason)")
        #expect(try Data(contentsOf: directory.appendingPathComponent("journal.jsonl")) == Data(lines.utf8))
    }

    @Test("in a state.json edited into several lines, the place is given as a line and column")
    func lineAndColumn() throws {
        let state = """
            {
              "nextOutboxNumber": 4,
              "examples": {
                "all": [
                  [1, "x", "sam", 1767600000],
                  [\(Self.huge), "y", "sam", 1767600000]
                ]
              }
            }
            """
        let directory = try Self.folder(snapshotState: state)
        defer { try? FileManager.default.removeItem(at: directory) }
        let message = try #require(try Self.refusal(directory)).description
        #expect(message.contains("at state.examples.all[1][0] (line 6, column 8)"), "\(message)")
        #expect(message.contains(Self.huge))
        #expect(message.contains("backup"))
    }

    @Test("numbers at the bounds load, and the next id counts on from them")
    func atTheBounds() async throws {
        let top = StateBounds.numbers.upperBound - 1
        let directory = try Self.folder(
            snapshotState: #"{"nextOutboxNumber":\#(top),"examples":{"all":[[\#(top),"x","sam",253402300799]]}}"#)
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try CoachSession(coach: try Fixtures.coach(), directory: directory, logger: Self.logger)
        let state = await session.state
        #expect(state.examples.nextID == top + 1)
        #expect(state.nextOutboxNumber == top)
    }

    // MARK: - A member's own time zone

    @Test("a member's time zone nobody can look up is refused where it stands, in state.json and in a journal line")
    func unknownTimeZone() throws {
        let snapshot = try Self.folder(snapshotState: #"{"members":{"sam":{"id":"sam","name":"Sam","timeZone":"Mars/Olympus"}}}"#)
        defer { try? FileManager.default.removeItem(at: snapshot) }
        guard case .corruptSnapshot(_, let reason)? = try Self.refusal(snapshot) else {
            Issue.record("expected a damaged snapshot")
            return
        }
        #expect(reason.contains("at state.members.sam.timeZone (column "), "\(reason)")
        #expect(reason.contains("\"Mars/Olympus\" is not a time zone this machine knows"))
        #expect(reason.contains("Europe/Berlin") && reason.contains("follows the team's time zone"))

        // An abbreviation Foundation would read is still no zone a member could have chosen.
        let lines = #"{"schema":5,"seq":1,"events":[{"type":"memberSeen","id":"sam","name":"Sam"}]}"# + "\n"
            + #"{"schema":5,"seq":2,"events":[{"type":"memberTimeZone","id":"sam","zone":"EST"}]}"# + "\n"
        let journal = try Self.folder(journal: lines)
        defer { try? FileManager.default.removeItem(at: journal) }
        guard case .corruptJournal(_, let line, let journalReason)? = try Self.refusal(journal) else {
            Issue.record("expected a damaged journal")
            return
        }
        #expect(line == 2)
        #expect(journalReason.contains("at events[0].zone (column "), "\(journalReason)")
    }

    @Test("a state and a journal written before members had time zones load, and a chosen zone replays")
    func olderStatesLoad() async throws {
        let lines = #"{"schema":5,"seq":1,"events":[{"type":"memberTimeZone","id":"jo","zone":"Asia/Kolkata"},"#
            + #"{"type":"memberCheckedIn","id":"jo","at":"2027-01-05T04:30:00Z"}]}"# + "\n"
        let directory = try Self.folder(
            snapshotState: #"{"members":{"sam":{"id":"sam","name":"Sam","awayUntil":"2027-01-10"},"jo":{"id":"jo","name":"Jo"}}}"#,
            journal: lines)
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try CoachSession(coach: try Fixtures.coach(), directory: directory, logger: Self.logger)
        let state = await session.state
        #expect(state.members["sam"]?.timeZone == nil && state.members["sam"]?.awayUntil == LocalDate("2027-01-10"))
        #expect(state.members["jo"]?.timeZone == "Asia/Kolkata")
        #expect(state.members["jo"]?.checkedInAt == Date(timeIntervalSince1970: 1_799_123_400))
    }
}
