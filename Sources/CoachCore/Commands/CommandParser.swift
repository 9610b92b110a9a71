import Foundation

/// What a chat message turned out to be.
public enum ParseResult: Equatable, Sendable {
    case command(Command)
    /// A known command used the wrong way; `command` names its usage entry in `Prompts/commands.json`.
    case malformed(command: String, problem: ParseProblem)
    /// An addressed word that is no command, with the nearest real ones.
    case unknown(word: String, suggestions: [String])
    /// Ordinary chat, not for the bot.
    case notACommand
}

/// Why a command could not be read; each names a template-ready reason rather than wording.
public enum ParseProblem: String, Equatable, Sendable, TemplateFlag {
    case missingText
    case missingNumber
    case badNumber
    case badScore
    case badDate
    case missingMention
    case tooLong
    case badForm
    /// A day of the week was wanted (`thursday`, `thu`).
    case badDay
    /// A 24-hour time was wanted (`15:00`).
    case badTime
    /// A period `record` knows was wanted.
    case badPeriod
    /// A date too far from today (`Transaction.dateWindowYears`).
    case dateOutOfRange
}

/// Turns chat text into commands. Accepts `!cmd`, `/cmd`, `/cmd@botname` and `@botname cmd`, any case, with
/// aliases; in a private chat (or the console) the prefix may be left out.
public struct CommandParser: Sendable {
    public let botName: String
    /// Longer free text is refused rather than silently cut, so nobody loses the end of what they wrote.
    public static let maximumTextLength = 1000
    /// Free text is also limited in Unicode scalars, the units accents, emoji parts and invisible marks are made of:
    /// `a` followed by 20,000 combining accents is one character as people see it, and would otherwise pass.
    ///
    /// 4,000 leaves real writing alone (a character averages well under two scalars even in Vietnamese or Hindi,
    /// an emoji with a skin tone is two) while bounding what one text can cost: at most 16,000 bytes of UTF-8 and
    /// 8,000 UTF-16 units, so one member's example fits inside one Mattermost post (16,383 scalars) or Matrix event
    /// with room to spare, and splitting a report never has to cut through it more than twice on any platform.
    public static let maximumTextScalars = 4000

    /// Whether free text is over either limit. Scalars are counted first: they bound the work of counting characters.
    public static func isTooLong(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.count > maximumTextScalars || text.count > maximumTextLength
    }

    /// `text` cut to at most `characters` characters and `scalars` scalars, for echoing a stray word back.
    static func truncated(_ text: some StringProtocol, characters: Int, scalars: Int) -> String {
        var out = ""
        var used = 0
        for character in text.prefix(characters) {
            let count = character.unicodeScalars.count
            guard used + count <= scalars else { break }
            used += count
            out.append(character)
        }
        return out
    }

    public init(botName: String) {
        self.botName = botName.lowercased()
    }

    /// Every word the parser understands, mapped to its command's declaration.
    static let vocabulary: [String: CommandDeclaration] = {
        var words: [String: CommandDeclaration] = [:]
        for declaration in Commands.all {
            for word in declaration.words {
                // Two commands claiming one word would make one unreachable; `Commands` tests that none do.
                if words[word] == nil { words[word] = declaration }
            }
        }
        return words
    }()

    /// Every command's name, in alphabetical order.
    public static var commandNames: [String] { Commands.all.map(\.name).sorted() }

    public func parse(_ rawText: String, addressed: Bool) -> ParseResult {
        let text = Self.clean(rawText)
        guard let (word, rest, prefixed) = splitCommand(text) else { return .notACommand }
        guard prefixed || addressed else { return .notACommand }
        guard let declaration = Self.vocabulary[word.lowercased()] else {
            // In a shared channel only a prefixed word is meant for the bot; elsewhere any first word is.
            // A bare prefix (`!` alone, or `@coach`) asks what the bot can do.
            if word.isEmpty { return .command(Command(Help.Show(topic: nil), name: "help")) }
            return .unknown(word: Self.truncated(word, characters: 40, scalars: 160),
                suggestions: Self.suggestions(for: word.lowercased()))
        }
        guard !Self.isTooLong(rest) else {
            return .malformed(command: declaration.name, problem: .tooLong)
        }
        switch declaration.parse(CommandWords(word: word.lowercased(), rest: rest)) {
        case .form(let form): return .command(Command(form, name: declaration.name))
        case .malformed(let problem): return .malformed(command: declaration.name, problem: problem)
        }
    }

    /// Removes control characters and trims, so hostile or pasted input parses like what a person sees.
    static func clean(_ text: String) -> String {
        // Most chat is plain printable ASCII: skip the per-scalar work for it.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return trimSpaces(text) }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\t" || scalar == "\r" {
                scalars.append(" ")
            } else if scalar.properties.generalCategory != .control && scalar.properties.generalCategory != .format {
                scalars.append(scalar)
            }
        }
        return trimSpaces(String(scalars))
    }

    /// Whitespace, deciding ASCII by comparison: Unicode property look-ups were a visible cost per message.
    static func isSpace(_ character: Character) -> Bool {
        if character == " " || character == "\t" { return true }
        return !character.isASCII && character.isWhitespace
    }

    /// Trims spaces at both ends without a round trip through Foundation.
    static func trimSpaces<S: StringProtocol>(_ text: S) -> String {
        let start = text.firstIndex { !Self.isSpace($0) } ?? text.endIndex
        let end = text[start...].lastIndex { !Self.isSpace($0) }.map { text.index(after: $0) } ?? start
        return String(text[start..<end])
    }

    /// Finds the command word and the text after it, and whether a prefix marked the message for the bot.
    func splitCommand(_ text: String) -> (word: Substring, rest: String, prefixed: Bool)? {
        guard !text.isEmpty else { return nil }
        var body = Substring(text)
        var prefixed = false
        if body.first == "!" || body.first == "/" {
            body = body.dropFirst()
            prefixed = true
            // `/cmd@botname`: a command for another bot in the same group is not ours.
            let head = body.prefix { !Self.isSpace($0) }
            if let at = head.firstIndex(of: "@") {
                let target = head[head.index(after: at)...].lowercased()
                guard target == botName else { return nil }
                body = body[..<at] + body[head.endIndex...]
            }
        } else if body.first == "@" {
            let head = body.dropFirst().prefix { !Self.isSpace($0) && $0 != ":" && $0 != "," }
            guard head.lowercased() == botName else { return nil }
            body = body.dropFirst(1 + head.count).drop { $0 == ":" || $0 == "," || Self.isSpace($0) }
            prefixed = true
        }
        let word = body.prefix { !Self.isSpace($0) }
        let rest = Self.trimSpaces(body[word.endIndex...])
        return (word, rest, prefixed)
    }

    /// The nearest command words by edit distance, as their help names.
    static func suggestions(for word: String) -> [String] {
        guard !word.isEmpty else { return [] }
        let word = String(word.prefix(40))
        let scored = vocabulary.compactMap { alias, declaration -> (Int, String)? in
            guard alias.count > 1 else { return nil }
            let distance = editDistance(word, alias)
            return distance <= max(1, min(2, word.count / 3)) ? (distance, declaration.name) : nil
        }
        var seen = Set<String>()
        return scored.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.compactMap { seen.insert($0.1).inserted ? $0.1 : nil }
            .prefix(3).map { $0 }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
