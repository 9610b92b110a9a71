import Foundation

// Matrix's wire format is read field by field as `JSONValue`, below. Its cursor needs no type: it is the sync's
// `next_batch` token, kept as the homeserver gave it. (The private rooms the sync reads besides the team's room are
// not in the cursor: they come from the bot's `m.direct` account data, `MatrixDirectList`; see MatrixDirectRooms.)

/// The bot's `m.direct` account data: its direct rooms, by the user each is with (user id → room ids, oldest first),
/// as `GET/PUT /user/{botUserId}/account_data/m.direct` exchange it.
///
/// Kept as the JSON it came in and changed in place, so a write puts back every entry unchanged, including ones this
/// build cannot read (another client of the bot's account may have written them).
struct MatrixDirectList: Sendable, Equatable {
    private(set) var content: JSONValue

    /// `content` as read; anything but a JSON object (absent, or written wrongly) is an empty list.
    init(_ content: JSONValue?) {
        if case .object = content { self.content = content ?? [:] } else { self.content = [:] }
    }

    /// The rooms listed with `user`, oldest first.
    func rooms(with user: String) -> [String] {
        content[user]?.elements.compactMap(\.string) ?? []
    }

    /// Every listed room and the user it is with (the first user, if a room is listed twice).
    var entries: [String: String] {
        var found: [String: String] = [:]
        for (user, rooms) in content.members.sorted(by: { $0.key < $1.key }) {
            for room in rooms.elements.compactMap(\.string) where found[room] == nil { found[room] = user }
        }
        return found
    }

    /// The list with `room` added under `user`, last (newest); unchanged if it is there already.
    func adding(_ room: String, for user: String) -> MatrixDirectList {
        guard !rooms(with: user).contains(room), case .object(var fields) = content else { return self }
        fields[user] = .array((fields[user]?.elements ?? []) + [.string(room)])
        return MatrixDirectList(.object(fields))
    }
}

/// Any JSON value, read without a fixed shape.
///
/// Matrix events carry whatever their senders put in `content`: one event with a number where a string belongs
/// must not make the whole `/sync` answer unreadable (the cursor could then never move past it). So answers are
/// decoded into this and read field by field; a field of the wrong type simply reads as absent.
enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers as integers: Matrix servers read `limit: 1.0` as a float and may refuse it.
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { object[key] } else { nil }
    }

    var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    var double: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The elements of an array; anything else reads as empty.
    var elements: [JSONValue] {
        if case .array(let value) = self { value } else { [] }
    }

    var members: [String: JSONValue] {
        if case .object(let value) = self { value } else { [:] }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .number(Double(value)) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// Compact JSON text, keys sorted (for query parameters such as a sync filter).
    var text: String {
        (try? JSONEncoder.platform.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
