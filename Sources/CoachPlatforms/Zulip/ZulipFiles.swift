import CoachChat
import CoachCore
import Foundation

/// Files on Zulip: `POST /user_uploads` (multipart) stores the file, then a private message links it, which is what
/// lets its recipient open it (an upload is visible only to its uploader until a message links it). Every account,
/// bots too, may upload up to the organisation's `max_file_upload_size_mib`.
///
/// Neither call takes an idempotency key: within a run a retry links the file already uploaded (`UploadLedger`);
/// after a crash between sending and committing, the member gets the message twice.
extension ZulipTransport: SendsFiles {
    public func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery {
        let splitter = Self.splitter(limit: messageLimit - Self.linkAllowance)
        let caption = try await caption(for: message, key: key, splitter: splitter)
        let (fields, purpose, _) = destinationFields(message)
        return try await uploads.deliver(key: key) { () throws(TransportError) in
            let label = "zulip upload file"
            let response = try await client.post("user_uploads", multipart: MultipartForm([.file(name: "file", file)]), label: label,
                timeout: FileUploads.timeout)
            if let refused = fileRefusal(response, label) { return .refused(refused) }
            if let failure = client.failure(response, label, for: purpose) { throw failure }
            guard let path = try client.decode(response, as: ZulipWire.Uploaded.self, label: label).path, !path.isEmpty else {
                throw .temporary(reason: "\(label): the answer had no url")
            }
            return .uploaded(path)
        } post: { path throws(TransportError) in
            let link = "[\(Self.linkText(file.filename))](\(path))"
            let content = caption.map { $0 + "\n\n" + link } ?? link
            let sent = try await client.call(post: "messages", form: fields + [("content", content)], as: ZulipWire.Sent.self,
                label: "zulip send", for: purpose)
            return .sent(platformID: String(sent.id))
        }
    }

    /// Room left in a message for the link to the file after the caption: a filename and an upload path.
    static let linkAllowance = 600

    /// A filename as a Markdown link's text: brackets and backslashes escaped, so the link stays one link.
    static func linkText(_ filename: String) -> String {
        var text = ""
        for character in filename {
            if "[]\\`*_".contains(character) { text.append("\\") }
            text.append(character)
        }
        return text
    }

    /// Zulip's refusals of a file: too large (413, or its "larger than the allowed limit"), or uploads turned off or
    /// the organisation's upload quota used up.
    func fileRefusal(_ response: WebResponse, _ label: String) -> FileRefusal? {
        if let tooLarge = FileUploads.tooLarge(response, label) { return tooLarge }
        guard let error = ZulipClient.error(response), error.result == "error", let message = error.msg.map(response.quoting) else {
            return nil
        }
        if message.localizedCaseInsensitiveContains("larger than the allowed limit") {
            return FileRefusal(.tooLarge, reason: "\(label): \(message)")
        }
        if message.localizedCaseInsensitiveContains("quota") || message.localizedCaseInsensitiveContains("disabled") {
            return FileRefusal(.notAllowed, reason: "\(label): \(message)")
        }
        return nil
    }

    /// `coach check`: the organisation's upload limit, read from a queue registered for its settings and deleted
    /// at once (`GET /server_settings` does not carry it).
    func filesFinding() async -> CheckFinding {
        do throws(TransportError) {
            let settings = try await client.call(post: "register", form: [
                ("event_types", #"["message"]"#), ("fetch_event_types", #"["realm"]"#),
            ], as: ZulipWire.RealmSettings.self, label: "zulip register", for: .lookup)
            if let queue = settings.queue_id {
                // A queue this fails to delete is collected by Zulip after about ten idle minutes: nothing to report.
                _ = try? await client.request("DELETE", ["events"], query: [("queue_id", queue)], body: .none, label: "zulip delete queue",
                    timeout: nil)
            }
            switch settings.max_file_upload_size_mib {
            case 0?:
                return .warning("files", "file uploads are turned off in this organisation, so report html cannot send the report file (the admin is told to run coach report --html on the server instead)")
            case let size?:
                return .ok("files", "the bot may upload files up to \(size) MiB: report html sends the report file as a link in a private message")
            case nil:
                return .ok("files", "the bot may upload files (this server does not say its size limit; Zulip's default is 25 MB): report html sends the report file as a link in a private message")
            }
        } catch {
            return .warning("files", "could not read whether the bot may upload files (\(error)); report html tells the admin if a file is refused")
        }
    }
}
