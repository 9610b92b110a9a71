import Foundation

/// One customer-service principle the team can work on for a week.
///
/// Catalogue principles come from `Prompts/catalogue.json`; a team's own principles are added in chat and live in
/// the state, so both share this one shape.
public struct Principle: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var title: String
    public var why: String
    public var skills: [String]
    public var training: [String]
    public var challenge: String
    public var question: String
    /// Which seed texts the principle was drawn from; empty for a team's own principles.
    public var sources: [String]

    public init(
        id: String, title: String, why: String, skills: [String] = [], training: [String] = [],
        challenge: String = "", question: String = "", sources: [String] = []
    ) {
        self.id = id
        self.title = title
        self.why = why
        self.skills = skills
        self.training = training
        self.challenge = challenge
        self.question = question
        self.sources = sources
    }

    enum CodingKeys: String, CodingKey { case id, title, why, skills, training, challenge, question, sources }

    // Tolerant: a hand-edited catalogue entry may leave out the optional lists.
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
            throw .invalidCatalogue(reason: JSONCoding.describe(error))
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

    public func principle(id: String) -> Principle? {
        byID[id.lowercased()].map { principles[$0] }
    }
}
