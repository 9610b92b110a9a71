import CoachCore
import Foundation

/// Matrix's HTML (`format: org.matrix.custom.html`) both ways: the bot's rendered templates into `formatted_body`
/// and a plain `body`, and people's `formatted_body` (with user pills) into the text the command parser reads.
enum MatrixHTML {
    /// A rendered template into `formatted_body`. Templates in the `.html` markup are text with escaped values and
    /// literal line breaks; HTML folds line breaks and leading spaces away, so they become `<br>` and `&nbsp;`
    /// (except next to block tags such as `<li>`, and inside `<pre>`, where they already show).
    static func formatted(_ text: String) -> String {
        var out = ""
        var inPre = false
        var previous: Substring?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let previous {
                if inPre {
                    out += "\n"
                } else if !(endsWithBlockTag(previous) || startsWithBlockTag(line)) {
                    out += "<br>"
                }
            }
            if inPre {
                out += line
            } else {
                let indent = line.prefix { $0 == " " }
                out += String(repeating: "&nbsp;", count: indent.count) + line.dropFirst(indent.count)
            }
            if let open = line.range(of: "<pre", options: .caseInsensitive) {
                inPre = line[open.upperBound...].range(of: "</pre>", options: .caseInsensitive) == nil
            } else if line.range(of: "</pre>", options: .caseInsensitive) != nil {
                inPre = false
            }
            previous = line
        }
        return out
    }

    /// The plain `body` that goes with a `formatted_body`, for clients and notifications that show no HTML.
    static func plain(_ html: String) -> String {
        // A pill in the bot's own text shows its label.
        render(html) { _, label in label }
    }

    /// A person's `formatted_body` as the text the bot reads: tags dropped, entities decoded, the quoted reply
    /// fallback (`<mx-reply>`) removed, and each user pill replaced by what `pill` returns for its user id and label.
    static func text(fromHTML html: String, pill: (_ userID: String, _ label: String) -> String) -> String {
        render(html, pill: pill)
    }

    static let blockTags: Set<String> = [
        "p", "div", "ul", "ol", "li", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "hr", "br",
        "details", "summary",
    ]

    static func startsWithBlockTag(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " }
        guard trimmed.first == "<", let close = trimmed.firstIndex(of: ">") else { return false }
        return blockTags.contains(Tag(trimmed[trimmed.index(after: trimmed.startIndex)..<close]).name)
    }

    static func endsWithBlockTag(_ line: Substring) -> Bool {
        var trimmed = line
        while trimmed.last == " " { trimmed = trimmed.dropLast() }
        guard trimmed.last == ">", let open = trimmed.lastIndex(of: "<") else { return false }
        return blockTags.contains(Tag(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]).name)
    }

    /// One tag's inside (`a href="…"`, `/li`, `br/`): its name, whether it closes, and its attributes on demand.
    struct Tag {
        let name: String
        let closing: Bool
        let inside: Substring

        init(_ inside: Substring) {
            self.inside = inside
            var rest = inside.drop { $0 == " " }
            closing = rest.first == "/"
            if closing { rest = rest.dropFirst() }
            name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" }.lowercased()
        }

        /// An attribute's value, quoted with `"` or `'` or bare.
        func attribute(_ wanted: String) -> String? {
            var rest = inside.drop { $0 != " " }
            while !rest.isEmpty {
                rest = rest.drop { $0 == " " || $0 == "/" }
                let key = rest.prefix { $0 != "=" && $0 != " " && $0 != "/" }
                rest = rest.dropFirst(key.count)
                guard rest.first == "=" else { continue }
                rest = rest.dropFirst()
                let value: Substring
                if let quote = rest.first, quote == "\"" || quote == "'" {
                    let body = rest.dropFirst()
                    value = body.prefix { $0 != quote }
                    rest = body.dropFirst(value.count + 1)
                } else {
                    value = rest.prefix { $0 != " " }
                    rest = rest.dropFirst(value.count)
                }
                if key.lowercased() == wanted { return MatrixHTML.decodeEntities(value) }
            }
            return nil
        }
    }

    /// The user a link points at: `https://matrix.to/#/@alice:example.org` (possibly percent-encoded, possibly with
    /// `?via=`) or `matrix:u/alice:example.org`.
    static func userID(fromLink href: String) -> String? {
        var candidate: Substring
        if let hash = href.range(of: "matrix.to/#/") {
            candidate = href[hash.upperBound...]
        } else if href.lowercased().hasPrefix("matrix:u/") {
            candidate = "@" + href.dropFirst("matrix:u/".count)
        } else {
            return nil
        }
        candidate = candidate.prefix { $0 != "?" && $0 != "/" }
        let decoded = String(candidate).removingPercentEncoding ?? String(candidate)
        return MatrixIDs.isUserID(decoded) ? decoded : nil
    }

    static func render(_ html: String, pill: (_ userID: String, _ label: String) -> String) -> String {
        var out = ""
        var hidden = 0
        var link: (userID: String, label: String)?
        func emit(_ text: String) {
            guard hidden == 0 else { return }
            if link != nil { link?.label += text } else { out += text }
        }
        func lineBreak() {
            guard hidden == 0, link == nil, !out.isEmpty, !out.hasSuffix("\n") else { return }
            out += "\n"
        }
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let close = html[index...].firstIndex(of: ">") {
                let tag = Tag(html[html.index(after: index)..<close])
                index = html.index(after: close)
                switch tag.name {
                case "mx-reply":
                    hidden = max(0, hidden + (tag.closing ? -1 : 1))
                case "br":
                    emit("\n")
                case "li":
                    lineBreak()
                    if !tag.closing { emit("- ") }
                case "a":
                    if tag.closing {
                        if let done = link {
                            link = nil
                            emit(pill(done.userID, done.label))
                        }
                    } else if hidden == 0, link == nil, let href = tag.attribute("href"),
                        let user = userID(fromLink: href)
                    {
                        link = (user, "")
                    }
                case let name where blockTags.contains(name):
                    lineBreak()
                default:
                    break
                }
                continue
            }
            if character == "&", let semicolon = html[index...].prefix(12).firstIndex(of: ";") {
                let entity = html[index...semicolon]
                let decoded = decodeEntities(entity)
                if decoded != String(entity) {
                    emit(decoded)
                    index = html.index(after: semicolon)
                    continue
                }
            }
            emit(String(character))
            index = html.index(after: index)
        }
        if let unfinished = link { out += unfinished.label }
        return tidy(out)
    }

    /// At most one blank line in a row, no trailing spaces or newlines.
    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var kept = line
            while kept.last == " " { kept = kept.dropLast() }
            if kept.isEmpty {
                blank += 1
                if blank > 1 || lines.isEmpty { continue }
            } else {
                blank = 0
            }
            lines.append(kept)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    static let namedEntities: [Substring: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ",
    ]

    /// `&amp;`, `&lt;`, `&#39;`, `&#x1F600;` and friends; anything unknown is left as written.
    static func decodeEntities(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semicolon = after.prefix(11).firstIndex(of: ";") {
                let name = after[..<semicolon]
                var replacement: String?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if name.hasPrefix("#") {
                    replacement = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else {
                    replacement = namedEntities[name]
                }
                if let replacement {
                    out += replacement
                    rest = after[after.index(after: semicolon)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        return out + rest
    }

    // MARK: - @room in what the bot sends

    /// `text` (the `formatted_body` when `html`, else the plain `body`) with every `@room` broken by a word joiner
    /// after the `@`.
    ///
    /// Synapse's legacy push rule `.m.rule.roomnotif` notifies the whole room for `@room` in `content.body` from a
    /// sender allowed to (power level 50 by default), unless `m.mentions` is present: the bot's events carry an empty
    /// `m.mentions`, and this is the second guard, for a client or server path that ignores it. Synapse matches the
    /// lowercased body against `(^|\b|\W)@room(\b|\W|$)` (`rust/src/push/utils.rs`); clients evaluating push
    /// rules themselves use JavaScript's ASCII `\W`. So `@room` counts unless an ASCII letter, digit or `_` follows
    /// it. In HTML only the text counts, with character references decoded; attributes (a pill's link) are left.
    static func defusingRoomMentions(_ text: String, html: Bool) -> String {
        guard text.contains("@") || (html && text.contains("&")) else { return text }
        let reading = MentionReading(text, as: html ? .html : .plain)
        let read = reading.read
        var breaks: Set<Int> = []
        for index in read.indices where read[index] == "@" && reading.has("room", at: index + 1) {
            let next = index + 5
            if next == read.count || !isASCIIWordScalar(read[next]) { breaks.insert(index) }
        }
        return reading.joining(after: breaks)
    }

    static func isASCIIWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_")
    }
}

/// Matrix identifier helpers.
enum MatrixIDs {
    /// `@localpart:server` (server possibly with a port).
    static func isUserID(_ text: some StringProtocol) -> Bool {
        guard text.first == "@", let colon = text.firstIndex(of: ":") else { return false }
        let localpart = text[text.index(after: text.startIndex)..<colon]
        let server = text[text.index(after: colon)...]
        return !localpart.isEmpty && !server.isEmpty && localpart.allSatisfy(isLocalpartCharacter)
            && server.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "[" || $0 == "]" }
    }

    /// Historical user ids allow more than the current grammar's `a-z 0-9 . _ = - / +`; accept any printable ASCII
    /// except the characters that end a mention in text.
    static func isLocalpartCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue, ascii > 0x20, ascii < 0x7F else { return false }
        return !":@,;!?\"'<>()[]{}".contains(character)
    }

    /// `alice` for `@alice:example.org`.
    static func localpart(_ userID: String) -> String {
        guard userID.first == "@" else { return userID }
        return String(userID.dropFirst().prefix { $0 != ":" })
    }
}

