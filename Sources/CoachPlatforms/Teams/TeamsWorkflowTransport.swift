import CoachChat
import CoachCore
import Foundation

/// A Microsoft Teams channel through a Workflows webhook ("Post to a channel when a webhook request is received"),
/// which replaced the retired Office 365 connectors. Send-only: the bot posts Adaptive Cards and reads nothing.
public actor TeamsWorkflowTransport: ChatTransport {
    static let webhook = SecretSetting("webhookEnv", defaultVariable: "TEAMS_WEBHOOK_URL", what: "Workflows webhook URL")
    public static let entry = PlatformEntry(kind: "teams-workflow", secrets: [webhook]) { settings, context throws(PlatformSetupError) in
        try TeamsWorkflowTransport(settings: settings, context: context)
    }

    public nonisolated let name = "teams-workflow"
    /// Adaptive Card TextBlocks read a Markdown subset (bold, italic, lists, links).
    public nonisolated let capabilities = TransportCapabilities(directMessages: false, threads: false, markup: .markdown)

    /// Teams takes at most 28 KB per webhook post, envelope included.
    static let maxBody = 28_000

    /// How a part Teams refuses as too large (HTTP 413) is split finer: by bytes, in halves.
    static let partSplitter = MessageSplitter(limit: maxBody, measure: .utf8, markup: .markdown)

    let client: TeamsWorkflowClient
    let ledger = PartsLedger()

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        client = try Webhook.client(settings, context, Self.webhook)
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = Webhook.fit(message.text, markup: .markdown, maxBody: Self.maxBody, body: TeamsWorkflowWire.body)
        // Workflows answer 202 with no message id, and take no idempotency key.
        _ = try await ledger.deliver(parts, key: key, splitter: Self.partSplitter) { _, part throws(TransportError) in
            let response = try await client.post(body: TeamsWorkflowWire.payload(part), label: TeamsWorkflowClient.label)
            if let failure = client.failure(response, TeamsWorkflowClient.label) { throw failure }
            return nil
        }
        return nil
    }
}
