import CoachChat
import Foundation

/// Slack Web API answers, as far as the adapter reads them. Every field a message may lack is optional, so one odd
/// message (a tombstone, an app's attachment-only post) is skipped instead of making the whole page unreadable.
struct SlackAnswer: Decodable {
    var ok: Bool
    var error: String?
    /// With `missing_scope`: the scope the call needed, and the ones the token has.
    var needed: String?
    var provided: String?
}

struct SlackMessage: Decodable, Sendable {
    var type: String?
    var subtype: String?
    var ts: String?
    var user: String?
    var bot_id: String?
    var text: String?
    var thread_ts: String?
    var hidden: Bool?
}

struct SlackPage: Decodable {
    var ok: Bool
    var messages: [SlackMessage]?
    var has_more: Bool?
    var response_metadata: Metadata?

    struct Metadata: Decodable {
        var next_cursor: String?
    }

    /// The cursor for the next page, when Slack says there is one.
    var nextCursor: String? {
        guard has_more == true, let next = response_metadata?.next_cursor, !next.isEmpty else { return nil }
        return next
    }
}

struct SlackAuthTest: Decodable {
    var ok: Bool
    var user_id: String?
    var user: String?
    var bot_id: String?
    var team: String?
    var team_id: String?
}

struct SlackUserInfo: Decodable {
    var ok: Bool
    var user: User?

    struct User: Decodable {
        var id: String?
        var name: String?
        var real_name: String?
        var profile: Profile?
    }

    struct Profile: Decodable {
        var display_name: String?
        var real_name: String?
    }
}

struct SlackPosted: Decodable {
    var ok: Bool
    var ts: String?
    var channel: String?
}

struct SlackOpened: Decodable {
    var ok: Bool
    var channel: Channel?

    struct Channel: Decodable {
        var id: String?
    }
}

/// Slack's `ts` values ("1700000000.000100"). They identify a message within a channel and must be compared as
/// decimals, never as floats (a Double cannot hold all sixteen digits).
enum SlackTimestamp {
    /// Whether `a` is earlier than `b`. Anything that is not a decimal sorts first, so it never moves a cursor.
    static func less(_ a: String, _ b: String) -> Bool {
        guard isValid(b) else { return false }
        guard isValid(a) else { return true }
        let (aWhole, aFraction) = parts(a)
        let (bWhole, bFraction) = parts(b)
        if aWhole.count != bWhole.count { return aWhole.count < bWhole.count }
        if aWhole != bWhole { return aWhole < bWhole }
        let width = Swift.max(aFraction.count, bFraction.count)
        return aFraction.padding(toLength: width, withPad: "0", startingAt: 0)
            < bFraction.padding(toLength: width, withPad: "0", startingAt: 0)
    }

    static func max(_ a: String, _ b: String) -> String { less(a, b) ? b : a }

    /// The whole seconds without leading zeros, and the fraction's digits; ("", "") for anything else.
    static func parts(_ ts: String) -> (Substring, Substring) {
        guard isValid(ts) else { return ("", "") }
        let pieces = ts.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = pieces[0].drop { $0 == "0" }
        return (whole, pieces.count > 1 ? pieces[1] : "")
    }

    static func isValid(_ ts: String) -> Bool {
        let pieces = ts.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        return !ts.isEmpty && pieces.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isNumber } } && !(pieces.first?.isEmpty ?? true)
    }
}

/// Where a poll stands in one Slack stream (the channel, or one watched thread).
struct SlackStream: Codable, Equatable, Sendable {
    /// Everything at or before this `ts` was returned already.
    var ts: String
    /// While catching up on a backlog larger than one poll reads: read only messages before this `ts` until the
    /// oldest part is done (Slack pages newest first, so the oldest messages are the last ones reached).
    var below: String?
}

/// The adapter's cursor: the channel's stream plus one stream per watched thread, as JSON.
struct SlackCursor: Codable, Equatable, Sendable {
    var channel: SlackStream
    var threads: [String: SlackStream] = [:]

    func encoded() -> String {
        let data = (try? JSONEncoder.platform.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The cursor from its text; a bare `ts` (written by hand, or by an earlier build) is read as the channel's.
    static func decode(_ text: String) -> SlackCursor? {
        if let cursor = try? JSONDecoder().decode(SlackCursor.self, from: Data(text.utf8)) { return cursor }
        if SlackTimestamp.isValid(text) { return SlackCursor(channel: SlackStream(ts: text)) }
        return nil
    }
}

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
