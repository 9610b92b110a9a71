import CoachCore
import Foundation

/// One value in an exported table: typed in the JSON document, a field of text in the CSV file.
enum ExportValue: Sendable, Equatable {
    case text(String)
    case integer(Int)
    /// A measured value (a goal's reading, a target), written as people write it: `2`, `2.5`, `0.25`.
    case number(Double)
    /// An average to one decimal, as the chat and the report show it, so the export agrees with both.
    case average(Double)
    case flag(Bool)
    /// Several ids or names; `; ` between them in a CSV field.
    case list([String])
    /// Not known or not applicable: an empty field, `null` in JSON.
    case missing

    static func text(_ value: String?) -> ExportValue { value.map { .text($0) } ?? .missing }
    static func integer(_ value: Int?) -> ExportValue { value.map { .integer($0) } ?? .missing }
    static func number(_ value: Double?) -> ExportValue { value.map { .number($0) } ?? .missing }
    static func average(_ value: Double?) -> ExportValue { value.map { .average($0) } ?? .missing }

    static let listSeparator = "; "

    var csvField: String {
        switch self {
        case .text(let text): text
        case .integer(let value): String(value)
        case .number(let value): Coach.format(value)
        case .average(let value): String(format: "%.1f", value)
        case .flag(let value): value ? "true" : "false"
        case .list(let items): items.joined(separator: Self.listSeparator)
        case .missing: ""
        }
    }
}

/// A column of a table: its name (the CSV header and the JSON key) beside how its value is read, so the two cannot
/// drift apart and the order of the columns is written once.
struct ExportColumn<Source> {
    let name: String
    let value: @Sendable (Source) -> ExportValue

    init(_ name: String, _ value: @escaping @Sendable (Source) -> ExportValue) {
        self.name = name
        self.value = value
    }
}

/// One exported table: `examples.csv` in the CSV export, `"examples": [...]` in the JSON document.
///
/// Its rows are made as the writer reaches them, not kept: a year of a large team's examples held as values first
/// would cost tens of megabytes (a list of fourteen values and a new timestamp per example) for nothing.
public struct ExportTable: Sendable {
    /// The file's base name and the JSON key.
    public let name: String
    public let columns: [String]
    public let rowCount: Int
    private let row: @Sendable (Int) -> [ExportValue]

    init<Source: Sendable>(_ name: String, _ sources: [Source], _ columns: [ExportColumn<Source>]) {
        self.name = name
        self.columns = columns.map(\.name)
        rowCount = sources.count
        let values = columns.map(\.value)
        row = { index in
            // Read out of the array once a row, not once a column: each read copies the source (an example's
            // strings and lists, a retain apiece).
            let source = sources[index]
            return values.map { $0(source) }
        }
    }

    /// Every row's values, in order, each made when it is read.
    var rows: LazyMapSequence<Range<Int>, [ExportValue]> { (0..<rowCount).lazy.map(row) }

    /// The table as its CSV file, in memory.
    public func csv() throws -> Data {
        var output = ChunkedOutput()
        try CSVFormat.write(self, to: &output)
        return Data(output.bytes)
    }

    /// Each row's fields as the CSV file's text, made as they are read: for the benchmark, which gives them to the
    /// CSV library to time it against the export's own writer.
    public var fieldRows: some Sequence<[String]> { rows.lazy.map { $0.map(\.csvField) } }
}
