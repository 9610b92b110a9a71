import CoachCore
import Foundation

/// Slack's message text ("mrkdwn" with `<…>` tokens and `&amp;`-style escapes) turned into what a person typed.
struct SlackText: Equatable {
    var text: String
    /// Mention token → user id: `<@U123>` becomes `@U123` in `text`, with `mentions["U123"] = "U123"`.
    var mentions: [String: String] = [:]
    /// Names Slack wrote into a legacy `<@U123|name>` token.
    var labels: [String: String] = [:]
    /// The message began with a mention of the bot, which was removed.
    var addressed = false

    init(text: String, mentions: [String: String] = [:], labels: [String: String] = [:], addressed: Bool = false) {
        self.text = text
        self.mentions = mentions
        self.labels = labels
        self.addressed = addressed
    }

    /// Reads Slack's wire text. `botUserID` is the bot's own user id: a leading mention of it addresses the bot.
    init(slack raw: String, botUserID: String?) {
        text = ""
        var body = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        if let botUserID, body.hasPrefix("<@\(botUserID)>") || body.hasPrefix("<@\(botUserID)|") {
            if let end = body.firstIndex(of: ">") {
                body = body[body.index(after: end)...].drop { $0 == " " || $0 == ":" || $0 == "," || $0 == "\n" }
                addressed = true
            }
        }
        var out = ""
        var rest = body
        while let open = rest.firstIndex(of: "<") {
            out += Self.unescape(rest[..<open])
            guard let close = rest[open...].firstIndex(of: ">") else {
                rest = rest[open...]
                break
            }
            let token = rest[rest.index(after: open)..<close]
            out += render(token)
            rest = rest[rest.index(after: close)...]
        }
        out += Self.unescape(rest)
        text = out
    }

    /// One `<…>` token as plain text, recording user mentions.
    private mutating func render(_ token: Substring) -> String {
        let (target, label) = Self.splitLabel(token)
        if target.hasPrefix("@") {
            let id = String(target.dropFirst())
            guard !id.isEmpty else { return Self.unescape(label ?? "") }
            mentions[id] = id
            if let label, !label.isEmpty { labels[id] = Self.unescape(label.hasPrefix("@") ? label.dropFirst() : label) }
            return "@" + id
        }
        if target.hasPrefix("#") {
            return "#" + Self.unescape(label ?? target.dropFirst())
        }
        if target.hasPrefix("!") {
            // <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>: the readable part.
            if let label, !label.isEmpty { return Self.unescape(label) }
            let name = target.dropFirst().prefix { $0 != "^" }
            return "@" + name
        }
        // A link: the text people saw, else the address.
        return Self.unescape(label.flatMap { $0.isEmpty ? nil : $0 } ?? target)
    }

    private static func splitLabel(_ token: Substring) -> (Substring, Substring?) {
        guard let bar = token.firstIndex(of: "|") else { return (token, nil) }
        return (token[..<bar], token[token.index(after: bar)...])
    }

    /// Slack escapes only these three; everything else arrives as typed.
    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    // MARK: - Mass mentions in what the bot sends

    /// `text` with every special token (`<!here>`, `<!channel>`, `<!everyone>`, `<!group>`, a user group's
    /// `<!subteam^ID>`, any `<!…>`) turned into the text it is written with (`&lt;!here&gt;`), and every plain
    /// `@here`, `@channel`, `@everyone` and `@group` broken by a word joiner after the `@`.
    ///
    /// Slack notifies only for the tokens; the bot's own escaping already turns a member's `<` into `&lt;`, so a token
    /// here can only come from template or catalogue text, and the bot never means to notify a channel. The plain
    /// words notify only when a message is posted with `link_names` (or `parse=full`), which the bot never sets;
    /// they are broken anyway, in case that ever changes or a bridge reads them.
    static func defusingMassMentions(_ text: String) -> String {
        guard text.contains("<!") || text.contains("@") else { return text }
        let reading = MentionReading(text, as: .plain)
        let scalars = reading.read
        var out = String.UnicodeScalarView()
        var closeToken = false
        for (index, scalar) in scalars.enumerated() {
            if scalar == "<", index + 1 < scalars.count, scalars[index + 1] == "!" {
                out.append(contentsOf: "&lt;".unicodeScalars)
                closeToken = true
                continue
            }
            if closeToken, scalar == ">" {
                out.append(contentsOf: "&gt;".unicodeScalars)
                closeToken = false
                continue
            }
            out.append(scalar)
            if scalar == "@", plainWords.contains(where: { reading.has($0, at: index + 1) }) { out.append(Markup.joiner) }
        }
        return String(out)
    }

    static let plainWords = ["here", "channel", "everyone", "group"]
}
