import CoachRuntime
import Foundation

/// Each platform's rule for a message that notifies a whole channel or room, ported from its server's source into
/// a small checker: `nil` when the text pings nobody en masse, else the mention found. Written apart from the
/// adapters' guards (`MattermostText.defusingMassMentions` and friends), and where a server's exact reading depends
/// on parsing these tests do not model, stricter than the server.
public enum MassMentionRule {
    // MARK: Mattermost

    /// `server/channels/app/mention_parser_standard.go`, `ProcessText`, over the post's text as
    /// `getExplicitMentions` reads it: the Markdown's text with backslash escapes and character references decoded
    /// (`server/public/shared/markdown/inlines.go`). Stricter: code spans and the `:emoji:` word exception count too.
    public static func mattermost(_ post: String) -> String? {
        let text = markdownText(post)
        let words = split(text) { !(isMattermostWordScalar($0)) }
        for var word in words {
            while let first = word.first, ":.-_".unicodeScalars.contains(first) { word.removeFirst() }
            if let found = mattermostSystem(word) { return found }
            var trimmed = word
            while let last = trimmed.last, ".-:_".unicodeScalars.contains(last) {
                trimmed.removeLast()
                if let found = mattermostSystem(trimmed) { return found }
            }
            if word.first == "@" { continue }
            if word.contains(where: { ".-:".unicodeScalars.contains($0) }) {
                for piece in split(word, at: { ".-:".unicodeScalars.contains($0) }) {
                    if let found = mattermostSystem(piece) { return found }
                }
            }
        }
        return nil
    }

    static func mattermostSystem(_ word: [Unicode.Scalar]) -> String? {
        let lowered = lowercased(word)
        return ["@here", "@channel", "@all"].contains(lowered) ? lowered : nil
    }