/// Turns room events into the engine's messages: who sent them, the text the parser reads, the thread they belong
/// to, the people they mention and whether they address the bot. Pure, so it is tested without a server.
struct MatrixReader {
    /// The bot's own user id (`@coach:example.org`): its events are `fromBot`, a leading mention addresses it.
    var selfID: String
    /// The bot's display name in the room, if it has one: "Coach: help" addresses it too.
    var selfName: String?
    /// The config's `team.botName`: `@coach help` addresses the bot whatever its Matrix name.
    var botName: String
    /// Display names by user id, from the room's member events.
    var names: [String: String]
    /// Thread roots whose replies matter (this week's announcement): a rich reply (`m.in_reply_to`, not a thread) to
    /// one of them counts as a reply in its thread, because people reply either way in most clients.
    var watchedRoots: Set<String>
    /// Whether the events come from one of the bot's private rooms with a member: their messages are `isDirect`, so
    /// commands need no prefix and the bot answers in the same private room.
    var inDirectRoom = false

    /// The message an event carries, or nil for anything that is not a person's text message: other event types,
    /// notices (other bots), emotes, edits (`m.replace`, which would apply a message twice) and redacted events.
    func message(_ event: JSONValue) -> InboundMessage? {
        guard event["type"]?.string == "m.room.message", let id = event["event_id"]?.string, !id.isEmpty,
            let sender = event["sender"]?.string, let content = event["content"], content["msgtype"]?.string == "m.text"
        else { return nil }
        let relation = content["m.relates_to"]
        if relation?["rel_type"]?.string == "m.replace" { return nil }
        let replyTo = relation?["m.in_reply_to"]?["event_id"]?.string
        var threadRootID: String?
        if relation?["rel_type"]?.string == "m.thread" {
            threadRootID = relation?["event_id"]?.string
        } else if let replyTo, watchedRoots.contains(replyTo) {
            threadRootID = replyTo
        }

        var mentions = Mentions(names: names)
        var text: String
        if content["format"]?.string == "org.matrix.custom.html", let html = content["formatted_body"]?.string {
            text = MatrixHTML.text(fromHTML: html) { user, label in mentions.token(for: user, label: label) }
        } else {
            text = content["body"]?.string ?? ""
            if replyTo != nil { text = Self.withoutReplyFallback(text) }
        }
        // User ids typed out in full already read as `@<token>`: only record who they are.
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.first == "@" {
            let candidate = word.trimmingCharacters(in: CharacterSet(charactersIn: ",;:.!?)"))
            if MatrixIDs.isUserID(candidate) { _ = mentions.token(for: candidate, label: nil) }
        }
        // `m.mentions` without a pill (a client that sends plain text): the display name in the text becomes the
        // token, so `!caught Sam great job` still names Sam.
        for user in content["m.mentions"]?["user_ids"]?.elements.compactMap(\.string) ?? []
        where MatrixIDs.isUserID(user) && !mentions.contains(user) {
            if let name = names[user], !name.isEmpty,
                let range = text.range(of: "@" + name) ?? Self.wordRange(of: name, in: text)
            {
                text.replaceSubrange(range, with: mentions.token(for: user, label: name))
            } else {
                _ = mentions.token(for: user, label: nil)
            }
        }
        let (rest, addressed) = strippingBotMention(text)
        if addressed, !rest.contains(selfID) { mentions.remove(selfID) }
        return InboundMessage(
            id: id, senderID: sender, senderName: names[sender] ?? MatrixIDs.localpart(sender),
            senderHandle: MatrixIDs.localpart(sender), text: rest, threadRootID: threadRootID, isDirect: inDirectRoom,
            addressed: addressed, mentions: mentions.tokens, mentionedNames: mentions.names, fromBot: sender == selfID)
    }

