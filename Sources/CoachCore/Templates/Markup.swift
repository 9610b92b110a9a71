/// The markup a platform reads, and how to make user text safe in it.
///
/// User text is escaped so it shows as typed and can never ping a whole channel. Mass mentions are broken with an
/// invisible word joiner (U+2060) after the `@` (or `!`), which keeps them readable while no platform parses them.
/// This is the first guard, over each value as it is substituted; each platform's transport checks the whole
/// outgoing text again by its server's own mention grammar (`MattermostText`, `SlackText`, `DiscordText`,
/// `ZulipText`, `MatrixHTML`), which also catches a mention that template text and a value form together.
public enum Markup: String, Sendable, CaseIterable {
    /// The console and any platform that shows text as is.
    case plain
    /// Slack mrkdwn: only `& < >` are special; `<!channel>` style tokens are the mass mentions.
    case slack
    /// Telegram in HTML parse mode.
    case telegramHTML
    /// Matrix `formatted_body`.
    case html
    /// Markdown with no mention syntax of its own (Teams).
    case markdown
    /// Mattermost's Markdown. Its server decodes character references (`&commat;`) before it looks for mentions,
    /// so `&` is escaped too.
    case mattermost
    /// Discord's Markdown, where `<@&id>` is a role mention.
    case discord
    /// Zulip's Markdown, whose mentions are `@**name**`.
    case zulip

    /// How the markup nests, for splitting a message into parts.
    public enum Family: Sendable {
        case plain
        case html
        case markdown
    }

    public var family: Family {
        switch self {
        case .plain, .slack: .plain
        case .telegramHTML, .html: .html
        case .markdown, .mattermost, .discord, .zulip: .markdown
        }
    }

    /// The words that ping a whole channel or room after `@` on one platform or another: Slack, Mattermost and
    /// Discord `@here`, `@channel`, `@everyone`, `@all`; Zulip's wildcards `all`, `everyone`, `channel`, `stream`,
    /// `topic`; Matrix `@room`. All are broken in every markup but plain: a bridge may carry text to another platform.
    static let massMentions = ["channel", "here", "everyone", "all", "topic", "stream", "room"]

    /// Word joiner: invisible, not a letter, digit or punctuation to any mention parser.
    public static let joiner: Unicode.Scalar = "\u{2060}"

    static let markdownSpecials: Set<Unicode.Scalar> = [
        "\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "#", "+", "-", ".", "!", "|", "~", ">",
    ]

    public func escape(_ text: String) -> String {
        switch self {
        case .plain:
            return text
        case .slack:
            return defuseMentions(Self.escapingEntities(text, quotes: false))
        case .telegramHTML, .html:
            return defuseMentions(Self.escapingEntities(text, quotes: true))
        case .markdown, .mattermost, .discord, .zulip:
            var out = String.UnicodeScalarView()
            for scalar in text.unicodeScalars {
                if Self.markdownSpecials.contains(scalar) || (self == .mattermost && scalar == "&") { out.append("\\") }
                out.append(scalar)
            }
            return defuseMentions(String(out))
        }
    }

    /// `&`, `<` and `>` (and `"` with `quotes`) as character references, in one pass. Most values have none of them
    /// (a name, a number, a chart's coordinate), and those are returned as they are: Foundation's replacing, once per
    /// character, was most of the time an HTML report took to render.
    static func escapingEntities(_ text: String, quotes: Bool) -> String {
        let special: (UInt8) -> Bool = { byte in
            byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || (quotes && byte == UInt8(ascii: "\""))
        }
        guard text.utf8.contains(where: special) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"" where quotes: out.append(contentsOf: "&quot;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// Breaks `@channel`, `@here`, `@everyone`, `@all`, `@room`, Zulip's `@**all**` and Slack's `<!channel>` in
    /// escaped user text, and on Discord any `<@…>` token.
    ///
    /// Works on Unicode scalars, not characters: `here` followed by a combining accent is one "word" to Swift but
    /// `here` and an accent to every server. A mass word counts unless an ASCII letter or digit follows it
    /// (`@hereford` is somebody's name); Discord finds `@everyone` and `@here` anywhere, so there it always counts.
    func defuseMentions(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains(where: { $0 == "@" || $0 == "!" }) else { return text }
        var out = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            out.append(scalar)
            guard scalar == "@" || scalar == "!" else { continue }
            if self == .discord, scalar == "@", index > 0, scalars[index - 1] == "<" {
                out.append(Self.joiner)
                continue
            }
            var cursor = index + 1
            // Zulip's `@**all**` and `@_**all**`, and the backslashes Markdown escaping put before them.
            while cursor < scalars.count, ["*", "_", "\\"].contains(scalars[cursor]) { cursor += 1 }
            for word in Self.massMentions where Self.matches(word, scalars, at: cursor) {
                let next = cursor + word.unicodeScalars.count
                let alwaysPings = self == .discord && (word == "everyone" || word == "here")
                if alwaysPings || next == scalars.count || !Self.isASCIIWordScalar(scalars[next]) {
                    out.append(Self.joiner)
                    break
                }
            }
        }
        return String(out)
    }

    /// `word` (lowercase ASCII) at `index`, in any case.
    static func matches(_ word: String, _ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var position = index
        for letter in word.unicodeScalars {
            guard position < scalars.count else { return false }
            var value = scalars[position].value
            if value >= 0x41 && value <= 0x5A { value += 0x20 }
            guard value == letter.value else { return false }
            position += 1
        }
        return true
    }

    static func isASCIIWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
    }
}
