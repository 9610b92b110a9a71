import Foundation

/// The bounds the store holds its own numbers to.
enum StoreLimits {
    /// The largest sequence number a snapshot or journal line may carry: 2^53, the largest integer every JSON reader
    /// (a JavaScript tool, jq, a double) holds exactly. A bot committing a thousand times a second would take
    /// 285,000 years to get there, so a larger one was written by hand, and refusing it as damage keeps the next
    /// commit's `seq + 1` from overflowing.
    static let largestSeq = 1 << 53
}

/// `state.json`: the caller's state plus the last journal sequence number folded into it. No timestamp, because the
/// store never reads the clock.
struct SnapshotFile<State: Codable>: Codable {
    var schema: Int
    var seq: Int
    var state: State
}

/// One `journal.jsonl` line: one commit, i.e. one poll batch.
struct JournalLine<Event: Codable>: Codable {
    var schema: Int
    var seq: Int
    var events: [Event]
}

/// Decoded on its own when a full decode fails, so a file from a newer build is reported as such rather than as
/// corrupt (a newer schema may well not decode with this build's types).
struct SchemaHeader: Decodable {
    var schema: Int
}

/// Where the store's files live. Temp names are fixed (no randomness): the lock guarantees a single writer.
struct StorePaths {
    let directory: String
    let snapshot: String
    let journal: String
    let lock: String

    init(_ directory: URL) {
        self.directory = directory.path
        snapshot = directory.appendingPathComponent("state.json").path
        journal = directory.appendingPathComponent("journal.jsonl").path
        lock = directory.appendingPathComponent("state.lock").path
    }

    func path(of file: StoreFile) -> String {
        switch file {
        case .snapshot: snapshot
        case .journal: journal
        }
    }

    func temp(of file: StoreFile) -> String { path(of: file) + ".tmp" }
}

enum StoreCoding {
    static func encoder(sortedKeys: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Sorted keys keep snapshots diffable for people comparing backups; journal lines skip the cost.
        encoder.outputFormatting = sortedKeys ? [.sortedKeys, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// A one-line reason for an error message: where in the document decoding failed and why.
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?).map { ": \($0.localizedDescription)" } ?? ""
            return "\(at(context))\(context.debugDescription)\(underlying)"
        case .keyNotFound(let key, let context):
            return "\(at(context))missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "\(at(context))expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "\(at(context))expected \(type) but found null"
        @unknown default:
            return "\(error)"
        }
    }

    private static func at(_ context: DecodingError.Context) -> String {
        guard !context.codingPath.isEmpty else { return "" }
        let path = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
        return "at \(path.joined().drop { $0 == "." }): "
    }

    /// Why `bytes` is not JSON at all (e.g. "Unexpected end of file during JSON parse."), or nil when it is.
    /// JSONDecoder only says "not valid JSON"; the serializer says where.
    static func syntaxError(in bytes: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
            return nil
        } catch {
            let details = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON" + (details.map { place($0, in: bytes) } ?? ": \((error as NSError).localizedDescription)")
        }
    }

    /// Foundation on Linux says "Invalid value around character 1234."; people look for a line and a column, so
    /// that offset becomes one (a snapshot is a single line, a journal line one commit). Any other wording is
    /// passed on as it is.
    static func place(_ details: String, in bytes: Data) -> String {
        guard let range = details.range(of: " around character "),
            let offset = Int(details[range.upperBound...].prefix { $0.isNumber }), offset <= bytes.count
        else { return ": \(details)" }
        let before = bytes.prefix(offset)
        let line = before.count { $0 == UInt8(ascii: "\n") } + 1
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? before.startIndex
        let column = String(decoding: before[lineStart...], as: UTF8.self).count + 1
        return " at line \(line), column \(column): \(details[..<range.lowerBound].lowercased())"
    }
}
