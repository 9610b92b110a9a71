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

    /// A one-line reason for an error message: where in the document decoding failed and why. With the document's
    /// bytes, the place is also given as a line and column, for a person looking for it in an editor.
    static func describe(_ error: Error, in bytes: Data? = nil) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?).map { ": \($0.localizedDescription)" } ?? ""
            return "\(at(context, in: bytes))\(context.debugDescription)\(underlying)"
        case .keyNotFound(let key, let context):
            return "\(at(context, in: bytes))missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "\(at(context, in: bytes))expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "\(at(context, in: bytes))expected \(type) but found null"
        @unknown default:
            return "\(error)"
        }
    }

    private static func at(_ context: DecodingError.Context, in bytes: Data?) -> String {
        guard !context.codingPath.isEmpty else { return "" }
        let path = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
        let place = bytes.flatMap { bytes in
            JSONLocator.offset(of: context.codingPath, in: bytes).map { " (\(lineAndColumn(of: $0, in: bytes)))" }
        }
        return "at \(path.joined().drop { $0 == "." })\(place ?? ""): "
    }

    /// "line 3, column 17" for a byte offset; columns count characters, as editors do. Just "column 17" in a text of
    /// one line (a journal line, a snapshot as the bot writes it), where a line number would only confuse.
    static func lineAndColumn(of offset: Int, in bytes: Data) -> String {
        let before = bytes.prefix(offset)
        let line = before.count { $0 == UInt8(ascii: "\n") } + 1
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? before.startIndex
        let column = String(decoding: before[lineStart...], as: UTF8.self).count + 1
        let oneLine = !bytes.dropLast().contains(UInt8(ascii: "\n"))
        return oneLine ? "column \(column)" : "line \(line), column \(column)"
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
        return " at \(lineAndColumn(of: offset, in: bytes)): \(details[..<range.lowerBound].lowercased())"
    }
}

/// Finds where a decoder's coding path points in a JSON text, so a value the decoder refused (a seq or id too large
/// to carry on from, a wrong type) can be reported with its line and column. A loop with a cursor, not recursion:
/// the text is untrusted and may nest arbitrarily deep. Assumes the text is valid JSON (the decoder read it).
enum JSONLocator {
    /// The byte offset (from the start of `bytes`) of the value at `path`, or nil when it cannot be found.
    static func offset(of path: [any CodingKey], in bytes: Data) -> Int? {
        let text = [UInt8](bytes)
        var i = skipSpace(text, 0)
        for key in path {
            guard i < text.count else { return nil }
            switch text[i] {
            case UInt8(ascii: "{"):
                i = skipSpace(text, i + 1)
                var found = false
                while i < text.count, text[i] == UInt8(ascii: "\"") {
                    let end = skipString(text, i)
                    let name = (try? JSONDecoder().decode(String.self, from: Data(text[i..<end]))) ?? ""
                    i = skipSpace(text, end)
                    guard i < text.count, text[i] == UInt8(ascii: ":") else { return nil }
                    i = skipSpace(text, i + 1)
                    if name == key.stringValue {
                        found = true
                        break
                    }
                    i = skipSpace(text, skipValue(text, i))
                    if i < text.count, text[i] == UInt8(ascii: ",") { i = skipSpace(text, i + 1) }
                }
                guard found else { return nil }
            case UInt8(ascii: "["):
                guard let index = key.intValue ?? Int(key.stringValue), index >= 0 else { return nil }
                i = skipSpace(text, i + 1)
                for _ in 0..<index {
                    guard i < text.count, text[i] != UInt8(ascii: "]") else { return nil }
                    i = skipSpace(text, skipValue(text, i))
                    guard i < text.count, text[i] == UInt8(ascii: ",") else { return nil }
                    i = skipSpace(text, i + 1)
                }
                guard i < text.count, text[i] != UInt8(ascii: "]") else { return nil }
            default:
                return nil
            }
        }
        return i < text.count ? i : nil
    }

    private static func skipSpace(_ text: [UInt8], _ start: Int) -> Int {
        var i = start
        while i < text.count, [0x20, 0x0A, 0x0D, 0x09].contains(text[i]) { i += 1 }
        return i
    }

    /// The index after the string starting at `start` (its opening quote).
    private static func skipString(_ text: [UInt8], _ start: Int) -> Int {
        var i = start + 1
        while i < text.count {
            if text[i] == UInt8(ascii: "\\") {
                i += 2
            } else if text[i] == UInt8(ascii: "\"") {
                return i + 1
            } else {
                i += 1
            }
        }
        return i
    }

    /// The index after the value starting at `start`, counting brackets rather than recursing into them.
    private static func skipValue(_ text: [UInt8], _ start: Int) -> Int {
        var i = start
        var depth = 0
        while i < text.count {
            switch text[i] {
            case UInt8(ascii: "\""):
                i = skipString(text, i)
                if depth == 0 { return i }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return i }
                depth -= 1
                if depth == 0 { return i + 1 }
            case UInt8(ascii: ","):
                if depth == 0 { return i }
            case 0x20, 0x0A, 0x0D, 0x09:
                if depth == 0 { return i }
            default:
                break
            }
            i += 1
        }
        return i
    }
}
