import CoachChat
import Foundation

/// The HTTP vocabulary every platform's client speaks, written once. The same job has the same name in every
/// `<Name>Client`:
///
/// - `get(path…, query:, label:)`, `post(path…, body:, label:)` (or `form:`), `put(path…, body:, label:)`: one call
///   with the client's authorisation and timeout; the answer as it came (`WebResponse`). For a caller that reads the
///   status itself, as `coach check` does.
/// - `failure(response, label, for:)`: the platform's reading of an answer that is not a success: its own signals
///   first (Slack's `ok:false`, Telegram's `retry_after`, Matrix's `errcode`), then the shared mapping
///   (`WebResponse.failure`); nil for a success.
/// - `decode(response, as:, label:)`: the answer's body as the type the platform documents (Telegram: the
///   envelope's `result`); a body that does not decode is a temporary failure.
/// - `call(get:/post:/put: path…, …, as:, label:, for:)`: the call, its failure thrown, its body decoded: the
///   answer. What the transports use wherever they do not read statuses themselves.
///
/// A platform may add a verb for what only it has (Slack's `answer`, which hands an `ok:false` code back to the
/// caller instead of throwing). A `label` names the call in errors and logs ("discord channel messages"), never the
/// URL, which may hold a secret (Telegram's token, a webhook's signature).
protocol PlatformClient: Sendable {
    var web: any WebClient { get }
    /// Masks the platform's secrets in every answer that is quoted (see `send`).
    var redactor: Redactor { get }
    /// The API root every path is under; for a webhook, the webhook URL itself.
    var root: URL { get }
    /// Every call's timeout unless it gives its own (long-polls do).
    var timeout: Duration { get }

    /// The headers every call carries: the authorisation, and whatever the platform asks of every client. Async
    /// because Matrix may first have to log in.
    func headers() async throws(TransportError) -> [String: String]
    /// `root` with `path` and `query` added; clients whose paths need more care (Discord's `@me`) give their own.
    func url(_ path: [String], query: [(String, String)]) -> URL
    /// What an answer means for the runtime; nil when it is a success. `purpose` says what the call was for.
    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError?
    /// The answer's body as `T`, or a temporary failure.
    func decode<T: Decodable>(_ response: WebResponse, as type: T.Type, label: String) throws(TransportError) -> T
    /// Whether a refused call should be made once more because the client renewed its credentials (Matrix logs in
    /// again when a password login's token was revoked). False by default.
    func renewsCredentials(after response: WebResponse) async -> Bool
}

/// What a call is for, which decides what a refusal means: the same 403 stops the bot on its own channel, and only
/// drops one message in a member's private conversation.
enum CallPurpose: Sendable, Equatable {
    /// The bot's own account (who am I, its application): a refusal is a setup problem only a person fixes.
    case account
    /// Reading the configured channel or room (or, on platforms without a separate step, anything about it).
    case channel
    /// Posting in the channel or its threads.
    case posting
    /// A private message or conversation with one member: a refusal drops that one message.
    case direct
    /// Something the bot merely looks at (a thread that may not exist, members' names): a refusal means "not there".
    case lookup
}

/// A request body.
enum WebBody: Sendable {
    case none
    /// JSON, already encoded.
    case json(Data?)
    /// `application/x-www-form-urlencoded` fields, as Zulip takes them.
    case form([(String, String)])
    /// `multipart/form-data`, for a file and the fields that go with it.
    case multipart(MultipartForm)
}

extension PlatformClient {
    func url(_ path: [String], query: [(String, String)]) -> URL {
        root.appending(segments: path).adding(query: query)
    }

    func decode<T: Decodable>(_ response: WebResponse, as type: T.Type, label: String) throws(TransportError) -> T {
        try response.decode(type, label)
    }

    func renewsCredentials(after response: WebResponse) async -> Bool { false }

    /// `failure(_:_:for:)` for a call that is about the channel, the usual case.
    func failure(_ response: WebResponse, _ label: String) -> TransportError? {
        failure(response, label, for: .channel)
    }

    // MARK: - One call, read by the caller

    func get(_ path: String..., query: [(String, String)] = [], label: String, timeout: Duration? = nil)
        async throws(TransportError) -> WebResponse
    {
        try await request("GET", path, query: query, body: .none, label: label, timeout: timeout)
    }

    func post(_ path: String..., query: [(String, String)] = [], body: some Encodable & Sendable, label: String, timeout: Duration? = nil)
        async throws(TransportError) -> WebResponse
    {
        try await request("POST", path, query: query, body: .encoding(body), label: label, timeout: timeout)
    }

    func post(_ path: String..., form fields: [(String, String)], label: String, timeout: Duration? = nil)
        async throws(TransportError) -> WebResponse
    {
        try await request("POST", path, query: [], body: .form(fields), label: label, timeout: timeout)
    }

    func post(_ path: String..., multipart form: MultipartForm, label: String, timeout: Duration? = nil)
        async throws(TransportError) -> WebResponse
    {
        try await request("POST", path, query: [], body: .multipart(form), label: label, timeout: timeout)
    }

