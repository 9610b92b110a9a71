import Foundation

/// How a member appears in a record. Each role is one line of what `mydata` shows and `forget` erases, and one key
/// of the counts in the data file; the words for them are in `Prompts/`.
public enum FootprintRole: String, Sendable, CaseIterable, Codable {
    /// Their entry in the members list: id, name, handle, away date, time zone. Removed by `forget`.
    case profile
    /// An example of their own (not a shout-out). Kept, counted, as a former member's, its words erased.
    case example
    /// A shout-out they gave. Kept, counted, as a former member's, its words erased.
    case shoutOutGiven
    /// A shout-out someone gave them. The giver keeps the credit and the words; their name goes.
    case shoutOutReceived
    /// Their scores in one rating round. Kept under the former member's id, so the averages stay.
    case rating
    /// Their votes for what to work on. Kept under the former member's id.
    case vote
    case goalOwned
    /// A goal figure they posted; its note is erased, the figure kept.
    case goalReading
    case followUpOwned
    case feedbackLogged
    case idea
    case ideaAnswer
    case definition
    /// A definition they agreed for the team: the team's words stay, their id goes.
    case agreedDefinition
    case trainingOwned
    case trainingScheduled
    case trainingRecorded
    case trainingAttended
    /// A message waiting to be sent to them. Dropped by `forget`.
    case message
    /// Something waiting for their answer (a suggested command, an erasure to confirm) or about them (an admin's
    /// erasure waiting for its confirmation). Dropped by `forget`.
    case pending
    /// Someone else's words naming them. Their names are replaced by the words for a former member.
    case mention
}

/// A value of a record as the data file shows it.
public indirect enum FootprintValue: Sendable, Equatable, Encodable {
    case none
    case text(String)
    case integer(Int)
    case number(Double)
    case flag(Bool)
    case time(Date)
    case day(LocalDate)
    /// Someone named by id, with the name the bot knows them by.
    case person(id: String, name: String)
    case list([FootprintValue])
    /// Records inside a record (a goal's figures, a training's outcome).
    case records([[FootprintField]])

    enum PersonKey: String, CodingKey { case id, name }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .person(let id, let name):
            var c = encoder.container(keyedBy: PersonKey.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
        case .records(let records):
            var c = encoder.unkeyedContainer()
            for record in records { try c.encode(FootprintRecord(fields: record)) }
        case .list(let values):
            var c = encoder.unkeyedContainer()
            for value in values { try c.encode(value) }
        default:
            var c = encoder.singleValueContainer()
            switch self {
            case .none: try c.encodeNil()
            case .text(let text): try c.encode(text)
            case .integer(let value): try c.encode(value)
            case .number(let value): try c.encode(value)
            case .flag(let value): try c.encode(value)
            case .time(let date): try c.encode(date)
            case .day(let day): try c.encode(day)
            case .person, .list, .records: break
            }
        }
    }

    /// The value as one line of text, for `mydata` in messages; `time` writes an instant as the team reads it.
    public func text(time: (Date) -> String) -> String {
        switch self {
        case .none: ""
        case .text(let text): text
        case .integer(let value): String(value)
        case .number(let value): Coach.format(value)
        case .flag(let value): value ? "true" : "false"
        case .time(let date): time(date)
        case .day(let day): day.description
        case .person(let id, let name): name == id ? id : "\(name) (\(id))"
        case .list(let values): values.map { $0.text(time: time) }.joined(separator: ", ")
        case .records(let records):
            records.map { fields in
                fields.filter { $0.value != .none }.map { "\($0.name) \($0.value.text(time: time))" }.joined(separator: "; ")
            }.joined(separator: " | ")
        }
    }
}

/// One field of a record: its name as the code calls it (an identifier, like an export's column) and its value.
public struct FootprintField: Sendable, Equatable {
    public var name: String
    public var value: FootprintValue

    public init(_ name: String, _ value: FootprintValue) {
        self.name = name
        self.value = value
    }
}

/// A record's fields as one JSON object, in the order the footprint declares them.
struct FootprintRecord: Encodable {
    var fields: [FootprintField]

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: FlagKey.self)
        for field in fields { try c.encode(field.value, forKey: FlagKey(stringValue: field.name)) }
    }
}

