import CoachChat
import Foundation

/// The Slack Web API: GETs for reads, JSON POSTs for writes, a bot token, and Slack's reading of failures (HTTP
/// statuses first, then the `ok:false` code it sends with HTTP 200).
struct SlackClient: PlatformClient {
    let web: any WebClient
    let root: URL
    let timeout: Duration
    let redactor: Redactor
    let token: String
    /// Where the token came from, for the fix in a message; never the token.
    let tokenVariable: String
    let channel: String
    /// The name to type after `/invite @`: the bot user's name once the transport knows it, else the config's.
    var inviteName: String

    func headers() -> [String: String] { ["Authorization": "Bearer \(token)"] }

    /// An `ok:false` answer: Slack's code, the scope a `missing_scope` needed, and any `Retry-After`.
    struct Refusal: Error {
        var code: String
        var needed: String?
        var retryAfter: Duration?
    }

    /// A Web API answer for a caller that acts on particular refusals: the decoded body, or Slack's `ok:false`.
    enum Answer<T> {
        case ok(T)
        case refused(Refusal)
    }

    // MARK: - Reading answers

    /// HTTP failures, then `ok:false`.
    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        if let failure = response.failure(label) { return failure }
        return refusal(response).map { failure($0, label, for: purpose) }
    }

    /// Slack's `ok:false` code, if the answer is one. A body that is not Slack's JSON is left to `decode`.
    func refusal(_ response: WebResponse) -> Refusal? {
        guard let answer = try? JSONDecoder().decode(SlackWire.Answer.self, from: response.body), !answer.ok else { return nil }
        // Slack answers `ok:false` with HTTP 200, so the body was not masked on the way in: its words are quoted.
        return Refusal(code: response.quoting(answer.error ?? "unknown_error"), needed: answer.needed.map(response.quoting),
            retryAfter: response.retryAfterHeader())
    }

    /// Slack's `answer`: the decoded body, or its refusal for the caller to act on. HTTP failures are thrown.
    func answer<T: Decodable>(_ response: WebResponse, as type: T.Type, label: String) throws(TransportError) -> Answer<T> {
        if let failure = response.failure(label) { throw failure }
        _ = try decode(response, as: SlackWire.Answer.self, label: label)
        if let refusal = refusal(response) { return .refused(refusal) }
        return .ok(try decode(response, as: type, label: label))
    }

    func answer<T: Decodable>(get method: String, query: [(String, String)], as type: T.Type) async throws(TransportError) -> Answer<T> {
        let label = "slack \(method)"
        return try answer(try await get(method, query: query, label: label), as: type, label: label)
    }

    /// Whether `user` is in the bot's channel, from `conversations.members` (the channels:read scope, groups:read for
    /// a private channel): Slack has no question about one user, so the member list is read until they turn up.
    func isInChannel(_ user: String) async throws(TransportError) -> Bool {
        let label = "slack conversations.members"
        var cursor = ""
        repeat {
            let query = [("channel", channel), ("limit", "1000")] + (cursor.isEmpty ? [] : [("cursor", cursor)])
            switch try await answer(get: "conversations.members", query: query, as: SlackWire.Members.self) {
            case .ok(let page):
                if page.members?.contains(user) == true { return true }
                cursor = page.response_metadata?.next_cursor ?? ""
            case .refused(let refusal):
                throw failure(refusal, label, for: .lookup)
            }
        } while !cursor.isEmpty
        return false
    }

    /// What an `ok:false` code means for the runtime, with the fix for each. A missing scope on a private message
    /// (`.direct`) only drops that message.
    func failure(_ refusal: Refusal, _ label: String, for purpose: CallPurpose) -> TransportError {
        switch refusal.code {
        case "ratelimited", "rate_limited":
            return .rateLimited(retryAfter: refusal.retryAfter ?? .seconds(60))
        case "missing_scope":
            let scope = refusal.needed ?? "the scope this call needs"
            // A private nudge is a courtesy: without im:write it is dropped with a log, not the whole bot stopped.
            if purpose == .direct { return .rejected(reason: "\(label): the Slack app lacks the \(scope) scope, so it cannot send private messages; add \(scope) under OAuth & Permissions → Bot Token Scopes and reinstall the app") }
            return .unauthorized(reason: "\(label): the Slack app lacks the \(scope) scope; add it under OAuth & Permissions → Bot Token Scopes, reinstall the app to the workspace and export the new bot token")
        case let code where Self.badToken.contains(code):
            return .unauthorized(reason: "\(label): Slack refused the bot token (\(code)); export the app's current Bot User OAuth Token (xoxb-…, from OAuth & Permissions) in \(tokenVariable)")
        case "not_in_channel":
            return .unauthorized(reason: "\(label): the bot is not a member of channel \(channel); invite it by typing /invite @\(inviteName) in that channel")
        case "channel_not_found":
            return .unauthorized(reason: "\(label): Slack finds no channel \(channel) the bot can see; put the channel ID (channel details → About, starts with C or G) in transport.settings.channel, and for a private channel invite the bot with /invite @\(inviteName)")
        case "is_archived":
            return .unauthorized(reason: "\(label): channel \(channel) is archived; unarchive it or set another channel in transport.settings.channel")
        case let code where code.hasPrefix("restricted_action"):
            return .unauthorized(reason: "\(label): a workspace or channel setting stops the bot posting here (\(code)); ask a Slack admin to allow it")
        case "msg_too_long", "msg_blocks_too_long":
            return .tooLong(reason: "\(label): Slack refused the message as too long (\(refusal.code))")
        case "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org":
            return .temporary(reason: "\(label): Slack had a temporary problem (\(refusal.code))")
        default:
            // no_text, user_not_found, cannot_dm_bot, invalid_thread_ts and the like: this message only.
            return .rejected(reason: "\(label): Slack refused the call (\(refusal.code))")
        }
    }

    static let badToken: Set<String> = [
        "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission",
        "not_allowed_token_type", "ekm_access_denied", "org_login_required", "team_access_not_granted",
        "two_factor_setup_required", "access_denied", "enterprise_is_restricted",
    ]
}
