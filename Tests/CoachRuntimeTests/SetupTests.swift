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

@Suite("Setup: reading each part for coach check")
struct SetupReadingTests {
    static let prompts = Fixtures.projectRoot.appendingPathComponent("Prompts").path

    static func writeConfig(_ json: String) throws -> (folder: URL, file: URL) {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("coach.json")
        try Data(json.utf8).write(to: file)
        return (folder, file)
    }

    @Test("an unknown key stops start-up with the file, the key and the closest known key")
    func unknownKeyStopsLoad() throws {
        let (folder, file) = try Self.writeConfig(#"{"admin": ["alex"]}"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try CoachSetup.load(configPath: file.path, promptsPath: Self.prompts, stateOverride: nil)
            Issue.record("loaded a config with a typo")
        } catch {
            #expect(error.description.hasPrefix(file.path + ": The config key admin is not one coach reads: did you mean admins?"))
        }
    }

    @Test("reading lists every unknown key and still assembles the setup from the rest")
    func readingKeepsGoing() throws {
        let (folder, file) = try Self.writeConfig(#"{"admin": ["alex"], "team": {"name": "Bakers", "timezone": "Europe/Paris"}}"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let reading = CoachSetup.read(configPath: file.path, promptsPath: Self.prompts, stateOverride: folder.path)
        #expect(reading.problems.map(\.part) == [.config, .config])
        #expect(reading.problems.map(\.error.description).allSatisfy { $0.hasPrefix(file.path + ": The config key") })
        #expect(reading.setup?.config.team.name == "Bakers")
        #expect(reading.setup?.stateDirectory.path == folder.path)
    }

    @Test("a broken config and a broken catalogue are both reported, each as its part")
    func everyPartReported() throws {
        let (folder, file) = try Self.writeConfig("{\n  \"team\": {}\n  \"admins\": []\n}")
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("Prompts")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.prompts), to: prompts)
        try Data("[]".utf8).write(to: prompts.appendingPathComponent("catalogue.json"))
        let reading = CoachSetup.read(configPath: file.path, promptsPath: prompts.path, stateOverride: nil)
        #expect(reading.problems.map(\.part) == [.config, .catalogue])
        #expect(reading.problems[0].error.description.contains("line 3, column 3"))
        #expect(reading.config == nil && reading.stateDirectory == nil && reading.setup == nil)
        #expect(reading.templates != nil)
        // load stops at the first of them, as the bot always has.
        #expect(throws: SetupError.self) { try CoachSetup.load(configPath: file.path, promptsPath: prompts.path, stateOverride: nil) }
    }

    @Test("inspecting the state refuses what opening it refuses, with the same message")
    func inspectStateMatchesOpen() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try CoachSetup.inspectState(in: folder).holdsState == false)
        try Data("garbage".utf8).write(to: folder.appendingPathComponent("state.json"))
        var inspected = ""
        var opened = ""
        do { _ = try CoachSetup.inspectState(in: folder) } catch { inspected = "\(error)" }
        do {
            _ = try StateStore.open(
                directory: folder, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        } catch {
            opened = "\(error)"
        }
        #expect(!inspected.isEmpty && inspected == opened)
        #expect(inspected.contains("State and backups"))
    }

    @Test("the longest plan is the catalogue's length, less the definition principle that week 0 takes")
    func longestPlan() throws {
        var setup = try Fixtures.setup()
        #expect(setup.longestPlan == setup.catalogue.principles.count - 1)
        setup.config.programme.openingWeek = false
        #expect(setup.longestPlan == setup.catalogue.principles.count)
    }
}
