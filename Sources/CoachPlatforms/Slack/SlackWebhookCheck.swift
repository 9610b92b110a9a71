import CoachChat
import Foundation

extension SlackWebhookTransport {
    /// A post with no text: a live webhook refuses it with 400 (no_text / invalid_payload), so nothing shows.
    public func check() async -> [CheckFinding] {
        let variable = client.variable
        return await Webhook.check(client, body: SlackWebhookWire.Empty(), label: "slack-webhook check", variable: variable) { response in
            let code = response.bodyExcerpt.prefix(80)
            switch response.status {
            case 400:
                return .ok("webhook", "the webhook URL in \(variable) is live (it refused an empty test post with \"\(code)\"; nothing was posted)")
            case 200..<300:
                return .warning("webhook", "the webhook accepted an empty test post (HTTP \(response.status)); it is live, though Slack usually refuses empty posts")
            case 429:
                return .warning("webhook", "the webhook is rate limited right now (HTTP 429); try coach check again in a minute")
            case 500...599:
                return .warning("webhook", "Slack had a temporary problem (HTTP \(response.status) \(code)); try coach check again later")
            default:
                guard let failure = client.failure(response, SlackWebhookClient.label) else { return .problem("webhook", "HTTP \(response.status) \(code)") }
                return .problem("webhook", failure)
            }
        }
    }
}
