import CoachChat
import CoachCore
import Foundation

/// A Google Chat space through an incoming webhook. Send-only: the bot posts text messages and reads nothing.
///
/// Each post carries `requestId` (the outbox key), so a retry after a lost answer returns the message already
/// created instead of posting it again.
public actor GoogleChatTransport: ChatTransport {
    static let webhook = SecretSetting("webhookEnv", defaultVariable: "GOOGLE_CHAT_WEBHOOK_URL", what: "incoming webhook URL (https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…)")
    public static let entry = PlatformEntry(kind: "google-chat", secrets: [webhook]) { settings, context throws(PlatformSetupError) in
        try GoogleChatTransport(settings: settings, context: context)
    }

    public nonisolated let name = "google-chat"
    /// Plain text: Google Chat's text markup has no escape for `<`, and the bot's texts need no formatting.
    public nonisolated let capabilities = TransportCapabilities(directMessages: false, threads: false, markup: .plain)

    /// Google Chat takes messages up to 32,000 bytes.
    static let maxBody = 32_000

    /// How a part Google refuses as too large (HTTP 413) is split finer: by bytes, in halves, mentions still broken.
    static let partSplitter = MessageSplitter(limit: maxBody, measure: .utf8, markup: .plain, finishing: defuse)

    let client: GoogleChatClient
    let ledger = PartsLedger()

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        client = try Webhook.client(settings, context, Self.webhook)
    }

    /// `<users/…>` is Google Chat's mention syntax (`<users/all>` pings the whole space). The bot never mentions
    /// anyone, so any such token in configured or catalogue text is broken with an invisible joiner.
    static func defuse(_ text: String) -> String {
        text.replacingOccurrences(of: "<users/", with: "<\u{2060}users/")
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = Webhook.fit(Self.defuse(message.text), markup: .plain, maxBody: Self.maxBody, body: GoogleChatWire.body)
        return try await ledger.deliver(parts, key: key, splitter: Self.partSplitter) { index, part throws(TransportError) in
            // Each part has its own request id, stable across retries, so every part shows exactly once.
            let requestID = PartsLedger.partKey(key, index)
            let response = try await client.post(query: [("requestId", requestID)], body: GoogleChatWire.Post(text: part),
                label: GoogleChatClient.label)
            if let failure = client.failure(response, GoogleChatClient.label) { throw failure }
            // The post is made; an odd answer only costs the message's name.
            return (try? JSONDecoder().decode(GoogleChatWire.Created.self, from: response.body))?.name
        }
    }
}
