import CoachChat
import CoachCore
import Foundation

/// Files on Mattermost: `POST /files` (multipart, the conversation's `channel_id` and the file) uploads it to the
/// conversation, then a post with its `file_ids` and the caption as the message shows it. The bot needs the
/// `upload_file` permission there (members have it by default) and the server must allow attachments.
///
/// The post carries the delivery key as `pending_post_id`, so a retry within Mattermost's 30 seconds shows the file
/// once; within a run a retry posts the file already uploaded (`UploadLedger`). After a crash, the file is uploaded
/// again and shown once more if the first post had gone through more than 30 seconds before.
extension MattermostTransport: SendsFiles {
    /// The role every member of a conversation has, where `upload_file` lives unless a scheme takes it away.
    static let memberRole = "channel_user"
    static let uploadPermission = "upload_file"

    public func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery {
        let target: String
        var root: String?
        var purpose = CallPurpose.posting
        switch message.destination {
        case .channel: target = channel
        case .thread(let rootID): (target, root) = (channel, rootID)
        case .direct(let userID): (target, purpose) = (try await directChannel(with: userID), .direct)
        }
        let caption = try await caption(for: message, key: key, splitter: Self.splitter) ?? ""
        return try await uploads.deliver(key: key) { () throws(TransportError) in
            let label = "mattermost upload file"
            let form = MultipartForm([.field(name: "channel_id", value: target), .file(name: "files", file)])
            let response = try await client.post("files", multipart: form, label: label, timeout: FileUploads.timeout)
            if let refused = fileRefusal(response, label) { return .refused(refused) }
            if let failure = client.failure(response, label, for: purpose) { throw failure }
            guard let id = try client.decode(response, as: MattermostWire.Uploaded.self, label: label).fileInfos.first?.id else {
                throw .temporary(reason: "\(label): the answer had no file info")
            }
            return .uploaded(id)
        } post: { fileID throws(TransportError) in
            let label = "mattermost create post"
            let body = MattermostWire.NewPost(channelID: target, message: caption, rootID: root, pendingPostID: key, fileIDs: [fileID])
            let response = try await client.post("posts", body: body, label: label)
            if let refused = fileRefusal(response, label) { return .refused(refused) }
            if let failure = client.failure(response, label, for: purpose) { throw failure }
            let id = try client.decode(response, as: MattermostWire.Created.self, label: label).id
            // As after a private text: the member's answer in this conversation reaches the engine.
            if case .direct(let userID) = message.destination { direct.opened(user: userID, channel: target, after: id) }
            return .sent(platformID: id)
        }
    }

    /// Mattermost's refusals of a file: no `upload_file` permission in the conversation (403), attachments turned
    /// off on the server (501), or too large (413).
    func fileRefusal(_ response: WebResponse, _ label: String) -> FileRefusal? {
        if let tooLarge = FileUploads.tooLarge(response, label) { return tooLarge }
        switch response.status {
        case 403: return FileRefusal(.notAllowed, reason: "\(label): HTTP 403 \(MattermostClient.detail(response))")
        case 501: return FileRefusal(.notAllowed, reason: "\(label): HTTP 501, file attachments are turned off (\(MattermostClient.detail(response)))")
        default: return nil
        }
    }

    /// `coach check`: whether the server takes attachments and a conversation's members may upload.
    func filesFinding() async -> CheckFinding {
        do throws(TransportError) {
            let config = try await client.call(get: "config", "client", query: [("format", "old")], as: MattermostWire.ClientConfig.self,
                label: "mattermost client config", for: .lookup)
            if config.enableFileAttachments == "false" {
                return .warning("files", "file attachments are turned off on this server, so report html cannot send the report file (the admin is told to run coach report --html on the server instead): System Console > Site Configuration > File Sharing and Downloads > Allow File Sharing")
            }
            let roles = try await client.call(post: "roles", "names", body: [Self.memberRole], as: [MattermostWire.Role].self,
                label: "mattermost roles", for: .lookup)
            if let role = roles.first(where: { $0.name == Self.memberRole }), !role.permissions.contains(Self.uploadPermission) {
                return .warning("files", "members may not upload files (the channel_user role lacks upload_file), so report html cannot send the report file (the admin is told to run coach report --html instead): give the role Upload Files under System Console > User Management > Permissions")
            }
            return .ok("files", "the server takes attachments and members may upload: report html sends the report file privately")
        } catch {
            return .warning("files", "could not read whether the bot may upload files (\(error)); report html tells the admin if a file is refused")
        }
    }
}
