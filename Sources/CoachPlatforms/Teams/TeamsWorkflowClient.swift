import CoachChat
import Foundation

/// A Teams Workflows webhook: JSON posts to a signed URL. Teams throttles webhooks (4/s, 60/30 s, 100/h…), often
/// without saying how long to wait, and sometimes only in the body text beside another status.
struct TeamsWorkflowClient: WebhookClient {
    static let label = "teams-workflow post"
    static let throttleWait = Duration.seconds(60)

    let web: any WebClient
    /// The workflow's HTTP POST URL, `sig=` and all: a secret, never in a label, an error or a log line.
    let root: URL
    let timeout: Duration
    let variable: String
    let redactor: Redactor

    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        if Self.isThrottled(response) {
            return .rateLimited(retryAfter: response.retryAfterHeader() ?? Self.throttleWait)
        }
        if response.isSuccess { return nil }
        let detail = response.bodyExcerpt.prefix(160)
        switch response.status {
        case 401, 403:
            return .unauthorized(reason: "\(label): HTTP \(response.status) \(detail): the workflow refused the URL; copy the whole HTTP POST URL (with its sig= parameter) from the workflow's trigger again, check the workflow's owner still has access, and export it in \(variable)")
        case 404:
            return .unauthorized(reason: "\(label): HTTP 404 \(detail): there is no workflow at this URL any more (deleted or turned off); create it again in the channel (Workflows → \"Post to a channel when a webhook request is received\") and export the new URL in \(variable)")
        default:
            return response.failure(label, detail: String(detail))
        }
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
}
