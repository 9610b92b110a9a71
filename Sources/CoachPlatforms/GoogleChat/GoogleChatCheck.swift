import CoachChat
import Foundation

extension GoogleChatTransport {
    /// An empty message: a live webhook refuses it with 400 INVALID_ARGUMENT, so nothing shows in the space.
    public func check() async -> [CheckFinding] {
        let variable = client.variable
        return await Webhook.check(client, body: GoogleChatWire.Empty(), label: "google-chat check", variable: variable) { response in
            switch response.status {
            case 400:
                return .ok("webhook", "the webhook URL in \(variable) is live (it refused an empty test message; nothing was posted)")
            case 200..<300:
                return .warning("webhook", "the webhook accepted an empty test message (HTTP \(response.status)); it is live, though Google Chat usually refuses empty messages")
            case 429:
                return .warning("webhook", "the space is rate limited right now (HTTP 429); try coach check again in a minute")
            case 500...599:
                return .warning("webhook", "Google Chat had a temporary problem (HTTP \(response.status)); try coach check again later")
            default:
                guard let failure = client.failure(response, GoogleChatClient.label) else { return .problem("webhook", "HTTP \(response.status)") }
                return .problem("webhook", failure)
            }
        }
    }
}
