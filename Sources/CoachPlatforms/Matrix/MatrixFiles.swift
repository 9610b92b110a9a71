import CoachChat
import CoachCore
import Foundation

/// Files on Matrix: the bytes go to the homeserver's media repository (`POST /_matrix/media/v3/upload`), which
/// answers with an `mxc://` URI, and an `m.file` event in the member's direct room points to it, its caption as the
/// event's `body` (plain) and `formatted_body` (HTML), and `filename` naming the file (Matrix 1.10's media
/// captions).
///
/// The event is sent with the delivery key as its transaction id, so a retry, even after a restart, shows the file
/// once. Within a run a retry also reuses the upload (`UploadLedger`); after a crash the bytes are uploaded again,
/// and the first upload stays unreferenced in the media repository.
extension MatrixTransport: SendsFiles {
    public func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery {
        try await ensureInRoom()
        var room = roomID
        var purpose = CallPurpose.channel
        var relation: JSONValue?
        switch message.destination {
        case .channel: break
        case .thread(let root): relation = ["rel_type": "m.thread", "event_id": .string(root)]
        case .direct(let user): (room, purpose) = (try await directRoom(with: user), .direct)
        }
        let formatted = try await htmlCaption(for: message, key: key)
        do {
            return try await uploads.deliver(key: key) { () throws(TransportError) in
                try await upload(file)
            } post: { uri throws(TransportError) in
                var content: [String: JSONValue] = [
                    "msgtype": "m.file", "url": .string(uri), "filename": .string(file.filename),
                    "body": .string(formatted.map(Self.body) ?? file.filename),
                    "info": ["mimetype": .string(file.bareMimeType), "size": .number(Double(file.bytes.count))],
                    // Empty: the caption pings nobody, whatever names it holds.
                    "m.mentions": [:],
                ]
                if let formatted {
                    content["format"] = "org.matrix.custom.html"
                    content["formatted_body"] = .string(formatted)
                }
                if let relation { content["m.relates_to"] = relation }
                let answer = try await client.call(put: "rooms", room, "send", "m.room.message", key, body: JSONValue.object(content),
                    as: JSONValue.self, label: "matrix send file", for: purpose)
                guard let eventID = answer["event_id"]?.string else {
                    throw .temporary(reason: "matrix send file: malformed answer: no event_id")
                }
                return .sent(platformID: eventID)
            }
        } catch .rejected(let reason) where purpose == .direct {
            // As for a text: the bot was removed from the member's room; the next message looks for a room again.
            direct.forget(room)
            throw .rejected(reason: reason)
        }
    }

    /// The caption as one HTML part, or nil after sending the text on its own (it would not fit in one event).
    func htmlCaption(for message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let parts = Self.parts(message.text)
        if parts.count == 1 { return parts[0] }
        var text = message
        text.attachment = nil
        _ = try await send(text, key: key + "-caption")
        return nil
    }

    /// The bytes to the media repository: the `mxc://` URI, or the homeserver's refusal of the file.
    func upload(_ file: FileAttachment) async throws(TransportError) -> UploadLedger.Upload {
        let label = "matrix media upload"
        let response = try await client.media("POST", ["media", "v3", "upload"], query: [("filename", file.filename)],
            body: file.bytes, contentType: file.mimeType, label: label, timeout: FileUploads.timeout)
        if let refused = fileRefusal(response, label) { return .refused(refused) }
        if let failure = client.failure(response, label, for: .direct) { throw failure }
        guard let uri = try client.decode(response, as: JSONValue.self, label: label)["content_uri"]?.string, uri.hasPrefix("mxc://") else {
            throw .temporary(reason: "\(label): malformed answer: no content_uri")
        }
        return .uploaded(uri)
    }

    /// The homeserver's refusals of an upload: too large (`M_TOO_LARGE`, 413), not allowed (`M_FORBIDDEN`, 403), or
    /// no media repository here (`M_UNRECOGNIZED`, 404). A rate limit or a bad token is read as for any call.
    func fileRefusal(_ response: WebResponse, _ label: String) -> FileRefusal? {
        guard !response.isSuccess else { return nil }
        let code = MatrixClient.errcode(response)
        let detail = MatrixClient.errorText(response)
        switch (response.status, code) {
        case (_, "M_TOO_LARGE"?), (413, _):
            return FileRefusal(.tooLarge, reason: "\(label): \(detail)")
        case (_, "M_FORBIDDEN"?), (403, nil):
            return FileRefusal(.notAllowed, reason: "\(label): \(detail)")
        case (_, "M_UNRECOGNIZED"?), (404, nil), (404, "M_NOT_FOUND"?):
            return FileRefusal(.notAllowed, reason: "\(label): the homeserver has no media repository here (\(detail))")
        default:
            return nil
        }
    }

    /// `coach check`: the homeserver's upload limit, from the authenticated media config (Matrix 1.11) or, on an
    /// older homeserver, the media repository's own.
    func filesFinding() async -> CheckFinding {
        do throws(TransportError) {
            var response = try await client.media("GET", ["client", "v1", "media", "config"], label: "matrix media config")
            if response.status == 404 || MatrixClient.errcode(response) == "M_UNRECOGNIZED" {
                response = try await client.media("GET", ["media", "v3", "config"], label: "matrix media config")
            }
            if let refused = fileRefusal(response, "matrix media config") {
                return .warning("files", "the homeserver does not let the bot upload files (\(refused.reason)), so report html cannot send the report file (the admin is told to run coach report --html on the server instead)")
            }
            if let failure = client.failure(response, "matrix media config", for: .lookup) { throw failure }
            let config = try client.decode(response, as: JSONValue.self, label: "matrix media config")
            guard let size = config["m.upload.size"]?.double, size > 0 else {
                return .ok("files", "the homeserver takes uploads (it sets no size limit): report html sends the report file to the member's direct room")
            }
            return .ok("files", "the homeserver takes uploads up to \(Self.megabytes(size)): report html sends the report file to the member's direct room")
        } catch {
            return .warning("files", "could not read the homeserver's media settings (\(error)); report html tells the admin if a file is refused")
        }
    }

    /// Bytes as people read a limit: "50 MB", "2.5 MB", "300 KB".
    static func megabytes(_ bytes: Double) -> String {
        guard bytes >= 1_000_000 else {
            return bytes >= 1000 ? "\(Int((bytes / 1000).rounded())) KB" : "\(Int(bytes)) bytes"
        }
        let value = bytes / 1_000_000
        return value >= 10 || value == value.rounded() ? "\(Int(value.rounded())) MB" : String(format: "%.1f MB", value)
    }
}
