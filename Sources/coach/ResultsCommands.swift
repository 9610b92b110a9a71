import ArgumentParser
import CoachCore
import CoachReport
import CoachRuntime
import Foundation

struct Report: AsyncParsableCommand, DeploymentUse {
    static let configuration = CommandConfiguration(
        abstract: "Write the programme's report as one self-contained HTML page with charts, from the state folder.",
        discussion: "The state is only read, the way coach check reads it (no lock, no repair), so the report can be "
            + "made while the bot runs. The page loads nothing from the network, needs no JavaScript and prints on "
            + "A4; send it to whoever should see it.")
    static let configHelp = "The deployment's config file: the team's name and time zone, and ratings.minRaters. "
        + "Default: Config/coach.json."
    static let stateHelp = "The state folder to report on, instead of the config's stateDirectory. It is only read."

    @Option(help: ArgumentHelp("The HTML file to write, e.g. report.html. Its folder must exist; a file already there is replaced.", valueName: "file"))
    var html: String

    @OptionGroup var moment: ReportMoment

    @OptionGroup var deployment: DeploymentOptions<Report>

    @OptionGroup var choice: TeamChoice

    func run() async throws {
        do {
            let setup = try choice.load(deployment)
            print(try ResultsFiles.report(setup: setup, html: html, now: moment.instant(setup)).path)
        } catch {
            throw fail(error)
        }
    }
}

struct Export: AsyncParsableCommand, DeploymentUse {
    static let configuration = CommandConfiguration(
        abstract: "Export the programme's data as CSV files or one JSON document, from the state folder.",
        discussion: "--csv writes \(ProgrammeExport.fileNames.joined(separator: ", ")): RFC 4180, UTF-8, a header "
            + "row, dates in the team's time zone. --json writes the same tables as one document with a schema "
            + "version. The state is only read, as for coach report, so this works while the bot runs.")
    static let configHelp = "The deployment's config file: the team's name and time zone, and ratings.minRaters. "
        + "Default: Config/coach.json."
    static let stateHelp = "The state folder to export, instead of the config's stateDirectory. It is only read."

    @Option(help: ArgumentHelp("A folder for the CSV files, created if only its last part is missing; files of the same names there are replaced.", valueName: "folder"))
    var csv: String?

    @Option(help: ArgumentHelp("A file for the JSON document, e.g. export.json. Its folder must exist.", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp(
        "Instead of the programme's data, everything the state holds about one member, by their chat platform id, "
            + "as the JSON document !mydata sends them. Needs --json.", valueName: "id"))
    var member: String?

    @OptionGroup var moment: ReportMoment

    @OptionGroup var deployment: DeploymentOptions<Export>

    @OptionGroup var choice: TeamChoice

    func validate() throws {
        guard csv != nil || json != nil else {
            throw ValidationError("Say what to write: --csv <folder> for the CSV files, --json <file> for one JSON "
                + "document, or both.")
        }
        if member != nil, csv != nil || json == nil { throw ValidationError(MemberDataError.memberNeedsJSON.description) }
    }

    func run() async throws {
        do {
            let setup = try choice.load(deployment)
            if let member, let json {
                print(try MemberFiles.export(setup: setup, memberID: member, json: json, now: moment.instant(setup)).path)
                return
            }
            let written = try ResultsFiles.export(setup: setup, csv: csv, json: json, now: moment.instant(setup))
            for file in written { print(file.path) }
        } catch {
            throw fail(error)
        }
    }
}

/// The moment a report or an export describes: now, or the end of a past day, to make again the report a manager
/// saw then (anything dated later is left out), or to look at a simulated programme, which runs in days to come.
struct ReportMoment: ParsableArguments {
    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp(
            "Describe the programme as it stood at the end of this day, in the team's time zone, e.g. --as-of "
                + "2027-04-09. Default: now.", valueName: "YYYY-MM-DD"))
    var asOf: String?

    func validate() throws {
        if let asOf, LocalDate(asOf) == nil {
            throw ValidationError("--as-of \(asOf) is not a date; write it as YYYY-MM-DD, e.g. --as-of 2027-04-09.")
        }
    }

    /// The last second of the day asked for, or the clock's now.
    func instant(_ setup: CoachSetup) -> Date {
        guard let day = asOf.flatMap(LocalDate.init) else { return SystemClock().now() }
        let calendar = TeamCalendar(timeZone: setup.config.team.timeZone)
        return calendar.startOfDay(calendar.adding(days: 1, to: day)).addingTimeInterval(-1)
    }
}

/// What `coach report` and `coach export` do once the setup is loaded, with the time passed in, so tests run them
/// against a state folder and a fixed moment.
enum ResultsFiles {
    /// Writes the HTML report and returns where.
    static func report(setup: CoachSetup, html: String, now: Date) throws -> URL {
        // The paths first: a mistyped one is reported before the state is read.
        let file = try OutputPath.file(html, option: "--html", stateDirectory: setup.stateDirectory)
        let renderer = try ReportRenderer(setup: setup)
        let page = try renderer.html(state: try state(of: setup), at: now)
        try OutputPath.write(Data(page.utf8), to: file)
        return file
    }

    /// Writes the CSV files and the JSON document asked for, and returns their paths in the order written.
    static func export(setup: CoachSetup, csv: String?, json: String?, now: Date) throws -> [URL] {
        let folder = try csv.map { try OutputPath.folder($0, stateDirectory: setup.stateDirectory) }
        let document = try json.map { try OutputPath.file($0, option: "--json", stateDirectory: setup.stateDirectory) }
        let export = ProgrammeExport(setup: setup, state: try state(of: setup), at: now)
        var written: [URL] = []
        if let folder { written += try export.writeCSV(into: folder) }
        if let document {
            try export.writeJSON(to: document)
            written.append(document)
        }
        return written
    }

    /// The state as the bot would load it, read the way `coach check` reads it: without the lock, repairing nothing,
    /// so a running bot is neither stopped nor disturbed. A state the bot would refuse stops this with the same
    /// message.
    static func state(of setup: CoachSetup) throws -> CoachState {
        let inspection = try CoachSetup.inspectState(in: setup.stateDirectory)
        guard inspection.holdsState else { throw ReportError.noState(directory: setup.stateDirectory.path) }
        return inspection.state
    }
}
