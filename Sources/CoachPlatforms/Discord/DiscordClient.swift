import CoachChat
import Foundation

/// Discord's REST v10 API: a bot token, JSON both ways, and Discord's reading of failures (its `{code, message}`
/// body, a 429's exact `retry_after`).
struct DiscordClient: PlatformClient {
    static let userAgent = "DiscordBot (https://github.com/servicecoach, 1.0)"

    let web: any WebClient
    let root: URL
    let timeout: Duration
    let redactor: Redactor
    let token: String
    let tokenVariable: String
    let channel: String

    func headers() -> [String: String] {
        ["Authorization": "Bot \(token)", "User-Agent": Self.userAgent, "Accept": "application/json"]
    }

    func url(_ path: [String], query: [(String, String)]) -> URL {
        var url = root
        // `@me` is a literal path segment; percent-encoding its `@` is harmless, but keep it readable in logs.
        for segment in path { url = segment == "@me" ? url.appendingPathComponent("@me") : url.appending(segments: segment) }
        return url.adding(query: query)
    }

    /// Whether `user` is a member of the server `guild`: Discord answers 404 (Unknown Member) for anyone who is not.
    func isMember(_ user: String, ofServer guild: String) async throws(TransportError) -> Bool {
        let label = "discord server member"
        let response = try await get("guilds", guild, "members", user, label: label)
        if response.status == 404 { return false }
        if let failure = failure(response, label, for: .lookup) { throw failure }
        return true
    }

    /// Discord's reading of a failed call, then the shared one. A 429 waits the body's `retry_after` exactly
    /// (fractional seconds), falling back to the `Retry-After` header. A refusal on the configured channel (or the
    /// bot's own account) needs a person; in a private conversation it drops the one message.
    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        guard !response.isSuccess else { return nil }
        let body = try? JSONDecoder().decode(DiscordWire.Failure.self, from: response.body)
        let detail = body.map { "\($0.message ?? "") (code \($0.code ?? 0))" } ?? response.bodyExcerpt
        switch (response.status, purpose) {
        case (429, _):
            let wait = body?.retryAfter.flatMap { Duration.platformWait(seconds: $0) }
            return .rateLimited(retryAfter: wait ?? response.retryAfterHeader() ?? .seconds(60))
        case (400, _) where Self.isContentTooLong(response), (413, _):
            return .tooLong(reason: "\(label): HTTP \(response.status) \(detail)")
        case (401, _):
            return .unauthorized(reason: "\(label): HTTP 401, the token in \(tokenVariable) was refused (\(detail)); copy the bot token (Developer Portal > your application > Bot > Reset Token) and export it as \(tokenVariable)")
        case (403, .direct), (400, .direct), (404, .direct):
            if body?.code == DiscordWire.Code.cannotMessageUser {
                return .rejected(reason: "\(label): Discord will not deliver private messages to this user (they share no server with the bot or block direct messages) (\(detail))")
            }
            return .rejected(reason: "\(label): HTTP \(response.status) \(detail)")
        case (403, .posting):
            return .unauthorized(reason: "\(label): HTTP 403, the bot lacks Send Messages (or Send Messages in Threads) in channel \(channel) (\(detail))")
        case (403, .channel), (403, .account):
            return .unauthorized(reason: "\(label): HTTP 403, the bot lacks View Channel / Read Message History in channel \(channel) (\(detail))")
        case (404, .channel), (404, .account), (404, .posting):
            return .unauthorized(reason: "\(label): HTTP 404, no channel \(channel) is visible to the bot: check transport.settings.channel and that the bot was invited to the server (\(detail))")
        default:
            return response.failure(label, detail: detail)
        }
    }

    /// Discord's refusal of `content` over 2,000: code 50035 (Invalid Form Body) with
    /// `errors.content._errors[].code` `BASE_TYPE_MAX_LENGTH`. The same code on another field (a nonce, an embed) is
    /// no reason to split the text.
    static func isContentTooLong(_ response: WebResponse) -> Bool {
        guard let body = try? JSONDecoder().decode(JSONValue.self, from: response.body) else { return false }
        return (body["errors"]?["content"]?["_errors"]?.elements ?? []).contains { $0["code"]?.string == "BASE_TYPE_MAX_LENGTH" }
    }
}
