import Foundation

/// "Caught someone doing something right", or a member's own example of applying the week's principle.
public struct Example: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        case command
        case caught
        case threadReply
    }

    public var id: Int
    public var weekKey: String?
    public var principleID: String?
    public var reporterID: String
    /// Members credited as "caught doing something right".
    public var caughtIDs: [String]
    public var text: String
    public var at: Date
    public var source: Source
    public var deleted = false

    // A positional array with epoch seconds: a year of a large team's examples is most of the snapshot, and keyed
    // objects with ISO-8601 dates made loading it the slowest part of start-up. Fields are only ever appended, and
    // missing trailing ones decode as their defaults, so older and newer files stay readable.
    // [id, text, reporterID, at, weekKey|null, principleID|null, caughtIDs, source, deleted]
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        id = try c.decode(Int.self)
        text = try c.decode(String.self)
        reporterID = try c.decode(String.self)
        at = Date(timeIntervalSince1970: try c.decode(Double.self))
        weekKey = c.isAtEnd ? nil : try c.decodeIfPresent(String.self)
        principleID = c.isAtEnd ? nil : try c.decodeIfPresent(String.self)
        caughtIDs = c.isAtEnd ? [] : try c.decode([String].self)
        source = c.isAtEnd ? .command : try c.decode(Source.self)
        deleted = c.isAtEnd ? false : try c.decode(Bool.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(id)
        try c.encode(text)
        try c.encode(reporterID)
        try c.encode(at.timeIntervalSince1970)
        try c.encode(weekKey)
        try c.encode(principleID)
        try c.encode(caughtIDs)
        try c.encode(source)
        try c.encode(deleted)
    }

    public init(
        id: Int, weekKey: String?, principleID: String?, reporterID: String, caughtIDs: [String], text: String,
        at: Date, source: Source
    ) {
        self.id = id
        self.weekKey = weekKey
        self.principleID = principleID
        self.reporterID = reporterID
        self.caughtIDs = caughtIDs
        self.text = text
        self.at = at
        self.source = source
    }
}

/// Every example ever reported, in id order.
///
/// Ids only grow and examples are appended in time order, so one week's examples are a contiguous run found by
/// binary search: the Friday summary costs the size of the week, not of the history.
public struct ExampleLog: Codable, Sendable, Equatable {
    public private(set) var all: [Example] = []
    public private(set) var nextID = 1
    /// First index of each week's run, and each week's live count: derived on decode rather than stored.
    private var weekStarts: [String: Int] = [:]
    private var weekCounts: [String: Int] = [:]

    public init() {}

    public mutating func append(_ example: Example) {
        if let week = example.weekKey {
            if weekStarts[week] == nil { weekStarts[week] = all.count }
            if !example.deleted { weekCounts[week, default: 0] += 1 }
        }
        all.append(example)
        nextID = max(nextID, example.id + 1)
    }

    /// Puts a changed example in the place of the one at `index` (`forget` rewrites examples in place, without
    /// looking each up by id).
    mutating func rewrite(at index: Int, _ example: Example) {
        let old = all[index]
        all[index] = example
        if let week = example.weekKey, old.deleted != example.deleted {
            weekCounts[week, default: 0] += example.deleted ? -1 : 1
        }
    }

    /// How many live examples a week has, without walking them.
    public func count(inWeek key: String) -> Int { weekCounts[key] ?? 0 }

