import CoachCore
@testable import CoachReport
import CoachRuntime
import CoachTestSupport
import CSV
import Foundation
import Testing

/// The export's own CSV and JSON writers, held to what the CSV library and `JSONEncoder` wrote before, byte for byte,
/// on seeded random tables full of the text that breaks writers; read back and compared with the data, field by
/// field; and written to files in chunks that appear whole or not at all.
@Suite("Export writers", .timeLimit(.minutes(10)))
struct ExportWriterTests {
    /// Pieces of member text that need care: RFC 4180's specials, JSON's, spaces at the ends, spreadsheet formula
    /// starts, non-Latin text, emoji and combining marks.
    static let pieces = [
        ",", "\"", "\r", "\n", "\r\n", " ", "  ", "\t", "\\", "/", "=SUM(A1:A9)", "+1", "-2", "@here", "'", ";", "; ",
        "王小明", "مرحبا", "Zoë", "e\u{301}", "🎉", "👩‍👩‍👧", "\u{0}", "\u{1}", "\u{8}", "\u{b}", "\u{c}", "\u{1f}", "\u{7f}",
        "\u{2028}", "word", "a b", "1,5", "\"\"", "",
    ]

    static func text(_ generator: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    static func value(_ generator: inout SeededGenerator) -> ExportValue {
        switch Int.random(in: 0..<9, using: &generator) {
        case 0, 1, 2: .text(text(&generator))
        case 3: .integer(Int.random(in: -1_000_000...1_000_000, using: &generator))
        case 4: .number([2, 2.5, 0.1, 1e20, 1e-7, -0.0, 0.30000000000000004, 1e16, 1e15, 12345678.9, 99.95, -3]
            .randomElement(using: &generator)!)
        case 5: .average(Double.random(in: 1...5, using: &generator))
        case 6: .flag(Bool.random(using: &generator))
        case 7: .list((0..<Int.random(in: 0...3, using: &generator)).map { _ in text(&generator) })
        default: .missing
        }
    }

    /// A table of random values under the given column names.
    static func table(_ name: String, columns: [String], rows: Int, _ generator: inout SeededGenerator) -> ExportTable {
        let values = (0..<rows).map { _ in columns.map { _ in value(&generator) } }
        return ExportTable(name, values, columns.indices.map { index in ExportColumn(columns[index]) { $0[index] } })
    }

    /// An empty folder of its own.
    static func folder() throws -> URL {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A CSV file as the library reads it.
    static func read(_ data: Data) throws -> (header: [String], rows: [[String]]) {
        try ExportTests.read(data)
    }

    @Test("the CSV writer writes what the CSV library wrote for the export, byte for byte, and it reads back field by field")
    func csvMatchesLibrary() throws {
        for seed in UInt64(1)...40 {
            var generator = SeededGenerator(seed: seed)
            let table = Self.table("t", columns: ["id", "text", "who", "when"], rows: Int.random(in: 0...60, using: &generator), &generator)
            let ours = try table.csv()
            let library = try LibraryCSV.write(header: table.columns, rows: table.fieldRows)
            #expect(Array(ours) == library, "seed \(seed): the writers differ")
            let file = try Self.read(ours)
            #expect(file.header == table.columns, "seed \(seed)")
            #expect(file.rows == table.rows.map { $0.map(\.csvField) }, "seed \(seed): a field did not read back")
        }
    }

    @Test("CSV: a field is quoted, its quotes doubled, and its text otherwise as it was, formula starts included")
    func csvFields() throws {
        let values: [ExportValue] = [
            .text("=SUM(A1:A9)"), .text("+1"), .text("-2"), .text("@here"), .text(" padded "), .text("say \"hi\""),
            .text("two\r\nlines"), .list(["王小明", "Zoë \"Z\""]), .integer(7), .missing,
        ]
        let table = ExportTable("t", [values], values.indices.map { index in ExportColumn("c\(index)") { $0[index] } })
        let text = String(decoding: try table.csv(), as: UTF8.self)
        #expect(text == "c0,c1,c2,c3,c4,c5,c6,c7,c8,c9\r\n\"=SUM(A1:A9)\",\"+1\",\"-2\",\"@here\",\" padded \","
            + "\"say \"\"hi\"\"\",\"two\r\nlines\",\"王小明; Zoë \"\"Z\"\"\",\"7\",\"\"\r\n")
        #expect(try Self.read(Data(text.utf8)).rows == [values.map(\.csvField)])
        // A header name that needs quotes gets them, as the library gave them.
        let odd = ExportTable("t", [[ExportValue.integer(1)]], [ExportColumn("a,\"b\"") { $0[0] }])
        #expect(String(decoding: try odd.csv(), as: UTF8.self) == "\"a,\"\"b\"\"\"\r\n\"1\"\r\n")
        // An empty table is its header and a line break.
        let empty = ExportTable("t", [[ExportValue]](), [ExportColumn("a") { $0[0] }, ExportColumn("b") { $0[1] }])
        #expect(String(decoding: try empty.csv(), as: UTF8.self) == "a,b\r\n")
    }

    @Test("the JSON document is what JSONEncoder wrote for the export, byte for byte, on random tables and a programme")
    func jsonMatchesEncoder() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for seed in UInt64(1)...40 {
            var generator = SeededGenerator(seed: seed)
            let tables = [
                Self.table("zeta", columns: ["text", "b", "a", "aZ", "B", "a_"], rows: Int.random(in: 0...30, using: &generator), &generator),
                Self.table("alpha", columns: ["x"], rows: Int.random(in: 0...5, using: &generator), &generator),
            ]
            let header = ExportHeader(
                team: Self.text(&generator), timeZone: "Europe/London", exportedAt: "2027-01-01T00:00:00+00:00", minRaters: 3)
            var output = ChunkedOutput()
            try JSONFormat.write(tables, header: header, to: &output)
            let expected = try encoder.encode(EncoderDocument(header: header, tables: tables))
            #expect(Data(output.bytes) == expected, "seed \(seed): \(String(decoding: output.bytes, as: UTF8.self))")
        }
        let programme = try await SimulatedProgramme.twelveWeeks.value
        let export = ProgrammeExport(setup: programme.setup, state: programme.state, at: programme.end)
        #expect(try export.json() == (try encoder.encode(EncoderDocument(header: export.header, tables: export.tables))))
    }