    /// Mention tokens: a user id minus its `@` (`sam:example.org`), so the text reads `@sam:example.org`, exactly what
    /// a person would type, and `!caught @sam:example.org` resolves through `mentions`.
    struct Mentions {
        /// Display names by user id, from the room's member events.
        let known: [String: String]
        /// Token → user id, for `InboundMessage.mentions`.
        var tokens: [String: String] = [:]
        /// User id → display name, for `InboundMessage.mentionedNames`.
        var names: [String: String] = [:]

        init(names: [String: String]) {
            known = names
        }

        mutating func token(for user: String, label: String?) -> String {
            let token = String(user.dropFirst())
            tokens[token] = user
            // A pill's label is the display name (older clients prefix it with `@`); a label that is the user id
            // itself names nobody.
            let shown = label.map { ($0.hasPrefix("@") ? String($0.dropFirst()) : $0).trimmingCharacters(in: .whitespaces) }
            if let name = known[user] ?? shown, !name.isEmpty, name != token, name != user {
                names[user] = name
            }
            return "@" + token
        }

        func contains(_ user: String) -> Bool { tokens[String(user.dropFirst())] != nil }

        mutating func remove(_ user: String) {
            tokens[String(user.dropFirst())] = nil
            names[user] = nil
        }
    }

    /// A leading mention of the bot, by pill or typed user id, `@localpart`, `@<botName>`, or its display name
    /// followed by `:` or `,` (how older clients write a pill in plain text). Returns the rest and whether it matched.
    func strippingBotMention(_ text: String) -> (String, Bool) {
        let trimmed = text.drop { $0 == " " || $0 == "\n" }
        var prefixes = [selfID, "@" + MatrixIDs.localpart(selfID), "@" + botName]
        if let selfName, !selfName.isEmpty { prefixes += ["@" + selfName, selfName] }
        for prefix in prefixes.sorted(by: { $0.count > $1.count }) where !prefix.isEmpty {
            guard trimmed.count >= prefix.count,
                trimmed.prefix(prefix.count).lowercased() == prefix.lowercased()
            else { continue }
            let after = trimmed.dropFirst(prefix.count)
            guard let next = after.first else { return ("", true) }
            // A bare display name needs the `:` or `,` a pill leaves; a word like "Coach" alone is just chat.
            let separators: Set<Character> = prefix == selfName ? [":", ","] : [":", ",", " ", "\n"]
            guard separators.contains(next) else { continue }
            return (String(after.drop { $0 == ":" || $0 == "," || $0 == " " || $0 == "\n" }), true)
        }
        return (text, false)
    }

