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
}
