/// A table as an RFC 4180 file: UTF-8 without a byte-order mark, CRLF between records and after the last, a header
/// row, then every data field in double quotes with the quotes inside doubled.
///
/// Written here rather than by the CSV library on the package list (yaslab/CSV.swift), for speed, measured: the
/// library writes one Unicode scalar at a time through a closure and an `OutputStream` call, and looks for the
/// characters that need quoting with Foundation's string search, so a year of a 1,000-person team's examples took
/// 1.5 to 3.9 s to export (the issue allows 1 s). This writer works on the UTF-8 bytes and hands the file on in
/// chunks; the benchmark's "CSV writer" rows time both on the same table in the same run. The library still reads
/// every file back in the tests, field by field, and the tests hold this writer's bytes to the library's.
///
/// The output is what the library wrote for the export before, byte for byte: the header as the library writes it
/// (quoted only where a name holds a comma, a quote or a line break, which the column names never do), and every
/// data field quoted, as RFC 4180 allows and spreadsheets read as usual (a quoted number is still a number). A
/// field's text is written as it is: a leading `=`, `+`, `-` or `@` is not altered, as it never was (the file is
/// data for a spreadsheet or another tool, and altering member text would lose it).
enum CSVFormat {
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
    static let carriageReturn = UInt8(ascii: "\r")
    static let lineFeed = UInt8(ascii: "\n")

    static func write(_ table: ExportTable, to output: inout ChunkedOutput) throws {
        for (index, column) in table.columns.enumerated() {
            if index > 0 { output.append(comma) }
            field(column, quoted: needsQuotes(column), to: &output)
        }
        for row in table.rows {
            output.append(carriageReturn)
            output.append(lineFeed)
            for (index, value) in row.enumerated() {
                if index > 0 { output.append(comma) }
                output.append(quote)
                switch value {
                case .text(let text):
                    contents(text, to: &output)
                case .list(let items):
                    for (index, item) in items.enumerated() {
                        if index > 0 { output.append(ExportValue.listSeparator) }
                        contents(item, to: &output)
                    }
                case .integer, .number, .average, .flag, .missing:
                    contents(value.csvField, to: &output)
                }
                output.append(quote)
            }
            try output.endOfRecord()
        }
        // A final line break: RFC 4180 allows it, and tools that read line by line expect one.
        output.append(carriageReturn)
        output.append(lineFeed)
    }

    /// Whether RFC 4180 requires quotes around a field: it holds a comma, a double quote or a line break.
    static func needsQuotes(_ text: String) -> Bool {
        text.utf8.contains { $0 == comma || $0 == quote || $0 == carriageReturn || $0 == lineFeed }
    }

    static func field(_ text: String, quoted: Bool, to output: inout ChunkedOutput) {
        if quoted { output.append(quote) }
        contents(text, to: &output)
        if quoted { output.append(quote) }
    }

    /// A field's text, its double quotes doubled; meant for inside quotes. Runs without a quote are copied whole.
    static func contents(_ text: String, to output: inout ChunkedOutput) {
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            while let found = utf8[start...].firstIndex(of: quote) {
                // Up to and including the quote, then the quote again.
                output.append(UnsafeBufferPointer(rebasing: utf8[start...found]))
                output.append(quote)
                start = found + 1
            }
            output.append(UnsafeBufferPointer(rebasing: utf8[start...]))
        }
    }
}
