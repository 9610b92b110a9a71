import CoachChat
import CoachCore
import Foundation
import Logging

/// A Slack incoming webhook: posts to the one channel the webhook was made for. Send-only: it cannot read the
/// channel, reply in threads or send private messages.
public struct SlackWebhookTransport: PlatformTransport {
    public static let entry = PlatformEntry(kind: "slack-webhook", twoWay: false) { settings, context throws(PlatformSetupError) in
        try SlackWebhookTransport(settings: settings, context: context)
    }

    public let name = "slack-webhook"
    public let capabilities = TransportCapabilities(directMessages: false, threads: false, markup: .slack)
    public let pacing = PollPacing.sendOnly

    let web: any WebClient
    let url: URL
    let variable: String
    let requestTimeout: Duration
    let splitter = MessageSplitter(limit: 4000, measure: .characters, markup: .slack)
    let ledger = PartsLedger()
    static let label = "slack-webhook post"

    init(settings: PlatformSettings, context: PlatformContext, requestTimeout: Duration = .seconds(30)) throws(PlatformSetupError) {
        try settings.validateKeys(["webhookEnv"])
        (url, variable) = try Webhook.url(settings, defaultVariable: "SLACK_WEBHOOK_URL", what: "incoming webhook URL (https://hooks.slack.com/services/…)")
        web = context.web
        self.requestTimeout = requestTimeout
    }

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        Webhook.emptyPoll(request)
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        // Slack webhooks have no idempotency key and return no message id.
        _ = try await ledger.deliver(splitter.split(message.text), key: key) { _, part throws(TransportError) in
            let response = try await web.send(.json(url: url, body: ["text": part], timeout: requestTimeout, label: Self.label))
            if let failure = failure(response) { throw failure }
            return nil
        }
        return nil
    }

    /// Slack webhooks answer `ok`, or a plain-text code with the status.
    func failure(_ response: WebResponse) -> TransportError? {
        if response.isSuccess { return nil }
        let code = response.bodyExcerpt.prefix(80)
        switch response.status {
        case 403:
            return .unauthorized(reason: "\(Self.label): HTTP 403 \(code): the webhook may not post (a workspace admin restricted it, or it was revoked); create a new incoming webhook for the channel and export its URL in \(variable)")
        case 404:
            return .unauthorized(reason: "\(Self.label): HTTP 404 \(code): the webhook or its channel no longer exists; create a new incoming webhook and export its URL in \(variable)")
        case 410:
            return .unauthorized(reason: "\(Self.label): HTTP 410 \(code): the webhook's channel is archived; unarchive it, or create a webhook for another channel and export its URL in \(variable)")
        default:
            // 400 invalid_payload / no_text refuse this message; 429 waits `Retry-After`; 500 rollup_error is temporary.
            return response.failure(Self.label, detail: String(code))
        }
    }

    public func check() async -> [CheckFinding] {
        // A post with no text: a live webhook refuses it with 400 (no_text / invalid_payload), so nothing shows.
        await Webhook.check(web, url: url, body: [String: String](), timeout: requestTimeout, label: "slack-webhook check",
            unreachable: "could not reach the webhook URL in \(variable)") { response in
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
                return .problem("webhook", failure(response)?.description ?? "HTTP \(response.status) \(code)")
            }
        }
    }
}
