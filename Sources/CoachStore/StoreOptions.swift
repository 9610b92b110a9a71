/// Tuning and test hooks for a `JournalStore`. The defaults are what production should run with.
public struct StoreOptions: Sendable {
    /// Rewrite the snapshot and start a fresh journal once the journal grows past this many bytes and past the
    /// snapshot's own size. Bounds the disk used and the replay work at start-up (what a start after a crash
    /// replays), without making an ordinary commit touch the snapshot, and keeps compaction's share of each commit
    /// constant as the history grows. A clean stop compacts too, so a normal restart replays nothing.
    public var compactAfterJournalBytes: Int

    /// 4 MiB: a start after a crash replays at most this much (about a second with a large history on a small
    /// server), while compaction stays rare.
    public static let defaultCompactionBytes = 4 * 1024 * 1024
    /// fsync on every commit (and during compaction). Only a benchmark comparing costs may turn this off: without
    /// it a power cut can lose commits that were reported as done.
    public var durable: Bool
    /// Crash tests only; leave `nil` in production. When an operation reaches this point it stops and throws
    /// `SimulatedCrash`, leaving the files as a power cut there would (as far as a process can simulate: data that
    /// was written but not yet fsynced still reaches the file). The store then refuses further writes; close it and
    /// open the directory again, as a restarted process would.
    public var crashPoint: CrashPoint?

    public init(compactAfterJournalBytes: Int = StoreOptions.defaultCompactionBytes, durable: Bool = true, crashPoint: CrashPoint? = nil) {
        self.compactAfterJournalBytes = compactAfterJournalBytes
        self.durable = durable
        self.crashPoint = crashPoint
    }
}

/// The files the store replaces atomically; names the step of a `CrashPoint`.
public enum StoreFile: String, Sendable, Hashable, CaseIterable {
    /// `state.json`, rewritten at compaction.
    case snapshot
    /// `journal.jsonl`, replaced by an empty one right after the snapshot at compaction.
    case journal
}

/// A point inside `commit` or `compact` where a simulated crash can stop the operation (see
/// `StoreOptions.crashPoint`). Compaction runs: snapshot temp write, fsync, rename, directory fsync, then the same
/// four steps for the empty journal.
public enum CrashPoint: Sendable, Hashable, CustomStringConvertible {
    /// Commit: only the first `bytes` bytes of the journal line reach the file (all of it if `bytes` is larger).
    case midJournalLine(bytes: Int)
    /// Commit: the whole line was written but not yet fsynced.
    case afterJournalWrite
    /// Compaction: the temp file holds the full new content, not yet fsynced or renamed.
    case afterTempWrite(StoreFile)
    /// Compaction: the temp file is fsynced but not yet renamed.
    case afterTempFsync(StoreFile)
    /// Compaction: the temp file was renamed over the real one; the directory is not yet fsynced.
    case afterRename(StoreFile)
    /// Compaction: the replacement is complete. For `.snapshot` this is the crash between the snapshot and the
    /// journal reset, which open handles by skipping journal lines the snapshot already holds.
    case afterDirectoryFsync(StoreFile)

    /// Every crash point once, with a few cut positions inside a journal line; what crash tests iterate over.
    public static let all: [CrashPoint] =
        [0, 1, 9, 10_000].map { .midJournalLine(bytes: $0) } + [.afterJournalWrite]
        + StoreFile.allCases.flatMap { file in
            [.afterTempWrite(file), .afterTempFsync(file), .afterRename(file), .afterDirectoryFsync(file)]
        }

    public var description: String {
        switch self {
        case .midJournalLine(let bytes): "midJournalLine(bytes: \(bytes))"
        case .afterJournalWrite: "afterJournalWrite"
        case .afterTempWrite(let file): "afterTempWrite(\(file))"
        case .afterTempFsync(let file): "afterTempFsync(\(file))"
        case .afterRename(let file): "afterRename(\(file))"
        case .afterDirectoryFsync(let file): "afterDirectoryFsync(\(file))"
        }
    }
}
