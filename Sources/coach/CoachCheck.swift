import CoachBackup
import CoachChat
import CoachCore
import CoachPlatforms
import CoachReport
import CoachRuntime
import Foundation

/// `coach check`: the settings in force, then every finding in one format, one `ok:`, `warning:` or `problem:` line
/// each, then the count of problems. Problems are what stops the bot or keeps it from working; warnings are worth a
/// look but stop nothing. Each part is checked even when another is broken, so one run lists everything to fix.
///
/// A function of the outside world (`Outside`: clock, environment, network), so tests run it with fakes and read
/// its text, exactly as `coach check` prints it. The report, and everything logged on the way, passes the same
/// redactor as the bot's logs: a platform that echoes a secret in its refusal cannot put it in the report.
enum CoachCheck {
    struct Report {
        /// What `coach check` prints.
        var text: String
        var findings: [CheckFinding]
        var problems: Int { findings.filter { $0.status == .problem }.count }
        /// The templates the report was rendered with, when they could be read.
        var prompts: PromptBook? = nil
    }

    /// - Parameters:
    ///   - team: one team of a teams folder: its config, its own Prompts overlay and its state folder inside it.
    ///   - extra: findings the caller knows and this check cannot (a teams folder's: a state folder shared by two).
    static func run(
        configPath: String?, promptsPath: String?, stateOverride: String?, team: TeamFolder? = nil,
        extra: [CheckFinding] = [], outside: CoachBuilder.Outside
    ) async -> Report {
        let reading = CoachSetup.read(configPath: configPath, promptsPath: promptsPath, stateOverride: stateOverride, team: team)
        let redactor = reading.config.map {
            Platforms.redactor(kind: $0.transport.kind, settings: $0.transport.settings, environment: outside.environment)
        } ?? .none
        var outside = outside
        outside.logger = outside.logger.redacting(with: redactor)
        var findings: [CheckFinding] = []
        func problems(in part: SetupReading.Part) -> [CheckFinding] {
            reading.problems.filter { $0.part == part }.map { .problem(part.rawValue, $0.error.description) }
        }

        let configProblems = problems(in: .config)
        if configProblems.isEmpty, let file = reading.configFile {
            findings.append(.ok("config", "\(file.path): every key is one coach reads, and every value works"))
        }
        findings += configProblems + problems(in: .prompts)
        if let catalogue = reading.catalogue, let folder = reading.promptsDirectory {
            findings.append(.ok("catalogue", "\(catalogue.principles.count) principles in \(folder.path)/catalogue.json"))
        }
        // Week 0 is the catalogue's definition principle; a catalogue without it opens on the first principle.
        if let catalogue = reading.catalogue, let config = reading.config, config.programme.openingWeek,
            catalogue.principle(id: DefinitionWeek.principleID) == nil
        {
            findings.append(.warning(
                "catalogue", "it has no principle \"\(DefinitionWeek.principleID)\", so the programme opens without week 0 "
                    + "(\"Customer Service means...\"); restore it from the shipped catalogue, or set programme.openingWeek to false"))
        }
        findings += problems(in: .catalogue)
        findings += problems(in: .templates)
        var prompts: PromptBook?
        if let templates = reading.templates, let commandHelp = reading.commandHelp, let rewardIdeas = reading.rewardIdeas {
            do {
                let book = try PromptBook(
                    markup: .plain, templates: templates, commandHelpJSON: commandHelp, rewardIdeasJSON: rewardIdeas)
                prompts = book
                findings.append(.ok("templates", "\(templates.count) templates, the command help and the reward ideas compile"))
                findings += sampleFindings(book.renderSamples(templateSamples(prompts: book)), prompts: book)
            } catch {
                findings.append(.problem("templates", error.description))
            }
        }

        let now = outside.clock.now()
        let calendar = TeamCalendar(timeZone: reading.config?.team.timeZone ?? TimeZone(identifier: "UTC")!)
        // Times in findings read like the settings' when the templates can say them, and as ISO 8601 when not.
        let say: (Date) -> String = { date in
            prompts?.timestamp(date, in: calendar) ?? ISO8601DateFormatter().string(from: date)
        }
        if let config = reading.config { findings += adminFindings(config) }

        let stateProblems = problems(in: .state)
        if !stateProblems.isEmpty {
            // A folder the bot may not use is not looked into either.
            findings += stateProblems
        } else if let directory = reading.stateDirectory {
            findings += climbFindings(stateOverride ?? reading.config?.stateDirectory, resolved: directory)
            findings += stateFindings(directory: directory, say: say) { try CoachSetup.inspectState(in: directory) }
        } else {
            // A team's state folder comes only from its config: --state names one folder, never a team's.
            findings.append(.warning("state", team == nil
                ? "not checked: without a config there is no stateDirectory; pass --state"
                : "not checked: without the team's coach.json there is no stateDirectory; fix the config first"))
        }

        findings += extra
        findings += shortSecretFindings(redactor)
        if team != nil, let setup = reading.setup, let refusal = CoachBuilder.teamRefusal(setup) {
            findings.append(.problem("platform", refusal.description))
        } else if let setup = reading.setup, prompts != nil {
            do {
                let transport = try CoachBuilder.transport(for: setup, outside)
                findings += await transport.check()
            } catch {
                findings.append(.problem(setup.config.transport.kind, "\(error)"))
            }
        } else {
            findings.append(.warning("platform", "not checked until the config and the prompts can be read"))
        }

        var settings: CheckReportView.Settings?
        if let config = reading.config, let prompts {
            settings = .init(
                config: config, file: reading.configFile, stateDirectory: reading.stateDirectory, now: now,
                prompts: prompts)
        }
        findings = findings.map { $0.redacted(by: redactor) }
        let text = prompts.map { $0.render(CheckReportView(settings: settings, findings: findings)) }
            ?? plainText(findings)
        return Report(text: redactor(text), findings: findings, prompts: prompts)
    }

