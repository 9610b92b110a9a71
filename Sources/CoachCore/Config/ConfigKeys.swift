import Foundation

/// The nearest known word to a misspelt one, for "did you mean" in config and setup messages.
public enum Spelling {
    /// The candidate closest to `word` by edit distance (ignoring case), or nil when none is close enough to be what
    /// was meant. Close enough: a third of the word's letters wrong, rounded up (so `nmae` finds `name`), at most
    /// three; or one word starting the other (`stateDir` for `stateDirectory`). Ties go to the alphabetically first,
    /// so the suggestion never depends on a dictionary's order.
    public static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let lower = word.lowercased()
        guard !lower.isEmpty else { return nil }
        let limit = min(3, max(1, (lower.count + 2) / 3))
        var best: (distance: Int, word: String)?
        for candidate in candidates {
            let other = candidate.lowercased()
            var distance = CommandParser.editDistance(lower, other)
            let prefixed = min(lower.count, other.count) >= 4 && (other.hasPrefix(lower) || lower.hasPrefix(other))
            if distance > limit {
                guard prefixed else { continue }
                // A prefix is a good guess, but a word with a few letters wrong is a better one.
                distance = limit + 1
            }
            if best.map({ (distance, candidate) < ($0.distance, $0.word) }) ?? true { best = (distance, candidate) }
        }
        return best?.word
    }
}

/// Any key of a JSON object, to list the keys a config section actually has.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The keys of a config that no section reads, collected while decoding so that `coach check` can name every one
/// rather than stopping at the first. The config's decoder carries it in its `userInfo`; decoders without it (the
/// state's, which reuses `RosterEntry`) check nothing.
final class UnknownKeyLog: @unchecked Sendable {
    // @unchecked: `entries` is guarded by `lock`. One decode on one thread uses it, but `userInfo` asks for Sendable.
    private let lock = NSLock()
    private var entries: [ConfigError] = []

    var found: [ConfigError] { lock.withLock { entries } }

    func note(_ error: ConfigError) { lock.withLock { entries.append(error) } }
}

extension CodingUserInfoKey {
    static let unknownConfigKeys = CodingUserInfoKey(rawValue: "coach.unknownConfigKeys")!
}

extension Decoder {
    /// A config section's keyed container, after noting every key in it that the section does not read.
    ///
    /// The section's `CodingKeys` are the one list of what it reads, so the known keys (and the suggestions) follow
    /// from the same declaration the values are decoded with.
    func section<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws -> KeyedDecodingContainer<Keys> {
        try noteUnknownKeys(known: Keys.allCases.map(\.stringValue))
        return try container(keyedBy: Keys.self)
    }

    /// Notes the keys of this object that are not in `known`, each with the closest known key.
    func noteUnknownKeys(known: [String]) throws {
        guard let log = userInfo[.unknownConfigKeys] as? UnknownKeyLog else { return }
        let object = try container(keyedBy: AnyKey.self)
        for key in object.allKeys where !known.contains(key.stringValue) {
            let place = JSONCoding.path(codingPath)
            let field = JSONCoding.path(codingPath + [key])
            let suggestion = Spelling.closest(to: key.stringValue, among: known)
                .map { JSONCoding.path(codingPath + [AnyKey(stringValue: $0)]) }
            log.note(.unknownField(field: field, suggestion: suggestion, section: place, known: known.sorted()))
        }
    }
}

extension KeyedDecodingContainer {
    /// A whole number. Read as a Double and checked here, because JSONDecoder on Linux reports `1.5` or `1e100` for an
    /// `Int` as "not valid JSON" with no field at all; this way the message names the field and says what it needs.
    func decodeWholeNumber(forKey key: Key) throws -> Int? {
        let wrongType = DecodingError.typeMismatch(
            Int.self, .init(codingPath: codingPath + [key], debugDescription: "expected a whole number"))
        let number: Double?
        do {
            number = try decodeIfPresent(Double.self, forKey: key)
        } catch DecodingError.typeMismatch {
            throw wrongType
        }
        guard let number else { return nil }
        guard number.rounded() == number, let whole = Int(exactly: number) else { throw wrongType }
        return whole
    }
}
