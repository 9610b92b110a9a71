import CoachCore
import CoachRuntime
import Foundation

/// `coach export`: the programme's data, row by row, for a spreadsheet or another tool. Seven tables, each one CSV
/// file (`examples.csv`, `ratings.csv`, `goals.csv`, `followups.csv`, `ideas.csv`, `definitions.csv`, `weeks.csv`) or
/// one key of the JSON document. Instants are ISO 8601 in the team's time zone, days `YYYY-MM-DD`.
///
/// The column names are identifiers, the same in both forms, and stay put between versions (the JSON's `schema`
/// says when one changes meaning), so they are declared here with their values rather than worded in `Prompts/`.
/// Ratings are exported as the team's figures per principle, never as who gave which score, and an average only
/// where `ratings.minRaters` people rated it, as the chat and the report show them.
public struct ProgrammeExport: Sendable {
    public let tables: [ExportTable]
    let header: ExportHeader

    /// The file names of the CSV export, in order.
    public static let fileNames = ["examples", "ratings", "goals", "followups", "ideas", "definitions", "weeks"]
        .map { $0 + ".csv" }

    public init(setup: CoachSetup, state: CoachState, at now: Date) {
        let record = ProgrammeRecord(state: state, config: setup.config, catalogue: setup.catalogue, now: now)
        tables = [
            Self.examples(record), Self.ratings(record), Self.goals(record), Self.followUps(record), Self.ideas(record),
            Self.definitions(record), Self.weeks(record),
        ]
        header = ExportHeader(
            team: setup.config.team.name, timeZone: setup.config.team.timeZone.identifier,
            exportedAt: record.clock.timestamp(now), minRaters: record.ratings.minRaters)
    }

    /// Writes each table's CSV file into `folder`, as it is made, and returns the files in order.
    public func writeCSV(into folder: URL) throws(ReportError) -> [URL] {
        try tables.map { table throws(ReportError) in
            let file = folder.appendingPathComponent(table.name + ".csv")
            try OutputPath.write(to: file) { try CSVFormat.write(table, to: &$0) }
            return file
        }
    }

    /// Writes every table into one versioned JSON document at `file`, as it is made.
    public func writeJSON(to file: URL) throws(ReportError) {
        try OutputPath.write(to: file) { try JSONFormat.write(tables, header: header, to: &$0) }
    }

    /// Each table as a CSV file in memory, by file name: what `writeCSV` writes.
    public func csvFiles() throws -> [(name: String, contents: Data)] {
        try tables.map { (name: $0.name + ".csv", contents: try $0.csv()) }
    }

    /// The JSON document in memory: what `writeJSON` writes.
    public func json() throws -> Data {
        var output = ChunkedOutput()
        try JSONFormat.write(tables, header: header, to: &output)
        return Data(output.bytes)
    }

    // MARK: - The tables