    /// `coach check --teams DIR`: every team checked as `coach check` checks one deployment (each with its own
    /// secrets masked), one section each, then the subfolders that are no team and the total.
    static func runTeams(folder: TeamsFolder, promptsPath: String?, outside: CoachBuilder.Outside) async throws(SetupError)
        -> Report
    {
        let scan = try folder.scan()
        // The teams folder's own rule, declared once where the bot applies it: two teams may not share a state.
        let shared = TeamsReading(scan: scan, promptsPath: promptsPath).failed.filter {
            if case .sharedStateFolder = $0.error { true } else { false }
        }
        var sections: [CheckTeamsView.Section] = []
        var findings: [CheckFinding] = []
        var prompts: PromptBook?
        for team in scan.teams {
            let extra = shared.filter { $0.team == team }.map { CheckFinding.problem("state", $0.error.description) }
            let report = await run(
                configPath: team.config.path, promptsPath: promptsPath, stateOverride: nil, team: team, extra: extra,
                outside: outside)
            prompts = prompts ?? report.prompts
            findings += report.findings
            sections.append(.init(name: team.name, folder: team.directory.path, report: report.text, problems: report.problems))
        }
        let view = CheckTeamsView(
            folder: folder.directory.path, teams: sections,
            notTeams: scan.notTeams.map { .init(name: $0.name, reason: $0.reason) })
        let text = prompts.map { $0.render(view) } ?? (sections.map { "[\($0.name)]\n\($0.report)" }.joined(separator: "\n\n"))
        return Report(text: text, findings: findings, prompts: prompts)
    }

    /// One sample of every view coach renders, from every module that has views: rendering each is how check
    /// tries every template before the bot posts it. `TemplateSampleTests` keeps it complete.
    static func templateSamples(prompts: PromptBook) -> [any MessageView] {
        TemplateSamples.views(prompts: prompts) + [ChatLine.sample] + ConsoleTransport.templateSamples
            + Simulation.templateSamples + [CheckReportView.sample(prompts: prompts), CheckTeamsView.sample]
            + ReportRenderer.templateSamples(prompts: prompts) + StateBackup.templateSamples(prompts: prompts)
    }

