import Foundation

/// One JSON setup for everything the bot reads and writes, so dates look the same in config, state and journal.
public enum JSONCoding {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// What a path names when it is empty.
    static let topLevel = "the top level"

    /// A place in a JSON document as people write it: `team.timeZone`, `members[1].name`.
    public static func path(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return topLevel }
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    /// A one-line account of a decoding error that names the place in the file and, for a value of the wrong type,
    /// what is expected in plain words ("a whole number, like 7"). Given the document, it also says what is there.
    public static func describe(_ error: any Error, in json: [UInt8]? = nil) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        switch error {
        case .typeMismatch(let type, let context):
            let found = json.flatMap { JSONValue.at(context.codingPath, in: $0) }
            var text = "\(path(context.codingPath)) should be \(expectation(type))"
            if let found { text += ", not \(found.description)" }
            if case .text(let words)? = found, type == Int.self || type == Double.self, Double(words) != nil {
                text += "; write \(words) without the quotes"
            }
            return text
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null; give it \(expectation(type)), or leave the key out for the default"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath)) needs the field \"\(key.stringValue)\""
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }

    /// A Swift type as the person editing a config knows it.
    static func expectation(_ type: Any.Type) -> String {
        if type == Int.self { return "a whole number, like 7" }
        if type == Double.self { return "a number, like 2.5" }
        if type == String.self { return "text in quotes, like \"Europe/London\"" }
        if type == Bool.self { return "true or false" }
        if type == [Any].self || String(describing: type).hasPrefix("Array<") {
            return "a list, like [\"monday\", \"friday\"]"
        }
        if type == [String: Any].self || String(describing: type).hasPrefix("Dictionary<") {
            return "an object in braces, like {\"name\": \"Our team\"}"
        }
        return "a \(type)"
    }
}

/// A JSON value, decoded only to say what a config holds at a place where it holds the wrong kind of thing.
enum JSONValue: Decodable, CustomStringConvertible {
    case text(String)
    case number(Double)
    case bool(Bool)
    case null
    case list([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let bool = try? single.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? single.decode(Double.self) {
            self = .number(number)
        } else if let text = try? single.decode(String.self) {
            self = .text(text)
        } else if let list = try? single.decode([JSONValue].self) {
            self = .list(list)
        } else {
            self = .object(try single.decode([String: JSONValue].self))
        }
    }

    /// The value at `path` in `json`, or nil when the document or the path does not lead to one.
    static func at(_ path: [any CodingKey], in json: [UInt8]) -> JSONValue? {
        guard var value = try? JSONDecoder().decode(JSONValue.self, from: Data(json)) else { return nil }
        for key in path {
            switch value {
            case .list(let items):
                guard let index = key.intValue, items.indices.contains(index) else { return nil }
                value = items[index]
            case .object(let fields):
                guard let field = fields[key.stringValue] else { return nil }
                value = field
            default:
                return nil
            }
        }
        return value
    }

    var description: String {
        switch self {
        case .text(let text): "text in quotes (\"\(text)\")"
        case .number(let number): "the number \(number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number))"
        case .bool(let bool): "\(bool)"
        case .null: "null"
        case .list: "a list"
        case .object: "an object"
        }
    }
}
