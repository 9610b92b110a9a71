import CoachCore
import Foundation

/// A file made for a message's attachment, ready to upload: its name, its type and its bytes.
public struct FileAttachment: Sendable, Equatable {
    public var filename: String
    /// The MIME type the platform is told, e.g. `text/html; charset=utf-8`.
    public var mimeType: String
    public var bytes: Data

    public init(filename: String, mimeType: String, bytes: Data) {
        self.filename = filename
        self.mimeType = mimeType
        self.bytes = bytes
    }

    /// The MIME type without its parameters (`text/html`), for platforms that take only that.
    public var bareMimeType: String {
        String(mimeType.split(separator: ";", maxSplits: 1).first ?? Substring(mimeType)).trimmingCharacters(in: .whitespaces)
    }
}

/// What became of a file a transport was asked to send.
public enum FileDelivery: Sendable, Equatable {
    /// The platform took it; its id for the message (or the file) where it gave one.
    case sent(platformID: String?)
    /// The platform refused the file itself: the bot may not upload, files are turned off, or it is too large. The
    /// member is told so, with another way to get the report; the bot carries on.
    case refused(FileRefusal)
}

/// Why a platform refused a file, and its own words for the log.
public struct FileRefusal: Sendable, Equatable {
    /// `notAllowed` or `tooLarge`.
    public var problem: FileProblem
    /// The platform's refusal, for the log and the journal; never shown to members.
    public var reason: String

    public init(_ problem: FileProblem, reason: String) {
        self.problem = problem
        self.reason = reason
    }
}

/// A chat platform the bot can send files to, privately, with a caption.
///
/// Separate from `ChatTransport` so a platform that cannot take files (the console, the webhooks) simply does not
/// conform, and its `TransportCapabilities.files` is false. Every failure that is not about the file (a rate limit,
/// an outage, a bad token, a member who blocked the bot) is thrown as for any message, and the runtime handles it
/// the same way; only the platform refusing the file itself is a `FileDelivery.refused`.
public protocol SendsFiles: ChatTransport {
    /// Sends `file` with `message.text` as its caption to `message.destination` (a member's private conversation,
    /// for the report), and returns what became of it.
    ///
    /// `key` is the message's delivery key: platforms that de-duplicate a post by a key (Matrix txnId, Discord
    /// nonce, Mattermost `pending_post_id`) use it for the post that carries the file.
    func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery
}