    /// What rendering with samples found: a problem naming the file for each template that renders no message or
    /// that no sample reached, a warning for one that renders empty, and one ok line when all is well.
    static func sampleFindings(_ run: TemplateSampleRun, prompts: PromptBook) -> [CheckFinding] {
        var findings: [CheckFinding] = []
        for result in run.results {
            guard let problem = result.problem else { continue }
            let file = "Prompts/\(result.template.rawValue).mustache"
            // A stray brace may sit in a partial the template includes: name those too.
            let partials = prompts.includes(of: [result.template.rawValue]).subtracting([result.template.rawValue])
            let named = partials.sorted().map { "Prompts/\($0).mustache" }.joined(separator: ", ")
            let place = partials.isEmpty ? file : "\(file) (or a partial it includes: \(named))"
            switch problem {
            case .notRendered:
                findings.append(.problem("templates", "\(file) did not render with a sample view; restore the file"))
            case .notEncodable:
                findings.append(.problem(
                    "templates", "the sample view for \(file) could not be read by the template; this is a fault "
                        + "in coach, not in the file: please report it"))
            case .unreadTag(let line, let text):
                findings.append(.problem(
                    "templates", "\(place), rendered with a sample, shows a tag it did not read at line \(line) of the "
                        + "message: \"\(text)\"; check the braces of that tag: {{name}} takes two on each side"))
            case .empty:
                findings.append(.warning(
                    "templates", "\(file), rendered with a sample that fills every value, says nothing, so the bot "
                        + "would post an empty message; restore the file if that was not meant"))
            }
        }
        for template in run.uncovered {
            findings.append(.problem(
                "templates", "Prompts/\(template.rawValue).mustache was not rendered: no sample view uses it and no "
                    + "template a sample renders includes it, so check cannot try it; if it is a partial, include it "
                    + "where it belongs, or restore the shipped templates"))
        }
        if findings.isEmpty {
            findings.append(.ok("templates", "all \(run.covered.count) templates render with sample views"))
        }
        return findings
    }

    /// Nobody listed in `admins` means nobody can accept or start the programme: usually a misspelt key or id.
    static func adminFindings(_ config: CoachConfig) -> [CheckFinding] {
        guard !config.admins.isEmpty else {
            return [.warning(
                "admins", "nobody is an admin, so nobody can accept, start or pause the programme; "
                    + "list the admins' user ids in \"admins\"")]
        }
        // A roster that leaves out an admin usually means a mistyped id; an empty roster says nothing.
        guard !config.members.isEmpty else { return [] }
        let known = Set(config.members.map(\.id))
        return config.admins.filter { !known.contains($0) }.map { id in
            .warning("admins", "\(id) is an admin but not in members; check that the id is the one the platform uses")
        }
    }

    /// A relative state folder that climbs with `..` lands wherever coach happens to be started from; the folder it
    /// reaches now passed the checks, but say where that is, since a service manager may start coach elsewhere.
    static func climbFindings(_ setting: String?, resolved: URL) -> [CheckFinding] {
        guard let setting, !setting.hasPrefix("/"), setting.split(separator: "/").contains("..") else { return [] }
        return [.warning(
            "state", "stateDirectory \"\(setting)\" climbs out of the folder coach runs in, to \(resolved.path); "
                + "started from another folder it would land elsewhere, so an absolute path is safer")]
    }

    /// What the bot would find in its state folder, read without its lock and without repairing anything.
    static func stateFindings(
        directory: URL, say: (Date) -> String, inspect: () throws -> StateInspection
    ) -> [CheckFinding] {
        let inspection: StateInspection
        do {
            inspection = try inspect()
        } catch {
            // The very message the bot would stop with.
            return [.problem("state", "\(error)")]
        }
        var findings: [CheckFinding] = []
        let running = inspection.runningBot
        if let running {
            findings.append(.warning(
                "state", "a coach is running on \(directory.path)" + (running.pid.map { " (pid \($0))" } ?? "")
                    + ", so a second one there would be refused; this check read the files while it runs"))
        }
        guard inspection.holdsState else {
            findings.append(.ok("state", "no state yet in \(directory.path): the bot starts a fresh one there"))
            return findings
        }
        let examples = inspection.state.examples.liveCount
        let changed = inspection.lastChange.map { ", last changed \(say($0))" } ?? ""
        findings.append(.ok(
            "state", "\(directory.path) holds \(examples) example\(examples == 1 ? "" : "s")\(changed) "
                + "(commit \(inspection.lastSeq))"))
        findings += timeZoneFindings(inspection.state)
        // While a bot runs, an unfinished last line is most likely the write in progress, not a crash's leftover.
        guard running == nil else { return findings }
        let torn = inspection.report.droppedTornBytes
        if torn > 0 {
            findings.append(.warning(
                "state", "the journal's last line is unfinished (\(torn) bytes), left by a crash in the middle of a "
                    + "write; the bot cuts it off at its next start and loses nothing that was committed"))
        }
        for file in inspection.report.removedTempFiles {
            findings.append(.warning(
                "state", "\(file) was left by a crash while the state was compacted; the bot removes it at its next "
                    + "start and loses nothing"))
        }
        return findings
    }

