import CoachChat
import CoachCore
import Foundation

/// Files through Slack's external upload flow (the old `files.upload` is retired): `files.getUploadURLExternal`
/// gives an upload URL and a file id, the bytes are posted to that URL, and `files.completeUploadExternal` shares the
/// file in the conversation with the caption as its message. It needs the `files:write` scope.
///
/// No step takes an idempotency key: a retry after the upload within a run completes the same file (`UploadLedger`),
/// but after a crash between completing and committing, the member gets the file twice.
extension SlackTransport: SendsFiles {
    public func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery {
        let target: String
        var thread: String?
        var purpose = CallPurpose.posting
        switch message.destination {
        case .channel:
            target = channel
        case .thread(let root):
            (target, thread) = (channel, root)
        case .direct(let user):
            target = try await directChannel(with: user)
            purpose = .direct
        }
        let caption = try await caption(for: message, key: key, splitter: Self.splitter)
        return try await uploads.deliver(key: key) { () throws(TransportError) in
            try await upload(file, for: purpose)
        } post: { fileID throws(TransportError) in
            let label = "slack files.completeUploadExternal"
            let body = SlackWire.CompleteUpload(
                files: [.init(id: fileID, title: file.filename)], channel_id: target, initial_comment: caption, thread_ts: thread)
            let response = try await client.post("files.completeUploadExternal", body: body, label: label, timeout: FileUploads.timeout)
            switch try client.answer(response, as: SlackWire.Completed.self, label: label) {
            case .ok(let completed):
                return .sent(platformID: completed.files?.first?.id ?? fileID)
            case .refused(let refusal):
                if let refused = fileRefusal(refusal, label) { return .refused(refused) }
                throw client.failure(refusal, label, for: purpose)
            }
        }
    }

    /// Asks for an upload URL and posts the bytes there; the file's id, or Slack's refusal of the file.
    func upload(_ file: FileAttachment, for purpose: CallPurpose) async throws(TransportError) -> UploadLedger.Upload {
        let label = "slack files.getUploadURLExternal"
        let response = try await client.post("files.getUploadURLExternal",
            form: [("filename", file.filename), ("length", String(file.bytes.count))], label: label)
        let answer: SlackWire.UploadURL
        switch try client.answer(response, as: SlackWire.UploadURL.self, label: label) {
        case .ok(let ok):
            answer = ok
        case .refused(let refusal):
            if let refused = fileRefusal(refusal, label) { return .refused(refused) }
            throw client.failure(refusal, label, for: purpose)
        }
        guard let text = answer.upload_url, let url = URL(string: text), let fileID = answer.file_id, !fileID.isEmpty else {
            throw .temporary(reason: "\(label): the answer had no upload_url or file_id")
        }
        // The upload URL is signed by Slack and needs no token: the bot's token is not sent to it.
        let uploadLabel = "slack file upload"
        var request = WebRequest(method: "POST", url: url, timeout: FileUploads.timeout, label: uploadLabel)
        (request.headers["Content-Type"], request.body) = MultipartForm([.file(name: "file", file)]).encoded()
        let sent = try await client.send(request)
        if let refused = FileUploads.tooLarge(sent, uploadLabel) { return .refused(refused) }
        if let failure = sent.failure(uploadLabel) { throw failure }
        return .uploaded(fileID)
    }

    /// Slack's refusals of the file itself, which the member is told about; nil for every other refusal.
    func fileRefusal(_ refusal: SlackClient.Refusal, _ label: String) -> FileRefusal? {
        switch refusal.code {
        case "missing_scope":
            FileRefusal(.notAllowed, reason: "\(label): the Slack app lacks the \(refusal.needed ?? "files:write") scope")
        case "file_uploads_disabled", "file_uploads_except_images_disabled", "file_type_not_allowed":
            FileRefusal(.notAllowed, reason: "\(label): the workspace does not allow this upload (\(refusal.code))")
        case "file_upload_size_restricted":
            FileRefusal(.tooLarge, reason: "\(label): the workspace restricts uploads of this size (\(refusal.code))")
        default:
            nil
        }
    }
}
