import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging
import Testing

@Suite("Journal lines of an unknown kind")
struct JournalKindsTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A state folder whose journal holds one good line and then a line with an event of kind `teleported`.
    static func folder(secondLineSchema schema: Int) throws -> URL {
        let directory = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let journal = """
            {"schema":1,"seq":1,"events":[{"type":"installed","id":"k3x9"}]}
            {"schema":\(schema),"seq":2,"events":[{"type":"teleported","id":"x"}]}

            """
        try Data(journal.utf8).write(to: directory.appendingPathComponent("journal.jsonl"))
        return directory
    }

    static func openError(_ directory: URL) throws -> StoreError? {
        do {
            _ = try CoachSession(coach: try Fixtures.coach(), directory: directory, logger: logger)
            return nil
        } catch let error as StoreError {
            return error
        }
    }

    @Test("on a line of a schema this build reads, an unknown kind is damage at that line, not a newer version")
    func damaged() throws {
        let directory = try Self.folder(secondLineSchema: CoachState.schemaVersion)
        let error = try Self.openError(directory)
        guard case .corruptJournal(_, let line, let reason)? = error else {
            Issue.record("expected a damaged journal, got \(String(describing: error))")
            return
        }
        #expect(line == 2)
        #expect(reason.contains("unknown event type \"teleported\""))
        #expect(error?.description.contains("newer") == false)
    }

    @Test("on a line of a newer schema, the same line is refused as written by a newer ServiceCoach")
    func newer() throws {
        let directory = try Self.folder(secondLineSchema: CoachState.schemaVersion + 1)
        let error = try Self.openError(directory)
        guard case .newerSchema(_, let found, let supported)? = error else {
            Issue.record("expected a newer schema, got \(String(describing: error))")
            return
        }
        #expect(found == CoachState.schemaVersion + 1 && supported == CoachState.schemaVersion)
        #expect(error?.description.contains("newer ServiceCoach") == true)
    }
}
