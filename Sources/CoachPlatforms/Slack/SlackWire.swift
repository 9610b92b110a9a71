import Foundation

/// Slack Web API answers, as far as the adapter reads them. Every field a message may lack is optional, so one odd
/// message (a tombstone, an app's attachment-only post) is skipped instead of making the whole page unreadable.
enum SlackWire {
    struct Answer: Decodable {
        var ok: Bool
        var error: String?
        /// With `missing_scope`: the scope the call needed, and the ones the token has.
        var needed: String?
        var provided: String?
    }

    struct Message: Decodable, Sendable {
        var type: String?
        var subtype: String?
        var ts: String?
        var user: String?
        var bot_id: String?
        var text: String?
        var thread_ts: String?
        var hidden: Bool?
    }

    struct Page: Decodable {
        var ok: Bool
        var messages: [Message]?
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

    /// `conversations.members`: one page of the channel's member ids.
    struct Members: Decodable {
        var ok: Bool
        var members: [String]?
        var response_metadata: Page.Metadata?
    }

    struct AuthTest: Decodable {
        var ok: Bool
        var user_id: String?
        var user: String?
        var bot_id: String?
        var team: String?
        var team_id: String?
    }

    struct UserInfo: Decodable {
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

    struct Posted: Decodable {
        var ok: Bool
        var ts: String?
        var channel: String?
    }

    struct Opened: Decodable {
        var ok: Bool
        var channel: Channel?

        struct Channel: Decodable {
            var id: String?
        }
    }

    struct PostMessage: Encodable {
        var channel: String
        var text: String
        var thread_ts: String?
    }

    struct Open: Encodable {
        var users: String
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
struct SlackCursor: JSONCursor, Equatable, Sendable {
    var channel: SlackStream
    var threads: [String: SlackStream] = [:]

    /// A bare `ts` (written by hand, or by an earlier build) is the channel's.
    static func legacy(_ text: String) -> SlackCursor? {
        SlackTimestamp.isValid(text) ? SlackCursor(channel: SlackStream(ts: text)) : nil
    }
}


extension SlackWire {
    /// `files.getUploadURLExternal`: where to send the bytes, and the file's id for completing the upload.
    struct UploadURL: Decodable {
        var ok: Bool
        var upload_url: String?
        var file_id: String?
    }

    /// `files.completeUploadExternal`: the uploaded file shared in one conversation, with the message above it.
    struct CompleteUpload: Encodable, Sendable {
        var files: [File]
        var channel_id: String
        var initial_comment: String?
        var thread_ts: String?

        struct File: Encodable, Sendable {
            var id: String
            var title: String
        }
    }

    struct Completed: Decodable {
        var ok: Bool
        var files: [Shared]?

        struct Shared: Decodable {
            var id: String?
        }
    }
}
