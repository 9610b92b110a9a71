import CoachChat
import CoachCore
import Foundation

/// Files on Discord: one create-message call, multipart, with the message as `payload_json` (its `attachments`
/// naming the file) and the file as `files[0]`. In a private channel no server permission applies, so the bot may
/// always attach files there (up to Discord's 10 MiB); in a server channel it would need Attach Files.
///
/// The message carries the delivery key as its nonce with `enforce_nonce`, so a retry within Discord's few
/// minutes, even after a crash, returns the message already made instead of sending the file again.
extension DiscordTransport: SendsFiles {
    public func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery {
        let target: String
        var reference: String?
        var purpose = CallPurpose.posting
        switch message.destination {
        case .channel: target = channel
        case .thread(let root) where threadChannels[root] == true: target = root
        case .thread(let root): (target, reference) = (channel, root)
        case .direct(let userID): (target, purpose) = (try await directChannel(with: userID), .direct)
        }
        let label = "discord create message with a file"
        let caption = try await caption(for: message, key: key, splitter: Self.splitter) ?? ""
        let payload = DiscordWire.NewMessage(
            content: caption, nonce: Self.nonce(key, 0), messageReference: reference.map(Self.reply),
            attachments: [.init(id: 0, filename: file.filename)])
        let form = MultipartForm([
            .typed(name: "payload_json", contentType: "application/json", value: (try? JSONEncoder.platform.encode(payload)) ?? Data()),
            .file(name: "files[0]", file),
        ])
        let response = try await client.post("channels", target, "messages", multipart: form, label: label, timeout: FileUploads.timeout)
        if let refused = fileRefusal(response, label) { return .refused(refused) }
        if let failure = client.failure(response, label, for: purpose) { throw failure }
        let id = try client.decode(response, as: DiscordWire.Created.self, label: label).id
        // As after a private text: the member's answer in this conversation reaches the engine.
        if case .direct(let userID) = message.destination { direct.opened(user: userID, channel: target, after: id) }
        return .sent(platformID: id)
    }

    /// Discord's refusals of the file itself: over the upload limit (413, or code 40005), or, in a server channel,
    /// Missing Permissions (50013: Attach Files). Other refusals are read as for any message.
    func fileRefusal(_ response: WebResponse, _ label: String) -> FileRefusal? {
        if let tooLarge = FileUploads.tooLarge(response, label) { return tooLarge }
        guard !response.isSuccess, let body = try? JSONDecoder().decode(DiscordWire.Failure.self, from: response.body) else { return nil }
        let detail = "\(body.message ?? "") (code \(body.code ?? 0))"
        switch body.code {
        case DiscordWire.Code.entityTooLarge?: return FileRefusal(.tooLarge, reason: "\(label): \(detail)")
        case DiscordWire.Code.missingPermissions?: return FileRefusal(.notAllowed, reason: "\(label): \(detail)")
        default: return nil
        }
    }

    /// `coach check`: nothing to ask Discord, which applies no permission in a private channel.
    static let filesFinding = CheckFinding.ok(
        "files", "report html sends the report file in a private channel, where Discord needs no Attach Files permission (files up to 10 MiB)")
}
