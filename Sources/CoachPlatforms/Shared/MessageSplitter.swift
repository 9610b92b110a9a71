import CoachCore
import Foundation

/// Splits a rendered message into parts that each fit a platform's limit, without breaking its markup.
///
/// Parts break at paragraph or line ends where they can, then at spaces, and only as a last resort inside a word.
/// A break never falls inside an HTML tag, an entity (`&amp;`) or a Slack token (`<@U123>`). Markup that is open at
/// a break is closed at the end of the part and opened again at the start of the next: HTML tags for Telegram and
/// Matrix, code fences for the Markdown platforms.
public struct MessageSplitter: Sendable {
    /// What a platform's limit counts.
    public enum Measure: Sendable {
        /// Unicode characters as people see them (Discord, Zulip, Slack).
        case characters
        /// UTF-16 code units (Telegram counts these).
        case utf16
        /// Unicode scalars ("runes": Mattermost).
        case scalars
        /// UTF-8 bytes (Matrix events, Google Chat, Teams).
        case utf8
    }

    public var limit: Int
    public var measure: Measure
    public var markup: Markup

    public init(limit: Int, measure: Measure, markup: Markup) {
        precondition(limit >= 64, "a message limit below 64 leaves no room for markup")
        self.limit = limit
        self.measure = measure
        self.markup = markup
    }

    public func size(_ text: some StringProtocol) -> Int {
        switch measure {
        case .characters: text.count
        case .utf16: text.utf16.count
        case .scalars: text.unicodeScalars.count
        case .utf8: text.utf8.count
        }
    }

    public func split(_ text: String) -> [String] {
        guard size(text) > limit else { return [text] }
        var parts: [String] = []
        var current = ""
        var open = OpenMarkup(markup: markup)
        // The markup open when `current` began, re-opened at its start.
        var carried = ""

        func flush() {
            guard !current.isEmpty else { return }
            let body = current.hasSuffix("\n") ? String(current.dropLast()) : current
            parts.append(carried + body + open.closing)
            carried = open.opening
            current = ""
        }

        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map({ String($0) + "\n" }) {
            var rest = Substring(line)
            while !rest.isEmpty {
                let room = limit - size(carried) - size(current) - size(open.closing) - open.reserve
                if size(rest) <= room {
                    current += rest
                    open.scan(rest)
                    rest = rest[rest.endIndex...]
                } else if !current.isEmpty {
                    // Try the line on a fresh part before cutting it.
                    flush()
                } else {
                    let cut = breakPoint(in: rest, room: max(room, 1))
                    let head = rest[..<cut]
                    current += head
                    open.scan(head)
                    rest = rest[cut...].drop { $0 == " " }
                    flush()
                }
            }
        }
        // The final newline belongs to the last line, not to the message.
        if current.hasSuffix("\n") { current.removeLast() }
        flush()
        return parts
    }

    /// Where to cut `text` so the head fits `room`: the last space that fits, else the last safe character.
    func breakPoint(in text: Substring, room: Int) -> Substring.Index {
        var fits = text.startIndex
        var lastSpace: Substring.Index?
        var used = 0
        // Inside `<…>` (an HTML tag, a Slack token) or `&…;` (an entity) no cut is safe.
        let tokens = markup == .html || markup == .telegramHTML || markup == .slack
        var inTag = false
        var inEntity = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let width = size(String(character))
            if used + width > room { break }
            used += width
            if tokens {
                switch character {
                case "<": inTag = true
                case ">": inTag = false
                case "&": inEntity = true
                case ";", " ", "\n": inEntity = false
                default: break
                }
            }
            index = text.index(after: index)
            if !inTag && !inEntity {
                fits = index
                if character == " " { lastSpace = index }
            }
        }
        if let lastSpace, lastSpace > text.startIndex { return lastSpace }
        // No space and no safe character fits: take one character so the loop always moves on.
        return fits > text.startIndex ? fits : text.index(after: text.startIndex)
    }
}

/// The markup open so far in a part: HTML tags in order, or whether a Markdown code fence is open.
struct OpenMarkup {
    let markup: Markup
    var tags: [(name: String, opening: String)] = []
    var fenceOpen = false

    init(markup: Markup) {
        self.markup = markup
    }

    /// Room kept free for closing whatever may still open.
    var reserve: Int {
        switch markup {
        case .html, .telegramHTML: 16
        case .markdown: 4
        case .plain, .slack: 0
        }
    }

    var closing: String {
        switch markup {
        case .html, .telegramHTML: tags.reversed().map { "</\($0.name)>" }.joined()
        case .markdown: fenceOpen ? "\n```" : ""
        case .plain, .slack: ""
        }
    }

    var opening: String {
        switch markup {
        case .html, .telegramHTML: tags.map(\.opening).joined()
        case .markdown: fenceOpen ? "```\n" : ""
        case .plain, .slack: ""
        }
    }

    static let voidTags: Set<String> = ["br", "hr", "img"]

    mutating func scan(_ text: Substring) {
        switch markup {
        case .html, .telegramHTML:
            var rest = text
            while let start = rest.firstIndex(of: "<") {
                guard let end = rest[start...].firstIndex(of: ">") else { return }
                let tag = rest[rest.index(after: start)..<end]
                if tag.hasPrefix("/") {
                    let name = tag.dropFirst().lowercased()
                    if let i = tags.lastIndex(where: { $0.name == name }) { tags.remove(at: i) }
                } else if !tag.hasSuffix("/") {
                    let name = tag.prefix { $0.isLetter || $0.isNumber }.lowercased()
                    if !name.isEmpty && !Self.voidTags.contains(name) {
                        tags.append((name, String(rest[start...end])))
                    }
                }
                rest = rest[rest.index(after: end)...]
            }
        case .markdown:
            for line in text.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                fenceOpen.toggle()
            }
        case .plain, .slack:
            break
        }
    }
}
