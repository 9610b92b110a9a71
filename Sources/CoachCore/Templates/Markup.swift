/// The markup a platform reads, and how to make user text safe in it.
///
/// User text is escaped so it shows as typed and can never ping a whole channel. Mass mentions are broken with a
/// zero-width joiner after the `@` (or `!`), which keeps them readable while no platform parses them.
public enum Markup: String, Sendable, CaseIterable {
    /// The console and any platform that shows text as is.
    case plain
    /// Slack mrkdwn: only `& < >` are special; `<!channel>` style tokens are the mass mentions.
    case slack
    /// Telegram in HTML parse mode.
    case telegramHTML
    /// Matrix `formatted_body`.
    case html
    /// Mattermost, Discord and Zulip.
    case markdown

    static let massMentions = ["channel", "here", "everyone", "all", "topic", "stream"]

    public func escape(_ text: String) -> String {
        switch self {
        case .plain:
            return text
        case .slack:
            return Self.defuseMentions(
                text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;"))
        case .telegramHTML, .html:
            return Self.defuseMentions(
                text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;"))
        case .markdown:
            var out = ""
            for ch in text {
                if "\\`*_{}[]()#+-.!|~>".contains(ch) { out.append("\\") }
                out.append(ch)
            }
            return Self.defuseMentions(out)
        }
    }

    /// Breaks `@channel`, `@here`, `@everyone`, `@all`, Zulip's `@**all**` and Slack's `<!channel>`.
    static func defuseMentions(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let at = rest.firstIndex(where: { $0 == "@" || $0 == "!" }) {
            result += rest[...at]
            let after = rest[rest.index(after: at)...]
            let word = after.drop { $0 == "*" || $0 == "\\" }.prefix { $0.isLetter }.lowercased()
            if massMentions.contains(word) { result += "\u{2060}" }
            rest = after
        }
        return result + rest
    }
}
