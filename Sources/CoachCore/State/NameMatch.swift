/// Finds the names a member goes by (their name, handle, platform id, an unambiguous first name) in text other
/// people wrote, as whole words, so `forget` can replace them and `mydata` can show where they are named.
///
/// "Whole word": the characters either side are not letters, digits, marks or `_`, so forgetting "Sam" leaves
/// "Samuel" and "sam_b" alone. An `@` just before a name goes with it ("@sam" is replaced whole). Letters are
/// compared in lower case. A name that is part of another member's name ("Sam" in "Sam Dube", who stays) is not
/// touched there: `protected` lists those names, and matches inside them are skipped.
///
/// Matching runs on UTF-8 bytes folded to lower case scalar by scalar, keeping each scalar's length, so a match's
/// place in the folded text is its place in the original one: forgetting someone in a state of 100k examples reads
/// each text once, and copies only the few that name them. (Foundation's case-insensitive search on Linux was
/// several times slower, and its special cases, "ß" against "SS", would make collect and erase disagree with the
/// proof test's plain byte search anyway.) A name shorter than two characters is never searched for: replacing
/// every "J" in the team's words would destroy them, and no platform gives such ids.
public struct NameMatch: Sendable {
    private let needles: [[UInt8]]
    private let protected: [[UInt8]]

    public init(names: [String], protected: [String] = []) {
        needles = Self.prepared(names)
        let wanted = Self.prepared(names)
        // Only another's name that holds one of ours as a whole word needs protecting.
        self.protected = protected.filter { $0.unicodeScalars.count >= 2 }.compactMap { other in
            let folded = Self.fold(other)
            guard !wanted.contains(folded.bytes),
                wanted.contains(where: { !Self.occurrences(of: $0, in: folded, skipping: []).isEmpty })
            else { return nil }
            return folded.bytes
        }
    }

    /// Folded, without repeats, longest first: "Sam Dube" is replaced whole before "Sam" could match inside it.
    private static func prepared(_ names: [String]) -> [[UInt8]] {
        var seen = Set<[UInt8]>()
        return names.filter { $0.unicodeScalars.count >= 2 }.map { fold($0).bytes }
            .filter { seen.insert($0).inserted }
            .sorted { $0.count > $1.count }
    }

    public var isEmpty: Bool { needles.isEmpty }

    /// Whether `text` names the member.
    public func occurs(in text: String) -> Bool {
        guard !needles.isEmpty, !text.isEmpty else { return false }
        return !ranges(in: text).isEmpty
    }

    /// `text` with every whole occurrence of the member's names replaced by `replacement`, or nil when it names
    /// them nowhere.
    public func replacing(in text: String, with replacement: String) -> String? {
        guard !needles.isEmpty, !text.isEmpty else { return nil }
        let found = ranges(in: text)
        guard !found.isEmpty else { return nil }
        let original = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(original.count)
        var at = 0
        for range in found {
            result += original[at..<range.lowerBound]
            result += replacement.utf8
            at = range.upperBound
        }
        result += original[at...]
        return String(decoding: result, as: UTF8.self)
    }

    // MARK: - Matching

    /// Text as the search reads it: lower-case bytes, and whether each belongs to a word.
    protocol Searched {
        var count: Int { get }
        func byte(_ i: Int) -> UInt8
        func isWord(_ i: Int) -> Bool
    }

    /// Any text, folded scalar by scalar into arrays.
    struct Folded: Searched {
        /// The text's UTF-8 with each scalar in lower case (where that keeps its length).
        var bytes: [UInt8]
        /// Per byte: whether it belongs to a letter, digit, mark or `_`.
        var word: [Bool]

        var count: Int { bytes.count }
        func byte(_ i: Int) -> UInt8 { bytes[i] }
        func isWord(_ i: Int) -> Bool { word[i] }
    }

    /// ASCII text read in place, folded as it is read: most of what a team writes, and no copy of it is made.
    struct ASCII: Searched {
        let buffer: UnsafeBufferPointer<UInt8>

        var count: Int { buffer.count }
        func byte(_ i: Int) -> UInt8 {
            let b = buffer[i]
            return b >= 0x41 && b <= 0x5A ? b + 0x20 : b
        }
        func isWord(_ i: Int) -> Bool { NameMatch.isWordByte(buffer[i]) }
    }

    private func ranges(in text: String) -> [Range<Int>] {
        let found = text.utf8.withContiguousStorageIfAvailable { buffer -> [Range<Int>]? in
            for byte in buffer where byte >= 0x80 { return nil }
            return ranges(in: ASCII(buffer: buffer))
        }
        if let found, let found { return found }
        return ranges(in: Self.fold(text))
    }

    /// Byte ranges of whole occurrences, in order, not overlapping, none inside a protected name.
    private func ranges(in folded: some Searched) -> [Range<Int>] {
        var shielded: [Range<Int>] = []
        for name in protected { shielded += Self.occurrences(of: name, in: folded, skipping: []) }
        var found: [Range<Int>] = []
        for needle in needles {
            for range in Self.occurrences(of: needle, in: folded, skipping: shielded + found) {
                found.append(range)
            }
        }
        return found.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Whole occurrences of `needle`, an `@` before one included, outside `skipping`.
    private static func occurrences(of needle: [UInt8], in text: some Searched, skipping: [Range<Int>]) -> [Range<Int>] {
        guard let first = needle.first, needle.count <= text.count else { return [] }
        var result: [Range<Int>] = []
        var i = 0
        let last = text.count - needle.count
        while i <= last {
            guard text.byte(i) == first else {
                i += 1
                continue
            }
            var matches = true
            for k in 1..<needle.count where text.byte(i + k) != needle[k] {
                matches = false
                break
            }
            let end = i + needle.count
            if matches, i == 0 || !text.isWord(i - 1), end == text.count || !text.isWord(end) {
                let start = i > 0 && text.byte(i - 1) == UInt8(ascii: "@") ? i - 1 : i
                let range = start..<end
                if !skipping.contains(where: { $0.overlaps(range) }) { result.append(range) }
                i = end
            } else {
                i += 1
            }
        }
        return result
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
            || byte == UInt8(ascii: "_")
    }

    static func fold(_ text: String) -> Folded {
        let utf8 = text.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            // Most of what a team writes: one byte, one character.
            var bytes = Array(utf8)
            var word = [Bool](repeating: false, count: bytes.count)
            for i in bytes.indices {
                if bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] += 0x20 }
                word[i] = isWordByte(bytes[i])
            }
            return Folded(bytes: bytes, word: word)
        }
        var bytes: [UInt8] = []
        var word: [Bool] = []
        bytes.reserveCapacity(utf8.count)
        word.reserveCapacity(utf8.count)
        for scalar in text.unicodeScalars {
            let own = Array(String(scalar).utf8)
            var folded = own
            if scalar.isASCII {
                if scalar.properties.isUppercase { folded = [own[0] + 0x20] }
            } else {
                let lower = scalar.properties.lowercaseMapping
                let lowerBytes = Array(lower.utf8)
                if lower.unicodeScalars.count == 1, lowerBytes.count == own.count { folded = lowerBytes }
            }
            let isWord = scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                || [.nonspacingMark, .spacingMark, .enclosingMark].contains(scalar.properties.generalCategory)
            bytes += folded
            word += [Bool](repeating: isWord, count: folded.count)
        }
        return Folded(bytes: bytes, word: word)
    }
}
