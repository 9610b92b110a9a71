import CoachCore
import Foundation

/// Splits a rendered message into parts that each fit a platform's limit, without breaking its markup.
///
/// Parts break at paragraph or line ends where they can, then at spaces, and only as a last resort inside a word.
/// A break never falls inside an HTML tag, an entity (`&amp;`) or a Slack token (`<@U123>`). Markup that is open at
/// a break is closed at the end of the part and opened again at the start of the next: HTML tags for Telegram and
/// Matrix, code fences for the Markdown platforms.
///
/// Sizes are counted in the platform's own unit, and no part is ever over the limit, whatever the text: a single
/// character as people see it can hold any number of Unicode scalars (`a` and 20,000 combining accents is one), so
/// when not even one character fits, the cut falls between its scalars.
public struct MessageSplitter: Sendable {
    /// What a platform's limit counts. There is deliberately no "characters as people see them": one such character
    /// has no upper size, so no platform can count in them.
    public enum Measure: Sendable {
        /// UTF-16 code units. Telegram counts these; it is also the safe count for a platform that only says
        /// "characters" (Slack, Discord), since a text never has fewer code units than code points or characters.
        case utf16
        /// Unicode scalars, "runes" or code points: Mattermost (Go's `utf8.RuneCountInString`), Zulip (Python's `len`).
        case scalars
        /// UTF-8 bytes (Matrix events, Google Chat, Teams).
        case utf8
    }

    /// The smallest limit a splitter takes: room for a part's text and the markup carried into it.
    public static let smallestLimit = 64

    public var limit: Int
    public var measure: Measure
    public var markup: Markup
    /// The platform's last word on a part before it is sent: its mass-mention guard (`MattermostText` and friends).
    /// Applied to the text and again to every part, since a cut can leave `@here` where `@herewith` was; a part it
    /// makes too long is cut again, so the limit holds for what is actually sent.
    public var finishing: (@Sendable (String) -> String)?

    public init(limit: Int, measure: Measure, markup: Markup, finishing: (@Sendable (String) -> String)? = nil) {
        precondition(limit >= Self.smallestLimit, "a message limit below 64 leaves no room for markup")
        self.limit = limit
        self.measure = measure
        self.markup = markup
        self.finishing = finishing
    }

    public func size(_ text: some StringProtocol) -> Int {
        switch measure {
        case .utf16: text.utf16.count
        case .scalars: text.unicodeScalars.count
        case .utf8: text.utf8.count
        }
    }

    func size(_ scalar: Unicode.Scalar) -> Int {
        switch measure {
        case .utf16: UTF16.width(scalar)
        case .scalars: 1
        case .utf8: UTF8.width(scalar)
        }
    }

    func size(_ character: Character) -> Int {
        var total = 0
        for scalar in character.unicodeScalars { total += size(scalar) }
        return total
    }

    /// The widest one scalar can be in this measure: a fresh part always has room for at least this much.
    var widestScalar: Int {
        switch measure {
        case .utf16: 2
        case .scalars: 1
        case .utf8: 4
        }
    }

    /// `text` in parts, each finished and within the limit.
    public func split(_ text: String) -> [String] {
        guard let finishing else { return parts(text) }
        var done: [String] = []
        var queue = parts(finishing(text))[...]
        while let part = queue.popFirst() {
            let finished = finishing(part)
            if size(finished) <= limit {
                done.append(finished)
                continue
            }
            // Breaking a mention the cut made grew the part past the limit: cut it again, shorter by the growth.
            var shorter = MessageSplitter(limit: max(Self.smallestLimit, limit - (size(finished) - size(part))),
                measure: measure, markup: markup)
            if shorter.limit >= size(part) { shorter.limit = max(Self.smallestLimit, size(part) / 2) }
            var pieces = shorter.parts(part)
            if pieces.count < 2 { pieces = shorter.hardCut(part, room: max(1, size(part) / 2)) }
            queue = pieces[...] + queue
        }
        return done
    }

