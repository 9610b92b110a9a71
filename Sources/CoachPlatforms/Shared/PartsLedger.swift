import CoachChat

/// Remembers, within one run, how many parts of a split message were already sent, so a retry after a failure
/// part-way sends only the rest. (Across a crash, platforms with idempotency keys still show each part once; the
/// others may repeat the parts sent before the crash: the README states each platform's guarantee.)
///
/// A part the platform refuses as too long (`TransportError.tooLong`: its limit counted differently, or configured
/// lower) is split finer, in halves by the platform's own measure, and the pieces are sent in its place, so nobody's
/// text can stop the rest of a message from being posted. Only a part already as small as parts get is given up,
/// and the message with it (`rejected`): a platform refusing 64 characters as too long is refusing something else.
///
/// A value a transport keeps, whose copies share one record (an actor): the send closure runs on the transport's
/// own actor, and the loop is written once for every adapter.
public struct PartsLedger: Sendable {
    private struct Record {
        /// The parts as they stand, finer where the platform asked.
        var parts: [String]
        var sent: Int
        var firstID: String?
    }

    private actor Progress {
        var records: [String: Record] = [:]

        func of(_ key: String) -> Record? { records[key] }
        func set(_ key: String, _ value: Record?) { records[key] = value }
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
    /// A part refused as too long is replaced by `splitter.finer(part)`; without a splitter the refusal is thrown.
    public func deliver(
        _ parts: [String], key: String, splitter: MessageSplitter? = nil, isolation: isolated (any Actor)? = #isolation,
        send: (_ index: Int, _ part: String) async throws(TransportError) -> String?
    ) async throws(TransportError) -> String? {
        var record = await progress.of(key) ?? Record(parts: parts, sent: 0)
        while record.sent < record.parts.count {
            let id: String?
            do {
                id = try await send(record.sent, record.parts[record.sent])
            } catch .tooLong(let reason) {
                guard let splitter else { throw .tooLong(reason: reason) }
                guard let pieces = splitter.finer(record.parts[record.sent]) else {
                    throw .rejected(reason: "\(reason); a part of \(splitter.size(record.parts[record.sent])) was refused as too long, and parts get no smaller")
                }
                record.parts.replaceSubrange(record.sent...record.sent, with: pieces)
                await progress.set(key, record)
                continue
            }
            if record.sent == 0 { record.firstID = id }
            record.sent += 1
            await progress.set(key, record)
        }
        await progress.set(key, nil)
        return record.firstID
    }
}