/// One record that holds something about the member, as `mydata` shows it: where it is kept, how they appear in it,
/// and the whole record.
public struct FootprintEntry: Sendable, Equatable, Encodable {
    /// The `CoachState` property it is kept in, e.g. `examples`.
    public var place: String
    public var roles: [FootprintRole]
    public var fields: [FootprintField]

    enum CodingKeys: String, CodingKey { case roles, record }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(roles, forKey: .roles)
        try c.encode(FootprintRecord(fields: fields), forKey: .record)
    }
}

/// Plain values a record shows as they are.
public protocol FootprintPlain { var footprintValue: FootprintValue { get } }
extension String: FootprintPlain { public var footprintValue: FootprintValue { .text(self) } }
extension Int: FootprintPlain { public var footprintValue: FootprintValue { .integer(self) } }
extension Double: FootprintPlain { public var footprintValue: FootprintValue { .number(self) } }
extension Bool: FootprintPlain { public var footprintValue: FootprintValue { .flag(self) } }
extension Date: FootprintPlain { public var footprintValue: FootprintValue { .time(self) } }
extension LocalDate: FootprintPlain { public var footprintValue: FootprintValue { .day(self) } }
extension Optional: FootprintPlain where Wrapped: FootprintPlain {
    public var footprintValue: FootprintValue { self?.footprintValue ?? .none }
}
extension Array: FootprintPlain where Element: FootprintPlain {
    public var footprintValue: FootprintValue { .list(map(\.footprintValue)) }
}

/// Who a walk is about, and in erase mode what replaces them.
struct FootprintSubject: Sendable {
    let memberID: String
    /// The anonymous id that takes the place of theirs; nil when only collecting.
    let formerID: String?
    /// Their names, for finding them in other people's words.
    let names: NameMatch
    /// What replaces their names in other people's words ("a former member").
    let label: String
    /// What replaces their own words.
    let erasedText: String
    /// Everyone's name by id, for showing people in the data file.
    let peopleNames: [String: String]

    var erasing: Bool { formerID != nil }

    /// Their id, or in erase mode the anonymous one already put in its place earlier in the same record.
    func isMember(_ id: String) -> Bool { id == memberID || (formerID.map { id == $0 } ?? false) }

    func person(_ id: String) -> FootprintValue { .person(id: id, name: peopleNames[id] ?? id) }
}

/// One record being looked at: where the member appears in it, its fields (collecting), and in erase mode the
/// record changed so that they no longer appear. The shapes in `MemberFootprint` call these methods, one per field
/// of the record, which is how collecting and erasing are the same walk: a field cannot be shown by one and
/// missed by the other.
public struct FootprintVisit {
    let subject: FootprintSubject
    /// Whether the record's fields are gathered for showing (`mydata`'s records); counting needs only the roles.
    let showing: Bool
    let declaring: Bool
    /// The record's type, named only when declaring: naming a type costs more than the rest of a visit.
    let typeName: String
    /// In erase mode, the words the member wrote that were found so far: a message waiting in the outbox may quote
    /// them (an acknowledgement, a report-back not yet sent), and loses them too.
    let quoted: [String]
    var roles: [FootprintRole] = []
    var fields: [FootprintField] = []
    var counts: [FootprintRole: Int] = [:]
    var authored: [String] = []
    var declared: [String: Set<String>] = [:]
    var changed = false
    var drops = false

    var collecting: Bool { !subject.erasing }

    private mutating func note(_ name: String) {
        if declaring { declared[typeName, default: []].insert(name) }
    }

    private mutating func found(_ role: FootprintRole) {
        counts[role, default: 0] += 1
        if !roles.contains(role) { roles.append(role) }
    }

    /// A field that never holds anything about a member (a date, a week, a number).
    public mutating func plain(_ name: String, _ value: some FootprintPlain) {
        note(name)
        if showing { fields.append(FootprintField(name, value.footprintValue)) }
    }

    /// A member id. Erasing puts the anonymous id in its place, or, with `drops`, removes the whole record.
    public mutating func person(_ name: String, _ id: inout String, _ role: FootprintRole, drops: Bool = false) {
        note(name)
        let isSubject = subject.isMember(id)
        if isSubject {
            found(role)
            if drops { self.drops = true }
        }
        if showing { fields.append(FootprintField(name, subject.person(id))) }
        if isSubject, let former = subject.formerID, id != former {
            id = former
            changed = true
        }
    }

