import Foundation

/// Mattermost's message text: `@username` mentions, and a leading one that addresses the bot.
enum MattermostText {
    /// Characters Mattermost allows in a username.
    static func isUsernameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-" || character == "_")
    }

    /// The `@name` tokens in a post, as people typed them (trailing dots dropped, as Mattermost does), except the
    /// channel-wide ones.
    static func mentionTokens(in text: String) -> [String] {
        var tokens: [String] = []
        var previous: Character = " "
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "@", !(previous.isLetter || previous.isNumber || previous == "_") {
                let start = text.index(after: index)
                var end = start
                while end < text.endIndex, isUsernameCharacter(text[end]) { end = text.index(after: end) }
                var token = String(text[start..<end])
                while token.hasSuffix(".") { token.removeLast() }
                if !token.isEmpty, !["channel", "here", "all"].contains(token.lowercased()) { tokens.append(token) }
                index = end
                previous = "x"
                continue
            }
            previous = character
            index = text.index(after: index)
        }
        return tokens
    }

    /// The text after a leading `@botname` (and the `:` or `,` people put after it), or nil when it does not start so.
    static func strippingLeadingMention(of username: String, from text: String) -> String? {
        let trimmed = text.drop { $0.isWhitespace }
        guard !username.isEmpty, trimmed.first == "@" else { return nil }
        // The whole name as Mattermost reads it, so `@coach.old` is not `@coach`; a full stop after it is not part.
        var name = trimmed.dropFirst().prefix { isUsernameCharacter($0) }
        while name.hasSuffix(".") { name = name.dropLast() }
        guard name.lowercased() == username.lowercased() else { return nil }
        let rest = trimmed.dropFirst(1 + name.count)
        return String(rest.drop { $0 == ":" || $0 == "," || $0 == "." || $0.isWhitespace })
    }

    // MARK: - Mass mentions in what the bot sends

    /// The words that notify a whole channel (`@all` as well as `@channel`; `@here` those online).
    static let channelWide = ["here", "channel", "all"]

    /// `text` with every `@here`, `@channel` and `@all` that Mattermost's server would act on broken by a word joiner
    /// after the `@`: the last guard before a post leaves, over template text and member text together.
    ///
    /// The server (`mention_parser_standard.go`) reads the Markdown's text, escapes and character references
    /// decoded, splits it into words at every character that is not a letter, a digit or one of `: . - _ @`, and
    /// compares each word, lowercased, after trimming `: . - _` from its front and, one by one, `. - : _` from its
    /// end; a word still not a mention is split again at `. - :`. So `@here` followed by a combining accent, a
    /// variation selector or a joiner is `@here` to it, and so are `@here.`, `@all_` and `x.@channel`. This reads
    /// every `@` followed by one of the words and breaks it unless letters, digits or an `@` follow in the same word
    /// (`@hereford`, `@all.hands`); the text before the `@` is ignored, since a link or an emoji the server parses
    /// there can end its text run right before it.
    static func defusingMassMentions(_ text: String) -> String {
        guard text.contains("@") || text.contains("&") else { return text }
        let reading = MentionReading(text, as: .markdown)
        let read = reading.read
        var breaks: Set<Int> = []
        for index in read.indices where read[index] == "@" {
            for word in channelWide where reading.has(word, at: index + 1) {
                var end = index + 1 + word.unicodeScalars.count
                let tailStart = end
                while end < read.count, isServerWordScalar(read[end]) { end += 1 }
                let tail = read[tailStart..<end]
                if tail.allSatisfy(trimmedAtEnd.contains) || tail.first.map(splitAgainAt.contains) == true {
                    breaks.insert(index)
                }
            }
        }
        return reading.joining(after: breaks)
    }

    /// What the server trims from a word's end, one at a time, looking for a mention.
    static let trimmedAtEnd: Set<Unicode.Scalar> = [".", "-", ":", "_"]
    /// Where it splits a word that is no mention yet.
    static let splitAgainAt: Set<Unicode.Scalar> = [".", "-", ":"]

    /// A character the server keeps inside a word: a letter or a digit in any script (Go's `unicode.IsLetter` and
    /// `unicode.IsNumber`), or one of `: . - _ @`.
    static func isServerWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case ":", ".", "-", "_", "@": return true
        default: break
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
