import CoachChat
import Foundation

/// The Telegram Bot API: `POST <base>/bot<token>/<method>` with JSON, answered `{"ok": …, "result": …}`. The token
/// is in every URL, so it never leaves the client: errors name the method, and an error page echoing the path is
/// scrubbed of it.
struct TelegramClient: PlatformClient {
    let web: any WebClient
    /// `<base>/bot<token>`: a secret.
    let root: URL
    let timeout: Duration
    /// A long-poll's HTTP wait allows this much more than the poll's own timeout.
    let pollMargin: Duration
    let redactor: Redactor
    let token: String
    let tokenVariable: String
    /// The group's id; changes for the run when Telegram migrates the group to a supergroup.
    var chat: Int64

    init(web: any WebClient, base: URL, redactor: Redactor, token: String, tokenVariable: String, chat: Int64) {
        var text = base.absoluteString
        if text.hasSuffix("/") { text.removeLast() }
        self.web = web
        root = URL(string: text + "/bot" + token) ?? base.appending(segments: "bot" + token)
        timeout = .seconds(30)
        pollMargin = .seconds(10)
        // The token is in every URL: masked wherever an answer quotes it, even when no variable named it.
        self.redactor = redactor.adding([Redactor.Secret(value: token, name: tokenVariable)])
        self.token = token
        self.tokenVariable = tokenVariable
        self.chat = chat
    }

    func headers() -> [String: String] { [:] }

    /// Telegram's error answer mapped to what the runtime should do, or nil for success. A private chat (`.direct`)
    /// refuses one message; the group refuses them all.
    func failure(_ response: WebResponse, _ label: String, for purpose: CallPurpose) -> TransportError? {
        let error = try? JSONDecoder().decode(TelegramWire.Failure.self, from: response.body)
        if response.isSuccess && error?.ok != false { return nil }
        // Key on the HTTP status where there is one (error_code may change); a 200 with ok:false uses error_code.
        let code = response.isSuccess ? (error?.error_code ?? 400) : response.status
        // A proxy's error page might echo the requested path, which holds the token; an `ok:false` comes with HTTP 200,
        // whose body was not masked on the way in.
        let description = response.quoting(error?.description ?? response.bodyExcerpt)
        let person = purpose == .direct
        switch code {
        case 429:
            let wait = error?.parameters?.retry_after.flatMap { Duration.platformWait(seconds: $0) }
            return .rateLimited(retryAfter: wait ?? response.retryAfterHeader() ?? .seconds(60))
        case 401, 404:
            return .unauthorized(reason: "\(label): HTTP \(code) \(description): the token was refused; get a new one from @BotFather (send it /token) and put it in \(tokenVariable)")
        case 409:
            return .unauthorized(reason: "\(label): \(description). Only one reader of a bot's updates is allowed: stop the other coach (or other program) polling this bot, or if a webhook is set remove it with the Bot API method deleteWebhook")
        case 403 where person:
            return .rejected(reason: "\(label): \(description) (the member has not started a private chat with the bot, or blocked it)")
        case 403:
            return .unauthorized(reason: "\(label): \(description); add the bot to the group \(chat) (group settings → Add members) and check transport.settings.chat")
        case 400 where description.localizedCaseInsensitiveContains("is too long"), 413:
            // "Bad Request: message is too long": over 4,096 UTF-16 code units once entities are parsed.
            return .tooLong(reason: "\(label): \(description)")
        case 400 where description.localizedCaseInsensitiveContains("chat not found"):
            if person { return .rejected(reason: "\(label): \(description) (the member has never started a private chat with the bot)") }
            return .unauthorized(reason: "\(label): \(description); check transport.settings.chat (\(chat)) and that the bot is a member of that group")
        default:
            return response.failure(label, detail: description) ?? .rejected(reason: "\(label): \(description)")
        }
    }

    /// Whether `user` (a numeric user id) is in the group now.
    func isInChat(_ user: String) async throws(TransportError) -> Bool {
        guard let id = Int64(user) else { return false }
        return try await call(post: "getChatMember", body: TelegramWire.ChatMemberQuery(chat_id: .id(chat), user_id: id),
            as: TelegramWire.ChatMember.self, label: "telegram getChatMember", for: .lookup).isInChat
    }

    /// The envelope's `result`.
    func decode<T: Decodable>(_ response: WebResponse, as type: T.Type, label: String) throws(TransportError) -> T {
        let envelope = try response.decode(TelegramWire.Envelope<T>.self, label)
        guard envelope.ok, let result = envelope.result else {
            throw .temporary(reason: "\(label): an answer without a result (HTTP \(response.status))")
        }
        return result
    }

    /// The group's new id, when a failed call says Telegram moved the group to a supergroup.
    func migration(_ response: WebResponse) -> Int64? {
        (try? JSONDecoder().decode(TelegramWire.Failure.self, from: response.body))?.parameters?.migrate_to_chat_id
    }
}
