import CoachChat
import Foundation

/// A Slack incoming webhook: JSON posts to a secret URL, answered `ok` or with a plain-text code and a status.
struct SlackWebhookClient: WebhookClient {
    static let label = "slack-webhook post"

    let web: any WebClient
    /// The webhook URL: a secret, never in a label, an error or a log line.
    let root: URL
    let timeout: Duration
    let variable: String
    let redactor: Redactor

    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        if response.isSuccess { return nil }
        let code = response.bodyExcerpt.prefix(80)
        switch response.status {
        case 403:
            return .unauthorized(reason: "\(label): HTTP 403 \(code): the webhook may not post (a workspace admin restricted it, or it was revoked); create a new incoming webhook for the channel and export its URL in \(variable)")
        case 404:
            return .unauthorized(reason: "\(label): HTTP 404 \(code): the webhook or its channel no longer exists; create a new incoming webhook and export its URL in \(variable)")
        case 410:
            return .unauthorized(reason: "\(label): HTTP 410 \(code): the webhook's channel is archived; unarchive it, or create a webhook for another channel and export its URL in \(variable)")
        case 400 where code.contains("too_long"):
            return .tooLong(reason: "\(label): HTTP 400 \(code)")
        default:
            // 400 invalid_payload / no_text refuse this message; 429 waits `Retry-After`; 500 rollup_error is temporary.
            return response.failure(label, detail: String(code))
        }
    }
}
