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
public actor TelegramTransport: PollingTransport {
    static let token = SecretSetting("tokenEnv", defaultVariable: "TELEGRAM_BOT_TOKEN", what: "bot token")
    public static let entry = PlatformEntry(kind: "telegram", secrets: [token]) { settings, context throws(PlatformSetupError) in
        try TelegramTransport(settings: settings, context: context)
    }

    public nonisolated let name = "telegram"
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .telegramHTML, files: true)
    public nonisolated let pacing = PollPacing.longPoll

    /// Telegram counts a message's length in UTF-16 code units, after HTML parsing; counting the tags too keeps
    /// every part safely under.
    static let messageLimit = 4096
    /// Own thread replies remembered so a reply to one of them still counts in the announcement's thread.
    static let rememberedReplies = 1000

    /// The client's group id follows a migration to a supergroup.
    var client: TelegramClient
    let logger: Logger
    let botName: String
    let readsBacklog: Bool
    static let splitter = MessageSplitter(limit: TelegramTransport.messageLimit, measure: .utf16, markup: .telegramHTML)
    let ledger = PartsLedger()
    /// People named by a text mention, confirmed as in the group (`ChannelMembership`).
    let membership: ChannelMembership

    var me: TelegramWire.User?
    /// Message ids of the bot's own replies in a thread → that thread's root id.
    var threadOfReply: [Int64: String] = [:]
    var replyOrder: [Int64] = []

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        try settings.validateKeys(["chat", "tokenEnv"])
        let chatText = try settings.required("chat", hint: "the group's numeric chat id, e.g. -1001234567890 (README: Telegram)")
        guard let chat = Int64(chatText) else {
            throw .invalidSetting(kind: "telegram", key: "chat", value: chatText,
                hint: "it must be the group's numeric chat id, e.g. -1001234567890; the README's Telegram section shows how to find it")
        }
        let (token, tokenVariable) = try settings.namedSecret(Self.token)
        client = TelegramClient(web: context.web, base: try settings.url(default: "https://api.telegram.org", hint: "the Bot API root"),
            redactor: settings.redactor, token: token, tokenVariable: tokenVariable, chat: chat)
        readsBacklog = try settings.readsBacklog()
        logger = context.logger
        membership = ChannelMembership(platform: "telegram", logger: context.logger)
        botName = context.botName
    }

    /// The group the bot reads and posts in, as of now.
    var currentChat: Int64 { client.chat }

    /// The bot's own account, asked once per run.
    func identity() async throws(TransportError) -> TelegramWire.User {
        if let me { return me }
        let user = try await client.call(post: "getMe", body: TelegramWire.Empty(), as: TelegramWire.User.self, label: "telegram getMe",
            for: .account)
        me = user
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
        let updates = try await client.call(post: "getUpdates",
            body: TelegramWire.GetUpdates(offset: offset, limit: 100, timeout: wait, allowed_updates: Self.allowedUpdates),
            as: [TelegramWire.Update].self, label: "telegram getUpdates", timeout: .seconds(wait) + client.pollMargin)
        var next = offset ?? 0
        var messages: [InboundMessage] = []
        let watched = Set(request.threads)
        for update in updates.sorted(by: { $0.update_id < $1.update_id }) {
            // Updates from other chats, edits and non-text messages are passed over, but confirmed all the same.
            next = max(next, Self.offset(after: update.update_id))
            guard let message = update.message else { continue }
            if let inbound = inbound(message, me: me, watched: watched) { messages.append(inbound) }
        }
        let client = client
        messages = try await membership.confirming(messages, botID: String(me.id)) { user throws(TransportError) in
            try await client.isInChat(user)
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
        let updates = try await client.call(post: "getUpdates",
            body: TelegramWire.GetUpdates(offset: -1, limit: 1, timeout: 0, allowed_updates: Self.allowedUpdates),
            as: [TelegramWire.Update].self, label: "telegram getUpdates", timeout: client.pollMargin)
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
            } else if let root = threadOfReply[replied.message_id] {
                threadRootID = root
            } else if replied.from?.id == me.id {
                threadRootID = repliedID
            }
        }
        var mentions = text.mentions
        if let handle = me.username?.lowercased() {
            // The bot named further on (`caught @CoachBot`): nobody to credit, which the engine says.
            for word in text.text.split(whereSeparator: \.isWhitespace) where word.first == "@" {
                let typed = word.dropFirst().prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
                if typed.lowercased() == handle { mentions[String(typed)] = String(me.id) }
            }
        }
        return InboundMessage(
            id: "\(message.chat.id):\(message.message_id)", senderID: senderID, senderName: senderName,
            senderHandle: senderHandle, text: text.text, threadRootID: threadRootID, isDirect: isPrivate,
            addressed: addressed, mentions: mentions, mentionedNames: text.mentionedNames, fromBot: fromBot)
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
        client.chat = new
        logger.warning(
            "the Telegram group became a supergroup with a new chat id; using it for this run. Update transport.settings.chat in the config to the new id, or the next start reads the old, silent group",
            metadata: ["oldChat": "\(old)", "newChat": "\(new)"])
    }

    // MARK: - Sending

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = Self.splitter.split(message.text)
        return try await ledger.deliver(parts, key: key, splitter: Self.splitter) { _, part throws(TransportError) in
            try await sendPart(part, to: message.destination)
        }
    }

    func sendPart(_ text: String, to destination: OutboundMessage.Destination) async throws(TransportError) -> String {
        let label = "telegram sendMessage"
        var body = TelegramWire.SendMessage(chat_id: .id(currentChat), text: text)
        var purpose = CallPurpose.posting
        var root: String?
        switch destination {
        case .channel:
            break
        case .thread(let rootID):
            root = rootID
            if let id = Int64(rootID) { body.reply_parameters = .init(message_id: id) }
        case .direct(let userID):
            body.chat_id = TelegramWire.ChatRef(userID)
            purpose = .direct
        }
        var response = try await client.post("sendMessage", body: body, label: label)
        if let failure = client.failure(response, label, for: purpose) {
            // The group moved to a new id: follow it for this run and send there at once.
            guard purpose != .direct, let newID = client.migration(response) else { throw failure }
            switchChat(from: currentChat, to: newID)
            body.chat_id = .id(newID)
            response = try await client.post("sendMessage", body: body, label: label)
            if let failure = client.failure(response, label, for: purpose) { throw failure }
        }
        let sent = try client.decode(response, as: TelegramWire.Sent.self, label: label)
        if let root { remember(sent.message_id, inThread: root) }
        return String(sent.message_id)
    }

    func remember(_ messageID: Int64, inThread root: String) {
        threadOfReply[messageID] = root
        replyOrder.append(messageID)
        if replyOrder.count > Self.rememberedReplies {
            threadOfReply.removeValue(forKey: replyOrder.removeFirst())
        }
    }
}
