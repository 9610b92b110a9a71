import CoachChat
import CoachCore
import Foundation
import Logging

/// A Microsoft Teams channel through a Workflows webhook ("Post to a channel when a webhook request is received"),
/// which replaced the retired Office 365 connectors. Send-only: the bot posts Adaptive Cards and reads nothing.
public struct TeamsWorkflowTransport: PlatformTransport {
    public static let entry = PlatformEntry(kind: "teams-workflow", twoWay: false) { settings, context throws(PlatformSetupError) in
        try TeamsWorkflowTransport(settings: settings, context: context)
    }

    public let name = "teams-workflow"
    /// Adaptive Card TextBlocks read a Markdown subset (bold, italic, lists, links).
    public let capabilities = TransportCapabilities(directMessages: false, threads: false, markup: .markdown)
    public let pacing = PollPacing.sendOnly

    /// Teams takes at most 28 KB per webhook post, envelope included.
    static let maxBody = 28_000
    /// Teams throttles webhooks (4/s, 60/30 s, 100/h…), often without saying how long to wait.
    static let throttleWait = Duration.seconds(60)
    static let label = "teams-workflow post"

    let web: any WebClient
    let url: URL
    let variable: String
    let requestTimeout: Duration
    let ledger = PartsLedger()

    init(settings: PlatformSettings, context: PlatformContext, requestTimeout: Duration = .seconds(30)) throws(PlatformSetupError) {
        try settings.validateKeys(["webhookEnv"])
        (url, variable) = try Webhook.url(settings, defaultVariable: "TEAMS_WEBHOOK_URL", what: "Workflows webhook URL")
        web = context.web
        self.requestTimeout = requestTimeout
    }

    // MARK: - Wire format

    /// `{"type":"message","attachments":[{"contentType":…,"contentUrl":null,"content":{AdaptiveCard}}]}`
    struct Payload: Encodable {
        var type = "message"
        var attachments: [Attachment]
    }

    struct Attachment: Encodable {
        var contentType = "application/vnd.microsoft.card.adaptive"
        var content: Card

        enum CodingKeys: String, CodingKey { case contentType, contentUrl, content }

        // The documented envelope spells out `"contentUrl": null`; a synthesized encoder would leave it out.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(contentType, forKey: .contentType)
            try container.encodeNil(forKey: .contentUrl)
            try container.encode(content, forKey: .content)
        }
    }

    struct Card: Encodable {
        var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        var type = "AdaptiveCard"
        var version = "1.4"
        var body: [TextBlock]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case type, version, body
        }
    }

    struct TextBlock: Encodable {
        var type = "TextBlock"
        var text: String
        var wrap = true
        /// "Medium" after a blank line, so paragraphs stay apart.
        var spacing: String?
    }

    /// One card holding `text`, a TextBlock per line: a TextBlock's Markdown joins single newlines into one line
    /// (only list items keep them), so per-line blocks keep the message's layout on every Teams client.
    static func payload(_ text: String) -> Payload {
        var blocks: [TextBlock] = []
        var gap = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                gap = !blocks.isEmpty
                continue
            }
            blocks.append(TextBlock(text: String(line), spacing: gap ? "Medium" : nil))
            gap = false
        }
        if blocks.isEmpty { blocks.append(TextBlock(text: text)) }
        return Payload(attachments: [Attachment(content: Card(body: blocks))])
    }

    static func body(_ text: String) -> Data? {
        try? JSONEncoder.platform.encode(payload(text))
    }

    // MARK: - Transport

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        Webhook.emptyPoll(request)
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = Webhook.fit(message.text, markup: .markdown, maxBody: Self.maxBody, body: Self.body)
        // Workflows answer 202 with no message id, and take no idempotency key.
        _ = try await ledger.deliver(parts, key: key) { _, part throws(TransportError) in
            let response = try await web.send(.json(url: url, body: Self.payload(part), timeout: requestTimeout, label: Self.label))
            if let failure = failure(response) { throw failure }
            return nil
        }
        return nil
    }

    /// Whether Teams said "too many requests", as a status or, from the connector service, as body text
    /// ("Microsoft Teams endpoint returned HTTP error 429") beside another status.
    static func isThrottled(_ response: WebResponse) -> Bool {
        if response.status == 429 { return true }
        let text = String(decoding: response.body.prefix(2000), as: UTF8.self)
        var rest = Substring(text)
        while let range = rest.range(of: "429") {
            let before = rest[..<range.lowerBound].last
            let after = rest[range.upperBound...].first
            if !(before?.isNumber ?? false) && !(after?.isNumber ?? false) { return true }
            rest = rest[range.upperBound...]
        }
        return false
    }

    func failure(_ response: WebResponse) -> TransportError? {
        if Self.isThrottled(response) {
            return .rateLimited(retryAfter: response.retryAfterHeader() ?? Self.throttleWait)
        }
        if response.isSuccess { return nil }
        let detail = response.bodyExcerpt.prefix(160)
        switch response.status {
        case 401, 403:
            return .unauthorized(reason: "\(Self.label): HTTP \(response.status) \(detail): the workflow refused the URL; copy the whole HTTP POST URL (with its sig= parameter) from the workflow's trigger again, check the workflow's owner still has access, and export it in \(variable)")
        case 404:
            return .unauthorized(reason: "\(Self.label): HTTP 404 \(detail): there is no workflow at this URL any more (deleted or turned off); create it again in the channel (Workflows → \"Post to a channel when a webhook request is received\") and export the new URL in \(variable)")
        default:
            return response.failure(Self.label, detail: String(detail))
        }
    }

    public func check() async -> [CheckFinding] {
        // A message with no cards: a live workflow accepts it and posts nothing (its run history shows a run).
        await Webhook.check(web, url: url, body: Payload(attachments: []), timeout: requestTimeout, label: "teams-workflow check",
            unreachable: "could not reach the Workflows URL in \(variable)") { response in
            if Self.isThrottled(response) {
                return .warning("webhook", "Teams is throttling this webhook right now; try coach check again in a minute")
            } else if response.isSuccess || response.status == 400 {
                return .ok("webhook", "the Workflows URL in \(variable) is live (HTTP \(response.status) to a test message without cards; nothing was posted, though the workflow's run history shows the test run)")
            } else if (500...599).contains(response.status) {
                return .warning("webhook", "Teams had a temporary problem (HTTP \(response.status)); try coach check again later")
            } else {
                return .problem("webhook", failure(response)?.description ?? "HTTP \(response.status)")
            }
        }
    }
}
