import CoachChat
import CoachCore
import Foundation

/// What the send-only incoming webhooks (Slack, Microsoft Teams Workflows, Google Chat) have in common.
///
/// A webhook URL is a secret (anyone holding it can post), so it is read only from an environment variable and
/// never appears in an error, a label or a log line.
enum Webhook {
    /// The webhook URL from the environment variable named by `webhookEnv`, and that variable's name.
    static func url(_ settings: PlatformSettings, _ secret: SecretSetting) throws(PlatformSetupError) -> (url: URL, variable: String) {
        let (text, variable) = try settings.namedSecret(secret)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            // The value is a secret: say which variable is wrong, never what it holds.
            throw .invalidSetting(kind: settings.kind, key: "webhookEnv", value: variable,
                hint: "the variable must hold the whole https:// webhook URL, as the platform showed it")
        }
        return (url, variable)
    }

    /// A webhook's client from its settings: the only setting is the variable holding the URL.
    static func client<Client: WebhookClient>(_ settings: PlatformSettings, _ context: PlatformContext, _ secret: SecretSetting)
        throws(PlatformSetupError) -> Client
    {
        try settings.validateKeys(["webhookEnv"])
        let (url, variable) = try url(settings, secret)
        // The URL is the credential: masked wherever an answer quotes it, even when no variable named it.
        let redactor = settings.redactor.adding([Redactor.Secret(value: url.absoluteString, name: variable)])
        return Client(web: context.web, root: url, timeout: .seconds(30), variable: variable, redactor: redactor)
    }

    /// `coach check`'s reminder of what a send-only platform cannot do.
    static let sendOnlyWarning = CheckFinding.warning("commands",
        "this webhook cannot collect commands or examples: it is send-only, so the bot posts announcements, reminders and summaries, and nobody can reply to it with !example, !caught or !rate")

    /// `coach check` for a webhook: posts `body`, a payload a live URL refuses or ignores so nothing shows, and
    /// reads the answer with `read`. A network failure says which variable's URL could not be reached; the send-only
    /// warning always follows.
    static func check(_ client: some PlatformClient, body: some Encodable & Sendable, label: String, variable: String,
        isolation: isolated (any Actor)? = #isolation, read: (WebResponse) -> CheckFinding) async -> [CheckFinding]
    {
        var findings: [CheckFinding] = []
        do {
            findings.append(read(try await client.post(body: body, label: label)))
        } catch {
            findings.append(.problem("webhook", error, unreachable: "Check the webhook URL in \(variable) and the network"))
        }
        findings.append(sendOnlyWarning)
        return findings
    }

    /// Splits `text` so that each part's whole request body fits `maxBody` bytes.
    ///
    /// The text limit alone is not enough: the envelope and JSON escaping (a quote or a newline takes two bytes)
    /// count too. Start from the body limit less the envelope, and tighten until every encoded part fits.
    static func fit(_ text: String, markup: Markup, maxBody: Int, body: (String) -> Data?) -> [String] {
        let envelope = body("")?.count ?? 0
        var limit = max(64, maxBody - envelope)
        while true {
            let parts = MessageSplitter(limit: limit, measure: .utf8, markup: markup).split(text)
            let largest = parts.map { body($0)?.count ?? 0 }.max() ?? 0
            if largest <= maxBody || limit == 64 { return parts }
            // Shrink by the overshoot and a little more, so this converges in a few rounds.
            limit = max(64, limit - (largest - maxBody) - limit / 16)
        }
    }
}

/// A send-only webhook's client: JSON posts to a secret URL, with no headers of its own (the URL is the credential).
protocol WebhookClient: PlatformClient {
    /// The environment variable the URL came from, for the fix in a message; never the URL.
    var variable: String { get }
    init(web: any WebClient, root: URL, timeout: Duration, variable: String, redactor: Redactor)
}

extension WebhookClient {
    func headers() -> [String: String] { [:] }
}
