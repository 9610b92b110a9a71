import CSV
import Foundation

/// The two forms of the export: one RFC 4180 CSV file per table, and one JSON document holding them all.
enum ExportFormats {
    /// The JSON document's `schema`. Raise it when a column changes meaning or goes away; a new column is added
    /// without raising it, as readers of JSON ignore keys they do not know.
    static let jsonSchema = 1

    /// A table as an RFC 4180 file: UTF-8, CRLF between records, a header row, then every field in double quotes,
    /// quotes inside doubled (by the CSV library, not by hand).
    ///
    /// Every data field is quoted, as RFC 4180 allows and spreadsheets read as usual (a quoted number is still a
    /// number): asked to quote only where needed, the library looks for four characters in each field through
    /// Foundation's string search, the slowest part of a large export on Linux. For the same reason a long table is
    /// written in parts at once, one library writer each, joined in order.
    static func csv(_ table: ExportTable) async throws -> Data {
        let chunks = stride(from: 0, to: table.rows.count, by: rowsPerPart).map {
            table.rows[$0..<min($0 + rowsPerPart, table.rows.count)]
        }
        let parts = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for (index, chunk) in chunks.enumerated() {
                group.addTask { (index, try records(chunk)) }
            }
            var parts: [[UInt8]] = Array(repeating: [], count: chunks.count)
            for try await (index, bytes) in group { parts[index] = bytes }
            return parts
        }
        let newline = Array("\r\n".utf8)
        var file = try header(table.columns)
        file.reserveCapacity(parts.reduce(file.count + newline.count) { $0 + $1.count + newline.count })
        for part in parts {
            file += newline
            file += part
        }
        // A final line break: RFC 4180 allows it, and tools that read line by line expect one.
        file += newline
        return file.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    /// How many rows one writer takes: a year of a large team's examples in a few parts, a small table in one.
    static let rowsPerPart = 20_000

    /// The header row, unquoted: the column names need no quotes.
    static func header(_ columns: [String]) throws -> [UInt8] {
        let stream = MemoryOutput()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        try writer.write(row: columns)
        writer.stream.close()
        return stream.bytes
    }

    /// Rows as records separated by CRLF, with no line break after the last. Each field is made as it is written: a
    /// year of examples as one list of strings first would hold the whole file twice over.
    static func records(_ rows: ArraySlice<[ExportValue]>) throws -> [UInt8] {
        let stream = MemoryOutput()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in rows { try writer.write(row: row.lazy.map(\.csvField), quotedAtIndex: { _ in true }) }
        writer.stream.close()
        return stream.bytes
    }

    /// Every table in one document: `{"schema": 1, "team": …, "timeZone": …, "exportedAt": …, "examples": [...], …}`.
    static func json(_ tables: [ExportTable], header: ExportHeader) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(ExportDocument(header: header, tables: tables))
    }
}

/// What the JSON document says about itself.
struct ExportHeader: Sendable, Equatable {
    var team: String
    var timeZone: String
    var exportedAt: String
    /// The fewest raters whose average is shown (`ratings.minRaters`), so a reader knows why an average is missing.
    var minRaters: Int
}

struct ExportDocument: Encodable {
    let header: ExportHeader
    let tables: [ExportTable]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(ExportFormats.jsonSchema, forKey: Key("schema"))
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
                    // The value shown, not the float behind it: 3.4, never 3.4000000000000004.
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

/// An output stream that collects what the CSV library writes. The library writes a byte at a time; Foundation's
/// file and memory streams pay a call into CoreFoundation (or a system call) for each, which made a large export
/// slow, where appending to an array costs next to nothing. The file is written whole afterwards (`OutputPath`).
final class MemoryOutput: OutputStream {
    private(set) var bytes: [UInt8] = []
    private var status: Stream.Status = .notOpen

    init() {
        super.init(toMemory: ())
        bytes.reserveCapacity(1 << 16)
    }

    required init(toMemory: ()) {
        super.init(toMemory: toMemory)
    }

    override func open() { status = .open }
    override func close() { status = .closed }
    override var streamStatus: Stream.Status { status }
    override var hasSpaceAvailable: Bool { true }

    override func write(_ buffer: UnsafePointer<UInt8>, maxLength length: Int) -> Int {
        // The library's one byte at a time, without making a buffer of it.
        if length == 1 {
            bytes.append(buffer.pointee)
        } else {
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: length))
        }
        return length
    }
}
