import Foundation
import Logging
import Synchronization

/// `--log-format json`: one JSON object per line, for log collectors (journald's JSON output, Loki, Vector, Fluent
/// Bit). Fixed keys first: `time` (ISO 8601, UTC, milliseconds), `level`, `label`, `message`, `source`; then every
/// metadata key (the team's name among them) as its own key. swift-log ships no JSON handler, and the few fields a
/// collector needs make a small one clearer than a dependency.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    /// Writes to standard error, one line per event; lines from many tasks never interleave.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label, write: { line in
            standardErrorLock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
        })
    }

    private static let standardErrorLock = Mutex(())

    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit = event.metadata { all.merge(explicit) { _, new in new } }
        var line = "{\"time\":" + Self.quoted(Self.timestamp(Date()))
        line += ",\"level\":" + Self.quoted(event.level.rawValue)
        line += ",\"label\":" + Self.quoted(label)
        line += ",\"message\":" + Self.quoted(event.message.description)
        line += ",\"source\":" + Self.quoted(event.source)
        if let error = event.error { line += ",\"error\":" + Self.quoted(String(describing: error)) }
        let fixed: Set<String> = ["time", "level", "label", "message", "source", "error"]
        for key in all.keys.sorted() {
            // A metadata key that would shadow a fixed one is kept under its own name with a prefix.
            let name = fixed.contains(key) ? "meta_" + key : key
            line += "," + Self.quoted(name) + ":" + Self.json(all[key]!)
        }
        write(line + "}\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let convertible): quoted(convertible.description)
        case .array(let items): "[" + items.map(json).joined(separator: ",") + "]"
        case .dictionary(let entries):
            "{" + entries.keys.sorted().map { quoted($0) + ":" + json(entries[$0]!) }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string: quotes, backslashes and every control character escaped, the rest as UTF-8.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}":
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
