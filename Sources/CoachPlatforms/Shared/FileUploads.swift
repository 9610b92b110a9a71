import CoachChat
import CoachCore
import Foundation

/// What every adapter that sends files shares: how long an upload may take, the caption, the answers that refuse a
/// file for its size, and (`UploadLedger`) not uploading a file twice within a run.
enum FileUploads {
    /// An upload carries the whole report, so it may take longer than a message: a few megabytes over a slow link.
    static let timeout: Duration = .seconds(120)

    /// The shared reading of an answer that refuses a file for its size: HTTP 413, from the platform or a proxy in
    /// front of it. Each adapter reads its platform's own refusals first.
    static func tooLarge(_ response: WebResponse, _ label: String) -> FileRefusal? {
        guard response.status == 413 else { return nil }
        return FileRefusal(.tooLarge, reason: "\(label): HTTP 413 \(response.bodyExcerpt)")
    }
}

extension SendsFiles {
    /// The message's text as the file's caption, made ready by the platform's splitter (escaped, mass mentions
    /// broken), when it fits in one caption. When it does not, the text goes first as an ordinary message (under a
    /// key of its own, so a platform that de-duplicates by key does not take the file's post for a repeat of it),
    /// and the file follows without a caption: nothing of the text is lost.
    func caption(for message: OutboundMessage, key: String, splitter: MessageSplitter) async throws(TransportError) -> String? {
        let parts = splitter.split(message.text)
        if parts.count == 1 { return parts[0] }
        var text = message
        text.attachment = nil
        _ = try await send(text, key: key + "-caption")
        return nil
    }
}

/// Remembers, within one run, a file uploaded for a message whose post then failed, so the retry posts the same
/// upload instead of uploading it again (Slack, Mattermost, Matrix and Zulip upload first and post after).
///
/// Across a crash nothing is remembered: the file is uploaded again. The post that shows it is de-duplicated by the
/// message's key where the platform allows (Matrix txnId, Mattermost `pending_post_id` for 30 s, Discord's nonce,
/// which covers its one-step upload); elsewhere the member may see the file twice (the README lists each platform).
/// A value a transport keeps, whose copies share one record (an actor), as `PartsLedger` is.
struct UploadLedger: Sendable {
    /// What the upload step gave: the platform's handle for the file (a Slack or Mattermost file id, a Matrix
    /// `mxc://` URI, a Zulip `/user_uploads/…` path), or its refusal of the file.
    enum Upload: Sendable {
        case uploaded(String)
        case refused(FileRefusal)
    }

    private actor Handles {
        var handles: [String: String] = [:]

        func of(_ key: String) -> String? { handles[key] }
        func set(_ key: String, _ handle: String?) { handles[key] = handle }
    }

    private let handles = Handles()

    /// Uploads (unless this key's file already is) and posts. The handle is kept only while the post is still to
    /// be retried: a post that went through, was refused, or dropped the message forgets it.
    func deliver(
        key: String, isolation: isolated (any Actor)? = #isolation,
        upload: () async throws(TransportError) -> Upload,
        post: (_ handle: String) async throws(TransportError) -> FileDelivery
    ) async throws(TransportError) -> FileDelivery {
        let handle: String
        if let known = await handles.of(key) {
            handle = known
        } else {
            switch try await upload() {
            case .uploaded(let fresh): handle = fresh
            case .refused(let refusal): return .refused(refusal)
            }
            await handles.set(key, handle)
        }
        do {
            let delivery = try await post(handle)
            await handles.set(key, nil)
            return delivery
        } catch {
            switch error {
            case .rejected, .tooLong, .unauthorized, .closed: await handles.set(key, nil)
            case .rateLimited, .temporary: break
            }
            throw error
        }
    }
}