    @Test("the streamed JSON document reads back as the tables: every row, every column, typed")
    func jsonReadsBack() async throws {
        let programme = try await SimulatedProgramme.twelveWeeks.value
        var state = programme.state
        // Member text that needs escaping, in the programme's first example.
        let tricky = "He said \"hi\", then left\nnext line\r\n\ttab \\ back/slash \u{1} 王小明 🎉"
        let first = try #require(state.examples.all.first)
        state.members[first.reporterID]?.name = tricky
        let export = ProgrammeExport(setup: programme.setup, state: state, at: programme.end)
        let document = try #require(try JSONSerialization.jsonObject(with: try export.json()) as? [String: Any])
        #expect(document["schema"] as? Int == JSONFormat.schema)
        #expect(Set(document.keys) == Set(["schema", "team", "timeZone", "exportedAt", "minRaters"] + export.tables.map(\.name)))
        for table in export.tables {
            let rows = try #require(document[table.name] as? [[String: Any]], "no \(table.name)")
            #expect(rows.count == table.rowCount)
            for (row, object) in zip(table.rows, rows) {
                #expect(Set(object.keys) == Set(table.columns))
                for (column, value) in zip(table.columns, row) {
                    #expect(Self.matches(object[column], value), "\(table.name).\(column): \(object[column] ?? "nil") is not \(value)")
                }
            }
        }
        let examples = try #require(document["examples"] as? [[String: Any]])
        #expect(examples.contains { $0["reporter"] as? String == tricky })
    }

