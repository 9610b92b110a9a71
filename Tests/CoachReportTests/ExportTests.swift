import CoachCore
@testable import CoachReport
import CoachRuntime
import CoachTestSupport
import CSV
import Foundation
import Testing

/// `coach export`'s seven tables, read back with the CSV library and compared field by field; the same tables as one
/// JSON document; dates in the team's time zone.
@Suite("Exports", .timeLimit(.minutes(10)))
struct ExportTests {
    /// A CSV file as the library reads it: its header and its rows.
    static func read(_ data: Data) throws -> (header: [String], rows: [[String]]) {
        let reader = try CSVReader(string: String(decoding: data, as: UTF8.self), hasHeaderRow: true)
        var rows: [[String]] = []
        while let row = reader.next() { rows.append(row) }
        if let error = reader.error { throw error }
        return (reader.headerRow ?? [], rows)
    }

    static func files(_ export: ProgrammeExport) async throws -> [String: (header: [String], rows: [[String]])] {
        var files: [String: (header: [String], rows: [[String]])] = [:]
        for (name, contents) in try export.csvFiles() { files[name] = try read(contents) }
        return files
    }

    @Test("every file, with a header row and a row for every example, rating, reading, follow-up, idea, answer and week")
    func everyFile() async throws {
        let programme = try await SimulatedProgramme.twelveWeeks.value
        let state = programme.state
        let export = ProgrammeExport(setup: programme.setup, state: state, at: programme.end)
        let files = try await Self.files(export)
        #expect(Set(files.keys) == Set(ProgrammeExport.fileNames))
        for table in export.tables {
            let file = try #require(files[table.name + ".csv"])
            #expect(file.header == table.columns)
            #expect(file.rows.count == table.rowCount)
            #expect(file.rows.allSatisfy { $0.count == table.columns.count }, "\(table.name).csv has a short row")
        }
        let live = state.examples.all.filter { !$0.deleted && $0.at <= programme.end }
        #expect(files["examples.csv"]?.rows.count == live.count)
        #expect(files["examples.csv"]?.rows.map { $0[0] } == live.map { String($0.id) })
        #expect(files["goals.csv"]?.rows.count == state.goals.reduce(0) { $0 + $1.history.count })
        #expect(files["followups.csv"]?.rows.count == state.followUps.count)
        #expect(files["ideas.csv"]?.rows.count == state.ideas.count)
        #expect(files["definitions.csv"]?.rows.count == state.definitions.count + state.agreedDefinitions.count)
        #expect(files["weeks.csv"]?.rows.count == state.weeks.count)
        let rated = state.ratingRounds.reduce(0) { count, round in count + Set(round.scores.values.flatMap(\.keys)).count }
        #expect(files["ratings.csv"]?.rows.count == rated)
        // The week figures are the report's: the same counts, week by week.
        let weeks = try #require(files["weeks.csv"])
        let examplesColumn = try #require(weeks.header.firstIndex(of: "examples"))
        #expect(weeks.rows.map { Int($0[examplesColumn]) } == state.weeks.map { week in
            state.examples.inWeek(week.key).filter { $0.at <= programme.end }.count
        })
    }

    @Test("commas, quotes, line breaks and non-Latin text in member text survive the round trip, quoted by RFC 4180")
    func quoting() async throws {
        let setup = try Fixtures.setup()
        var state = CoachState()
        let tricky = "He said \"hi\", then left\nnext line\r\nand a last one, with \"quotes\""
        let name = "Zoë \"Z\", 王小明 🎉"
        state.members["z"] = Member(id: "z", name: name)
        state.members["k"] = Member(id: "k", name: "Kim")
        let week = ProgrammeWeek(key: "2027-W02", monday: LocalDate(year: 2027, month: 1, day: 11), cycle: 1, index: 0, principleID: "listen")
        state.weeks = [week]
        let at = Date(timeIntervalSince1970: 1_799_000_000)
        state.examples.append(Example(
            id: 1, weekKey: week.key, principleID: "listen", reporterID: "z", caughtIDs: ["k", "z"], text: tricky, at: at,
            source: .caught))
        state.ideas = [Idea(id: 1, text: "مرحبا, \"idea\"", authorID: "z", at: at, weekKey: week.key)]
        let now = at.addingTimeInterval(3600)
        let export = ProgrammeExport(setup: setup, state: state, at: now)
        let raw = try #require(try export.csvFiles().first { $0.name == "examples.csv" }?.contents)
        let text = String(decoding: raw, as: UTF8.self)
        // Records end with CRLF; a field with a quote, comma or line break is quoted, its quotes doubled.
        #expect(text.hasSuffix("\r\n"))
        #expect(text.contains("\"He said \"\"hi\"\", then left\nnext line\r\nand a last one, with \"\"quotes\"\"\""))
        #expect(text.contains("\"Kim; Zoë \"\"Z\"\", 王小明 🎉\""))
        let file = try Self.read(raw)
        let row = try #require(file.rows.first)
        func field(_ column: String) -> String? { file.header.firstIndex(of: column).map { row[$0] } }
        #expect(field("text") == tricky)
        #expect(field("reporter") == name)
        #expect(field("caught") == "Kim; \(name)")
        #expect(field("caughtIDs") == "k; z")
        #expect(field("shoutOut") == "true")
        #expect(field("week") == "2027-W02")
        let ideas = try Self.read(try #require(try export.csvFiles().first { $0.name == "ideas.csv" }?.contents))
        #expect(ideas.rows.first?[1] == "مرحبا, \"idea\"")
        // UTF-8 with no byte-order mark: the header is the first thing in the file.
        #expect(raw.starts(with: Data("id,week,".utf8)))
    }

    @Test("instants are ISO 8601 in the team's time zone, with its offset on each date, summer and winter")
    func teamTime() async throws {
        var setup = try Fixtures.setup()
        setup.config.team.timeZone = TimeZone(identifier: "America/New_York")!
        var state = CoachState()
        state.members["a"] = Member(id: "a", name: "Ana")
        let winter = ISO8601DateFormatter().date(from: "2027-01-15T14:30:05Z")!
        let summer = ISO8601DateFormatter().date(from: "2027-07-15T03:10:00Z")!
        for (id, at) in [(1, winter), (2, summer)] {
            state.examples.append(Example(
                id: id, weekKey: nil, principleID: nil, reporterID: "a", caughtIDs: [], text: "x", at: at, source: .command))
        }
        let export = ProgrammeExport(setup: setup, state: state, at: summer.addingTimeInterval(60))
        let file = try Self.read(try #require(try export.csvFiles().first { $0.name == "examples.csv" }?.contents))
        let column = try #require(file.header.firstIndex(of: "sharedAt"))
        // 03:10 UTC in July is still the evening before in New York.
        #expect(file.rows.map { $0[column] } == ["2027-01-15T09:30:05-05:00", "2027-07-14T23:10:00-04:00"])
        let json = try JSONSerialization.jsonObject(with: try export.json()) as? [String: Any]
        #expect(json?["timeZone"] as? String == "America/New_York")
        #expect(json?["exportedAt"] as? String == "2027-07-14T23:11:00-04:00")
    }

    @Test("the team clock writes what a date formatter would, in zones east and west, on half hours and before 1970",
        arguments: ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"])
    func teamClockAgreesWithFoundation(zone: String) {
        let timeZone = TimeZone(identifier: zone)!
        let clock = TeamClock(timeZone: timeZone)
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        var generator = SeededGenerator(seed: 7)
        let reader = ISO8601DateFormatter()
        for _ in 0..<500 {
            let instant = Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator)))
            let written = clock.timestamp(instant)
            // Always the exact instant, read back by any ISO 8601 reader.
            #expect(reader.date(from: written) == instant, "\(written) is not \(instant)")
            var expected = formatter.string(from: instant)
            // Foundation writes UTC as Z; the export always writes the offset.
            if expected.hasSuffix("Z") { expected = String(expected.dropLast()) + "+00:00" }
            // Where the zone's offset was whole minutes (everywhere since the 1930s), exactly what Foundation writes.
            guard timeZone.secondsFromGMT(for: instant) % 60 == 0 else { continue }
            #expect(written == expected)
            #expect(clock.day(instant) == String(expected.prefix(10)))
        }
    }

    @Test("the JSON document: a schema version, the team, and every table with typed values, the CSV's rows")
    func json() async throws {
        let programme = try await SimulatedProgramme.twelveWeeks.value
        let export = ProgrammeExport(setup: programme.setup, state: programme.state, at: programme.end)
        let document = try #require(try JSONSerialization.jsonObject(with: try export.json()) as? [String: Any])
        #expect(document["schema"] as? Int == 1)
        #expect(document["team"] as? String == programme.setup.config.team.name)
        #expect(document["minRaters"] as? Int == 3)
        let files = try await Self.files(export)
        for table in export.tables {
            let rows = try #require(document[table.name] as? [[String: Any]], "no \(table.name) in the JSON")
            #expect(rows.count == files[table.name + ".csv"]?.rows.count)
            #expect(rows.allSatisfy { Set($0.keys) == Set(table.columns) })
        }
        let example = try #require((document["examples"] as? [[String: Any]])?.first { ($0["caughtIDs"] as? [String])?.isEmpty == false })
        #expect(example["id"] is Int && example["shoutOut"] as? Bool == true)
        let rating = try #require((document["ratings"] as? [[String: Any]])?.first)
        #expect(rating["average"] is Double && rating["raters"] as? Int == 40)
        let open = try #require((document["followups"] as? [[String: Any]])?.first { $0["open"] as? Bool == true })
        #expect(open["closedAt"] is NSNull && open["daysToClose"] is NSNull)
        let reading = try #require((document["goals"] as? [[String: Any]])?.first)
        #expect(reading["value"] is Double && reading["target"] is Double)
    }

    @Test("ratings are the team's figures per principle, never a person's score, and no average of too few raters")
    func ratingsPrivacy() async throws {
        let programme = try await SimulatedProgramme.twelveWeeks.value
        var setup = programme.setup
        // Two people leave one principle out of the re-rating, and the team asks for as many raters as the others
        // had: that principle's average is left out, the others' shown.
        var state = programme.state
        let round = try #require(state.ratingRounds.indices.last)
        let principle = try #require(state.ratingRounds[round].scores.values.first?.keys.sorted().first)
        for member in state.ratingRounds[round].scores.keys.sorted().prefix(2) {
            state.ratingRounds[round].scores[member]?[principle] = nil
        }
        let counts = state.ratingRounds.flatMap { round in
            Dictionary(grouping: round.scores.values.flatMap(\.keys), by: { $0 }).values.map(\.count)
        }
        let least = try #require(counts.max())
        setup.config.ratings.minRaters = least
        let export = ProgrammeExport(setup: setup, state: state, at: programme.end)
        let ratings = try #require(try await Self.files(export)["ratings.csv"])
        #expect(ratings.header == ["cycle", "round", "principleID", "principle", "raters", "average", "agreementPercent", "tooFewRaters"])
        let raters = try #require(ratings.header.firstIndex(of: "raters"))
        let average = try #require(ratings.header.firstIndex(of: "average"))
        let hidden = try #require(ratings.header.firstIndex(of: "tooFewRaters"))
        #expect(ratings.rows.contains { Int($0[raters])! < least } && ratings.rows.contains { Int($0[raters])! >= least })
        for row in ratings.rows {
            let tooFew = Int(row[raters])! < least
            #expect(row[hidden] == String(tooFew))
            #expect(row[average].isEmpty == tooFew)
        }
        // Nobody's id appears in the ratings.
        let ids = Set(programme.state.members.keys)
        #expect(!ratings.rows.joined().contains { ids.contains($0) })
    }
}

/// A small deterministic generator (SplitMix64), so the instants tried are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
