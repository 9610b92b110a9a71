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
}