    @Test("JSON: numbers as the encoder writes them, and a number JSON cannot hold is null rather than a failed export")
    func jsonNumbers() throws {
        #expect([2, 2.5, -0.0, 1e16, 1e-7, 0.1 + 0.2].map(JSONFormat.number) == ["2", "2.5", "-0", "1e+16", "1e-07", "0.30000000000000004"])
        #expect([Double.nan, .infinity, -.infinity].map(JSONFormat.number) == ["null", "null", "null"])
        let table = ExportTable("goals", [Double.nan, 3], [ExportColumn("value") { .number($0) }])
        var output = ChunkedOutput()
        try JSONFormat.write([table], header: ExportHeader(team: "T", timeZone: "UTC", exportedAt: "x", minRaters: 3), to: &output)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.bytes)) as? [String: Any])
        let rows = try #require(document["goals"] as? [[String: Any]])
        #expect(rows[0]["value"] is NSNull && rows[1]["value"] as? Int == 3)
    }

    /// Whether a value read back by JSONSerialization is the table's value.
    static func matches(_ read: Any?, _ value: ExportValue) -> Bool {
        switch value {
        case .text(let text): read as? String == text
        case .integer(let number): read as? Int == number
        case .number(let number): read as? Double == number
        case .average: read as? Double == Double(value.csvField)
        case .flag(let flag): read as? Bool == flag
        case .list(let items): read as? [String] == items
        case .missing: read is NSNull
        }
    }

    @Test("written to files: the same bytes as in memory, in chunks past the first, and no temporary file left")
    func files() throws {
        var generator = SeededGenerator(seed: 99)
        // Large enough to take several chunks.
        let big = Self.table("big", columns: ["text", "more", "again"], rows: 10_000, &generator)
        #expect(try big.csv().count > 3 * ChunkedOutput.chunkSize)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("big.csv")
        try OutputPath.write(to: file) { try CSVFormat.write(big, to: &$0) }
        #expect(try Data(contentsOf: file) == (try big.csv()))
        let json = folder.appendingPathComponent("all.json")
        let header = ExportHeader(team: "T", timeZone: "UTC", exportedAt: "x", minRaters: 3)
        try OutputPath.write(to: json) { try JSONFormat.write([big], header: header, to: &$0) }
        var output = ChunkedOutput()
        try JSONFormat.write([big], header: header, to: &output)
        #expect(try Data(contentsOf: json) == Data(output.bytes))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["big.csv", "all.json"])
    }

    @Test("a write that fails half-way leaves the old file as it was and no temporary file, and names the file")
    func failedWrite() throws {
        struct Broken: Error {}
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("examples.csv")
        try Data("old".utf8).write(to: file)
        var generator = SeededGenerator(seed: 5)
        let big = Self.table("big", columns: ["text"], rows: 3_000, &generator)
        do {
            try OutputPath.write(to: file) { output in
                try CSVFormat.write(big, to: &output)
                throw Broken()
            }
            Issue.record("a failed write succeeded")
        } catch {
            // The typed error: the file asked for, not the temporary one.
            guard case .unwritable(let path, _) = error else { throw error }
            #expect(path == file.path)
        }
        #expect(try Data(contentsOf: file) == Data("old".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["examples.csv"])
    }

    @Test("the export's files on disk are its files in memory")
    func exportFiles() async throws {
        let programme = try await SimulatedProgramme.twelveWeeks.value
        let export = ProgrammeExport(setup: programme.setup, state: programme.state, at: programme.end)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try export.writeCSV(into: folder)
        #expect(written.map(\.lastPathComponent) == ProgrammeExport.fileNames)
        for (name, contents) in try export.csvFiles() {
            #expect(try Data(contentsOf: folder.appendingPathComponent(name)) == contents, "\(name)")
        }
        let json = folder.appendingPathComponent("all.json")
        try export.writeJSON(to: json)
        #expect(try Data(contentsOf: json) == (try export.json()))
    }
}

/// The JSON document as `JSONEncoder` built it before the export streamed it: the reference the streamed document
/// is held to.
struct EncoderDocument: Encodable {
    let header: ExportHeader
    let tables: [ExportTable]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(JSONFormat.schema, forKey: Key("schema"))
        try container.encode(header.team, forKey: Key("team"))
        try container.encode(header.timeZone, forKey: Key("timeZone"))
        try container.encode(header.exportedAt, forKey: Key("exportedAt"))
        try container.encode(header.minRaters, forKey: Key("minRaters"))
        for table in tables {
            var rows = container.nestedUnkeyedContainer(forKey: Key(table.name))
            for row in table.rows {
                var object = rows.nestedContainer(keyedBy: Key.self)
                for (column, value) in zip(table.columns, row) {
                    let key = Key(column)
                    switch value {
                    case .text(let text): try object.encode(text, forKey: key)
                    case .integer(let number): try object.encode(number, forKey: key)
                    case .number(let number): try object.encode(number, forKey: key)
                    case .average(let number): try object.encode(Decimal(string: value.csvField) ?? Decimal(number), forKey: key)
                    case .flag(let flag): try object.encode(flag, forKey: key)
                    case .list(let items): try object.encode(items, forKey: key)
                    case .missing: try object.encodeNil(forKey: key)
                    }
                }
            }
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