    func put(_ path: String..., body: some Encodable & Sendable, label: String, timeout: Duration? = nil)
        async throws(TransportError) -> WebResponse
    {
        try await request("PUT", path, query: [], body: .encoding(body), label: label, timeout: timeout)
    }

    // MARK: - One call, read here

    func call<T: Decodable>(get path: String..., query: [(String, String)] = [], as type: T.Type, label: String,
        for purpose: CallPurpose = .channel, timeout: Duration? = nil) async throws(TransportError) -> T
    {
        try await call("GET", path, query: query, body: .none, as: type, label: label, for: purpose, timeout: timeout)
    }

    func call<T: Decodable>(post path: String..., query: [(String, String)] = [], body: some Encodable & Sendable, as type: T.Type,
        label: String, for purpose: CallPurpose = .channel, timeout: Duration? = nil) async throws(TransportError) -> T
    {
        try await call("POST", path, query: query, body: .encoding(body), as: type, label: label, for: purpose, timeout: timeout)
    }

    func call<T: Decodable>(post path: String..., form fields: [(String, String)], as type: T.Type, label: String,
        for purpose: CallPurpose = .channel, timeout: Duration? = nil) async throws(TransportError) -> T
    {
        try await call("POST", path, query: [], body: .form(fields), as: type, label: label, for: purpose, timeout: timeout)
    }

    func call<T: Decodable>(put path: String..., body: some Encodable & Sendable, as type: T.Type, label: String,
        for purpose: CallPurpose = .channel, timeout: Duration? = nil) async throws(TransportError) -> T
    {
        try await call("PUT", path, query: [], body: .encoding(body), as: type, label: label, for: purpose, timeout: timeout)
    }

    // MARK: - Underneath

    /// The one place a request is built: the client's root, headers and timeout, the body's content type.
    func request(_ method: String, _ path: [String], query: [(String, String)], body: WebBody, label: String,
        timeout: Duration?) async throws(TransportError) -> WebResponse
    {
        var request = WebRequest(method: method, url: url(path, query: query), headers: try await headers(),
            timeout: timeout ?? self.timeout, label: label)
        switch body {
        case .none:
            break
        case .json(let data):
            request.headers["Content-Type"] = "application/json; charset=utf-8"
            request.body = data
        case .form(let fields):
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
            request.body = Data(WebRequest.formEncode(fields).utf8)
        case .multipart(let form):
            (request.headers["Content-Type"], request.body) = form.encoded()
        }
        return try await send(request)
    }

    /// The one place a request goes out: the answer comes back with the secrets masked wherever it may be quoted.
    ///
    /// A failed answer's body is masked before anything reads it, because a server or proxy that echoes the request
    /// would otherwise hand the token, the password in a login body or the webhook URL to an error message. The
    /// request's own `Authorization` value counts as a secret too: it may be one the bot derived (Zulip's basic
    /// credential, a token from a Matrix login). A successful body is left as the platform sent it (members' words are
    /// data); the answer carries the redactor for the few places that quote one.
    func send(_ request: WebRequest) async throws(TransportError) -> WebResponse {
        let redactor = self.redactor.adding(Self.credentials(in: request))
        do {
            var response = try await web.send(request)
            response.redactor = redactor
            if !response.isSuccess { response.body = redactor(response.body) }
            return response
        } catch {
            throw error.redacted(by: redactor)
        }
    }

    /// The credentials a request carries in its headers: the whole `Authorization` value and its part after the
    /// scheme (`Bearer …`, `Bot …`, `Basic …`).
    static func credentials(in request: WebRequest) -> [Redactor.Secret] {
        guard let value = request.headers.first(where: { $0.key.lowercased() == "authorization" })?.value else { return [] }
        var found = [Redactor.Secret(value: value, name: "Authorization")]
        if let space = value.firstIndex(of: " ") {
            let credential = value[value.index(after: space)...].trimmingCharacters(in: .whitespaces)
            if !credential.isEmpty { found.append(Redactor.Secret(value: credential, name: "Authorization")) }
        }
        return found
    }

    func call<T: Decodable>(_ method: String, _ path: [String], query: [(String, String)], body: WebBody, as type: T.Type,
        label: String, for purpose: CallPurpose, timeout: Duration?) async throws(TransportError) -> T
    {
        var renewed = false
        while true {
            let response = try await request(method, path, query: query, body: body, label: label, timeout: timeout)
            if let failure = failure(response, label, for: purpose) {
                if !renewed, await renewsCredentials(after: response) {
                    renewed = true
                    continue
                }
                throw failure
            }
            return try decode(response, as: type, label: label)
        }
    }
}

extension WebBody {
    /// `body` as JSON, the way every platform reads it (keys as given, no `\/` escapes).
    static func encoding(_ body: some Encodable) -> WebBody {
        .json(try? JSONEncoder.platform.encode(body))
    }
}