    public func index(of id: Int) -> Int? {
        var low = 0
        var high = all.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if all[mid].id == id { return mid }
            if all[mid].id < id { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    public func example(id: Int) -> Example? {
        index(of: id).map { all[$0] }.flatMap { $0.deleted ? nil : $0 }
    }

    public mutating func update(id: Int, _ change: (inout Example) -> Void) {
        guard let i = index(of: id) else { return }
        let wasDeleted = all[i].deleted
        change(&all[i])
        if let week = all[i].weekKey, wasDeleted != all[i].deleted {
            weekCounts[week, default: 0] += all[i].deleted ? -1 : 1
        }
    }

    /// The live examples after `id`, in id order: what the next report-back covers. Found by binary search, so the
    /// cost follows what has not been reported yet, not the whole history.
    public func live(after id: Int) -> [Example] {
        var low = 0
        var high = all.count
        while low < high {
            let mid = (low + high) / 2
            if all[mid].id <= id { low = mid + 1 } else { high = mid }
        }
        return all[low...].filter { !$0.deleted }
    }

    /// The live examples with ids after `id` up to `through`, in id order: what one past report-back covered.
    /// Binary search to the start, then only the run itself.
    public func live(after id: Int, through: Int) -> [Example] {
        var low = 0
        var high = all.count
        while low < high {
            let mid = (low + high) / 2
            if all[mid].id <= id { low = mid + 1 } else { high = mid }
        }
        return all[low...].prefix { $0.id <= through }.filter { !$0.deleted }
    }

    /// The live examples of one week.
    public func inWeek(_ key: String) -> [Example] {
        var result: [Example] = []
        forEachLive(inWeek: key) { result.append($0) }
        return result
    }

    /// Calls `body` with each live example of one week, in id order, without gathering them: the figures walk every
    /// week of a cycle, and a year of a large team's examples is too many to copy into arrays on the way.
    public func forEachLive(inWeek key: String, _ body: (Example) -> Void) {
        guard let start = weekStarts[key] else { return }
        var i = start
        while i < all.count {
            let example = all[i]
            // A week's run ends where the next week's begins; examples outside any week sit between runs.
            if example.weekKey == key {
                if !example.deleted { body(example) }
            } else if example.weekKey != nil {
                break
            }
            i += 1
        }
    }

    public var liveCount: Int { all.lazy.filter { !$0.deleted }.count }

    /// Removes the examples `goes` picks (what retention lets go). Ids count on from where they were, so a new
    /// example never takes an id an old one had.
    public mutating func removeAll(where goes: (Example) -> Bool) {
        all.removeAll(where: goes)
        index()
    }

    /// Each week's first position and live count, from `all`.
    private mutating func index() {
        weekStarts = [:]
        weekCounts = [:]
        for (i, example) in all.enumerated() {
            guard let week = example.weekKey else { continue }
            if weekStarts[week] == nil { weekStarts[week] = i }
            if !example.deleted { weekCounts[week, default: 0] += 1 }
        }
    }

    enum CodingKeys: String, CodingKey { case all, nextID }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        all = try c.decode([Example].self, forKey: .all)
        // Before counting on from the ids: a hand-edited Int.max would trap here, or at the next example.
        try checkNumbers(StateCheck(decoder.codingPath))
        nextID = try c.decodeIfPresent(Int.self, forKey: .nextID) ?? ((all.last?.id ?? 0) + 1)
        try StateCheck(decoder.codingPath).number(nextID, at: "nextID")
        index()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(all, forKey: .all)
        try c.encode(nextID, forKey: .nextID)
    }

    public static func == (lhs: ExampleLog, rhs: ExampleLog) -> Bool { lhs.all == rhs.all && lhs.nextID == rhs.nextID }
}

/// A customer-care goal: a KPI with a target, monitored, and acted on when it deviates.
public struct Goal: Codable, Sendable, Equatable {
    public enum Direction: String, Codable, Sendable {
        case higherIsBetter = "higher"
        case lowerIsBetter = "lower"
    }

    public struct Update: Codable, Sendable, Equatable {
        public var value: Double
        public var note: String
        public var at: Date
        public var byID: String

        public init(value: Double, note: String, at: Date, byID: String) {
            self.value = value
            self.note = note
            self.at = at
            self.byID = byID
        }
    }

    public struct Action: Codable, Sendable, Equatable {
        public var text: String
        public var at: Date
        /// The follow-up opened to see the action through.
        public var followUpID: Int

        public init(text: String, at: Date, followUpID: Int) {
            self.text = text
            self.at = at
            self.followUpID = followUpID
        }
    }

