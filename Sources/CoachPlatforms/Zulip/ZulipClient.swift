import CoachChat
import Foundation

/// Zulip's REST API: the bot's email and API key as HTTP basic auth, GETs with query parameters, form POSTs, and
/// Zulip's reading of failures (`{"result": "error", "msg", "code"}`, sometimes with HTTP 200).
struct ZulipClient: PlatformClient {
    let web: any WebClient
    /// `<realm>/api/v1`.
    let root: URL
    let timeout: Duration
    /// A blocking events call may take the server's long-poll time plus this.
    let pollMargin: Duration
    let redactor: Redactor
    let authorization: String
    let email: String
    let stream: String

    init(web: any WebClient, realm: URL, email: String, key: String, keyVariable: String, stream: String, redactor: Redactor) {
        var text = realm.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        for suffix in ["/api/v1", "/api"] where text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        self.web = web
        root = URL(string: text + "/api/v1") ?? realm
        timeout = .seconds(30)
        pollMargin = .seconds(10)
        let credential = Data("\(email):\(key)".utf8).base64EncodedString()
        authorization = "Basic " + credential
        // The basic credential is the key in other clothes.
        self.redactor = redactor.adding([Redactor.Secret(value: credential, name: keyVariable)])
        self.email = email
        self.stream = stream
    }

    func headers() -> [String: String] { ["Authorization": authorization] }

    /// Zulip's error answer mapped to what the runtime should do, or nil for success. A direct message's refusal
    /// drops that message.
    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        let error = Self.error(response)
        if response.isSuccess && error?.result != "error" { return nil }
        let status = response.isSuccess ? 400 : response.status
        // Zulip may refuse with HTTP 200, whose body was not masked on the way in.
        let detail = response.quoting([error?.msg, error?.code].compactMap { $0 }.joined(separator: " "))
        let why = detail.isEmpty ? response.bodyExcerpt : detail
        let direct = purpose == .direct
        switch (status, error?.code) {
        case (429, _), (_, "RATE_LIMIT_HIT"?):
            let wait = error?.retryAfter.flatMap { Duration.platformWait(seconds: $0) }
            return .rateLimited(retryAfter: wait ?? response.retryAfterHeader() ?? .seconds(60))
        case (401, _), (_, "UNAUTHORIZED"?), (_, "USER_DEACTIVATED"?), (_, "REALM_DEACTIVATED"?):
            return .unauthorized(reason: "\(label): Zulip refused the bot's credentials (\(why)); check transport.settings.email (\(email)) and the API key in the environment variable named by apiKeyEnv: the bot's card in Personal settings → Bots shows the key and can make a new one")
        case (_, "STREAM_DOES_NOT_EXIST"?) where !direct:
            return .unauthorized(reason: "\(label): \(why); check transport.settings.stream (\"\(stream)\") and subscribe the bot to that channel")
        case (400, _) where direct:
            return .rejected(reason: "\(label): \(why)")
        default:
            return response.failure(label, detail: why) ?? .rejected(reason: "\(label): \(why)")
        }
    }

    /// Zulip's error body, if the answer is one.
    static func error(_ response: WebResponse) -> ZulipWire.Failure? {
        try? JSONDecoder().decode(ZulipWire.Failure.self, from: response.body)
    }
}