    /// The fewest characters a secret can have before check asks whether it is the right variable: no platform's
    /// token, key or webhook address is this short, and a password this short is weak.
    static let shortestLikelySecret = 8

    /// A secret variable that holds only a few characters (`export SLACK_BOT_TOKEN=x` while trying things out) is
    /// almost certainly not the credential, and the log masking has to hide every occurrence of those characters,
    /// which blurs the logs. Named by its variable, never shown.
    static func shortSecretFindings(_ redactor: Redactor) -> [CheckFinding] {
        // A secret typed where its variable's name goes is already a problem of its own (`notAVariableName`).
        redactor.secrets.filter { $0.value.count < shortestLikelySecret && !$0.name.hasPrefix("transport.") }.map { secret in
            .warning(
                "platform", "\(secret.name) holds only \(secret.value.count) character\(secret.value.count == 1 ? "" : "s"): "
                    + "tokens, keys and webhook addresses are far longer, so check that it holds the real one (and a "
                    + "password this short is easy to guess). Meanwhile the logs mask every occurrence of that text")
        }
    }

    /// Members who set a time zone of their own (`timezone`): how many, and in which zones. (A zone this machine
    /// cannot look up never gets here: the state is refused, naming it, as the bot would refuse it.)
    static func timeZoneFindings(_ state: CoachState) -> [CheckFinding] {
        var byZone: [String: Int] = [:]
        for member in state.members.values { if let zone = member.timeZone { byZone[zone, default: 0] += 1 } }
        guard !byZone.isEmpty else { return [] }
        let members = byZone.values.reduce(0, +)
        let zones = byZone.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        return [.ok(
            "state", "\(members) member\(members == 1 ? " has a time zone" : "s have time zones") of their own, where "
                + "their check-ins come at the nudge time: \(zones)")]
    }

    /// The report without its templates, for when the templates are what is broken: the same lines, in English.
    static func plainText(_ findings: [CheckFinding]) -> String {
        let problems = findings.filter { $0.status == .problem }.count
        return (findings.map(\.description) + ["\(problems) problem\(problems == 1 ? "" : "s") found."])
            .joined(separator: "\n")
    }
}

/// `coach check --teams`: each team's report under its name, the folders that are no team, and the total.
struct CheckTeamsView: MessageView {
    static let template = Template.checkTeams
    var folder: String
    var teams: [Section]
    var notTeams: [NotTeam]
    var teamCount: Int
    var ready: Int
    var withProblems: Int
    var problems: Int
    var noTeams: Bool

    struct Section: Encodable {
        var name: String
        var folder: String
        /// The team's own `coach check` report, as rendered.
        var report: String
        var problems: Int
    }

    struct NotTeam: Encodable {
        var name: String
        var reason: String
    }

    init(folder: String, teams: [Section], notTeams: [NotTeam]) {
        self.folder = folder
        self.teams = teams
        self.notTeams = notTeams
        teamCount = teams.count
        ready = teams.filter { $0.problems == 0 }.count
        withProblems = teamCount - ready
        problems = teams.map(\.problems).reduce(0, +)
        noTeams = teams.isEmpty
    }

    static var sample: CheckTeamsView {
        CheckTeamsView(
            folder: "/etc/servicecoach/teams",
            teams: [
                .init(name: "acme", folder: "/etc/servicecoach/teams/acme", report: "No problems found.", problems: 0),
                .init(name: "bravo", folder: "/etc/servicecoach/teams/bravo", report: "1 problem found.", problems: 1),
            ],
            notTeams: [.init(name: "notes", reason: "it has no coach.json")])
    }
}

/// `coach check`'s report: the settings in force (when the config could be read), one line per finding, and how
/// many problems there are.
struct CheckReportView: MessageView {
    static let template = Template.checkReport
    var settings: Settings?
    var findings: [Finding]
    var problems: Int
    var tally: Tally

    init(settings: Settings?, findings: [CheckFinding]) {
        self.settings = settings
        self.findings = findings.map { Finding(status: $0.status.rawValue, subject: $0.subject, detail: $0.detail) }
        problems = findings.filter { $0.status == .problem }.count
        tally = problems == 0 ? .none : problems == 1 ? .one : .several
    }