    public var id: Int
    public var kpi: String
    public var target: Double
    public var unit: String
    public var direction: Direction
    public var ownerID: String
    public var due: LocalDate?
    /// How far from target still counts as on target, in the KPI's unit (or percent of target when `tolerancePercent`).
    public var tolerance: Double
    public var tolerancePercent: Bool
    public var createdAt: Date
    public var history: [Update] = []
    public var actions: [Action] = []
    public var closed = false
    public var lastNudgedAt: Date?

    public init(
        id: Int, kpi: String, target: Double, unit: String, direction: Direction, ownerID: String, due: LocalDate?,
        tolerance: Double, tolerancePercent: Bool, createdAt: Date
    ) {
        self.id = id
        self.kpi = kpi
        self.target = target
        self.unit = unit
        self.direction = direction
        self.ownerID = ownerID
        self.due = due
        self.tolerance = tolerance
        self.tolerancePercent = tolerancePercent
        self.createdAt = createdAt
    }

    public var latest: Update? { history.last }

    /// The allowed distance from target, in the KPI's unit.
    public var allowance: Double { tolerancePercent ? abs(target) * tolerance / 100 : tolerance }

    /// Whether a value is off target by more than the tolerance, in the wrong direction.
    public func deviates(_ value: Double) -> Bool {
        switch direction {
        case .higherIsBetter: value < target - allowance
        case .lowerIsBetter: value > target + allowance
        }
    }

    /// Off target now, by the latest update.
    public var isDeviating: Bool { latest.map { deviates($0.value) } ?? false }

    /// Deviating, with no corrective action recorded since the update that showed it.
    public var needsAction: Bool {
        guard isDeviating, let latest else { return false }
        return !actions.contains { $0.at >= latest.at }
    }

    /// When the owner last touched the goal, for the "not updated for N days" nudge.
    public var lastActivity: Date { max(history.last?.at ?? createdAt, actions.last?.at ?? createdAt) }
}

/// "You spot it, you own it, you fix it and you follow it until the issue is resolved."
public struct FollowUp: Codable, Sendable, Equatable {
    public var id: Int
    public var text: String
    public var ownerID: String
    public var openedAt: Date
    public var goalID: Int?
    /// The customer complaint this follow-up sees through (`feedback complaint … owner @name`).
    public var feedbackID: Int?
    public var fixedAt: Date?
    public var resolution: String?
    public var lastNudgedAt: Date?

    public init(id: Int, text: String, ownerID: String, openedAt: Date, goalID: Int? = nil, feedbackID: Int? = nil) {
        self.id = id
        self.text = text
        self.ownerID = ownerID
        self.openedAt = openedAt
        self.goalID = goalID
        self.feedbackID = feedbackID
    }

    public var isOpen: Bool { fixedAt == nil }
}

/// What a customer said about the team, logged by whoever heard it: seed 000's "act on deviation and other
/// feedback" and seed 003's complaints procedure. A complaint stays open until the follow-up opened for it is fixed.
public struct Feedback: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case compliment
        case complaint
    }

    public var id: Int
    public var kind: Kind
    public var text: String
    public var reporterID: String
    public var at: Date

    public init(id: Int, kind: Kind, text: String, reporterID: String, at: Date) {
        self.id = id
        self.kind = kind
        self.text = text
        self.reporterID = reporterID
        self.at = at
    }
}

/// A programme week's training session (seed 000, steps 5 and 6: "identify skills development … match the
/// training"), with an owner who runs it and a time; afterwards, whether it was held and who attended.
public struct Training: Codable, Sendable, Equatable {
    /// What the owner (or an admin) said afterwards.
    public struct Outcome: Codable, Sendable, Equatable {
        public var held: Bool
        public var note: String
        /// Who attended, as the owner listed them; the owner ran it and is not among them.
        public var attendeeIDs: [String]
        public var byID: String
        public var at: Date

        public init(held: Bool, note: String, attendeeIDs: [String], byID: String, at: Date) {
            self.held = held
            self.note = note
            self.attendeeIDs = attendeeIDs
            self.byID = byID
            self.at = at
        }
    }

