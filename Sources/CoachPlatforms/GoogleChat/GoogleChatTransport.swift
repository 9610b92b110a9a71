import CoachChat
import CoachCore
import Foundation
import Logging

/// A Google Chat space through an incoming webhook. Send-only: the bot posts text messages and reads nothing.
///
/// Each post carries `requestId` (the outbox key), so a retry after a lost answer returns the message already
/// created instead of posting it again.
public struct GoogleChatTransport: PlatformTransport {
    public static let entry = PlatformEntry(kind: "google-chat", twoWay: false) { settings, context throws(PlatformSetupError) in
        try GoogleChatTransport(settings: settings, context: context)
    }

    public let name = "google-chat"
    /// Plain text: Google Chat's text markup has no escape for `<`, and the bot's texts need no formatting.
    public let capabilities = TransportCapabilities(directMessages: false, threads: false, markup: .plain)
    public let pacing = PollPacing.sendOnly

    /// Google Chat takes messages up to 32,000 bytes.
    static let maxBody = 32_000
    static let label = "google-chat post"

    let web: any WebClient
    let url: URL
    let variable: String
    let requestTimeout: Duration
    let ledger = PartsLedger()

    init(settings: PlatformSettings, context: PlatformContext, requestTimeout: Duration = .seconds(30)) throws(PlatformSetupError) {
        try settings.validateKeys(["webhookEnv"])
        (url, variable) = try Webhook.url(settings, defaultVariable: "GOOGLE_CHAT_WEBHOOK_URL",
            what: "incoming webhook URL (https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…)")
        web = context.web
        self.requestTimeout = requestTimeout
    }

    struct Created: Decodable {
        var name: String?
    }

    struct Failure: Decodable {
        var error: Detail?

        struct Detail: Decodable {
            var code: Int?
            var message: String?
            var status: String?
        }
    }

    /// `<users/…>` is Google Chat's mention syntax (`<users/all>` pings the whole space). The bot never mentions
    /// anyone, so any such token in configured or catalogue text is broken with an invisible joiner.
    static func defuse(_ text: String) -> String {
        text.replacingOccurrences(of: "<users/", with: "<\u{2060}users/")
    }

    static func body(_ text: String) -> Data? {
        try? JSONEncoder.platform.encode(["text": text])
    }

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        Webhook.emptyPoll(request)
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = Webhook.fit(Self.defuse(message.text), markup: .plain, maxBody: Self.maxBody, body: Self.body)
        return try await ledger.deliver(parts, key: key) { index, part throws(TransportError) in
            // Each part has its own request id, stable across retries, so every part shows exactly once.
            let requestID = index == 0 ? key : "\(key)-\(index + 1)"
            let response = try await web.send(.json(url: url.adding(query: [("requestId", requestID)]), body: ["text": part],
                timeout: requestTimeout, label: Self.label))
            if let failure = failure(response) { throw failure }
            // The post is made; an odd answer only costs the message's name.
            return (try? JSONDecoder().decode(Created.self, from: response.body))?.name
        }
    }

    func failure(_ response: WebResponse) -> TransportError? {
        if response.isSuccess { return nil }
        let detail = (try? JSONDecoder().decode(Failure.self, from: response.body))?.error
        let why = [detail?.status, detail?.message].compactMap { $0 }.joined(separator: ": ")
        let reason = why.isEmpty ? String(response.bodyExcerpt.prefix(160)) : why
        switch response.status {
        case 429:
            // Google asks for exponential backoff; the runtime's backoff does that when no wait is given.
            if let wait = response.retryAfterHeader() { return .rateLimited(retryAfter: wait) }
            return .temporary(reason: "\(Self.label): HTTP 429 \(reason); backing off (the space's writes are limited to 60 a minute)")
        case 401, 403:
            return .unauthorized(reason: "\(Self.label): HTTP \(response.status) \(reason): Google Chat refused the webhook; it was deleted, or the URL in \(variable) lost its key= or token= parameter. Create a webhook in the space (Apps & integrations → Manage webhooks) and export its whole URL")
        case 404:
            return .unauthorized(reason: "\(Self.label): HTTP 404 \(reason): the space or its webhook no longer exists; create a new webhook in the space and export its URL in \(variable)")
        default:
            return response.failure(Self.label, detail: reason)
        }
    }

    public func check() async -> [CheckFinding] {
        // An empty message: a live webhook refuses it with 400 INVALID_ARGUMENT, so nothing shows in the space.
        await Webhook.check(web, url: url, body: [String: String](), timeout: requestTimeout, label: "google-chat check",
            unreachable: "could not reach the webhook URL in \(variable)") { response in
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
                return .problem("webhook", failure(response)?.description ?? "HTTP \(response.status)")
            }
        }
    }
}
