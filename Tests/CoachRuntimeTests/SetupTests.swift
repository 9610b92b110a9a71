import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

@Suite("Setup")
struct SetupTests {
    @Test("a missing prompts folder and a bad config stop start-up with the path and a fix")
    func setupErrors() throws {
        do {
            _ = try CoachSetup.load(configPath: nil, promptsPath: "/nonexistent/Prompts", stateOverride: nil)
            Issue.record("loaded without prompts")
        } catch {
            #expect(error.description.contains("/nonexistent/Prompts"))
        }
        let bad = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bad) }
        let file = bad.appendingPathComponent("coach.json")
        try Data(#"{"schedule": {"summary": "fri 25:00"}}"#.utf8).write(to: file)
        do {
            _ = try CoachSetup.load(configPath: file.path, promptsPath: Fixtures.projectRoot.appendingPathComponent("Prompts").path, stateOverride: nil)
            Issue.record("loaded a bad config")
        } catch {
            #expect(error.description.contains(file.path))
            #expect(error.description.contains("schedule.summary"))
        }
    }
}
