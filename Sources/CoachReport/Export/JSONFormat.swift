import Foundation

/// Every table in one document, `{"definitions": [...], "examples": [...], "exportedAt": …, "minRaters": …,
/// "schema": 1, …}`, written record by record as it is made.
///
/// Written here rather than by `JSONEncoder`, measured: the encoder builds the whole document as a tree of values
/// first, which for a year of a 1,000-person team's examples took about 500 MB and 1.0 to 1.7 s. The output is what
/// the encoder wrote before (`.sortedKeys`, `.withoutEscapingSlashes`), byte for byte: keys in the order of their
/// UTF-8 bytes, no spaces, strings escaped as the encoder escapes them, numbers as it writes them; a test holds the
/// two to each other, and another reads the document back and compares it with the tables.
enum JSONFormat {
    /// The document's `schema`. Raise it when a column changes meaning or goes away; a new column is added without
    /// raising it, as readers of JSON ignore keys they do not know.
    static let schema = 1

    static func write(_ tables: [ExportTable], header: ExportHeader, to output: inout ChunkedOutput) throws {
        enum Entry {
            case value(ExportValue)
            case table(ExportTable)
        }
        let entries: [(key: String, entry: Entry)] = [
            ("schema", .value(.integer(schema))), ("team", .value(.text(header.team))),
            ("timeZone", .value(.text(header.timeZone))), ("exportedAt", .value(.text(header.exportedAt))),
            ("minRaters", .value(.integer(header.minRaters))),
        ] + tables.map { ($0.name, .table($0)) }
        output.append(UInt8(ascii: "{"))
        for (index, (key, entry)) in entries.sorted(by: { precedes($0.key, $1.key) }).enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            string(key, to: &output)
            output.append(UInt8(ascii: ":"))
            switch entry {
            case .value(let value): self.value(value, to: &output)
            case .table(let table): try self.table(table, to: &output)
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    /// A table as an array of objects, one per row, each with its columns in sorted order.
    static func table(_ table: ExportTable, to output: inout ChunkedOutput) throws {
        let order = table.columns.indices.sorted { precedes(table.columns[$0], table.columns[$1]) }
        // Each column's `"name":` made once, not once a row.
        let keys: [[UInt8]] = order.map { column in
            var key = ChunkedOutput()
            string(table.columns[column], to: &key)
            key.append(UInt8(ascii: ":"))
            return key.bytes
        }
        output.append(UInt8(ascii: "["))
        for (rowIndex, row) in table.rows.enumerated() {
            if rowIndex > 0 { output.append(UInt8(ascii: ",")) }
            output.append(UInt8(ascii: "{"))
            for (position, column) in order.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                keys[position].withUnsafeBufferPointer { output.append($0) }
                value(row[column], to: &output)
            }
            output.append(UInt8(ascii: "}"))
            try output.endOfRecord()
        }
        output.append(UInt8(ascii: "]"))
    }

    /// `.sortedKeys` order: by the keys' UTF-8 bytes.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func value(_ value: ExportValue, to output: inout ChunkedOutput) {
        switch value {
        case .text(let text): string(text, to: &output)
        case .integer(let number): output.append(String(number))
        case .number(let number): output.append(self.number(number))
        // The value shown, not the float behind it: 3.4, never 3.4000000000000004; written as the encoder writes a
        // `Decimal` (`3`, not `3.0`).
        case .average(let number): output.append((Decimal(string: value.csvField) ?? Decimal(number)).description)
        case .flag(let flag): output.append(flag ? "true" : "false")
        case .list(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                string(item, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .missing: output.append("null")
        }
    }

    /// A number as the encoder writes a `Double`: the shortest form that reads back the same, without a trailing
    /// `.0` (`2`, `2.5`, `1e+16`). JSON has no infinity or NaN; the commands refuse them as readings, and one that
    /// got in anyway is written `null` rather than failing the whole export, as the encoder would.
    static func number(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// A JSON string, escaped as the encoder escapes it: `"` and `\` with a backslash, the control characters below
    /// U+0020 as `\b`, `\t`, `\n`, `\f`, `\r` or `\u00XX`; everything else, `/` included, as it is. Runs that need
    /// nothing are copied whole.
    static func string(_ text: String, to output: inout ChunkedOutput) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(UnsafeBufferPointer(rebasing: utf8[start..<index]))
                escape(byte, to: &output)
                start = index + 1
            }
            output.append(UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    static func escape(_ byte: UInt8, to output: inout ChunkedOutput) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x09: output.append(UInt8(ascii: "t"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            output.append("u00")
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0x0F)])
        }
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
