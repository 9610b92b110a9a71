import Foundation

/// Everything the bot holds about one member, as one JSON document: the file `mydata` sends and `coach export
/// --member ID --json FILE` writes. Made from `MemberFootprint.collect`, so it holds exactly what `forget` would
/// erase or anonymise.
///
/// Its keys are identifiers, stable between versions (`schema` says when one changes meaning), like the export's
/// columns: `member` (how the bot knows them), `counts` (by role, as `forget` counts them), and `records`, by the
/// state's property they are kept in, each record whole, with the roles the member has in it. People in a record
/// are shown with their id and name; only the member's own scores and votes are included, never anyone else's.
public struct MemberDataDocument: Encodable, Sendable {
    /// 1: the first form.
    public static let schema = 1

    public var schema = MemberDataDocument.schema
    public var team: String
    public var madeAt: Date
    public var member: Who
    public var counts: [String: Int]
    public var records: [FootprintEntry]

    /// How the bot knows the member, and how the config lists them.
    public struct Who: Encodable, Sendable {
        public var id: String
        public var name: String?
        public var handle: String?
        public var awayUntil: LocalDate?
        /// Their own time zone (`timezone`), when they chose one.
        public var timeZone: String?
        /// Listed in the config's `members` (with this name) or `admins`: the operator's file, not the bot's state.
        public var configName: String?
        public var configAdmin: Bool
    }

    public init(memberID: String, state: CoachState, config: CoachConfig, at now: Date) {
        let walk = MemberFootprint.collect(memberID, in: state, names: ProgrammeFigures.names(state: state, config: config))
        let member = state.members[memberID]
        team = config.team.name
        madeAt = now
        self.member = Who(
            id: memberID, name: member?.name, handle: member?.handle, awayUntil: member?.awayUntil, timeZone: member?.timeZone,
            configName: config.members.first { $0.id == memberID }?.name, configAdmin: config.isAdmin(memberID))
        counts = Dictionary(uniqueKeysWithValues: walk.counts.map { ($0.key.rawValue, $0.value) })
        records = walk.entries.filter { !MyData.isOwnFile($0, memberID) }
    }

    /// Whether the state holds anything about the member.
    public var isEmpty: Bool { counts.isEmpty }

    enum CodingKeys: String, CodingKey { case schema, team, madeAt, member, counts, records }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(team, forKey: .team)
        try c.encode(madeAt, forKey: .madeAt)
        try c.encode(member, forKey: .member)
        try c.encode(counts, forKey: .counts)
        // Grouped by place, in the order `MemberFootprint.places` walks them.
        var places = c.nestedContainer(keyedBy: FlagKey.self, forKey: .records)
        var order: [String] = []
        var grouped: [String: [FootprintEntry]] = [:]
        for entry in records {
            if grouped[entry.place] == nil { order.append(entry.place) }
            grouped[entry.place, default: []].append(entry)
        }
        for place in order { try places.encode(grouped[place], forKey: FlagKey(stringValue: place)) }
    }

    /// The document as the file holds it: UTF-8 JSON, indented for a person to read, instants in ISO 8601.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// `my-data-2027-03-05.json`: the team's date it was made.
    public static func filename(on date: LocalDate) -> String { "my-data-\(date).json" }
}
