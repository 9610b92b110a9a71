import CoachChat

/// Remembers, within one run, how many parts of a split message were already sent, so a retry after a failure
/// part-way sends only the rest. (Across a crash, platforms with idempotency keys still show each part once; the
/// others may repeat the parts sent before the crash: the README states each platform's guarantee.)
///
/// A value a transport keeps, whose copies share one record (an actor): the send closure runs on the transport's
/// own actor, and the loop is written once for every adapter.
public struct PartsLedger: Sendable {
    private actor Progress {
        var sent: [String: (count: Int, firstID: String?)] = [:]

        func of(_ key: String) -> (count: Int, firstID: String?) { sent[key] ?? (0, nil) }
        func set(_ key: String, _ value: (count: Int, firstID: String?)?) { sent[key] = value }
    }

    private let progress = Progress()

    public init() {}

    /// The idempotency key of one part of a split message: the message's key for the first part, then `.2`, `.3`…
    /// (the part's number), so each part shows once however often it is retried. One form for every platform that
    /// takes a key (Matrix txnId, Discord nonce, Mattermost `pending_post_id`, Google Chat `requestId`).
    public static func partKey(_ key: String, _ index: Int) -> String {
        index == 0 ? key : "\(key).\(index + 1)"
    }

    /// Sends `parts` in order through `send`, skipping those already sent under `key`; returns the first part's id.
    public func deliver(
        _ parts: [String], key: String, isolation: isolated (any Actor)? = #isolation,
        send: (_ index: Int, _ part: String) async throws(TransportError) -> String?
    ) async throws(TransportError) -> String? {
        var (sent, firstID) = await progress.of(key)
        while sent < parts.count {
            let id = try await send(sent, parts[sent])
            if sent == 0 { firstID = id }
            sent += 1
            await progress.set(key, (sent, firstID))
        }
        await progress.set(key, nil)
        return firstID
    }
}
