import Foundation

/// A cursor kept as JSON: the runtime stores cursors as opaque strings, and a platform whose position has several
/// parts (a channel, threads, private conversations, an event queue) writes them as one small JSON object.
///
/// Reading is forgiving by design: a cursor this version cannot read is nil, which the adapter treats as a first
/// start (or, for `legacy`, a form an earlier build wrote).
protocol JSONCursor: Codable {
    /// A non-JSON form an earlier build wrote, read when the text is not JSON (Slack's bare `ts`); nil by default.
    static func legacy(_ text: String) -> Self?
}

extension JSONCursor {
    static func legacy(_ text: String) -> Self? { nil }

    init?(_ text: String?) {
        guard let text else { return nil }
        if let cursor = try? JSONDecoder().decode(Self.self, from: Data(text.utf8)) {
            self = cursor
        } else if let cursor = Self.legacy(text) {
            self = cursor
        } else {
            return nil
        }
    }

    /// Compact JSON, keys sorted, so the same position is always the same text.
    var encoded: String {
        (try? JSONEncoder.platform.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