    public var id: Int
    /// The programme week it is for (ISO key) and that week's principle when it was scheduled.
    public var weekKey: String
    public var cycle: Int
    public var principleID: String
    public var at: Date
    public var ownerID: String
    public var scheduledByID: String
    public var scheduledAt: Date
    public var outcome: Outcome?
    /// When the owner's check-in reminded them of it.
    public var remindedAt: Date?
    /// When the owner's check-in last asked whether it happened.
    public var askedAt: Date?
    /// Its outcome has been in a report-back, so it is in exactly one.
    public var reported = false

    public init(
        id: Int, weekKey: String, cycle: Int, principleID: String, at: Date, ownerID: String, scheduledByID: String,
        scheduledAt: Date
    ) {
        self.id = id
        self.weekKey = weekKey
        self.cycle = cycle
        self.principleID = principleID
        self.at = at
        self.ownerID = ownerID
        self.scheduledByID = scheduledByID
        self.scheduledAt = scheduledAt
    }

    public var isHeld: Bool { outcome?.held == true }
}

/// An entry in the ideas box (seed 002: "encourage your staff to come up with new customer service ideas").
public struct Idea: Codable, Sendable, Equatable {
    public var id: Int
    public var text: String
    public var authorID: String
    public var at: Date
    public var weekKey: String?
    /// An admin's answer (`idea answer 3 …`), so nobody's idea disappears into the box unheard; the admins' weekly
    /// digest lists the ideas still without one. Absent in a state written before ideas were answered.
    public var answer: IdeaAnswer?

    public init(id: Int, text: String, authorID: String, at: Date, weekKey: String?, answer: IdeaAnswer? = nil) {
        self.id = id
        self.text = text
        self.authorID = authorID
        self.at = at
        self.weekKey = weekKey
        self.answer = answer
    }
}

/// What an admin answered to an idea, and when.
public struct IdeaAnswer: Codable, Sendable, Equatable {
    public var text: String
    public var byID: String
    public var at: Date

    public init(text: String, byID: String, at: Date) {
        self.text = text
        self.byID = byID
        self.at = at
    }
}

/// What one report-back covered, kept so `history <week>` can show it again as it was, built from the state rather
/// than from a stored copy of its text: an example edited since shows its new words, one deleted is gone, and
/// nothing about a person outlives their data.
///
/// Ranges and ids, not copies: the examples and feedback it counted are the live ones with ids in
/// `afterExampleID < id <= throughExampleID` (and likewise for feedback), the trainings it listed are named, and
/// everything else it showed (goals' figures, open follow-ups and complaints, ideas, definitions) is read back as it
/// stood at `at`.
public struct ReportBackRecord: Codable, Sendable, Equatable {
    /// The programme week it reported on (ISO key) and its cycle.
    public var weekKey: String
    public var cycle: Int
    /// When it went out.
    public var at: Date
    public var afterExampleID: Int
    public var throughExampleID: Int
    public var afterFeedbackID: Int
    public var throughFeedbackID: Int
    /// Trainings whose outcome it listed.
    public var trainingIDs: [Int]
    /// The goals it showed: those open then.
    public var goalIDs: [Int]

    public init(
        weekKey: String, cycle: Int, at: Date, afterExampleID: Int, throughExampleID: Int, afterFeedbackID: Int,
        throughFeedbackID: Int, trainingIDs: [Int], goalIDs: [Int]
    ) {
        self.weekKey = weekKey
        self.cycle = cycle
        self.at = at
        self.afterExampleID = afterExampleID
        self.throughExampleID = throughExampleID
        self.afterFeedbackID = afterFeedbackID
        self.throughFeedbackID = throughFeedbackID
        self.trainingIDs = trainingIDs
        self.goalIDs = goalIDs
    }
}

/// A completion of "Customer Service means…" (seed 004's definition activity).
public struct Definition: Codable, Sendable, Equatable {
    public var id: Int
    public var text: String
    public var authorID: String
    public var at: Date
    /// The programme cycle it was given in, so each cycle's definition activity gathers its own answers. Nil in a
    /// state written before cycles were recorded here: those count for the first cycle.
    public var cycle: Int?

