import CoachCore
import Foundation

/// Discord's message text: mentions of the bot (by user or by its managed role) and of members, as `<@id>` tokens.
enum DiscordText {
    /// The text after a leading mention of the bot (`<@id>`, `<@!id>` or its role `<@&role>`, and the `:` or `,`
    /// after it), or nil.
    static func strippingLeadingMention(of botID: String, role: String? = nil, from text: String) -> String? {
        let trimmed = text.drop { $0.isWhitespace }
        let forms = ["<@\(botID)>", "<@!\(botID)>"] + (role.map { ["<@&\($0)>"] } ?? [])
        for form in forms where trimmed.hasPrefix(form) {
            return String(trimmed.dropFirst(form.count).drop { $0 == ":" || $0 == "," || $0.isWhitespace })
        }
        return nil
    }

    /// `<@123>` and `<@!123>` become `@123`; returns the text and the mentioned ids in order. Role (`<@&…>`) and
    /// channel (`<#…>`) mentions stay as they are.
    static func rewritingMentions(_ text: String) -> (String, [String]) {
        var out = ""
        var ids: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<@") {
            out += rest[..<open.lowerBound]
            var after = rest[open.upperBound...]
            if after.first == "!" { after = after.dropFirst() }
            let digits = after.prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, after.dropFirst(digits.count).first == ">" {
                out += "@" + digits
                if !ids.contains(String(digits)) { ids.append(String(digits)) }
                rest = after.dropFirst(digits.count + 1)
            } else {
                out += "<@"
                rest = rest[open.upperBound...]
            }
        }
        return (out + rest, ids)
    }

    // MARK: - Mass mentions in what the bot sends

    /// `text` with `@everyone`, `@here` and every role mention (`<@&id>`) broken by a word joiner after the `@`.
    ///
    /// Discord finds `@everyone` and `@here` anywhere in a message's content, not as words, and a role mention pings
    /// the role's members. The bot's sends also carry an empty `allowed_mentions`, so even a mention that got through
    /// would notify nobody; this keeps the text from even looking like one.
    static func defusingMassMentions(_ text: String) -> String {
        guard text.contains("@") else { return text }
        let reading = MentionReading(text, as: .plain)
        let read = reading.read
        var breaks: Set<Int> = []
        for index in read.indices where read[index] == "@" {
            let role = index > 0 && read[index - 1] == "<" && index + 1 < read.count && read[index + 1] == "&"
            if role || reading.has("everyone", at: index + 1) || reading.has("here", at: index + 1) { breaks.insert(index) }
        }
        return reading.joining(after: breaks)
    }
}
