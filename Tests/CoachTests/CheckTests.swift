import ArgumentParser
@testable import coach
import CoachChat
import CoachCore
import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// `coach check` as it prints, run through `CoachCheck.run` with a fake environment and a manual clock.
@Suite("coach check", .timeLimit(.minutes(10)))
struct CheckTests {
    static let root = Fixtures.projectRoot
    static let prompts = root.appendingPathComponent("Prompts")

    /// Wednesday 2 December 2026, 08:00 in London (GMT, so 08:00 UTC too).
    static let wednesday = ISO8601DateFormatter().date(from: "2026-12-02T08:00:00Z")!

    static func outside(at now: Date = wednesday, environment: [String: String] = [:]) -> CoachBuilder.Outside {
        CoachBuilder.Outside(
            clock: ManualClock(now), environment: environment, web: HTTPWebClient(), input: ConsoleInput(),
            output: { _ in }, logger: BuilderTests.logger, randomSeed: 1, shutdownSignals: [])
    }

    static func check(
        config: URL = root.appendingPathComponent("Config/coach.json"), prompts: URL = prompts, state: URL?,
        at now: Date = wednesday, environment: [String: String] = [:]
    ) async -> CoachCheck.Report {
        await CoachCheck.run(
            configPath: config.path, promptsPath: prompts.path, stateOverride: state?.path,
            outside: outside(at: now, environment: environment))
    }

    /// A folder with a copy of the shipped config, edited.
    static func config(_ edit: (String) -> String) throws -> (folder: URL, file: URL) {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("coach.json")
        let shipped = try String(contentsOf: root.appendingPathComponent("Config/coach.json"), encoding: .utf8)
        try Data(edit(shipped).utf8).write(to: file)
        return (folder, file)
    }

