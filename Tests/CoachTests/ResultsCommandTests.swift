import ArgumentParser
@testable import coach
import CoachCore
import CoachReport
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// `coach report --html` and `coach export`: they parse and explain themselves, read the state beside a running bot
/// without disturbing it, and refuse bad paths and bad states with the problem and the fix, writing nothing.
@Suite("coach report and coach export", .timeLimit(.minutes(10)))
struct ResultsCommandTests {
    static let now = ISO8601DateFormatter().date(from: "2027-01-20T17:00:00Z")!

    /// A state folder holding a week of a small programme, committed through the store as the bot commits; the store
    /// is returned open, so its lock is held as a running bot holds it.
    static func runningBot() throws -> (folder: URL, store: StateStore, setup: CoachSetup) {
        let folder = Fixtures.temporaryDirectory()
        let state = folder.appendingPathComponent("state")
        let (store, _) = try StateStore.open(
            directory: state, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        let week = ProgrammeWeek(key: "2027-W03", monday: LocalDate(year: 2027, month: 1, day: 18), cycle: 1, index: 0, principleID: "listen")
        let events: [StateEvent] = [
            .memberSeen(id: "sam", name: "Sam"), .memberSeen(id: "kim", name: "Kim <b>"),
            .weekOpened(week),
            .exampleAdded(Example(
                id: 1, weekKey: week.key, principleID: "listen", reporterID: "sam", caughtIDs: ["kim"],
                text: "Kim waited, \"listened\", then answered", at: now.addingTimeInterval(-3600), source: .caught)),
        ]
        var current = CoachState()
        for event in events { current.apply(event) }
        try store.commit(events, state: current)
        return (folder, store, try Fixtures.setup(state: state))
    }

    /// Every file in the state folder, with its bytes, to compare before and after.
    static func snapshot(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    @Test("beside a running bot: the report and the exports are written, the bot's files and lock untouched")
    func besideRunningBot() async throws {
        let (folder, store, setup) = try Self.runningBot()
        defer {
            store.close()
            try? FileManager.default.removeItem(at: folder)
        }
        let before = try Self.snapshot(setup.stateDirectory)
        let html = folder.appendingPathComponent("report.html")
        #expect(try ResultsFiles.report(setup: setup, html: html.path, now: Self.now) == html)
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("Kim &lt;b&gt;") && page.contains("Kim waited, &quot;listened&quot;, then answered"))
        let written = try ResultsFiles.export(
            setup: setup, csv: folder.appendingPathComponent("csv").path, json: folder.appendingPathComponent("all.json").path,
            now: Self.now)
        #expect(written.map(\.lastPathComponent) == ProgrammeExport.fileNames + ["all.json"])
        let examples = try String(contentsOf: folder.appendingPathComponent("csv/examples.csv"), encoding: .utf8)
        #expect(examples.contains("\"Kim waited, \"\"listened\"\", then answered\""))
        #expect(try Self.snapshot(setup.stateDirectory) == before)
        // The bot still holds its lock and carries on committing.
        #expect(throws: Never.self) { try store.commit([.installed(id: "after")], state: CoachState()) }
        #expect(try CoachSetup.inspectState(in: setup.stateDirectory).runningBot != nil)
    }

    @Test("bad paths are refused before the state is read, each naming the path and the fix, and nothing is written")
    func badPaths() async throws {
        let (folder, store, setup) = try Self.runningBot()
        defer {
            store.close()
            try? FileManager.default.removeItem(at: folder)
        }
        let missing = folder.appendingPathComponent("no/such/report.html").path
        #expect(throws: ReportError.missingParent(path: missing, parent: folder.appendingPathComponent("no/such").path)) {
            try ResultsFiles.report(setup: setup, html: missing, now: Self.now)
        }
        #expect(throws: ReportError.folderNotFile(path: folder.path, option: "--html")) {
            try ResultsFiles.report(setup: setup, html: folder.path, now: Self.now)
        }
        let file = folder.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        #expect(throws: ReportError.fileNotFolder(path: file.path)) {
            try ResultsFiles.export(setup: setup, csv: file.path, json: nil, now: Self.now)
        }
        // Over the bot's own files, or among them: refused, and state.json is as it was.
        let snapshot = setup.stateDirectory.appendingPathComponent("state.json").path
        let before = try Self.snapshot(setup.stateDirectory)
        #expect(throws: ReportError.insideStateFolder(path: snapshot, stateDirectory: setup.stateDirectory.path)) {
            try ResultsFiles.export(setup: setup, csv: nil, json: snapshot, now: Self.now)
        }
        #expect(throws: ReportError.self) {
            try ResultsFiles.export(setup: setup, csv: setup.stateDirectory.path, json: nil, now: Self.now)
        }
        #expect(try Self.snapshot(setup.stateDirectory) == before)
        // The messages say what to do.
        #expect(ReportError.missingParent(path: missing, parent: "/x/no/such").description.contains("mkdir -p /x/no/such"))
        #expect(ReportError.folderNotFile(path: "/srv", option: "--html").description
            == "--html /srv is a folder; name a file in it instead, e.g. --html /srv/coach-report.html.")
        #expect(ReportError.insideStateFolder(path: snapshot, stateDirectory: "/var/lib/coach").description
            .contains("Write it somewhere else"))
        let nested = folder.appendingPathComponent("no/csv").path
        #expect(throws: ReportError.missingParent(path: nested, parent: folder.appendingPathComponent("no").path)) {
            try ResultsFiles.export(setup: setup, csv: nested, json: nil, now: Self.now)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("no").path))
    }

    @Test("a folder with no state, and a state the bot would refuse, stop with their messages; the broken file is kept")
    func badStates() async throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty")
        let output = folder.appendingPathComponent("report.html")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: ReportError.noState(directory: empty.path)) {
            try ResultsFiles.report(setup: try Fixtures.setup(state: empty), html: output.path, now: Self.now)
        }
        #expect(ReportError.noState(directory: "/srv/coach").description.contains("Check --state"))
        let broken = folder.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        let garbage = Data("garbage{".utf8)
        try garbage.write(to: broken.appendingPathComponent("state.json"))
        do {
            _ = try ResultsFiles.export(
                setup: try Fixtures.setup(state: broken), csv: nil, json: output.path, now: Self.now)
            Issue.record("a corrupt state was exported")
        } catch {
            // The very message the bot stops with, naming the file.
            #expect("\(error)" == CheckTests.openError(broken))
            #expect("\(error)".contains(broken.appendingPathComponent("state.json").path))
        }
        #expect(try Data(contentsOf: broken.appendingPathComponent("state.json")) == garbage)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("the subcommands parse, explain themselves in --help, and export asks for what to write")
    func commandLine() throws {
        let report = try #require(try CoachCommand.parseAsRoot(["report", "--html", "r.html", "--state", "s"]) as? Report)
        #expect(report.html == "r.html" && report.deployment.state == "s")
        let export = try #require(try CoachCommand.parseAsRoot(["export", "--csv", "out", "--json", "all.json"]) as? Export)
        #expect(export.csv == "out" && export.json == "all.json")
        let none = CommandLineTests.message(["export"])
        #expect(none.text.contains("Say what to write: --csv <folder> for the CSV files, --json <file> for one JSON document"))
        #expect(none.code == .validationFailure)
        #expect(CommandLineTests.message(["report"]).text.contains("--html"))
        let reportHelp = CommandLineTests.help(Report.self)
        #expect(reportHelp.contains("--html <file>"))
        #expect(reportHelp.contains(Report.stateHelp) && reportHelp.contains(Report.configHelp))
        let exportHelp = CommandLineTests.help(Export.self)
        #expect(exportHelp.contains("examples.csv, ratings.csv, goals.csv, followups.csv, ideas.csv, definitions.csv, weeks.csv"))
        #expect(exportHelp.contains("--csv <folder>") && exportHelp.contains("--json <file>"))
        #expect(CommandLineTests.help(CoachCommand.self).contains("report") && CommandLineTests.help(CoachCommand.self).contains("export"))
    }

    @Test("--as-of describes the programme at the end of that day in the team's time zone, and refuses a non-date")
    func asOf() throws {
        let setup = try Fixtures.setup()
        let report = try #require(try CoachCommand.parseAsRoot(["report", "--html", "r.html", "--as-of", "2027-04-09"]) as? Report)
        // London is on summer time by April: the day ends at 23:00 UTC.
        #expect(report.moment.instant(setup) == ISO8601DateFormatter().date(from: "2027-04-09T22:59:59Z"))
        let export = try #require(try CoachCommand.parseAsRoot(["export", "--json", "a.json", "--as-of", "2027-01-15"]) as? Export)
        #expect(export.moment.instant(setup) == ISO8601DateFormatter().date(from: "2027-01-15T23:59:59Z"))
        let wrong = CommandLineTests.message(["report", "--html", "r.html", "--as-of", "9 April"])
        #expect(wrong.text.contains("--as-of 9 April is not a date; write it as YYYY-MM-DD"))
        #expect(wrong.code == .validationFailure)
        #expect(CommandLineTests.help(Report.self).contains("--as-of <YYYY-MM-DD>"))
    }

    @Test("run as coach runs it: a refusal is one line on stderr and exit status 1")
    func exitStatus() async throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let command = try #require(try CoachCommand.parseAsRoot([
            "report", "--html", folder.appendingPathComponent("missing/report.html").path,
            "--config", Fixtures.projectRoot.appendingPathComponent("Config/coach.json").path,
            "--prompts", Fixtures.projectRoot.appendingPathComponent("Prompts").path, "--state", folder.path,
        ]) as? Report)
        do {
            try await command.run()
            Issue.record("a report into a missing folder succeeded")
        } catch let code as ExitCode {
            #expect(code == ExitCode(1))
        }
    }
}
