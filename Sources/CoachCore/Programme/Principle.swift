import Foundation

/// One customer-service principle the team can work on for a week.
///
/// Catalogue principles come from `Prompts/catalogue.json`; a team's own principles are added in chat and live in
/// the state, so both share this one shape.
public struct Principle: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var title: String
    public var why: String
    /// What everyone practises on shift.
    public var skills: [String]
    public var training: [String]
    public var challenge: String
    public var question: String
    /// Which seed texts the principle was drawn from; empty for a team's own principles.
    public var sources: [String]
    /// What the owner or manager does to make the principle possible (decide measures, give authority, hire): kept
    /// apart from `skills` so a Monday post asks of each person only what they can practise. May be empty.
    public var managerSkills: [String]
    /// One of seed 000's thirteen principles, which the first rating covers unless the team adds others.
    public var core: Bool

    public init(
        id: String, title: String, why: String, skills: [String] = [], training: [String] = [],
        challenge: String = "", question: String = "", sources: [String] = [], managerSkills: [String] = [],
        core: Bool = false
    ) {
        self.id = id
        self.title = title
        self.why = why
        self.skills = skills
        self.training = training
        self.challenge = challenge
        self.question = question
        self.sources = sources
        self.managerSkills = managerSkills
        self.core = core
    }

    enum CodingKeys: String, CodingKey {
        case id, title, why, skills, managerSkills, training, challenge, question, sources, core
    }

    // Tolerant: a hand-edited catalogue entry, or a team principle journalled by an older build, may leave out the
    // optional lists and flags.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        why = try c.decodeIfPresent(String.self, forKey: .why) ?? ""
        skills = try c.decodeIfPresent([String].self, forKey: .skills) ?? []
        training = try c.decodeIfPresent([String].self, forKey: .training) ?? []
        challenge = try c.decodeIfPresent(String.self, forKey: .challenge) ?? ""
        question = try c.decodeIfPresent(String.self, forKey: .question) ?? ""
        sources = try c.decodeIfPresent([String].self, forKey: .sources) ?? []
        managerSkills = try c.decodeIfPresent([String].self, forKey: .managerSkills) ?? []
        core = try c.decodeIfPresent(Bool.self, forKey: .core) ?? false
    }

    // The two newer fields are written only when set, so a team's own principle journals as it did before them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(why, forKey: .why)
        try c.encode(skills, forKey: .skills)
        if !managerSkills.isEmpty { try c.encode(managerSkills, forKey: .managerSkills) }
        try c.encode(training, forKey: .training)
        try c.encode(challenge, forKey: .challenge)
        try c.encode(question, forKey: .question)
        try c.encode(sources, forKey: .sources)
        if core { try c.encode(core, forKey: .core) }
    }
}

/// The principles a deployment offers, in catalogue order.
public struct Catalogue: Sendable {
    public static let schemaVersion = 1
    public private(set) var principles: [Principle]
    private var byID: [String: Int] = [:]

    public init(principles: [Principle]) {
        self.principles = principles
        index()
    }

    private mutating func index() {
        byID = Dictionary(principles.enumerated().map { ($0.element.id.lowercased(), $0.offset) }) { first, _ in first }
    }

    /// Decodes `catalogue.json`, refusing duplicate ids and entries a Monday post could not be built from.
    public init(json: [UInt8]) throws(ConfigError) {
        struct File: Decodable {
            var schema: Int
            var principles: [Principle]
        }
        let file: File
        do {
            file = try JSONCoding.decoder.decode(File.self, from: Data(json))
        } catch {
            throw .invalidCatalogue(reason: JSONCoding.describe(error, in: json))
        }
        guard file.schema <= Self.schemaVersion else {
            throw .invalidCatalogue(reason: "schema \(file.schema) is newer than this build reads (\(Self.schemaVersion))")
        }
        var seen = Set<String>()
        for principle in file.principles {
            guard seen.insert(principle.id.lowercased()).inserted else {
                throw .invalidCatalogue(reason: "the id \"\(principle.id)\" is used twice")
            }
            guard !principle.title.isEmpty, !principle.why.isEmpty else {
                throw .invalidCatalogue(reason: "\"\(principle.id)\" needs a title and a why")
            }
        }
        guard !file.principles.isEmpty else { throw .invalidCatalogue(reason: "it lists no principles") }
        self.principles = file.principles
        index()
    }

    /// The principles the first rating covers: those marked `core`, or every principle when a catalogue marks none
    /// (one written before the mark existed), so such a catalogue still rates everything as it always did.
    public var corePrinciples: [Principle] {
        let core = principles.filter(\.core)
        return core.isEmpty ? principles : core
    }

    public func principle(id: String) -> Principle? {
        byID[id.lowercased()].map { principles[$0] }
    }
}

/// The parts of a principle a team may make its own (seed 000's steps 5 and 6: the skills to develop and the
/// training to match), replacing the catalogue's wording for this team only.
public enum PrincipleDetail: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable {
    case skills
    case managerSkills = "manager"
    case training
    case challenge
    case question

    /// The words an admin types for it: `principle 4 skills …`, `principle 4 manager …`.
    public var words: [String] {
        switch self {
        case .skills: ["skills", "skill"]
        case .managerSkills: ["manager", "owner", "managers"]
        case .training: ["training", "train"]
        case .challenge: ["challenge"]
        case .question: ["question"]
        }
    }

    /// Lists take several items; a challenge or a question is one text.
    public var isList: Bool { self == .skills || self == .managerSkills || self == .training }
}

extension Principle {
    /// The principle with a team's own wording in place of the catalogue's.
    public func with(_ details: [PrincipleDetail: [String]]) -> Principle {
        var principle = self
        for (detail, value) in details {
            switch detail {
            case .skills: principle.skills = value
            case .managerSkills: principle.managerSkills = value
            case .training: principle.training = value
            case .challenge: principle.challenge = value.joined(separator: " ")
            case .question: principle.question = value.joined(separator: " ")
            }
        }
        return principle
    }
}