    static func examples(_ record: ProgrammeRecord) -> ExportTable {
        let weeks = Dictionary(record.figures.weeks.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        let clock = record.clock
        return ExportTable("examples", record.examples, [
            .init("id") { .integer($0.id) },
            .init("week") { .text($0.weekKey) },
            .init("weekNumber") { .integer($0.weekKey.flatMap { weeks[$0] }?.number) },
            .init("cycle") { .integer($0.weekKey.flatMap { weeks[$0] }?.cycle) },
            .init("principleID") { .text($0.principleID) },
            .init("principle") { .text($0.principleID.map(record.title)) },
            .init("reporterID") { .text($0.reporterID) },
            .init("reporter") { .text(record.name($0.reporterID)) },
            .init("caughtIDs") { .list($0.caughtIDs) },
            .init("caught") { .list($0.caughtIDs.map(record.name)) },
            .init("shoutOut") { .flag(!$0.caughtIDs.isEmpty) },
            .init("source") { .text($0.source.rawValue) },
            .init("text") { .text($0.text) },
            .init("sharedAt") { .text(clock.timestamp($0.at)) },
        ])
    }

    /// One row per principle per round: the team's figure, never a person's score.
    static func ratings(_ record: ProgrammeRecord) -> ExportTable {
        let rows = record.ratings.rounds.flatMap { round in round.principles.map { (round: round, rating: $0) } }
        return ExportTable("ratings", rows, [
            .init("cycle") { .integer($0.round.cycle) },
            .init("round") { .text($0.round.purpose.rawValue) },
            .init("principleID") { .text($0.rating.principleID) },
            .init("principle") { .text($0.rating.principle) },
            .init("raters") { .integer($0.rating.raters) },
            .init("average") { .average($0.rating.average) },
            .init("agreementPercent") { .integer($0.rating.agreement) },
            .init("tooFewRaters") { .flag($0.rating.hidden) },
        ])
    }

    /// Every reading of every goal, with the goal's target beside it and the programme week it fell in.
    static func goals(_ record: ProgrammeRecord) -> ExportTable {
        let rows = record.figures.goals.flatMap { goal in
            goal.readings.enumerated().map { (goal: goal, number: $0.offset + 1, reading: $0.element) }
        }
        let clock = record.clock
        return ExportTable("goals", rows, [
            .init("goalID") { .integer($0.goal.id) },
            .init("kpi") { .text($0.goal.kpi) },
            .init("unit") { .text($0.goal.unit) },
            .init("direction") { .text($0.goal.direction.rawValue) },
            .init("target") { .number($0.goal.target) },
            .init("allowedGap") { .number($0.goal.allowedGap) },
            .init("ownerID") { .text($0.goal.ownerID) },
            .init("owner") { .text($0.goal.owner) },
            .init("goalClosed") { .flag($0.goal.closed) },
            .init("reading") { .integer($0.number) },
            .init("value") { .number($0.reading.value) },
            .init("offTarget") { .flag($0.reading.offTarget) },
            .init("note") { .text($0.reading.note) },
            .init("byID") { .text($0.reading.byID) },
            .init("by") { .text($0.reading.by) },
            .init("readAt") { .text(clock.timestamp($0.reading.at)) },
            .init("week") { .text(record.week(containing: $0.reading.date)?.key) },
            .init("weekNumber") { .integer(record.week(containing: $0.reading.date)?.number) },
            .init("principle") { .text(record.week(containing: $0.reading.date)?.principle) },
        ])
    }

    static func followUps(_ record: ProgrammeRecord) -> ExportTable {
        let clock = record.clock
        return ExportTable("followups", record.figures.followUps.items, [
            .init("id") { .integer($0.id) },
            .init("kind") { .text($0.goalID != nil ? "correctiveAction" : $0.feedbackID != nil ? "complaint" : "followUp") },
            .init("text") { .text($0.text) },
            .init("ownerID") { .text($0.ownerID) },
            .init("owner") { .text($0.owner) },
            .init("goalID") { .integer($0.goalID) },
            .init("complaintID") { .integer($0.feedbackID) },
            .init("openedAt") { .text(clock.timestamp($0.openedAt)) },
            .init("closedAt") { .text($0.closedAt.map(clock.timestamp)) },
            .init("open") { .flag($0.closedOn == nil) },
            .init("daysOpen") { .integer($0.daysOpen) },
            .init("daysToClose") { .integer($0.daysToClose) },
            .init("resolution") { .text($0.resolution) },
        ])
    }

    static func ideas(_ record: ProgrammeRecord) -> ExportTable {
        let ideas = Dictionary(record.state.ideas.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let weeks = Dictionary(record.figures.weeks.map { ($0.key, $0.number) }, uniquingKeysWith: { _, last in last })
        let clock = record.clock
        return ExportTable("ideas", record.figures.ideas, [
            .init("id") { .integer($0.id) },
            .init("text") { .text($0.text) },
            .init("authorID") { .text($0.authorID) },
            .init("author") { .text($0.author) },
            .init("sharedAt") { idea in .text(ideas[idea.id].map { clock.timestamp($0.at) }) },
            .init("week") { .text(ideas[$0.id]?.weekKey) },
            .init("weekNumber") { idea in .integer(ideas[idea.id]?.weekKey.flatMap { weeks[$0] }) },
            .init("answered") { .flag($0.answer != nil) },
            .init("answer") { .text($0.answer?.text) },
            .init("answeredByID") { .text($0.answer?.byID) },
            .init("answeredBy") { .text($0.answer?.by) },
            .init("answeredOn") { .text($0.answer?.date.description) },
        ])
    }

    /// Everyone's "Customer Service means…" answers, then the definitions the team agreed from them.
    static func definitions(_ record: ProgrammeRecord) -> ExportTable {
        enum Entry {
            case answer(Definition)
            case agreed(AgreedDefinition)
        }
        let entries = record.state.definitions.filter { $0.at <= record.now }.map(Entry.answer)
            + record.state.agreedDefinitions.filter { $0.at <= record.now }.map(Entry.agreed)
        let clock = record.clock
        return ExportTable("definitions", entries, [
            .init("kind") { entry in
                switch entry {
                case .answer: .text("answer")
                case .agreed: .text("agreed")
                }
            },
            .init("id") { entry in
                switch entry {
                case .answer(let answer): .integer(answer.id)
                case .agreed: .missing
                }
            },
            .init("cycle") { entry in
                switch entry {
                case .answer(let answer): .integer(answer.givenInCycle)
                case .agreed(let agreed): .integer(agreed.cycle)
                }
            },
            .init("text") { entry in
                switch entry {
                case .answer(let answer): .text(answer.text)
                case .agreed(let agreed): .text(agreed.text)
                }
            },
            .init("byID") { entry in
                switch entry {
                case .answer(let answer): .text(answer.authorID)
                case .agreed(let agreed): .text(agreed.agreedByID)
                }
            },
            .init("by") { entry in
                switch entry {
                case .answer(let answer): .text(record.name(answer.authorID))
                case .agreed(let agreed): .text(record.name(agreed.agreedByID))
                }
            },
            .init("at") { entry in
                switch entry {
                case .answer(let answer): .text(clock.timestamp(answer.at))
                case .agreed(let agreed): .text(clock.timestamp(agreed.at))
                }
            },
            .init("fromAnswerIDs") { entry in
                switch entry {
                case .answer: .missing
                case .agreed(let agreed): .list(agreed.fromIDs.map(String.init))
                }
            },
        ])
    }

    static func weeks(_ record: ProgrammeRecord) -> ExportTable {
        let clock = record.clock
        return ExportTable("weeks", record.figures.weeks, [
            .init("cycle") { .integer($0.cycle) },
            .init("week") { .text($0.key) },
            .init("number") { .integer($0.number) },
            .init("monday") { .text($0.monday.description) },
            .init("sunday") { .text($0.lastDay.description) },
            .init("principleID") { .text($0.principleID) },
            .init("principle") { .text($0.principle) },
            .init("opening") { .flag($0.opening) },
            .init("examples") { .integer($0.examples) },
            .init("ownExamples") { .integer($0.ownExamples) },
            .init("shoutOuts") { .integer($0.shoutOuts) },
            .init("contributors") { .integer($0.contributors) },
            .init("recognised") { .integer($0.recognised) },
            .init("recognisedSoFar") { .integer($0.recognisedSoFar) },
            .init("reportBack") { .text($0.reportBack.rawValue) },
            .init("reportBackSentAt") { .text($0.reportBackSentAt.map(clock.timestamp)) },
        ])
    }
}
