import CoachChat
import CoachCore
import Foundation
import Logging

/// Telegram through the Bot API: `getUpdates` long-polling in, `sendMessage` with HTML out.
///
/// The cursor is the next `offset` (the last seen `update_id` + 1) as a decimal string. Telegram confirms an
/// update only when a later `getUpdates` passes a higher offset, and the runtime passes the offset back only after
/// it committed what the updates caused, so a crash in between redelivers the updates (at-least-once); the message
/// ids (`<chat id>:<message id>`) let the runtime apply each once.
public final class TelegramTransport: PlatformTransport, @unchecked Sendable {
    // @unchecked: the mutable fields below are only touched under `lock`.
    public let name = "telegram"
    public let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .telegramHTML)
    public let pacing = PollPacing.longPoll

    public static let entry = PlatformEntry(kind: "telegram", twoWay: true) { settings, context throws(PlatformSetupError) in
        try TelegramTransport(settings: settings, context: context)
    }

    /// Telegram counts a message's length in UTF-16 code units, after HTML parsing; counting the tags too keeps
    /// every part safely under.
    static let messageLimit = 4096
    /// How long calls may take. A long-poll answers within its `timeout`; the HTTP wait allows `pollMargin` more.
    struct Timeouts {
        var call: Duration = .seconds(30)
        var pollMargin: Duration = .seconds(10)
    }
    /// Own thread replies remembered so a reply to one of them still counts in the announcement's thread.
    static let rememberedReplies = 1000

    let web: any WebClient
    let logger: Logger
    let apiRoot: URL
    let token: String
    let tokenVariable: String
    let botName: String
    let readsBacklog: Bool
    let splitter = MessageSplitter(limit: TelegramTransport.messageLimit, measure: .utf16, markup: .telegramHTML)
    let ledger = PartsLedger()
    /// Set once, before the first call (tests shorten them).
    var timeouts = Timeouts()

    private let lock = NSLock()
    /// The group's id; changes for this run when Telegram migrates the group to a supergroup.
    private var chat: Int64
    private var me: TelegramWire.User?
    /// Message ids of the bot's own replies in a thread → that thread's root id.
    private var threadOfReply: [Int64: String] = [:]
    private var replyOrder: [Int64] = []

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        try settings.validateKeys(["chat", "tokenEnv"])
        let chatText = try settings.required("chat", hint: "the group's numeric chat id, e.g. -1001234567890 (README: Telegram)")
        guard let chat = Int64(chatText) else {
            throw .invalidSetting(kind: "telegram", key: "chat", value: chatText,
                hint: "it must be the group's numeric chat id, e.g. -1001234567890; the README's Telegram section shows how to find it")
        }
        self.chat = chat
        (token, tokenVariable) = try settings.namedSecret("tokenEnv", defaultVariable: "TELEGRAM_BOT_TOKEN", what: "bot token")
        apiRoot = try settings.url(default: "https://api.telegram.org", hint: "the Bot API root")
        readsBacklog = try settings.readsBacklog()
        web = context.web
        logger = context.logger
        botName = context.botName
    }

    var currentChat: Int64 { lock.withLock { chat } }

    // MARK: - Calls

    /// `<base>/bot<token>/<method>`. The URL holds the token, so it never leaves this function: errors name `label`.
    func methodURL(_ method: String) -> URL {
        var base = apiRoot.absoluteString
        if base.hasSuffix("/") { base.removeLast() }
        if let url = URL(string: base + "/bot" + token + "/" + method) { return url }
        return apiRoot.appending(segments: "bot" + token, method)
    }

    /// Where a send goes, for reading its failures: a private chat refuses one message, the group refuses them all.
    enum Target { case group, person }

    /// Calls a Bot API method with a JSON body and returns its `result`.
    func call<Result: Decodable>(
        _ method: String, _ body: some Encodable, as type: Result.Type, timeout: Duration? = nil, target: Target = .group
    ) async throws(TransportError) -> Result {
        do {
            return try await attempt(method, body, as: type, timeout: timeout ?? timeouts.call, target: target)
        } catch {
            throw error.error
        }
    }

    /// A failed call: what the runtime should do, and the group's new id when Telegram moved it to a supergroup.
    struct CallFailure: Error {
        var error: TransportError
        var migratedTo: Int64?
    }

    func attempt<Result: Decodable>(
        _ method: String, _ body: some Encodable, as type: Result.Type, timeout: Duration, target: Target
    ) async throws(CallFailure) -> Result {
        let label = "telegram \(method)"
        let response: WebResponse
        do {
            response = try await web.send(.json(url: methodURL(method), body: body, timeout: timeout, label: label))
        } catch {
            throw CallFailure(error: error)
        }
        if let failure = failure(response, label: label, target: target) {
            let details = try? JSONDecoder().decode(TelegramWire.Failure.self, from: response.body)
            throw CallFailure(error: failure, migratedTo: details?.parameters?.migrate_to_chat_id)
        }
        let envelope: TelegramWire.Envelope<Result>
        do {
            envelope = try response.decode(TelegramWire.Envelope<Result>.self, label)
        } catch {
            throw CallFailure(error: error)
        }
        guard envelope.ok, let result = envelope.result else {
            throw CallFailure(error: .temporary(reason: "\(label): an answer without a result (HTTP \(response.status))"))
        }
        return result
    }

    /// Telegram's error answer mapped to what the runtime should do, or nil for success.
    func failure(_ response: WebResponse, label: String, target: Target) -> TransportError? {
        let error = try? JSONDecoder().decode(TelegramWire.Failure.self, from: response.body)
        if response.isSuccess && error?.ok != false { return nil }
        // Key on the HTTP status where there is one (error_code may change); a 200 with ok:false uses error_code.
        let code = response.isSuccess ? (error?.error_code ?? 400) : response.status
        // A proxy's error page might echo the requested path, which holds the token.
        let description = (error?.description ?? response.bodyExcerpt).replacingOccurrences(of: token, with: "<token>")
        switch code {
        case 429:
            let wait = error?.parameters?.retry_after.flatMap { Duration.platformWait(seconds: $0) }
            return .rateLimited(retryAfter: wait ?? response.retryAfterHeader() ?? .seconds(60))
        case 401, 404:
            return .unauthorized(reason: "\(label): HTTP \(code) \(description): the token was refused; get a new one from @BotFather (send it /token) and put it in \(tokenVariable)")
        case 409:
            return .unauthorized(reason: "\(label): \(description). Only one reader of a bot's updates is allowed: stop the other coach (or other program) polling this bot, or if a webhook is set remove it with the Bot API method deleteWebhook")
        case 403 where target == .person:
            return .rejected(reason: "\(label): \(description) (the member has not started a private chat with the bot, or blocked it)")
        case 403:
            return .unauthorized(reason: "\(label): \(description); add the bot to the group \(currentChat) (group settings → Add members) and check transport.settings.chat")
        case 400 where description.localizedCaseInsensitiveContains("chat not found"):
            if target == .person { return .rejected(reason: "\(label): \(description) (the member has never started a private chat with the bot)") }
            return .unauthorized(reason: "\(label): \(description); check transport.settings.chat (\(currentChat)) and that the bot is a member of that group")
        default:
            return response.failure(label, detail: description) ?? .rejected(reason: "\(label): \(description)")
        }
    }

    /// The bot's own account, asked once per run.
    func identity() async throws(TransportError) -> TelegramWire.User {
        if let me = lock.withLock({ me }) { return me }
        let user = try await call("getMe", TelegramWire.Empty(), as: TelegramWire.User.self)
        lock.withLock { me = user }
        return user
    }

    // MARK: - Polling

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let me = try await identity()
        let offset: Int64?
        if let cursor = request.cursor, let next = Int64(cursor) {
            offset = next
        } else if readsBacklog {
            offset = nil
        } else {
            return try await startNow()
        }
        // Whole seconds, rounded down so the poll never outlasts the runtime's next scheduled post; under a second
        // asks for an immediate answer.
        let wait = max(0, Int(request.timeout.components.seconds))
        let updates = try await call(
            "getUpdates",
            TelegramWire.GetUpdates(offset: offset, limit: 100, timeout: wait, allowed_updates: Self.allowedUpdates),
            as: [TelegramWire.Update].self, timeout: .seconds(wait) + timeouts.pollMargin)
        var next = offset ?? 0
        var messages: [InboundMessage] = []
        let watched = Set(request.threads)
        for update in updates.sorted(by: { $0.update_id < $1.update_id }) {
            // Updates from other chats, edits and non-text messages are passed over, but confirmed all the same.
            next = max(next, Self.offset(after: update.update_id))
            guard let message = update.message else { continue }
            if let inbound = inbound(message, me: me, watched: watched) { messages.append(inbound) }
        }
        return PollBatch(messages: messages, cursor: String(next))
    }

    /// The offset that confirms `updateID`. Saturating: an absurd id from a broken server must not crash the bot.
    static func offset(after updateID: Int64) -> Int64 {
        updateID == .max ? .max : updateID + 1
    }

    /// Only new messages: edits are ignored (the first version already counted), so Telegram need not send them.
    static let allowedUpdates = ["message"]

    /// A first start: find the newest update without waiting and start after it, reading none of the backlog.
    /// `offset=-1` also tells Telegram to forget everything older.
    func startNow() async throws(TransportError) -> PollBatch {
        let updates = try await call(
            "getUpdates", TelegramWire.GetUpdates(offset: -1, limit: 1, timeout: 0, allowed_updates: Self.allowedUpdates),
            as: [TelegramWire.Update].self, timeout: timeouts.pollMargin)
        let next = updates.map { Self.offset(after: $0.update_id) }.max() ?? 0
        return PollBatch(messages: [], cursor: String(next))
    }

    /// A Telegram message as the engine reads it, or nil when it is not for this bot.
    func inbound(_ message: TelegramWire.Message, me: TelegramWire.User, watched: Set<String>) -> InboundMessage? {
        let isPrivate = message.chat.type == "private"
        if !isPrivate { followMigration(message) }
        guard isPrivate || message.chat.id == currentChat else { return nil }
        guard let raw = message.text ?? message.caption else { return nil }
        let entities = (message.text != nil ? message.entities : message.caption_entities) ?? []

        let senderID: String
        let senderName: String
        let senderHandle: String?
        var fromBot = false
        if let chat = message.sender_chat {
            // Anonymous group admins and linked channels post as a chat.
            senderID = String(chat.id)
            senderName = chat.title ?? chat.username ?? String(chat.id)
            senderHandle = chat.username
        } else if let from = message.from {
            senderID = String(from.id)
            senderName = from.displayName.isEmpty ? (from.username ?? senderID) : from.displayName
            senderHandle = from.username
            // Other bots are not team members either; answering them risks two bots talking forever.
            fromBot = from.id == me.id || from.is_bot == true
        } else {
            return nil
        }

        var text = TelegramText(raw, entities: entities)
        guard let addressed = text.addressing(botUsername: me.username, botName: botName) else { return nil }
        if isPrivate { text.openingChat() }

        var threadRootID: String?
        if !isPrivate, let replied = message.reply_to_message {
            let repliedID = String(replied.message_id)
            if watched.contains(repliedID) {
                threadRootID = repliedID
            } else if let root = lock.withLock({ threadOfReply[replied.message_id] }) {
                threadRootID = root
            } else if replied.from?.id == me.id {
                threadRootID = repliedID
            }
        }
        return InboundMessage(
            id: "\(message.chat.id):\(message.message_id)", senderID: senderID, senderName: senderName,
            senderHandle: senderHandle, text: text.text, threadRootID: threadRootID, isDirect: isPrivate,
            addressed: addressed, mentions: text.mentions, mentionedNames: text.mentionedNames, fromBot: fromBot)
    }

    /// A group that became a supergroup gets a new id; both the old and the new chat announce it.
    func followMigration(_ message: TelegramWire.Message) {
        let current = currentChat
        if message.chat.id == current, let newID = message.migrate_to_chat_id {
            switchChat(from: current, to: newID)
        } else if message.migrate_from_chat_id == current {
            switchChat(from: current, to: message.chat.id)
        }
    }

    func switchChat(from old: Int64, to new: Int64) {
        guard old != new else { return }
        lock.withLock { chat = new }
        logger.warning(
            "the Telegram group became a supergroup with a new chat id; using it for this run. Update transport.settings.chat in the config to the new id, or the next start reads the old, silent group",
            metadata: ["oldChat": "\(old)", "newChat": "\(new)"])
    }

    // MARK: - Sending

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = splitter.split(message.text)
        return try await ledger.deliver(parts, key: key) { _, part throws(TransportError) in
            try await sendPart(part, to: message.destination)
        }
    }

    func sendPart(_ text: String, to destination: OutboundMessage.Destination) async throws(TransportError) -> String {
        var body = TelegramWire.SendMessage(chat_id: .id(currentChat), text: text)
        var target = Target.group
        var root: String?
        switch destination {
        case .channel:
            break
        case .thread(let rootID):
            root = rootID
            if let id = Int64(rootID) { body.reply_parameters = .init(message_id: id) }
        case .direct(let userID):
            body.chat_id = TelegramWire.ChatRef(userID)
            target = .person
        }
        let sent: TelegramWire.Sent
        do {
            sent = try await attempt("sendMessage", body, as: TelegramWire.Sent.self, timeout: timeouts.call, target: target)
        } catch {
            // The group moved to a new id: follow it for this run and send there at once.
            guard target == .group, let newID = error.migratedTo else { throw error.error }
            switchChat(from: currentChat, to: newID)
            body.chat_id = .id(newID)
            sent = try await call("sendMessage", body, as: TelegramWire.Sent.self, target: target)
        }
        if let root { remember(sent.message_id, inThread: root) }
        return String(sent.message_id)
    }

    func remember(_ messageID: Int64, inThread root: String) {
        lock.withLock {
            threadOfReply[messageID] = root
            replyOrder.append(messageID)
            if replyOrder.count > Self.rememberedReplies {
                threadOfReply.removeValue(forKey: replyOrder.removeFirst())
            }
        }
    }

    // MARK: - coach check

    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        let me: TelegramWire.User
        do {
            me = try await call("getMe", TelegramWire.Empty(), as: TelegramWire.User.self)
            lock.withLock { self.me = me }
            findings.append(.ok("token", "signed in as @\(me.username ?? "?") (\(me.displayName), id \(me.id))"))
        } catch {
            findings.append(.problem("token", Self.describe(error)))
            return findings
        }

        let chat = currentChat
        var isAdmin = false
        do {
            let info = try await call("getChat", TelegramWire.ChatQuery(chat_id: .id(chat)), as: TelegramWire.Chat.self)
            let member = try await call(
                "getChatMember", TelegramWire.ChatMemberQuery(chat_id: .id(chat), user_id: me.id), as: TelegramWire.ChatMember.self)
            switch member.status {
            case "left", "kicked":
                findings.append(.problem("channel",
                    "the bot is not a member of \"\(info.title ?? String(chat))\": add it to the group (group info → Add members → search @\(me.username ?? "your bot"))"))
            default:
                isAdmin = member.status == "administrator" || member.status == "creator"
                findings.append(.ok("channel", "member of \"\(info.title ?? String(chat))\" (\(info.type ?? "group"), id \(info.id), status \(member.status))"))
            }
        } catch {
            findings.append(.problem("channel",
                "cannot read the group \(chat): \(Self.describe(error)). Add the bot to the group (group info → Add members → @\(me.username ?? "your bot")) and check that transport.settings.chat is the group's id"))
        }

        switch (me.can_read_all_group_messages, isAdmin) {
        case (true?, _):
            findings.append(.ok("privacy", "group privacy mode is off: the bot sees every message in the group"))
        case (_, true):
            findings.append(.ok("privacy", "group privacy mode is on, but the bot is an admin of the group, so it sees every message"))
        default:
            findings.append(.warning("privacy",
                "group privacy mode is on: the bot only sees /commands, replies to its own messages and @mentions of it. Members must type /caught rather than caught, and plain replies to the announcement still count. To let it see everything, send /setprivacy to @BotFather, pick the bot, choose Disable, then remove the bot from the group and add it again (or make the bot a group admin)"))
        }

        do {
            let hook = try await call("getWebhookInfo", TelegramWire.Empty(), as: TelegramWire.WebhookInfo.self)
            if let url = hook.url, !url.isEmpty {
                findings.append(.problem("webhook",
                    "a webhook is set for this bot, so getUpdates cannot read its messages: remove it by calling the Bot API method deleteWebhook (https://api.telegram.org/bot<token>/deleteWebhook), or stop the other program that set it"))
            } else {
                findings.append(.ok("webhook", "no webhook is set, so polling with getUpdates works"))
            }
        } catch {
            findings.append(.problem("webhook", "could not read the webhook setting: \(Self.describe(error))"))
        }
        return findings
    }

    static func describe(_ error: TransportError) -> String {
        switch error {
        case .unauthorized(let reason), .rejected(let reason), .temporary(let reason): reason
        case .rateLimited(let wait): "rate limited by Telegram; try again after \(wait)"
        case .closed: "the connection closed"
        }
    }
}