    /// A report with every section open, for `coach check` to render its own template (see `TemplateSamples`).
    static func sample(prompts: PromptBook) -> CheckReportView {
        var config = CoachConfig()
        config.team.name = "Corner Bakery"
        config.admins = ["alex", "sam"]
        config.members = [.init(id: "alex", name: "Alex")]
        config.retention.months = 12
        var settings = Settings(
            config: config, file: URL(fileURLWithPath: "/etc/coach/coach.json"),
            stateDirectory: URL(fileURLWithPath: "/var/lib/coach"), now: Date(timeIntervalSince1970: 1_796_371_200),
            prompts: prompts)
        settings.defaultTimeZone = true
        settings.posts.append(.init(slot: "session", when: nil))
        settings.holidays = [.init(from: "2026-12-25", to: "2027-01-01"), .init(from: "2027-04-05", to: nil)]
        return CheckReportView(
            settings: settings,
            findings: [
                .ok("config", "every key is one coach reads"), .warning("admins", "sam is an admin but not in members"),
                .problem("state", "the state folder cannot be used"),
            ])
    }

    struct Finding: Encodable {
        var status: String
        var subject: String
        var detail: String
    }

    enum Tally: String, TemplateFlag {
        case none, one, several
    }

    /// What the bot will run with: who, where, when, who may steer it.
    struct Settings: Encodable {
        var config: String
        var team: String
        var timeZone: String
        /// No time zone was given (or it was misspelt): the posts go out in UTC, which a team rarely means.
        var defaultTimeZone: Bool
        var now: String
        var posts: [Post]
        var admins: [Admin]
        var holidays: [Holiday]
        var state: String
        /// `retention.months`: how long what members write is kept; nil keeps everything.
        var retentionMonths: Int?
        var platform: String

        struct Post: Encodable {
            /// The post's key in the config's `schedule`.
            var slot: String
            /// When it is next due, in the team's time zone; nil when none falls in the coming year.
            var when: String?
        }

        struct Admin: Encodable {
            var id: String
            /// From `members`, when the id is listed there.
            var name: String?
        }

        struct Holiday: Encodable {
            var from: String
            /// The last day of a range; nil for a single day.
            var to: String?
        }

        init(config: CoachConfig, file: URL?, stateDirectory: URL?, now: Date, prompts: PromptBook) {
            let schedule = WeeklySchedule(config: config)
            let calendar = schedule.calendar
            self.config = file?.path ?? ""
            team = config.team.name
            timeZone = config.team.timeZone.identifier
            defaultTimeZone = config.team.timeZone == CoachConfig().team.timeZone
            self.now = prompts.timestamp(now, in: calendar)
            // A year of weeks: a holiday week has no posts, and a year of holidays is as far as anyone plans.
            let today = calendar.localDate(of: now)
            let mondays = (0...53).map { calendar.adding(days: 7 * $0, to: calendar.monday(of: today)) }
            // A post the config leaves unset (the session) is not listed.
            posts = WeeklySlot.allCases.filter { config.schedule.time(of: $0) != nil }.map { slot in
                let next = mondays.lazy.compactMap { schedule.due(slot, monday: $0) }.first { $0 > now }
                return Post(slot: slot.rawValue, when: next.map { prompts.timestamp($0, in: calendar) })
            }
            let nudge = (0...366).lazy.compactMap { schedule.dailyNudgeDue(on: calendar.adding(days: $0, to: today)) }
                .first { $0 > now }
            posts.append(Post(slot: "dailyNudge", when: nudge.map { prompts.timestamp($0, in: calendar) }))
            // The admins' weekly digest, when it is on: with their check-in that day, at the later of the two times.
            if config.digest.enabled {
                let digest = mondays.lazy.compactMap { schedule.digestDue(monday: $0) }.first { $0 > now }
                posts.append(Post(slot: "digest", when: digest.map { prompts.timestamp($0, in: calendar) }))
            }
            admins = config.admins.map { id in Admin(id: id, name: config.members.first { $0.id == id }?.name) }
            holidays = config.holidays.map { Holiday(from: $0.first.description, to: $0.last == $0.first ? nil : $0.last.description) }
            state = stateDirectory?.path ?? config.stateDirectory
            retentionMonths = config.retention.months
            platform = config.transport.kind
        }
    }
}
