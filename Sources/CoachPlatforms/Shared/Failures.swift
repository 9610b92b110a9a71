import CoachChat
import Foundation

/// The shared reading of HTTP failures. Each adapter first reads its platform's own signals (Slack's `ok:false`,
/// Telegram's `parameters.retry_after`, Matrix's `retry_after_ms`, Zulip's `retry-after` field), then falls back to
/// this for everything the platforms have in common.
extension WebResponse {
    /// `Retry-After` as a wait: delta-seconds (fractions allowed, as Discord sends) or an HTTP date.
    public func retryAfterHeader(now: Date? = nil) -> Duration? {
        guard let value = header("Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value) { return .platformWait(seconds: seconds) }
        if let now, let date = Self.httpDate.date(from: value) { return .platformWait(seconds: max(0, date.timeIntervalSince(now))) }
        return nil
    }

    static let httpDate: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter
    }()

    /// The common mapping of a non-2xx status, or nil for success.
    ///
    /// - 429 waits `retryAfter` (the platform's signal) or a minute when the platform gave none.
    /// - 5xx and 408 are temporary: back off with jitter.
    /// - 401 is a bad token; 403 a missing permission or scope. Both need a person.
    /// - 413 refuses the request as too large: the message is split finer and sent again.
    /// - Any other 4xx refuses this one message for good.
    public func failure(_ label: String, retryAfter: Duration? = nil, detail: String? = nil) -> TransportError? {
        if isSuccess { return nil }
        let why = detail ?? bodyExcerpt
        switch status {
        case 429:
            return .rateLimited(retryAfter: retryAfter ?? retryAfterHeader() ?? .seconds(60))
        case 408, 500...599:
            return .temporary(reason: "\(label): HTTP \(status) \(why)")
        case 401:
            return .unauthorized(reason: "\(label): HTTP 401, the token was refused (\(why))")
        case 403:
            return .unauthorized(reason: "\(label): HTTP 403, the bot lacks a permission or scope (\(why))")
        case 413:
            return .tooLong(reason: "\(label): HTTP 413 \(why)")
        default:
            return .rejected(reason: "\(label): HTTP \(status) \(why)")
        }
    }

    /// The body decoded as `T`; a body that is not the JSON the platform documents is a temporary fault (a proxy's
    /// error page, a truncated answer), so the call is retried and the cursor does not move.
    public func decode<T: Decodable>(_ type: T.Type, _ label: String) throws(TransportError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw .temporary(reason: "\(label): malformed answer (HTTP \(status)): \(Self.decodingProblem(error)); body starts \"\(bodyExcerpt.prefix(80))\"")
        }
    }

    static func decodingProblem(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted?: "not valid JSON"
        default: "unreadable"
        }
    }
}

extension Duration {
    /// The longest wait a platform's rate-limit signal is taken at.
    static let longestPlatformWait: Double = 86_400

    /// A platform's wait in seconds (fractions allowed: Discord, Zulip and Telegram send them) as a duration, rounded
    /// up to the millisecond so it is never shorter than asked; nil when it is no wait at all (negative, not a
    /// number), so the caller falls back to its next signal. The value comes off the network: capping it at a day
    /// keeps a wild one from overflowing the conversion (which traps) or parking the bot for ever.
    public static func platformWait(seconds: Double) -> Duration? {
        guard seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64((min(seconds, longestPlatformWait) * 1000).rounded(.up)))
    }
}