    /// A rich reply's body starts with the quoted original (`> <@alice:x> …` lines, then a blank line), which is
    /// not what the person wrote.
    static func withoutReplyFallback(_ body: String) -> String {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.hasPrefix(">") == true else { return body }
        var rest = lines.drop { $0.hasPrefix(">") }
        if rest.first?.isEmpty == true { rest = rest.dropFirst() }
        return rest.joined(separator: "\n")
    }

    /// `name` as a whole word in `text`.
    static func wordRange(of name: String, in text: String) -> Range<String.Index>? {
        var searchFrom = text.startIndex
        while let range = text.range(of: name, range: searchFrom..<text.endIndex) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            if !(before?.isLetter ?? false) && !(before?.isNumber ?? false) && !(after?.isLetter ?? false) && !(after?.isNumber ?? false) {
                return range
            }
            searchFrom = range.upperBound
        }
        return nil
    }

    /// Learns display names from member events (state or timeline), in order, so a rename takes effect.
    static func learnNames(from events: [JSONValue], into names: inout [String: String]) {
        for event in events where event["type"]?.string == "m.room.member" {
            guard let user = event["state_key"]?.string, MatrixIDs.isUserID(user) else { continue }
            let membership = event["content"]?["membership"]?.string
            if let name = event["content"]?["displayname"]?.string, !name.isEmpty, membership == "join" || membership == "invite" {
                names[user] = name
            }
        }
    }
}
