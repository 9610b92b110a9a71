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
    let value: (Source) -> ExportValue

    init(_ name: String, _ value: @escaping (Source) -> ExportValue) {
        self.name = name
        self.value = value
    }
}

/// One exported table: `examples.csv` in the CSV export, `"examples": [...]` in the JSON document.
public struct ExportTable: Sendable, Equatable {
    /// The file's base name and the JSON key.
    public let name: String
    public let columns: [String]
    let rows: [[ExportValue]]

    init<Source>(_ name: String, _ sources: some Sequence<Source>, _ columns: [ExportColumn<Source>]) {
        self.name = name
        self.columns = columns.map(\.name)
        rows = sources.map { source in columns.map { $0.value(source) } }
    }

    public var rowCount: Int { rows.count }

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