    /// `text` in parts within the limit, before finishing.
    func parts(_ text: String) -> [String] {
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
                var room = limit - size(carried) - size(current) - size(open.closing) - open.reserve
                if size(rest) <= room {
                    current += rest
                    open.scan(rest)
                    rest = rest[rest.endIndex...]
                } else if !current.isEmpty {
                    // Try the line on a fresh part before cutting it.
                    flush()
                } else {
                    if room < widestScalar {
                        // Markup carried over from the parts before leaves no room (hardly possible): give it up
                        // rather than the limit.
                        carried = ""
                        open = OpenMarkup(markup: markup)
                        room = limit - open.reserve
                    }
                    let cut = breakPoint(in: rest, room: room)
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
        // Closing tags opened inside a part may exceed the room kept for them: the limit wins over the markup.
        return parts.flatMap { size($0) > limit ? hardCut($0, room: limit) : [$0] }
    }

    /// `part` split so that each piece is at most half its size (but no smaller than `smallestLimit` allows), for a
    /// part the platform refused as too long although it is within the limit as counted here; nil when it is as small
    /// as parts get.
    public func finer(_ part: String) -> [String]? {
        let half = size(part) / 2
        guard half >= Self.smallestLimit else { return nil }
        var smaller = self
        smaller.limit = half
        let pieces = smaller.split(part)
        return pieces.count > 1 ? pieces : nil
    }

    /// Where to cut `text` so the head fits `room`: the last space that fits, else the last safe character, else
    /// (when not even one character fits) the last safe scalar. Always moves on by at least one scalar.
    func breakPoint(in text: Substring, room: Int) -> Substring.Index {
        var fits = text.startIndex
        var lastSpace: Substring.Index?
        var used = 0
        var state = TokenState(tracks: tracksTokens)
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let width = size(character)
            if used + width > room { break }
            used += width
            state.scan(character.unicodeScalars)
            index = text.index(after: index)
            if state.isSafe {
                fits = index
                if character == " " { lastSpace = index }
            }
        }
        if let lastSpace, lastSpace > text.startIndex { return lastSpace }
        if fits > text.startIndex { return fits }
        return scalarBreakPoint(in: text, room: room)
    }

    /// The cut inside a character too big for a part: between scalars, still never inside a tag or an entity.
    func scalarBreakPoint(in text: Substring, room: Int) -> Substring.Index {
        let scalars = text.unicodeScalars
        var fits = scalars.startIndex
        var used = 0
        var state = TokenState(tracks: tracksTokens)
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if used + size(scalar) > room { break }
            used += size(scalar)
            state.scan(CollectionOfOne(scalar))
            index = scalars.index(after: index)
            if state.isSafe { fits = index }
        }
        if fits > scalars.startIndex { return fits }
        // No safe place fits (a tag longer than a part): one scalar, so the loop always moves on.
        return index > scalars.startIndex ? index : scalars.index(after: scalars.startIndex)
    }

    /// A part cut into pieces of at most `room` by scalars alone: the last resort that keeps the limit.
    func hardCut(_ part: String, room: Int) -> [String] {
        var pieces: [String] = []
        var rest = Substring(part)
        while !rest.isEmpty {
            let cut = scalarBreakPoint(in: rest, room: room)
            pieces.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        return pieces
    }

    /// Inside `<…>` (an HTML tag, a Slack token) or `&…;` (an entity) no cut is safe.
    var tracksTokens: Bool { markup == .html || markup == .telegramHTML || markup == .slack }

    struct TokenState {
        let tracks: Bool
        var inTag = false
        var inEntity = false

        var isSafe: Bool { !inTag && !inEntity }

        mutating func scan(_ scalars: some Sequence<Unicode.Scalar>) {
            guard tracks else { return }
            for scalar in scalars {
                switch scalar {
                case "<": inTag = true
                case ">": inTag = false
                case "&": inEntity = true
                case ";", " ", "\n": inEntity = false
                default: break
                }
            }
        }
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
        switch markup.family {
        case .html: 16
        case .markdown: 4
        case .plain: 0
        }
    }

    var closing: String {
        switch markup.family {
        case .html: tags.reversed().map { "</\($0.name)>" }.joined()
        case .markdown: fenceOpen ? "\n```" : ""
        case .plain: ""
        }
    }

    var opening: String {
        switch markup.family {
        case .html: tags.map(\.opening).joined()
        case .markdown: fenceOpen ? "```\n" : ""
        case .plain: ""
        }
    }

    static let voidTags: Set<String> = ["br", "hr", "img"]

    mutating func scan(_ text: Substring) {
        switch markup.family {
        case .html:
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
        case .plain:
            break
        }
    }
}