    public mutating func person(_ name: String, _ id: inout String?, _ role: FootprintRole) {
        guard var value = id else {
            plain(name, String?.none)
            return
        }
        person(name, &value, role)
        if value != id { id = value }
    }

    /// Several member ids (the people caught, a training's attendees).
    public mutating func people(_ name: String, _ ids: inout [String], _ role: FootprintRole) {
        note(name)
        var hit = false
        for i in ids.indices where subject.isMember(ids[i]) {
            hit = true
            if let former = subject.formerID, ids[i] != former {
                ids[i] = former
                changed = true
            }
        }
        if hit { found(role) }
        if showing { fields.append(FootprintField(name, .list(ids.map(subject.person)))) }
    }

    /// A map keyed by member id (a round's scores, the votes). Only the member's own entry is theirs to see; erasing
    /// moves it to the anonymous id, so what it counts stays counted.
    public mutating func keyed<Value>(
        _ name: String, _ map: inout [String: Value], _ role: FootprintRole, show: (Value) -> FootprintValue
    ) {
        note(name)
        let hits = map.keys.filter(subject.isMember).sorted()
        for _ in hits { found(role) }
        if showing { fields.append(FootprintField(name, .list(hits.compactMap { map[$0].map(show) }))) }
        if let former = subject.formerID {
            for key in hits where key != former {
                map[former] = map.removeValue(forKey: key)
                changed = true
            }
        }
    }

    /// Words someone wrote. The member's own (`by` is them) are erased; anyone else's lose the member's names.
    /// `quotes`: in a message waiting to be sent, the member's own words are erased where quoted, too.
    public mutating func words(_ name: String, _ text: inout String, by author: String?, quotes: Bool = false) {
        note(name)
        if let author, subject.isMember(author) {
            if showing { fields.append(FootprintField(name, .text(text))) }
            if subject.erasing && !text.isEmpty && text != subject.erasedText {
                // Quoted words shorter than this would take out ordinary words of other messages ("ok").
                if text.count >= 4 { authored.append(text) }
                text = subject.erasedText
                changed = true
            }
            return
        }
        if collecting {
            if subject.names.occurs(in: text) { found(.mention) }
            if showing { fields.append(FootprintField(name, .text(text))) }
            return
        }
        if let scrubbed = subject.names.replacing(in: text, with: subject.label) {
            text = scrubbed
            changed = true
            found(.mention)
        }
        if quotes {
            for quote in quoted where text.contains(quote) {
                text = text.replacingOccurrences(of: quote, with: subject.erasedText)
                changed = true
            }
        }
    }

    public mutating func words(_ name: String, _ text: inout String?, by author: String?) {
        guard var value = text else {
            plain(name, String?.none)
            return
        }
        words(name, &value, by: author)
        if value != text { text = value }
    }

    /// A list of the team's own words (a principle's skills).
    public mutating func wordList(_ name: String, _ texts: inout [String]) {
        note(name)
        var mentioned = false
        for i in texts.indices {
            if collecting {
                mentioned = mentioned || subject.names.occurs(in: texts[i])
            } else if let scrubbed = subject.names.replacing(in: texts[i], with: subject.label) {
                texts[i] = scrubbed
                changed = true
                mentioned = true
            }
        }
        if mentioned { found(.mention) }
        if showing { fields.append(FootprintField(name, .list(texts.map(FootprintValue.text)))) }
    }

    /// Records inside this one, each walked with its own shape.
    public mutating func nested<Record>(
        _ name: String, _ items: inout [Record], _ shape: (inout FootprintVisit, inout Record) -> Void
    ) {
        note(name)
        var shown: [[FootprintField]] = []
        for i in items.indices {
            var item = items[i]
            var inner = FootprintVisit(
                subject: subject, showing: showing, declaring: declaring, typeName: declaring ? "\(Record.self)" : "",
                quoted: quoted)
            shape(&inner, &item)
            absorb(inner)
            if inner.changed { items[i] = item }
            if showing { shown.append(inner.fields) }
        }
        if showing { fields.append(FootprintField(name, .records(shown))) }
    }

