#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a state folder holds, read the way `open` reads it, but without the lock and without changing anything:
/// what `coach check` reports.
public struct StoreInspection<Snapshot> {
    /// Whether the folder holds a state yet (a snapshot or a journal). Without one the bot starts from `initial()`.
    public var holdsState: Bool
    /// The state the bot would start from.
    public var state: Snapshot
    /// The last committed sequence number (0 for a new folder).
    public var lastSeq: Int
    /// When `state.json` or `journal.jsonl` last changed, whichever is later; nil without a state.
    public var lastChange: Date?
    /// What `open` would repair at the next start: a torn last line it would cut off (`droppedTornBytes`), and the
    /// temp files it would remove (`removedTempFiles`, which here lists the files still there).
    public var report: OpenReport
    /// Set when a coach holds the folder's lock, i.e. is running on it.
    public var runningBot: LockHolder?
}

/// The process that holds a state folder's lock: a coach running on it.
public struct LockHolder: Sendable, Equatable {
    /// Its process id, when the system says (nil where it cannot be learnt).
    public var pid: Int32?
}

extension JournalStore {
    /// Reads the state in `directory` as `open` would, without taking the lock, creating anything or repairing
    /// anything, and throws the same `StoreError` the bot would stop with. A running bot does not disturb it: the
    /// files are read in the order that stays consistent while a bot compacts, and its lock is only looked at.
    ///
    /// - Parameters: as for `open`.
    public static func inspect(
        directory: URL,
        schemaVersion: Int,
        initial: () -> Snapshot,
        apply: (inout Snapshot, Event) throws -> Void
    ) throws -> StoreInspection<Snapshot> {
        let paths = StorePaths(directory)
        let empty = StoreInspection(
            holdsState: false, state: initial(), lastSeq: 0, lastChange: nil,
            report: OpenReport(
                snapshotSchema: nil, snapshotSeq: 0, replayedLines: 0, skippedLines: 0, droppedTornBytes: 0,
                removedTempFiles: []),
            runningBot: nil)
        // A folder that is not there yet is what a first start creates.
        guard try existingDirectory(directory) else { return empty }
        // Before anything looks at the lock: a link there is refused, as `open` refuses it.
        try SystemCalls.refuseSpecialFiles([paths.lock, paths.snapshot, paths.journal])
        let runningBot = SystemCalls.lockHolder(paths.lock)
        if runningBot == nil {
            // `open` creates or opens these for writing; a folder it cannot write to stops the bot the same way.
            for path in [paths.lock, paths.journal] { try SystemCalls.checkWritable(path, in: paths.directory) }
        }
        let loaded = try StoreLoader<Snapshot, Event>(paths: paths, schemaVersion: schemaVersion)
            .load(initial: initial, apply: apply, journalFirst: true)
        var report = loaded.report
        report.removedTempFiles = StoreFile.allCases.map { paths.temp(of: $0) }
            .filter { path in var info = stat(); return lstat(path, &info) == 0 }
        let changes = [paths.snapshot, paths.journal].compactMap {
            (try? FileManager.default.attributesOfItem(atPath: $0))?[.modificationDate] as? Date
        }
        return StoreInspection(
            holdsState: holdsState(in: directory), state: loaded.state, lastSeq: loaded.lastSeq,
            lastChange: changes.max(), report: report, runningBot: runningBot)
    }
}
