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
}