    public mutating func nested<Record>(
        _ name: String, _ item: inout Record?, _ shape: (inout FootprintVisit, inout Record) -> Void
    ) {
        guard let value = item else {
            plain(name, String?.none)
            return
        }
        var items = [value]
        nested(name, &items, shape)
        if subject.erasing { item = items[0] }
    }

    private mutating func absorb(_ inner: FootprintVisit) {
        for (role, count) in inner.counts { counts[role, default: 0] += count }
        for role in inner.roles where !roles.contains(role) { roles.append(role) }
        authored += inner.authored
        for (type, names) in inner.declared { declared[type, default: []].formUnion(names) }
        changed = changed || inner.changed
    }
}

/// One walk over the state for one member: collecting what is held about them (`mydata`, and the counts `forget`
/// shows before it erases), or erasing it (`forget`). Both are the same walk over `MemberFootprint.places`.
public struct FootprintWalk {
    let subject: FootprintSubject
    /// Collecting records to show them (`mydata`), not only counting them.
    let showing: Bool
    /// How often the member appears in each role.
    public private(set) var counts: [FootprintRole: Int] = [:]
    /// Collecting: every record that holds something about them, in the order of the places.
    public private(set) var entries: [FootprintEntry] = []
    /// The member's own words found so far (erasing), for the outbox.
    private(set) var authored: [String] = []
    /// The fields each record type declared, by type name; nil unless a test asked for them.
    public private(set) var declaredFields: [String: Set<String>]?

    init(subject: FootprintSubject, showing: Bool = false, declaring: Bool = false) {
        self.subject = subject
        self.showing = showing && !subject.erasing
        declaredFields = declaring ? [:] : nil
    }

    /// Visits one record of `place` with its shape. Returns whether erasing changed it, and whether it goes.
    mutating func visit<Record>(
        _ place: String, _ record: inout Record, _ shape: (inout FootprintVisit, inout Record) -> Void
    ) -> (changed: Bool, drops: Bool) {
        let declaring = declaredFields != nil
        var visit = FootprintVisit(
            subject: subject, showing: declaring && showing, declaring: declaring,
            typeName: declaring ? "\(Record.self)" : "", quoted: authored)
        shape(&visit, &record)
        for (role, count) in visit.counts { counts[role, default: 0] += count }
        authored += visit.authored
        if declaring {
            for (type, names) in visit.declared { declaredFields?[type, default: []].formUnion(names) }
        }
        if showing, !visit.roles.isEmpty {
            // Only the few records about them are walked again to gather their fields: gathering every record's
            // would cost most of a 100k-example walk.
            if !visit.fields.isEmpty || declaring {
                entries.append(FootprintEntry(place: place, roles: visit.roles, fields: visit.fields))
            } else {
                var again = record
                var shown = FootprintVisit(
                    subject: subject, showing: true, declaring: false, typeName: "", quoted: authored)
                shape(&shown, &again)
                entries.append(FootprintEntry(place: place, roles: visit.roles, fields: shown.fields))
            }
        }
        return (visit.changed, visit.drops)
    }

    /// Records that a type's fields were declared without a visit (a container whose other fields are derived).
    mutating func declare(_ type: String, _ names: [String]) {
        if declaredFields != nil { declaredFields?[type, default: []].formUnion(names) }
    }

    /// Walks an array place: each changed record is written back, each dropped one removed.
    mutating func walk<Record>(
        _ place: String, _ items: inout [Record], _ shape: (inout FootprintVisit, inout Record) -> Void
    ) {
        var dropped: [Int] = []
        for i in items.indices {
            var item = items[i]
            let result = visit(place, &item, shape)
            if result.drops && subject.erasing {
                dropped.append(i)
            } else if result.changed {
                items[i] = item
            }
        }
        for i in dropped.reversed() { items.remove(at: i) }
    }

    /// Walks a map place whose values are records: changed ones written back, dropped ones removed.
    mutating func walk<Record>(
        _ place: String, _ map: inout [String: Record], _ shape: (inout FootprintVisit, inout Record) -> Void
    ) {
        for key in map.keys.sorted() {
            guard var item = map[key] else { continue }
            let result = visit(place, &item, shape)
            if result.drops && subject.erasing {
                map[key] = nil
            } else if result.changed {
                map[key] = item
            }
        }
    }
}