    /// Go's `unicode.IsLetter || unicode.IsNumber`, or one of `: . - _ @`.
    static func isMattermostWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if ":.-_@".unicodeScalars.contains(scalar) { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    // MARK: Slack

    /// Slack notifies for its special tokens (`<!here>`, `<!channel>`, `<!everyone>`, the legacy `<!group>`, a user
    /// group's `<!subteam^…>`); plain `@here`, `@channel` and `@everyone` become them when a message is posted with
    /// `link_names`, so those count too.
    public static func slack(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        for index in scalars.indices {
            if scalars[index] == "<", index + 1 < scalars.count, scalars[index + 1] == "!" {
                for word in ["here", "channel", "everyone", "group", "subteam^"] where starts(scalars, at: index + 2, with: word) {
                    return "<!" + word
                }
            }
            if scalars[index] == "@" {
                for word in ["here", "channel", "everyone"] where starts(scalars, at: index + 1, with: word) {
                    let next = index + 1 + word.count
                    if next == scalars.count || !isASCIIWordScalar(scalars[next]) { return "@" + word }
                }
            }
        }
        return nil
    }

    // MARK: Discord

    /// Discord finds `@everyone` and `@here` anywhere in `content`; `<@&id>` mentions a role. (Sends also carry an
    /// empty `allowed_mentions`; this checks the text alone.) Stricter: any case.
    public static func discord(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        for index in scalars.indices where scalars[index] == "@" {
            for word in ["everyone", "here"] where starts(scalars, at: index + 1, with: word) { return "@" + word }
            if index > 0, scalars[index - 1] == "<", index + 1 < scalars.count, scalars[index + 1] == "&" {
                let digits = scalars[(index + 2)...].prefix { ("0"..."9").contains($0) }
                let close = index + 2 + digits.count
                if !digits.isEmpty, close < scalars.count, scalars[close] == ">" { return "<@&" + String(String.UnicodeScalarView(digits)) + ">" }
            }
        }
        return nil
    }

    // MARK: Zulip

    /// `zerver/lib/mention.py`: `MENTIONS_RE` = `@(?P<silent>_?)(\*\*(?P<match>[^\*]+)\*\*)` after a space, quote,
    /// opening bracket, `/`, `<` or the start, with the match one of `stream_wildcards` (`all`, `everyone`,
    /// `stream`, `channel`) or `topic_wildcards` (`topic`). Silent forms count too. Stricter: any case, anywhere.
    public static func zulip(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        for index in scalars.indices where scalars[index] == "@" {
            var cursor = index + 1
            if cursor < scalars.count, scalars[cursor] == "_" { cursor += 1 }
            guard starts(scalars, at: cursor, with: "**") else { continue }
            let nameStart = cursor + 2
            let name = scalars[nameStart...].prefix { $0 != "*" }
            let close = nameStart + name.count
            guard !name.isEmpty, starts(scalars, at: close, with: "**") else { continue }
            let lowered = lowercased(Array(name))
            if ["all", "everyone", "stream", "channel", "topic"].contains(lowered) { return "@**" + lowered + "**" }
        }
        return nil
    }

    // MARK: Matrix

    /// Synapse's `.m.rule.roomnotif`: `content.body` lowercased against `(^|\b|\W)@room(\b|\W|$)`
    /// (`rust/src/push/utils.rs`, Unicode `\w`), and clients that evaluate it in JavaScript with an ASCII `\w`:
    /// together, `@room` not followed by an ASCII letter, digit or `_`. For `formatted_body`, the same over its text
    /// (character references decoded, each tag read as a space).
    public static func matrixBody(_ body: String) -> String? {
        let scalars = lowercased(Array(body.unicodeScalars)).unicodeScalars.map { $0 }
        for index in scalars.indices where scalars[index] == "@" && starts(scalars, at: index + 1, with: "room") {
            let next = index + 5
            if next == scalars.count || !isASCIIWordScalar(scalars[next]) && scalars[next] != "_" { return "@room" }
        }
        return nil
    }

    public static func matrixFormatted(_ html: String) -> String? {
        matrixBody(htmlText(html))
    }

    // MARK: Telegram

    /// Telegram has no mention of a whole group (`@all` is plain text; an `@username` notifies one person). What
    /// member text must not do is mention a chosen person the way only a link can (`<a href="tg://user?id=…">`, a
    /// `text_mention`), or post a link of its own: in HTML parse mode only a real `<a` tag makes one, and the bot's
    /// templates have none, so any is a finding. An escaped `&lt;a …&gt;` is text.
    /// Matrix's wire texts come labelled (`WireText`): `html:` is a `formatted_body`, `body:` its plain `body`.
    public static func matrix(_ field: String) -> String? {
        let text = String(field.dropFirst(5))
        return field.hasPrefix("html:")
            ? matrixFormatted(text).map { "formatted_body: " + $0 } : matrixBody(text).map { "body: " + $0 }
    }

    public static func telegram(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        for index in scalars.indices where scalars[index] == "<" && index + 2 < scalars.count {
            let after = scalars[index + 2]
            if (scalars[index + 1] == "a" || scalars[index + 1] == "A"), after == ">" || after.properties.isWhitespace {
                let tail = String(String.UnicodeScalarView(scalars[index...].prefix(40)))
                return tail.contains("tg://") ? "<a href=\"tg://…\">" : "<a>"
            }
        }
        return nil
    }

    // MARK: Reading helpers

    /// CommonMark inline text as a server reads it: `\` + ASCII punctuation is the punctuation, character
    /// references (`&#64;`, `&#x40;`, the named ones that matter) decoded.
    public static func markdownText(_ text: String) -> [Unicode.Scalar] {
        let scalars = Array(text.unicodeScalars)
        var out: [Unicode.Scalar] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\", index + 1 < scalars.count, scalars[index + 1].isASCII, scalars[index + 1].properties.generalCategory.isPunctuationOrSymbol {
                out.append(scalars[index + 1])
                index += 2
            } else if scalar == "&", let (decoded, next) = reference(scalars, at: index) {
                out.append(contentsOf: decoded)
                index = next
            } else {
                out.append(scalar)
                index += 1
            }
        }
        return out
    }

    /// HTML's text: tags read as a space, references decoded.
    public static func htmlText(_ html: String) -> String {
        let scalars = Array(html.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "<", let close = scalars[index...].firstIndex(of: ">") {
                out.append(" ")
                index = close + 1
            } else if scalars[index] == "&", let (decoded, next) = reference(scalars, at: index) {
                out.append(contentsOf: decoded)
                index = next
            } else {
                out.append(scalars[index])
                index += 1
            }
        }
        return String(out)
    }

    static let namedReferences: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "commat": "@", "period": ".",
        "colon": ":", "lowbar": "_", "UnderBar": "_", "ast": "*", "midast": "*", "excl": "!", "bsol": "\\",
    ]

    static func reference(_ scalars: [Unicode.Scalar], at index: Int) -> ([Unicode.Scalar], Int)? {
        var end = index + 1
        while end < scalars.count, end - index <= 32, scalars[end] != ";" { end += 1 }
        guard end < scalars.count, scalars[end] == ";" else { return nil }
        let name = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            guard let value = UInt32(name.dropFirst(2), radix: 16) else { return nil }
            return ([Unicode.Scalar(value) ?? "\u{FFFD}"], end + 1)
        }
        if name.hasPrefix("#") {
            guard let value = UInt32(name.dropFirst()) else { return nil }
            return ([Unicode.Scalar(value) ?? "\u{FFFD}"], end + 1)
        }
        return namedReferences[name].map { (Array($0.unicodeScalars), end + 1) }
    }

    static func split(_ scalars: [Unicode.Scalar], at isSeparator: (Unicode.Scalar) -> Bool) -> [[Unicode.Scalar]] {
        scalars.split(whereSeparator: isSeparator).map(Array.init)
    }

    /// Per scalar, as Go's `strings.ToLower` and Rust's `to_lowercase` do for every character that can spell a
    /// mass mention.
    static func lowercased(_ scalars: [Unicode.Scalar]) -> String {
        var out = ""
        for scalar in scalars { out += scalar.properties.lowercaseMapping }
        return out
    }

    static func starts(_ scalars: [Unicode.Scalar], at index: Int, with word: String) -> Bool {
        let wanted = Array(word.unicodeScalars)
        guard index >= 0, index + wanted.count <= scalars.count else { return false }
        for (offset, letter) in wanted.enumerated() {
            let lowered = scalars[index + offset].properties.lowercaseMapping
            guard lowered == String(letter) else { return false }
        }
        return true
    }

    static func isASCIIWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_")
    }
}

