import Foundation

/// A Telegram message's text made ready for the engine: mentions of people without a username resolved, and
/// commands addressed to this bot by its Telegram username understood.
struct TelegramText {
    private(set) var text: String
    private(set) var mentions: [String: String] = [:]
    private(set) var mentionedNames: [String: String] = [:]

    /// Rewrites each `text_mention` entity (a person picked from the member list who has no @username: the text is
    /// their name, the entity holds their id) to `@<user id>`, so `caught Sam Taylor …` reads `caught @123 …`.
    /// `@username` mentions stay as typed: the engine matches them to members' handles.
    ///
    /// Entity offsets count UTF-16 code units; an entity that does not fit the text is skipped, never trusted.
    init(_ raw: String, entities: [TelegramWire.Entity]) {
        var units = Array(raw.utf16)
        // From the end, so each replacement leaves the offsets before it valid.
        let people = entities.filter { $0.type == "text_mention" && $0.user != nil }.sorted { $0.offset > $1.offset }
        var limit = units.count
        for entity in people {
            guard let user = entity.user, entity.offset >= 0, entity.length > 0,
                entity.offset <= limit - entity.length
            else { continue }
            let id = String(user.id)
            units.replaceSubrange(entity.offset..<(entity.offset + entity.length), with: Array("@\(id)".utf16))
            limit = entity.offset
            mentions[id] = id
            let name = user.displayName
            if !name.isEmpty { mentionedNames[id] = name }
        }
        text = String(decoding: units, as: UTF16.self)
    }

    /// Handles the ways a group message names this bot by its Telegram username, which usually differs from the
    /// config's `botName` the command parser knows:
    /// - `/help@ThisBot` becomes `/help`; `/help@OtherBot` is another bot's command: nil, the message is ignored.
    /// - `@ThisBot help` becomes `help`, addressed to the bot (returns true).
    mutating func addressing(botUsername: String?, botName: String) -> Bool? {
        guard let first = text.first else { return false }
        let bot = botUsername?.lowercased()
        if first == "/" || first == "!" {
            let head = text.prefix { !$0.isWhitespace }
            guard let at = head.firstIndex(of: "@") else { return false }
            let target = head[head.index(after: at)...].lowercased()
            if let bot, target == bot {
                text.removeSubrange(at..<head.endIndex)
                return false
            }
            // The config's own name is left for the parser; anything else is meant for a different bot.
            return target == botName.lowercased() ? false : nil
        }
        if first == "@", let bot {
            let head = text.dropFirst().prefix { !$0.isWhitespace && $0 != ":" && $0 != "," }
            guard head.lowercased() == bot else { return false }
            text = String(text.dropFirst(1 + head.count).drop { $0 == ":" || $0 == "," || $0.isWhitespace })
            return true
        }
        return false
    }

    /// Telegram's Start button sends a bare `/start` when someone opens a private chat with the bot. That is a
    /// greeting, not the admin command that starts the programme, so it asks for help instead; `/start next`,
    /// `/start 2027-01-04` and `!start` still start the programme.
    mutating func openingChat() {
        if text.lowercased() == "/start" { text = "/help" }
    }
}
