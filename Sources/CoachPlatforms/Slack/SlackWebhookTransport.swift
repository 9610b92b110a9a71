import CoachChat
import CoachCore
import Foundation

/// A Slack incoming webhook: posts to the one channel the webhook was made for. Send-only: it cannot read the
/// channel, reply in threads or send private messages.
public actor SlackWebhookTransport: ChatTransport {
    static let webhook = SecretSetting("webhookEnv", defaultVariable: "SLACK_WEBHOOK_URL", what: "incoming webhook URL (https://hooks.slack.com/services/…)")
    public static let entry = PlatformEntry(kind: "slack-webhook", secrets: [webhook]) { settings, context throws(PlatformSetupError) in
        try SlackWebhookTransport(settings: settings, context: context)
    }

    public nonisolated let name = "slack-webhook"
    public nonisolated let capabilities = TransportCapabilities(directMessages: false, threads: false, markup: .slack)

    let client: SlackWebhookClient
    static let splitter = MessageSplitter(limit: 4000, measure: .utf16, markup: .slack, finishing: SlackText.defusingMassMentions)
    let ledger = PartsLedger()

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        client = try Webhook.client(settings, context, Self.webhook)
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        // Slack webhooks have no idempotency key and return no message id.
        _ = try await ledger.deliver(Self.splitter.split(message.text), key: key, splitter: Self.splitter) { _, part throws(TransportError) in
            let response = try await client.post(body: SlackWebhookWire.Post(text: part), label: SlackWebhookClient.label)
            if let failure = client.failure(response, SlackWebhookClient.label) { throw failure }
            return nil
        }
        return nil
    }
}