extension Unicode.GeneralCategory {
    var isPunctuationOrSymbol: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            true
        default:
            false
        }
    }
}

/// Member text as a hostile member writes it: mass-mention words in every spelling the servers might read, with
/// combining marks, variation selectors, skin tones, joiners, fullwidth `@`, escapes and entities around them.
public enum HostileText {
    public static let words = [
        "@here", "@channel", "@all", "@everyone", "@room", "@HERE", "@Channel", "@ALL", "@Room", "@**all**",
        "@**everyone**", "@**stream**", "@**channel**", "@**topic**", "@_**all**", "@_**topic**", "<!here>",
        "<!channel>", "<!everyone>", "<!subteam^S0123|@support>", "<!here|here>", "<@&123456789012345678>",
        "&commat;here", "&#64;channel", "&#x40;all", "&#64;room", "\\@here", "@\\here", "＠here", "@", "here", "all",
        "room", "channel", "@hereford", "@allison", "@roomba", "**all**", "<!", "<@", "@*",
        "<a href=\"tg://user?id=123456\">Sam</a>", "<a href='https://t.me/+invite'>", "<A HREF=tg://user?id=1>", "</a>",
    ]
    public static let marks = [
        "\u{301}", "\u{308}", "\u{20DD}", "\u{FE0F}", "\u{1F3FB}", "\u{1F3FF}", "\u{200D}", "\u{200B}", "\u{2060}",
        "\u{200C}", "\u{FEFF}", "_", ".", "-", ":", "..", "_.", "-x", ".x", "*", "**", "`", "\\", "&", ";", "s",
        "\u{0}", "\u{7}", "\u{202E}",
    ]
    public static let glue = [
        " ", "", "", "x.", "x", ":", "(", "\"", "/", "http://a.example/", "www.example.com/", ":smile:", "\n", "- ",
        "> ", "```", "`", "[", "](", "<b>", "é", "日本", "🙂", "\u{1F44D}\u{1F3FD}", "e\u{301}",
    ]

    /// What follows an `@` the bot's own template writes (`I don't know who @{{ref}} is`): a bare mass word,
    /// often with marks after it, or any hostile text.
    public static let bare = [
        "here", "channel", "all", "everyone", "room", "HERE", "All", "Room", "**all**", "_**topic**", "**everyone**",
        "**stream**", "_**channel**",
    ]

    public static func target(using random: inout SeededRandom) -> String {
        guard Bool.random(using: &random) else { return make(using: &random) }
        var text = bare.randomElement(using: &random)!
        for _ in 0..<Int.random(in: 0...2, using: &random) { text += marks.randomElement(using: &random)! }
        return text
    }

    public static func make(using random: inout SeededRandom) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 1...7, using: &random) {
            text += glue.randomElement(using: &random)!
            text += words.randomElement(using: &random)!
            for _ in 0..<Int.random(in: 0...2, using: &random) { text += marks.randomElement(using: &random)! }
        }
        return text
    }
}
