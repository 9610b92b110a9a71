import CoachChat
import Foundation

/// A Google Chat incoming webhook: JSON posts to a URL whose `key=` and `token=` are secrets; errors come as
/// Google's `{"error": {code, message, status}}`.
struct GoogleChatClient: WebhookClient {
    static let label = "google-chat post"

    let web: any WebClient
    /// The webhook URL: a secret, never in a label, an error or a log line.
    let root: URL
    let timeout: Duration
    let variable: String
    let redactor: Redactor

    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        if response.isSuccess { return nil }
        let detail = (try? JSONDecoder().decode(GoogleChatWire.Failure.self, from: response.body))?.error
        let why = [detail?.status, detail?.message].compactMap { $0 }.joined(separator: ": ")
        let reason = why.isEmpty ? String(response.bodyExcerpt.prefix(160)) : why
        switch response.status {
        case 429:
            // Google asks for exponential backoff; the runtime's backoff does that when no wait is given.
            if let wait = response.retryAfterHeader() { return .rateLimited(retryAfter: wait) }
            return .temporary(reason: "\(label): HTTP 429 \(reason); backing off (the space's writes are limited to 60 a minute)")
        case 401, 403:
            return .unauthorized(reason: "\(label): HTTP \(response.status) \(reason): Google Chat refused the webhook; it was deleted, or the URL in \(variable) lost its key= or token= parameter. Create a webhook in the space (Apps & integrations → Manage webhooks) and export its whole URL")
        case 404:
            return .unauthorized(reason: "\(label): HTTP 404 \(reason): the space or its webhook no longer exists; create a new webhook in the space and export its URL in \(variable)")
        default:
            return response.failure(label, detail: reason)
        }
    }
}
