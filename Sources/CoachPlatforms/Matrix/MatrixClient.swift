import CoachChat
import Foundation

/// The Matrix client-server API (`/_matrix/client/v3`): an access token (configured, or from a password login),
/// JSON both ways, read as `JSONValue` because events carry whatever their senders put in them, and Matrix's reading
/// of failures (`{errcode, error}`).
struct MatrixClient: PlatformClient {
    /// How the bot signs in.
    enum Credentials: Sendable {
        /// An access token from a fixed device (preferred: nothing to log in, one device, one transaction scope).
        case token(String)
        /// Password login with a fixed device id, so transaction ids keep their scope across restarts.
        case password(user: String, password: String, deviceID: String)
    }

    /// The token a password login got, shared by every copy of the client.
    actor Login {
        var token: String?
        func keep(_ token: String?) { self.token = token }
    }

    let web: any WebClient
    /// `<homeserver>/_matrix/client/v3`.
    let root: URL
    /// `<homeserver>/_matrix`: the media endpoints sit beside the client API (`media/v3/upload`, `client/v1/media`).
    let matrixRoot: URL
    /// Every call but the sync's long-poll.
    let timeout: Duration
    /// A sync may take its long-poll wait plus this margin.
    let syncMargin: Duration
    let credentials: Credentials
    let redactor: Redactor
    let login = Login()
    let roomID: String
    /// The bot's user id once the transport knows it, for the invitation a refusal asks for.
    var botUserID: String?

    init(web: any WebClient, homeserver: URL, credentials: Credentials, roomID: String, redactor: Redactor) {
        self.web = web
        root = homeserver.appending(segments: "_matrix", "client", "v3")
        matrixRoot = homeserver.appending(segments: "_matrix")
        timeout = .seconds(30)
        syncMargin = .seconds(10)
        self.credentials = credentials
        self.roomID = roomID
        self.redactor = redactor
    }

    func headers() async throws(TransportError) -> [String: String] {
        ["Authorization": "Bearer " + (try await accessToken())]
    }

    /// The access token: the configured one, or one from a password login (done once, again if it is revoked).
    /// The login is the one call made without a token, so it goes to the web client directly.
    func accessToken() async throws(TransportError) -> String {
        switch credentials {
        case .token(let token):
            return token
        case .password(let user, let password, let deviceID):
            if let known = await login.token { return known }
            let body: JSONValue = [
                "type": "m.login.password", "identifier": ["type": "m.id.user", "user": .string(user)],
                "password": .string(password), "device_id": .string(deviceID),
                "initial_device_display_name": "ServiceCoach",
            ]
            let label = "matrix login"
            let response = try await send(.json(url: root.appending(segments: "login"), body: body, timeout: timeout, label: label))
            if let error = failure(response, label, for: .account) {
                if case .unauthorized = error {
                    throw .unauthorized(reason: "matrix login: the homeserver refused user \(user) with the password in the variable named by passwordEnv (\(Self.errorText(response)))")
                }
                throw error
            }
            guard let fresh = try decode(response, as: JSONValue.self, label: label)["access_token"]?.string else {
                throw .temporary(reason: "matrix login: malformed answer: no access_token")
            }
            await login.keep(fresh)
            return fresh
        }
    }

    /// A password login's token was revoked: forget it, so the call is made once more after a new login.
    func renewsCredentials(after response: WebResponse) async -> Bool {
        guard case .password = credentials, Self.errcode(response) == "M_UNKNOWN_TOKEN" else { return false }
        await login.keep(nil)
        return true
    }

    /// One of `user`'s account data entries (`m.direct`), or nil when it was never written (404, `M_NOT_FOUND`),
    /// which for a new bot is the usual answer rather than a failure. A refusal is `.rejected`.
    func accountData(_ type: String, of user: String) async throws(TransportError) -> JSONValue? {
        let label = "matrix account data \(type)"
        var renewed = false
        while true {
            let response = try await get("user", user, "account_data", type, label: label)
            if response.status == 404 { return nil }
            if let failure = failure(response, label, for: .lookup) {
                if !renewed, await renewsCredentials(after: response) {
                    renewed = true
                    continue
                }
                throw failure
            }
            return try decode(response, as: JSONValue.self, label: label)
        }
    }

    /// A call outside the client API's `v3` root (the media endpoints), with the token, made once more after a new
    /// login when a password login's token was revoked. The answer as it came, for the caller to read.
    func media(_ method: String, _ path: [String], query: [(String, String)] = [], body: Data? = nil, contentType: String? = nil,
        label: String, timeout: Duration? = nil) async throws(TransportError) -> WebResponse
    {
        var renewed = false
        while true {
            var request = WebRequest(method: method, url: matrixRoot.appending(segments: path).adding(query: query),
                headers: try await headers(), body: body, timeout: timeout ?? self.timeout, label: label)
            if let contentType { request.headers["Content-Type"] = contentType }
            let response = try await send(request)
            if !response.isSuccess, !renewed, await renewsCredentials(after: response) {
                renewed = true
                continue
            }
            return response
        }
    }

    /// How to give the bot the room, for a refusal that means the bot is not in it.
    var invitationHint: String {
        let who = botUserID ?? "the bot's account"
        return "invite \(who) to room \(roomID) (in the room: /invite \(who)); the bot joins a pending invite when it starts"
    }

    /// Matrix's `{errcode, error}` read first, then the shared status mapping. A forbidden call on the room says how
    /// to give the bot the room (not for the login, which has no room yet). A forbidden call about one member's
    /// private room (creating it, inviting, posting there) or about something the bot merely looks at only refuses
    /// that one thing: the bot itself is fine, so it must not stop.
    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        if response.isSuccess { return nil }
        let body = Self.errorBody(response)
        let code = body?["errcode"]?.string ?? ""
        let detail = body.map { _ in Self.errorText(response) }
        // Retry-After is what the spec asks servers to send; `retry_after_ms` is its deprecated body twin.
        let wait = response.retryAfterHeader() ?? body?["retry_after_ms"]?.double.flatMap { $0 >= 0 && $0.isFinite ? Duration.milliseconds(Int64($0)) : nil }
        switch code {
        case "M_LIMIT_EXCEEDED":
            return .rateLimited(retryAfter: wait ?? .seconds(5))
        case "M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_USER_DEACTIVATED":
            return .unauthorized(reason: "\(label): the homeserver refused the access token (\(detail ?? code)); put a valid token for the bot's account in the variable named by transport.settings.tokenEnv (see README: Matrix)")
        case _ where (response.status == 403 || code == "M_FORBIDDEN") && (purpose == .direct || purpose == .lookup):
            return .rejected(reason: "\(label): forbidden (\(detail ?? "HTTP 403"))")
        case "M_FORBIDDEN" where purpose != .account:
            return .unauthorized(reason: "\(label): forbidden (\(detail ?? code)); \(invitationHint)")
        case "M_TOO_LARGE":
            return .tooLong(reason: "\(label): the event is too large (\(detail ?? code))")
        default:
            return response.failure(label, retryAfter: wait, detail: detail)
        }
    }

    static func errorBody(_ response: WebResponse) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: response.body)
    }

    static func errcode(_ response: WebResponse) -> String? { errorBody(response)?["errcode"]?.string }

    static func errorText(_ response: WebResponse) -> String {
        guard let body = errorBody(response), let code = body["errcode"]?.string else { return "HTTP \(response.status)" }
        return "\(code): \(body["error"]?.string ?? "")"
    }
}
