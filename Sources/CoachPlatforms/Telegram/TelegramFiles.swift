import CoachChat
import CoachCore
import Foundation

/// Files on Telegram: one `sendDocument` call, multipart, with the file as `document` and the caption in HTML. A bot
/// may always send documents to a private chat with a member who has started it (up to 50 MB).
///
/// Telegram takes no idempotency key: after a crash between sending and committing, the member gets the file twice.
extension TelegramTransport: SendsFiles {
    /// Telegram's caption limit: 1,024 characters after entity parsing, counted, like messages, in UTF-16 units.
    static let captionSplitter = MessageSplitter(limit: 1024, measure: .utf16, markup: .telegramHTML)

    public func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery {
        let label = "telegram sendDocument"
        var parts: [MultipartForm.Part] = []
        var purpose = CallPurpose.posting
        switch message.destination {
        case .channel:
            parts.append(.field(name: "chat_id", value: String(currentChat)))
        case .thread(let root):
            parts.append(.field(name: "chat_id", value: String(currentChat)))
            if let id = Int64(root), let reply = try? JSONEncoder.platform.encode(TelegramWire.ReplyParameters(message_id: id)) {
                parts.append(.field(name: "reply_parameters", value: String(decoding: reply, as: UTF8.self)))
            }
        case .direct(let userID):
            parts.append(.field(name: "chat_id", value: userID))
            purpose = .direct
        }
        if let caption = try await caption(for: message, key: key, splitter: Self.captionSplitter) {
            parts += [.field(name: "caption", value: caption), .field(name: "parse_mode", value: "HTML")]
        }
        parts.append(.file(name: "document", file))
        let response = try await client.post("sendDocument", multipart: MultipartForm(parts), label: label, timeout: FileUploads.timeout)
        if let refused = fileRefusal(response, label) { return .refused(refused) }
        if let failure = client.failure(response, label, for: purpose) { throw failure }
        return .sent(platformID: String(try client.decode(response, as: TelegramWire.Sent.self, label: label).message_id))
    }

    /// Telegram's refusals of the document itself: too large (413, or "file is too big"), or a chat where the bot
    /// may not send documents (a group's restriction; a private chat has none).
    func fileRefusal(_ response: WebResponse, _ label: String) -> FileRefusal? {
        if let tooLarge = FileUploads.tooLarge(response, label) { return tooLarge }
        guard let failure = try? JSONDecoder().decode(TelegramWire.Failure.self, from: response.body), failure.ok == false,
            let description = failure.description.map(response.quoting)
        else { return nil }
        if description.localizedCaseInsensitiveContains("file is too big") {
            return FileRefusal(.tooLarge, reason: "\(label): \(description)")
        }
        if description.localizedCaseInsensitiveContains("not enough rights to send documents") {
            return FileRefusal(.notAllowed, reason: "\(label): \(description)")
        }
        return nil
    }

    /// `coach check`: nothing to ask Telegram, whose bots may always send documents to a private chat.
    static let filesFinding = CheckFinding.ok(
        "files", "a bot may always send documents to a member's private chat (up to 50 MB): report html sends the report file there, once the member has started a private chat with the bot")
}
