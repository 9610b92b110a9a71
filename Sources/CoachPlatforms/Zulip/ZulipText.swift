import CoachCore
import Foundation

/// A Zulip message's raw Markdown made ready for the engine: `@**Full Name**` and `@**Full Name|123**` mentions
/// become `@<user id>` tokens, and a leading mention of the bot marks the message as addressed to it.
struct ZulipText {
    private(set) var text: String
    private(set) var mentions: [String: String] = [:]
    private(set) var mentionedNames: [String: String] = [:]
    private(set) var addressed = false

    /// Mass mentions (`@**all**` and friends) are nobody in particular: they stay as typed.
    static let wildcards: Set<String> = ["all", "everyone", "stream", "channel", "topic"]

    /// One `@**…**` or `@_**…**` (silent) mention found in the text.
    struct Mention {
        var range: Range<String.Index>
        var name: String
        var id: Int?
    }

    /// Every user mention in `content`, in order. User groups (`@*group*`) and malformed markup are left alone.
    static func mentions(in content: String) -> [Mention] {
        var found: [Mention] = []
        var index = content.startIndex
        while let at = content[index...].firstIndex(of: "@") {
            var cursor = content.index(after: at)
            if cursor < content.endIndex, content[cursor] == "_" { cursor = content.index(after: cursor) }
            guard content[cursor...].hasPrefix("**") else {
                index = content.index(after: at)
                continue
            }
            let nameStart = content.index(cursor, offsetBy: 2)
            guard let close = content[nameStart...].range(of: "**") else { break }
            let inner = content[nameStart..<close.lowerBound]
            guard !inner.isEmpty, !inner.contains("\n") else {
                index = content.index(after: at)
                continue
            }
            var name = String(inner)
            var id: Int?
            if let bar = inner.lastIndex(of: "|"), let number = Int(inner[inner.index(after: bar)...]) {
                name = String(inner[..<bar])
                id = number
            }
            found.append(Mention(range: at..<close.upperBound, name: name, id: id))
            index = close.upperBound
        }
        return found
    }

    /// - Parameters:
    ///   - resolve: the user id for a full name, when exactly one active user has it.
    init(_ content: String, botID: Int, resolve: (String) -> Int?) {
        var out = ""
        var last = content.startIndex
        var leading = true
        for mention in Self.mentions(in: content) {
            let before = content[last..<mention.range.lowerBound]
            if !before.allSatisfy(\.isWhitespace) { leading = false }
            out += before
            last = mention.range.upperBound
            let wildcard = mention.id == nil && Self.wildcards.contains(mention.name.lowercased())
            guard !wildcard else {
                out += content[mention.range]
                leading = false
                continue
            }
            if let id = mention.id ?? resolve(mention.name) {
                if leading && id == botID && out.allSatisfy(\.isWhitespace) {
                    // `@**coach** help`: meant for the bot; the mention itself is not part of the command.
                    addressed = true
                    out = ""
                    let rest = content[last...]
                    last = rest.firstIndex { !($0 == ":" || $0 == "," || $0.isWhitespace) } ?? content.endIndex
                    leading = false
                    continue
                }
                let key = String(id)
                out += "@" + key
                mentions[key] = key
                if !mention.name.isEmpty { mentionedNames[key] = mention.name }
            } else {
                // Not found in the directory: the name without spaces still matches a member's name in the engine.
                out += "@" + mention.name.filter { !$0.isWhitespace }
            }
            leading = false
        }
        out += content[last...]
        text = out
    }

    // MARK: - Mass mentions in what the bot sends

    /// `text` with every wildcard mention (`@**all**`, `@**everyone**`, `@**channel**`, `@**stream**`,
    /// `@**topic**`) and its silent form (`@_**all**`) broken by a word joiner after the `@`.
    ///
    /// Zulip's server (`zerver/lib/mention.py`) finds mentions with `@_?\*\*([^*]+)\*\*` after a space, a quote,
    /// an opening bracket, `/`, `<` or the start, and the name must be exactly one of the wildcards. This breaks
    /// every such form wherever it stands and in any case. The bot's own escaping already writes a member's `*` as
    /// `\*`, so a wildcard here could only come from template text or from text and a value together.
    static func defusingMassMentions(_ text: String) -> String {
        guard text.contains("@") else { return text }
        let reading = MentionReading(text, as: .plain)
        let read = reading.read
        var breaks: Set<Int> = []
        for index in read.indices where read[index] == "@" {
            var cursor = index + 1
            if cursor < read.count, read[cursor] == "_" { cursor += 1 }
            guard reading.has("**", at: cursor) else { continue }
            cursor += 2
            for word in wildcards where reading.has(word, at: cursor) && reading.has("**", at: cursor + word.count) {
                breaks.insert(index)
            }
        }
        return reading.joining(after: breaks)
    }
}