    /// The message `coach run` stops with for a state folder.
    static func openError(_ directory: URL) -> String {
        do {
            let (store, _) = try StateStore.open(
                directory: directory, schemaVersion: CoachState.schemaVersion, initial: { CoachState() },
                apply: { $0.apply($1) })
            store.close()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("the shipped config: the settings in force, one line per finding, and the count")
    func shippedConfig() async throws {
        let state = Fixtures.temporaryDirectory()
        let report = await Self.check(state: state)
        let setup = try Fixtures.setup()
        let templates = CoachSetup.templateNames(in: Self.prompts)
        let config = Self.root.appendingPathComponent("Config/coach.json").path
        #expect(report.text == """
            Settings in force, from \(config):
              team: Corner Bakery
              time zone: Europe/London, where it is now 2026-12-02 Wednesday 08:00
              next posts, while a programme runs:
                announce: 2026-12-07 Monday 09:00
                reminder: 2026-12-02 Wednesday 12:00
                summary: 2026-12-04 Friday 16:00
                dailyNudge: 2026-12-02 Wednesday 10:00
                digest: 2026-12-07 Monday 10:00
              admins: Alex (alex)
              holidays: 2026-12-25 to 2027-01-01
              state folder: \(state.path)
              kept: everything, until someone deletes it (retention.months is not set)
              chat platform: console

            ok: config: \(config): every key is one coach reads, and every value works
            ok: catalogue: \(setup.catalogue.principles.count) principles in \(Self.prompts.path)/catalogue.json
            ok: templates: \(templates.count) templates, the command help and the reward ideas compile
            ok: templates: all \(Template.allCases.count) templates render with sample views
            ok: state: no state yet in \(state.path): the bot starts a fresh one there
            ok: console: a local chat in this terminal: no account, token or network needed
            ok: files: the console shows no files: report html answers with how to write the report with coach report --html FILE
            No problems found.
            """)
        #expect(report.problems == 0)
        #expect(!FileManager.default.fileExists(atPath: state.path))
    }

    @Test("the next posts skip a holiday week and move off a holiday, as the schedule does")
    func nextPostsAroundHolidays() async {
        let christmasWeek = ISO8601DateFormatter().date(from: "2026-12-23T10:30:00Z")!
        let text = await Self.check(state: Fixtures.temporaryDirectory(), at: christmasWeek).text
        #expect(text.contains("    announce: 2027-01-04 Monday 09:00\n"))
        #expect(text.contains("    reminder: 2026-12-23 Wednesday 12:00\n"))
        // Friday the 25th is a holiday: the summary comes a day early.
        #expect(text.contains("    summary: 2026-12-24 Thursday 16:00\n"))
        #expect(text.contains("    dailyNudge: 2026-12-24 Thursday 10:00\n"))
    }

    @Test("typos and a broken state: every problem on its own line, the store's own message, a count, exit 1")
    func typosAndBrokenState() async throws {
        let (folder, file) = try Self.config {
            $0.replacingOccurrences(of: "\"admins\"", with: "\"admin\"").replacingOccurrences(of: "\"timeZone\"", with: "\"timezone\"")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try Data("garbage{".utf8).write(to: state.appendingPathComponent("state.json"))
        let report = await Self.check(config: file, state: state)
        let lines = report.text.split(separator: "\n").map(String.init)
        let findings = lines.filter { $0.hasPrefix("ok: ") || $0.hasPrefix("warning: ") || $0.hasPrefix("problem: ") }
        let storeMessage = Self.openError(state)
        #expect(storeMessage.contains(state.appendingPathComponent("state.json").path))
        #expect(findings == [
            "problem: config: \(file.path): The config key admin is not one coach reads: did you mean admins? The keys at "
                + "the top level are admins, digest, holidays, members, nudges, programme, ratings, retention, schedule, schema, stateDirectory, team, "
                + "transport.",
            "problem: config: \(file.path): The config key team.timezone is not one coach reads: did you mean team.timeZone? "
                + "The keys of team are botName, name, timeZone.",
            findings[2], findings[3], "ok: templates: all \(Template.allCases.count) templates render with sample views",
            "warning: admins: nobody is an admin, so nobody can accept, start or pause the programme; list the admins' "
                + "user ids in \"admins\"",
            "problem: state: \(storeMessage)",
            "ok: console: a local chat in this terminal: no account, token or network needed",
            "ok: files: the console shows no files: report html answers with how to write the report with coach report --html FILE",
        ])
        #expect(findings[2].hasPrefix("ok: catalogue: ") && findings[3].hasPrefix("ok: templates: "))
        #expect(lines.last == "3 problems found: the bot will not work until they are fixed.")
        #expect(report.problems == 3)
        // The settings shown are the ones the bot would use without the misspelt keys: no admins, the default zone.
        #expect(report.text.contains("  admins: none\n"))
        #expect(report.text.contains(" (the default), where it is now "))
    }

    @Test("a refused state folder is a problem naming stateDirectory, and the folder is not looked into", arguments: ["/", "/etc"])
    func refusedStateFolder(path: String) async throws {
        let (folder, file) = try Self.config { $0.replacingOccurrences(of: "\"schema\": 1,", with: "\"schema\": 1, \"stateDirectory\": \"\(path)\",") }
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = await Self.check(config: file, state: nil)
        let state = report.findings.filter { $0.subject == "state" }
        #expect(state.count == 1)
        #expect(state.first?.status == .problem)
        #expect(state.first?.detail.contains("The state folder \(path) cannot be used") == true)
        #expect(state.first?.detail.contains("Set stateDirectory") == true)
        #expect(report.problems == 1)
    }

    @Test("a relative state folder that climbs with .. is checked where it lands, with a warning that it depends on where coach starts")
    func climbingStateFolder() async throws {
        let (folder, file) = try Self.config { $0 }
        defer { try? FileManager.default.removeItem(at: folder) }
        let name = "coach-climb-\(UUID().uuidString)"
        let climb = "../" + name
        let report = await CoachCheck.run(
            configPath: file.path, promptsPath: Self.prompts.path, stateOverride: climb, outside: Self.outside())
        let landed = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
            .appendingPathComponent(name).standardizedFileURL.path
        #expect(report.text.contains("warning: state: stateDirectory \"\(climb)\" climbs out of the folder coach runs in, to \(landed)"))
        #expect(report.text.contains("ok: state: no state yet in \(landed)"))
        #expect(!FileManager.default.fileExists(atPath: landed))
    }

    @Test("a token that is not set is a problem line with the count, not an error on stderr")
    func missingToken() async {
        let report = await Self.check(
            config: Self.root.appendingPathComponent("Config/examples/slack.json"), state: Fixtures.temporaryDirectory())
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("problem: slack: The environment variable SLACK_BOT_TOKEN (named by transport.settings.tokenEnv) is not set") })
        #expect(lines.last == "1 problem found: the bot will not work until it is fixed.")
        #expect(report.problems == 1)
        #expect(report.text.contains("  admins: Alex (U0A1ALEX01)\n"))
    }

    @Test("a config that is not JSON: its line and column, and what could not be checked without it")
    func notJSON() async throws {
        let (folder, file) = try Self.config { $0.replacingOccurrences(of: "\"Corner Bakery\",", with: "\"Corner Bakery\"") }
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = await Self.check(config: file, state: nil)
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "problem: config: \(file.path): The config file is not valid JSON at line 5, column 5: "
            + "expected a comma or a } here; a comma may be missing at the end of the line before.")
        #expect(lines.contains("warning: state: not checked: without a config there is no stateDirectory; pass --state"))
        #expect(lines.contains("warning: platform: not checked until the config and the prompts can be read"))
        #expect(!report.text.contains("Settings in force"))
        #expect(report.problems == 1)
    }

    @Test("a running bot is no problem for check: it says so, and the bot keeps its lock")
    func runningBot() async throws {
        let state = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let (store, _) = try StateStore.open(
            directory: state, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        try store.commit([.installed(id: "abc")], state: CoachState())
        let report = await Self.check(state: state)
        #expect(report.text.contains("warning: state: a coach is running on \(state.path) (pid \(getpid())), so a second one there would be refused"))
        #expect(report.text.contains("ok: state: \(state.path) holds 0 examples, last changed "))
        #expect(report.text.contains("(commit 1)"))
        #expect(report.problems == 0)
        try store.commit([.installed(id: "def")], state: CoachState())
        store.close()
    }

    @Test("a secret variable holding a few characters is a warning naming the variable, never the value")
    func shortSecret() {
        let redactor = Redactor(secrets: [
            .init(value: "xoxb-1234-5678-abcdefghij", name: "SLACK_BOT_TOKEN"),
            .init(value: "x", name: "ZULIP_API_KEY"),
            .init(value: "hunter2", name: "MATRIX_PASSWORD"),
            .init(value: "typed", name: "transport.settings.tokenEnv"),
        ])
        let lines = CoachCheck.shortSecretFindings(redactor).map(\.description)
        #expect(lines == [
            "warning: platform: ZULIP_API_KEY holds only 1 character: tokens, keys and webhook addresses are far longer, so check that it holds the real one (and a password this short is easy to guess). Meanwhile the logs mask every occurrence of that text",
            "warning: platform: MATRIX_PASSWORD holds only 7 characters: tokens, keys and webhook addresses are far longer, so check that it holds the real one (and a password this short is easy to guess). Meanwhile the logs mask every occurrence of that text",
        ])
        #expect(!lines.joined().contains("hunter2"))
    }

    @Test("members with time zones of their own are counted by zone; none, no line")
    func memberTimeZones() {
        var state = CoachState()
        #expect(CoachCheck.timeZoneFindings(state).isEmpty)
        state.members["sam"] = Member(id: "sam", name: "Sam")
        state.members["sam"]?.timeZone = "America/New_York"
        #expect(CoachCheck.timeZoneFindings(state).map(\.description) == [
            "ok: state: 1 member has a time zone of their own, where their check-ins come at the nudge time: America/New_York (1)",
        ])
        for (id, zone) in [("jo", "Asia/Kolkata"), ("priya", "Asia/Kolkata"), ("alex", nil)] {
            state.members[id] = Member(id: id, name: id.capitalized)
            state.members[id]?.timeZone = zone
        }
        #expect(CoachCheck.timeZoneFindings(state).map(\.description) == [
            "ok: state: 3 members have time zones of their own, where their check-ins come at the nudge time: "
                + "America/New_York (1), Asia/Kolkata (2)",
        ])
    }

    @Test("a torn last journal line is a warning that the bot will cut it")
    func tornLine() async throws {
        let state = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let (store, _) = try StateStore.open(
            directory: state, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        try store.commit([.installed(id: "abc")], state: CoachState())
        store.close()
        let journal = try FileHandle(forWritingTo: state.appendingPathComponent("journal.jsonl"))
        try journal.seekToEnd()
        try journal.write(contentsOf: Data(#"{"schema":1,"se"#.utf8))
        try journal.close()
        let report = await Self.check(state: state)
        #expect(report.text.contains("warning: state: the journal's last line is unfinished (15 bytes), left by a crash"))
        #expect(report.problems == 0)
    }

    @Test("broken templates: check says so in the same format, though it cannot use its own templates")
    func brokenTemplates() async throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("Prompts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.prompts, to: prompts)
        try Data("{{#unclosed}}".utf8).write(to: prompts.appendingPathComponent("summary.mustache"))
        let report = await Self.check(prompts: prompts, state: folder.appendingPathComponent("state"))
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("problem: templates: The message file Prompts/summary.mustache cannot be used") })
        #expect(lines.contains { $0.hasPrefix("ok: state: no state yet") })
        #expect(lines.last == "1 problem found.")
        #expect(report.problems == 1)
    }

    @Test(
        "a template that includes itself, a missing partial and 3,000 nested sections are problems naming the file",
        arguments: [
            ("summary", "\n{{> summary}}", "Prompts/summary.mustache includes itself"),
            ("help", "\n{{> does-not-exist}}", "there is no Prompts/does-not-exist.mustache"),
            ("help", "\n" + String(repeating: "{{#a}}", count: 3_000) + String(repeating: "{{/a}}", count: 3_000),
             "Prompts/help.mustache cannot be used: at line"),
        ])
    func templateStructure(file: String, appended: String, message: String) async throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("Prompts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.prompts, to: prompts)
        let url = prompts.appendingPathComponent("\(file).mustache")
        try Data((try String(contentsOf: url, encoding: .utf8) + appended).utf8).write(to: url)
        let report = await Self.check(prompts: prompts, state: folder.appendingPathComponent("state"))
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("problem: templates: ") && $0.contains(message) }, "\(report.text)")
        #expect(report.problems == 1)
    }

    /// A copy of the shipped Prompts folder, in a fresh folder, with `edits` appended to the named templates.
    static func promptsCopy(appending edits: [String: String] = [:]) throws -> (folder: URL, prompts: URL) {
        let folder = Fixtures.temporaryDirectory()
        let prompts = folder.appendingPathComponent("Prompts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.prompts, to: prompts)
        for (file, appended) in edits {
            let url = prompts.appendingPathComponent("\(file).mustache")
            try Data((try String(contentsOf: url, encoding: .utf8) + appended).utf8).write(to: url)
        }
        return (folder, prompts)
    }

    @Test("a copy of the shipped Prompts folder passes, every template rendered with sample views")
    func goodPrompts() async throws {
        let (folder, prompts) = try Self.promptsCopy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = await Self.check(prompts: prompts, state: folder.appendingPathComponent("state"))
        #expect(report.text.contains("ok: templates: all \(Template.allCases.count) templates render with sample views\n"))
        #expect(!report.findings.contains { $0.subject == "templates" && $0.status != .ok }, "\(report.text)")
        #expect(report.problems == 0)
    }

    @Test(
        "a broken template fails check, naming the file: a loop or a nesting hidden in a section, a missing partial, a stray brace",
        arguments: [
            // Each loop only closes when the section around it opens: the scan finds it all the same.
            ("help", "\n{{#isAdmin}}{{> help}}{{/isAdmin}}", "The message file Prompts/help.mustache includes itself (line ", 1),
            ("next-week", "\n{{#runs}}{{> summary}}{{/runs}}", "include each other in a loop", 1),
            // Fine on its own (32 deep), too deep inside summary, which includes it within a section.
            ("next-week", "\n" + String(repeating: "{{#runs}}", count: 32) + String(repeating: "{{/runs}}", count: 32),
             "The message file Prompts/summary.mustache cannot be used: with the partials it includes, its sections nest", 1),
            ("summary", "\n{{#hasCaught}}{{> missing}}{{/hasCaught}}", "there is no Prompts/missing.mustache", 1),
            // These compile, but a brace short, the tag shows in the post; only rendering with a sample finds it.
            ("status", "\nSee you soon, {you}}.", "Prompts/status.mustache, rendered with a sample, shows a tag it did not "
                + "read at line ", 1),
            // In a partial: both templates that include it are named, with the partial.
            ("next-week", "\n{{#runs}}Then {principle.title}}.{{/runs}}", "Prompts/summary.mustache (or a partial it "
                + "includes: Prompts/goal-trend.mustache, Prompts/next-week.mustache, Prompts/session-agenda.mustache, "
                + "Prompts/trends.mustache), rendered with a sample", 2),
        ])
    func brokenTemplate(file: String, appended: String, message: String, problems: Int) async throws {
        let (folder, prompts) = try Self.promptsCopy(appending: [file: appended])
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = await Self.check(prompts: prompts, state: folder.appendingPathComponent("state"))
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("problem: templates: ") && $0.contains(message) }, "\(report.text)")
        #expect(report.problems == problems, "\(report.text)")
        #expect(!report.text.contains("render with sample views"))
    }

    @Test("a catalogue without the definition principle is a warning: the programme would open without week 0")
    func catalogueWithoutWeekZero() async throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("Prompts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.prompts, to: prompts)
        let file = prompts.appendingPathComponent("catalogue.json")
        var catalogue = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let principles = try #require(catalogue["principles"] as? [[String: Any]])
        catalogue["principles"] = principles.filter { $0["id"] as? String != "define-customer-service" }
        try JSONSerialization.data(withJSONObject: catalogue).write(to: file)
        let report = await Self.check(prompts: prompts, state: folder.appendingPathComponent("state"))
        #expect(report.text.contains("warning: catalogue: it has no principle \"define-customer-service\", so the programme opens without week 0"))
        #expect(report.problems == 0)
        let shipped = await Self.check(state: folder.appendingPathComponent("state2"))
        #expect(!shipped.text.contains("without week 0"))
    }

    @Test("an admin missing from a non-empty roster is a warning")
    func adminNotInMembers() async throws {
        let (folder, file) = try Self.config { $0.replacingOccurrences(of: "\"admins\": [\"alex\"]", with: "\"admins\": [\"alx\"]") }
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = await Self.check(config: file, state: folder.appendingPathComponent("state"))
        #expect(report.text.contains("warning: admins: alx is an admin but not in members"))
        #expect(report.text.contains("  admins: alx\n"))
        #expect(report.problems == 0)
    }

    @Test("an unknown platform setting suggests the closest one")
    func platformSettingSuggestion() {
        let settings = PlatformSettings(kind: "slack", values: ["chanel": "C1"], environment: [:])
        #expect(throws: PlatformSetupError.self) { try settings.validateKeys(["channel", "tokenEnv"]) }
        let error = PlatformSetupError.unknownSetting(kind: "slack", key: "chanel", known: ["channel", "tokenEnv"])
        #expect(error.description.hasPrefix("transport.settings.chanel is not a slack setting: did you mean transport.settings.channel?"))
    }
}

@Suite("The command line")
struct CommandLineTests {
    static func message(_ arguments: [String]) -> (text: String, code: ExitCode) {
        do {
            _ = try CoachCommand.parseAsRoot(arguments)
            return ("", .success)
        } catch {
            return (CoachCommand.message(for: error), CoachCommand.exitCode(for: error))
        }
    }

    /// Help text with ArgumentParser's line wrapping undone.
    static func help(_ command: any ParsableCommand.Type) -> String {
        CoachCommand.helpMessage(for: command).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test("coach --version prints the version declared once")
    func version() {
        #expect(!CoachVersion.current.isEmpty)
        #expect(Self.message(["--version"]).text == CoachVersion.current)
        #expect(Self.message(["--version"]).code == .success)
    }

    @Test("a mistyped subcommand gets the closest one; a word far from all gets the list")
    func subcommandSuggestion() {
        let typo = Self.message(["chek"])
        #expect(typo.text.contains(#""chek" is not a coach command, nor an option of coach run. Did you mean "check"?"#))
        #expect(typo.code == .validationFailure)
        let far = Self.message(["bogus", "--config", "x.json"])
        #expect(!far.text.contains("Did you mean"))
        #expect(far.text.contains("The commands are: run, simulate, check, report, export, backup, restore, forget."))
        #expect(Self.message(["simulat"]).text.contains(#"Did you mean "simulate"?"#))
    }

    @Test("real subcommands and options still parse")
    func stillParses() throws {
        #expect(try CoachCommand.parseAsRoot(["check", "--config", "x.json"]) is Check)
        let run = try #require(try CoachCommand.parseAsRoot(["--config", "x.json"]) as? Run)
        #expect(run.deployment.config == "x.json" && run.unexpected.isEmpty)
    }

    @Test("--config and --state say what they mean for each subcommand; log levels are listed once")
    func helpPerSubcommand() {
        let run = Self.help(Run.self)
        let check = Self.help(Check.self)
        let simulate = Self.help(Simulate.self)
        #expect(run.contains(Run.stateHelp) && run.contains(Run.configHelp))
        #expect(check.contains(Check.stateHelp) && check.contains(Check.configHelp))
        #expect(simulate.contains(Simulate.stateHelp) && simulate.contains(Simulate.configHelp))
        #expect(!run.contains("simulate") && !check.contains("simulate"))
        #expect(!simulate.contains("local chat in this terminal"))
        for help in [run, check, simulate] {
            #expect(help.components(separatedBy: "critical").count == 2, "\(help)")
        }
    }

    @Test("--weeks beyond the catalogue is refused with the plan's longest length")
    func weeksBeyondThePlan() async throws {
        #expect(throws: Never.self) { try Simulate.checkWeeks(30, longestPlan: 30) }
        do {
            try Simulate.checkWeeks(31, longestPlan: 30)
            Issue.record("31 weeks accepted")
        } catch let error as ValidationError {
            #expect(error.message.contains("the catalogue has principles for 30 weeks"))
            #expect(error.message.contains("Use --weeks 1 to 30."))
        }
        let principles = try Fixtures.setup().longestPlan
        #expect(principles == (try Fixtures.setup().catalogue.principles.count) - 1, "week 0 takes the definition principle")
        let simulate = try Simulate.parse([
            "--weeks", "\(principles + 1)", "--config", Fixtures.projectRoot.appendingPathComponent("Config/coach.json").path,
            "--prompts", Fixtures.projectRoot.appendingPathComponent("Prompts").path,
        ])
        await #expect(throws: ValidationError.self) { try await simulate.run() }
    }
}
