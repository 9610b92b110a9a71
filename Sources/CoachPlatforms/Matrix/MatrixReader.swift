import CoachCore
import Foundation

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
            senderHandle: MatrixIDs.localpart(sender), text: rest, threadRootID: threadRootID, isDirect: false,
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