    public init(id: Int, text: String, authorID: String, at: Date, cycle: Int? = nil) {
        self.id = id
        self.text = text
        self.authorID = authorID
        self.at = at
        self.cycle = cycle
    }

    public var givenInCycle: Int { cycle ?? 1 }
}

/// The team's own definition of customer service, agreed by an admin from the answers (one chosen, several put
/// together, or written afresh). The latest agreed is the team's definition until the next is agreed.
public struct AgreedDefinition: Codable, Sendable, Equatable {
    public var text: String
    public var cycle: Int
    /// The answers it was made from, by id; empty when an admin wrote it.
    public var fromIDs: [Int]
    public var agreedByID: String
    public var at: Date

    public init(text: String, cycle: Int, fromIDs: [Int], agreedByID: String, at: Date) {
        self.text = text
        self.cycle = cycle
        self.fromIDs = fromIDs
        self.agreedByID = agreedByID
        self.at = at
    }
}

/// A message committed to the outbox before it is sent.
public struct OutboundMessage: Codable, Sendable, Equatable {
    public enum Destination: Codable, Sendable, Equatable {
        case channel
        /// A reply inside the thread rooted at the platform message with this id.
        case thread(rootID: String)
        /// A private message to a member.
        case direct(userID: String)

        // One string, `channel`, `thread:<root id>` or `direct:<user id>`: every reply is journalled with it.
        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            if text == "channel" {
                self = .channel
            } else if text.hasPrefix("thread:") {
                self = .thread(rootID: String(text.dropFirst("thread:".count)))
            } else if text.hasPrefix("direct:") {
                self = .direct(userID: String(text.dropFirst("direct:".count)))
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown destination \(text)"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .channel: try c.encode("channel")
            case .thread(let root): try c.encode("thread:" + root)
            case .direct(let user): try c.encode("direct:" + user)
            }
        }
    }

    public enum Kind: String, Codable, Sendable {
        case reply, announcement, reminder, nudge, summary, notice
    }

    /// Stable across retries, so platforms with idempotency keys show a re-send once.
    public var id: String
    public var destination: Destination
    public var kind: Kind
    public var text: String
    public var createdAt: Date
    /// The outbox id of a message queued before this one, in whose thread this one goes (a long report-back's full
    /// lists under its headline). Until that message is sent its platform id is unknown, so `destination` waits as
    /// `.channel`; sending the root rewrites it (see `CoachState.apply`), and transports only ever see a plain
    /// destination.
    public var threadUnder: String?
    /// A file the runtime makes and sends with this message, `text` being its caption. Only the request is kept
    /// here, never the file: the outbox stays small, and the file shows the state as it is when it is sent.
    public var attachment: Attachment?

    enum CodingKeys: String, CodingKey { case id, destination, kind, text, createdAt, threadUnder, attachment }

    // Epoch seconds rather than ISO-8601: every reply is journalled, and date formatting was a large share of it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        destination = try c.decode(Destination.self, forKey: .destination)
        kind = try c.decode(Kind.self, forKey: .kind)
        text = try c.decode(String.self, forKey: .text)
        createdAt = Date(timeIntervalSince1970: try c.decode(Double.self, forKey: .createdAt))
        threadUnder = try c.decodeIfPresent(String.self, forKey: .threadUnder)
        attachment = try c.decodeIfPresent(Attachment.self, forKey: .attachment)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(destination, forKey: .destination)
        try c.encode(kind, forKey: .kind)
        try c.encode(text, forKey: .text)
        try c.encode(createdAt.timeIntervalSince1970, forKey: .createdAt)
        try c.encodeIfPresent(threadUnder, forKey: .threadUnder)
        try c.encodeIfPresent(attachment, forKey: .attachment)
    }

    public init(
        id: String, destination: Destination, kind: Kind, text: String, createdAt: Date, threadUnder: String? = nil,
        attachment: Attachment? = nil
    ) {
        self.id = id
        self.destination = destination
        self.kind = kind
        self.text = text
        self.createdAt = createdAt
        self.threadUnder = threadUnder
        self.attachment = attachment
    }
}
