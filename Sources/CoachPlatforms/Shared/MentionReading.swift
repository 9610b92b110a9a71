import CoachCore

/// Outgoing text as a chat server reads it when it looks for mentions, scalar by scalar, with the place in the sent
/// text each read scalar came from: so a platform's mention rule runs on what the server sees (escapes and entities
/// decoded, tags skipped) and a word joiner still goes into the text as sent.
///
/// Each platform's `…Text` file holds its rule; this only reads.
struct MentionReading {
    /// The sent text's scalars.
    let sent: [Unicode.Scalar]
    /// What the server reads.
    private(set) var read: [Unicode.Scalar] = []
    /// For each read scalar, the offset in `sent` just after the text it was read from.
    private(set) var ends: [Int] = []

    enum Syntax {
        /// Read as sent.
        case plain
        /// CommonMark inline text: `\` before ASCII punctuation and character references (`&#64;`, `&commat;`)
        /// are decoded, as Mattermost's server does before it looks for mentions.
        case markdown
        /// HTML text content: tags skipped, character references decoded.
        case html
    }

    init(_ text: String, as syntax: Syntax) {
        sent = Array(text.unicodeScalars)
        var index = 0
        while index < sent.count {
            let scalar = sent[index]
            if syntax == .markdown, scalar == "\\", index + 1 < sent.count, Self.isASCIIPunctuation(sent[index + 1]) {
                append(sent[index + 1], end: index + 2)
                index += 2
                continue
            }
            if syntax == .html, scalar == "<", let close = sent[index...].firstIndex(of: ">") {
                // A line break or a block ends a word as a newline does (`@room<br>Later` is `@room` to a client
                // reading the HTML's text); an inline tag (`<b>`) is read through.
                if Self.breaksText(sent[(index + 1)..<close]) { append("\n", end: close + 1) }
                index = close + 1
                continue
            }
            if syntax != .plain, scalar == "&", let (decoded, end) = Self.characterReference(in: sent, at: index) {
                for each in decoded { append(each, end: end) }
                index = end
                continue
            }
            append(scalar, end: index + 1)
            index += 1
        }
    }

    private mutating func append(_ scalar: Unicode.Scalar, end: Int) {
        read.append(scalar)
        ends.append(end)
    }

    /// `word` (lowercase ASCII) in the read text at `index`, in any case.
    func has(_ word: String, at index: Int) -> Bool {
        var position = index
        for letter in word.unicodeScalars {
            guard position < read.count else { return false }
            var value = read[position].value
            if value >= 0x41 && value <= 0x5A { value += 0x20 }
            guard value == letter.value else { return false }
            position += 1
        }
        return true
    }

    /// The sent text with a word joiner after each read scalar at `positions`.
    func joining(after positions: Set<Int>) -> String {
        guard !positions.isEmpty else { return String(String.UnicodeScalarView(sent)) }
        let offsets = Set(positions.map { ends[$0] })
        var out = String.UnicodeScalarView()
        for (index, scalar) in sent.enumerated() {
            out.append(scalar)
            if offsets.contains(index + 1) { out.append(Markup.joiner) }
        }
        return String(out)
    }

    /// Tags whose text content starts on a new line: `<br>`, and the block elements Matrix's HTML allows.
    static let breakingTags: Set<String> = [
        "br", "p", "div", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "tr",
        "td", "th", "caption", "details", "summary",
    ]

    /// Whether the tag `inside` (the text between `<` and `>`, opening or closing) breaks the text.
    static func breaksText(_ inside: ArraySlice<Unicode.Scalar>) -> Bool {
        let name = inside.drop { $0 == "/" }.prefix { $0.properties.isAlphabetic || ("0"..."9").contains($0) }
        return breakingTags.contains(String(String.UnicodeScalarView(name)).lowercased())
    }

    static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: true
        default: false
        }
    }

    /// The few named references that spell something a mention rule cares about (`@`, its word marks and the
    /// characters the escapers write); any other name is read as sent, which only makes the rules stricter.
    static let named: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "commat": "@", "period": ".",
        "colon": ":", "lowbar": "_", "UnderBar": "_", "ast": "*", "midast": "*", "bsol": "\\", "excl": "!",
    ]

    /// `&#64;`, `&#x40;` or `&commat;` at `index`: what it decodes to and where it ends.
    static func characterReference(in scalars: [Unicode.Scalar], at index: Int) -> ([Unicode.Scalar], Int)? {
        guard let semicolon = scalars[(index + 1)...].prefix(33).firstIndex(of: ";") else { return nil }
        let name = String(String.UnicodeScalarView(scalars[(index + 1)..<semicolon]))
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" {
                value = digits.count > 1 && digits.count <= 9 ? UInt32(digits.dropFirst(), radix: 16) : nil
            } else {
                value = !digits.isEmpty && digits.count <= 8 ? UInt32(digits) : nil
            }
            guard let value else { return nil }
            // Servers read NUL and what is no scalar as the replacement character.
            let scalar = value == 0 ? "\u{FFFD}" : Unicode.Scalar(value) ?? "\u{FFFD}"
            return ([scalar], semicolon + 1)
        }
        return named[name].map { ([$0], semicolon + 1) }
    }
}
