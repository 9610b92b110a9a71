import CoachChat
import Foundation

/// Mattermost's API v4 on the team's own server: a bot access token, JSON both ways, and Mattermost's reading of
/// failures (its `{id, message}` body, a plain-text 429 with the wait in a header).
struct MattermostClient: PlatformClient {
    let web: any WebClient
    /// The server's address, for messages; calls go to `root`, its `/api/v4`.
    let server: URL
    let root: URL
    let timeout: Duration
    let redactor: Redactor
    let token: String
    let tokenVariable: String
    let channel: String

    func headers() -> [String: String] {
        ["Authorization": "Bearer \(token)", "Accept": "application/json"]
    }

    /// Mattermost's reading of a failed call, then the shared one. A 429's body is plain text; the wait is in
    /// `Retry-After` (or `X-Ratelimit-Reset`), seconds from now. A 404 on the bot's own channel is a setup mistake,
    /// not a message to drop, so it stops the bot with the fix; in a private conversation any refusal drops only
    /// that message.
    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        guard !response.isSuccess else { return nil }
        let detail = Self.detail(response)
        switch (response.status, purpose) {
        case (429, _):
            let reset = response.header("X-Ratelimit-Reset").flatMap(Double.init).flatMap { Duration.platformWait(seconds: $0) }
            return .rateLimited(retryAfter: response.retryAfterHeader() ?? reset ?? .seconds(60))
        case (400, _) where Self.isTooLong(response), (413, _):
            return .tooLong(reason: "\(label): HTTP \(response.status) \(detail)")
        case (401, _):
            return .unauthorized(reason: "\(label): HTTP 401, the token in \(tokenVariable) was refused (\(detail)); create a bot account (System Console > Integrations > Bot Accounts) or a personal access token, and export it as \(tokenVariable)")
        case (408, .direct):
            return response.failure(label, detail: detail)
        case (400..<500, .direct):
            return .rejected(reason: "\(label): Mattermost refused the private conversation with this user (HTTP \(response.status) \(detail))")
        case (403, _):
            return .unauthorized(reason: "\(label): HTTP 403, \(Self.forbidden(purpose, channel: channel)) (\(detail))")
        case (404, .channel):
            return .unauthorized(reason: "\(label): HTTP 404, no channel \(channel) is visible to the bot: check transport.settings.channel and add the bot to the channel (\(detail))")
        default:
            return response.failure(label, detail: detail)
        }
    }

    /// Whether `user` is a member of the bot's channel: Mattermost answers 404 for anyone who is not.
    func isInChannel(_ user: String) async throws(TransportError) -> Bool {
        let label = "mattermost channel member"
        let response = try await get("channels", channel, "members", user, label: label)
        if response.status == 404 { return false }
        if let failure = failure(response, label, for: .lookup) { throw failure }
        return true
    }

    /// What a 403 means, by what the call was for.
    static func forbidden(_ purpose: CallPurpose, channel: String) -> String {
        switch purpose {
        case .account: "the token may not read its own account"
        case .channel: "the bot cannot read channel \(channel): add the bot to the channel (/invite @<bot> in it)"
        case .posting: "the bot may not post in channel \(channel): add the bot to the channel (/invite @<bot> in it)"
        case .direct: "the bot may not post privately to this user"
        case .lookup: "the bot may not look up users"
        }
    }

    /// Mattermost's refusal of a post over its rune limit (`Post.IsValid`): `message_length` since 7.x, `msg` before.
    static let tooLongIDs: Set<String> = ["model.post.is_valid.message_length.app_error", "model.post.is_valid.msg.app_error"]

    static func isTooLong(_ response: WebResponse) -> Bool {
        guard let failure = try? JSONDecoder().decode(MattermostWire.Failure.self, from: response.body), let id = failure.id
        else { return false }
        return tooLongIDs.contains(id)
    }

    /// The `message` of Mattermost's JSON error, or the start of the body.
    static func detail(_ response: WebResponse) -> String {
        if let failure = try? JSONDecoder().decode(MattermostWire.Failure.self, from: response.body), let message = failure.message {
            return failure.id.map { "\(message) [\($0)]" } ?? message
        }
        return response.bodyExcerpt
    }
}
