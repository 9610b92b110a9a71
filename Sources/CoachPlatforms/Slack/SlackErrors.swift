import CoachChat
import Foundation

/// What an `ok:false` code from the Web API (sent with HTTP 200) means for the runtime, with the fix for each.
struct SlackFailures: Sendable {
    let channel: String
    /// The name to type after `/invite @`: the bot user's name once known, else the config's bot name.
    let inviteName: String

    /// `direct` marks a private message, which a missing scope only drops.
    func failure(code: String, needed: String?, _ label: String, retryAfter: Duration?, direct: Bool) -> TransportError {
        switch code {
        case "ratelimited", "rate_limited":
            return .rateLimited(retryAfter: retryAfter ?? .seconds(60))
        case "missing_scope":
            let scope = needed ?? "the scope this call needs"
            // A private nudge is a courtesy: without im:write it is dropped with a log, not the whole bot stopped.
            if direct { return .rejected(reason: "\(label): the Slack app lacks the \(scope) scope, so it cannot send private messages; add \(scope) under OAuth & Permissions → Bot Token Scopes and reinstall the app") }
            return .unauthorized(reason: "\(label): the Slack app lacks the \(scope) scope; add it under OAuth & Permissions → Bot Token Scopes, reinstall the app to the workspace and export the new bot token")
        case let code where Self.badToken.contains(code):
            return .unauthorized(reason: "\(label): Slack refused the bot token (\(code)); export the app's current Bot User OAuth Token (xoxb-…) from OAuth & Permissions")
        case "not_in_channel":
            return .unauthorized(reason: "\(label): the bot is not a member of channel \(channel); invite it by typing /invite @\(inviteName) in that channel")
        case "channel_not_found":
            return .unauthorized(reason: "\(label): Slack finds no channel \(channel) the bot can see; put the channel ID (channel details → About, starts with C or G) in transport.settings.channel, and for a private channel invite the bot with /invite @\(inviteName)")
        case "is_archived":
            return .unauthorized(reason: "\(label): channel \(channel) is archived; unarchive it or set another channel in transport.settings.channel")
        case let code where code.hasPrefix("restricted_action"):
            return .unauthorized(reason: "\(label): a workspace or channel setting stops the bot posting here (\(code)); ask a Slack admin to allow it")
        case "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org":
            return .temporary(reason: "\(label): Slack had a temporary problem (\(code))")
        default:
            // msg_too_long, no_text, user_not_found, cannot_dm_bot, invalid_thread_ts and the like: this message only.
            return .rejected(reason: "\(label): Slack refused the call (\(code))")
        }
    }

    static let badToken: Set<String> = [
        "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission",
        "not_allowed_token_type", "ekm_access_denied", "org_login_required", "team_access_not_granted",
        "two_factor_setup_required", "access_denied", "enterprise_is_restricted",
    ]
}
