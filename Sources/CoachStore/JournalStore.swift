#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A durable JSON state: `state.json` (snapshot) plus `journal.jsonl` (one line per committed batch of events).
/// A commit appends one line and never touches the snapshot, so its cost does not grow with the state's size; the
/// snapshot is rewritten only at compaction. Not `Sendable`: one owner task uses it.
public final class JournalStore<Snapshot: Codable, Event: Codable> {
    /// The state directory this store owns (it holds the directory's lock until `close`).
    public let directory: URL
    /// Bytes in the journal since the last compaction; compaction starts once this passes the option's limit.
    public private(set) var journalBytes: Int
    /// The size of the snapshot on disk. Compaction waits until the journal has outgrown it, so rewriting the
    /// snapshot costs at most one byte per byte journalled, however large the history grows.
    public private(set) var snapshotBytes: Int
    /// Sequence number of the last committed batch; the next commit writes `lastSeq + 1`.
    public private(set) var lastSeq: Int
    /// What `open` found and repaired, for the caller to log.
    public let openReport: OpenReport

    private let schemaVersion: Int
    private let options: StoreOptions
    private let paths: StorePaths
    private let lineEncoder = StoreCoding.encoder(sortedKeys: false)
    private var lockFD: Int32
    private var journalFD: Int32
    /// Set once closed or once a write failed; every later write throws `StoreError.unusable` with it.
    private var unusableReason: String?

    private init(
        directory: URL, schemaVersion: Int, options: StoreOptions, paths: StorePaths, lockFD: Int32,
        journalFD: Int32, journalBytes: Int, snapshotBytes: Int, lastSeq: Int, openReport: OpenReport
    ) {
        self.directory = directory
        self.schemaVersion = schemaVersion
        self.options = options
        self.paths = paths
        self.lockFD = lockFD
        self.journalFD = journalFD
        self.journalBytes = journalBytes
        self.snapshotBytes = snapshotBytes
        self.lastSeq = lastSeq
        self.openReport = openReport
    }

    deinit { close() }

    /// Opens (creating if absent) the store in `directory`: takes the lock, loads the snapshot, replays the journal
    /// tail with `apply`. Everything is validated before anything is written; the only repairs are cutting off a
    /// torn last journal line and removing temp files left by a crash. On any error the files are left untouched.
    ///
    /// - Parameters:
    ///   - schemaVersion: the newest schema this build writes; files with a newer one are refused.
    ///   - initial: the state of a brand-new directory.
    ///   - apply: the same pure function the caller uses to apply events in memory.
    public static func open(
        directory: URL,
        schemaVersion: Int,
        options: StoreOptions = .init(),
        initial: () -> Snapshot,
        apply: (inout Snapshot, Event) throws -> Void
    ) throws -> (store: JournalStore, state: Snapshot) {
        let paths = StorePaths(directory)
        try createDirectory(directory, durable: options.durable)
        try SystemCalls.refuseSpecialFiles([paths.lock, paths.snapshot, paths.journal])
        let lockFD = try SystemCalls.lockExclusively(paths.lock, directory: paths.directory)
        var handedOver = false
        defer { if !handedOver { SystemCalls.closeFile(lockFD) } }

        var loaded = try StoreLoader<Snapshot, Event>(paths: paths, schemaVersion: schemaVersion)
            .load(initial: initial, apply: apply)

        // Loading succeeded, so from here on repairs are safe.
        for file in StoreFile.allCases where try SystemCalls.removeIfPresent(paths.temp(of: file)) {
            loaded.report.removedTempFiles.append(paths.temp(of: file))
        }
        let journalFD = try SystemCalls.openStateFile(paths.journal, O_WRONLY | O_APPEND | O_CREAT)
        do {
            if loaded.report.droppedTornBytes > 0, let length = loaded.journalLength {
                try SystemCalls.truncateFile(journalFD, to: length, path: paths.journal)
                try SystemCalls.sync(journalFD, path: paths.journal)
            }
            // A new journal's directory entry must be durable before the first commit reports success.
            if loaded.journalLength == nil && options.durable { try SystemCalls.syncDirectory(paths.directory) }
        } catch {
            SystemCalls.closeFile(journalFD)
            throw error
        }

        handedOver = true
        let store = JournalStore(
            directory: directory, schemaVersion: schemaVersion, options: options, paths: paths, lockFD: lockFD,
            journalFD: journalFD, journalBytes: loaded.journalLength ?? 0,
            snapshotBytes: (try? FileManager.default.attributesOfItem(atPath: paths.snapshot)[.size] as? Int) ?? 0,
            lastSeq: loaded.lastSeq,
            openReport: loaded.report
        )
        return (store, loaded.state)
    }

    /// Appends one journal line holding `events` (one line per call, i.e. per poll batch), fsyncs, and compacts from
    /// `state` when the journal is over the limit. `state` must already include `events`. An empty batch writes
    /// nothing. If this throws `.unencodable` naming the journal, nothing was written and the store stays usable.
    /// After any other error what reached the disk is unknown: the store refuses further writes, and the caller should
    /// close it and open again, continuing from the state `open` returns (which may or may not include `events`).
    public func commit(_ events: [Event], state: Snapshot) throws {
        var state = state
        try commit(events, state: &state, beforeCompaction: { _ in })
    }

    /// `commit`, letting the caller change the state just before it becomes the snapshot, when this commit compacts:
    /// what retention lets go leaves memory and disk in one step, and no journal line keeps it, because the journal
    /// starts empty right after. `state` is changed only when the commit compacts.
    public func commit(_ events: [Event], state: inout Snapshot, beforeCompaction: (inout Snapshot) -> Void) throws {
        try ensureUsable()
        guard !events.isEmpty else { return }
        // Unreachable by commits (2^53 of them), but never a trap: `open` refuses a larger seq as damage.
        guard lastSeq < StoreLimits.largestSeq else {
            throw StoreError.unusable(
                directory: paths.directory,
                reason: "the journal's sequence number reached \(StoreLimits.largestSeq), the largest it may hold")
        }
        let seq = lastSeq + 1
        var line: Data
        do {
            line = try lineEncoder.encode(JournalLine(schema: schemaVersion, seq: seq, events: events))
        } catch {
            throw StoreError.unencodable(path: paths.journal, reason: StoreCoding.describe(error))
        }
        line.append(UInt8(ascii: "\n"))
        try markUnusableOnFailure {
            if case .midJournalLine(let bytes) = options.crashPoint {
                try SystemCalls.writeAll(journalFD, line.prefix(max(0, bytes)), path: paths.journal)
                throw SimulatedCrash(point: .midJournalLine(bytes: bytes))
            }
            // One write for the whole line, so a crash can only leave a torn *last* line.
            try SystemCalls.writeAll(journalFD, line, path: paths.journal)
            try crashIfRequested(.afterJournalWrite)
            if options.durable { try SystemCalls.syncData(journalFD, path: paths.journal) }
        }
        lastSeq = seq
        journalBytes += line.count
        if journalBytes > max(options.compactAfterJournalBytes, snapshotBytes) {
            // The batch is already durable, so even a snapshot that cannot be encoded must not look like "nothing
            // was written": every compaction failure here takes the reopen path.
            try markUnusableOnFailure {
                beforeCompaction(&state)
                try compact(state: state)
            }
        }
    }

    /// Writes `state` as the new snapshot and starts an empty journal. `state` must include every committed batch.
    /// The snapshot goes first (carrying `lastSeq`), then the journal reset: a crash between the two leaves journal
    /// lines the snapshot already holds, which `open` skips.
    public func compact(state: Snapshot) throws {
        try ensureUsable()
        let snapshot: Data
        do {
            snapshot = try Self.snapshotDocument(state: state, seq: lastSeq, schemaVersion: schemaVersion)
        } catch {
            throw StoreError.unencodable(path: paths.snapshot, reason: StoreCoding.describe(error))
        }
        try markUnusableOnFailure {
            SystemCalls.closeFile(try replaceAtomically(.snapshot, with: snapshot))
            let freshJournal = try replaceAtomically(.journal, with: Data())
            SystemCalls.closeFile(journalFD)
            journalFD = freshJournal
            journalBytes = 0
            snapshotBytes = snapshot.count
        }
    }

    /// The bytes compaction writes as `state.json` for `state` folded up to `seq`: sorted keys, so two snapshots of
    /// one state are the same bytes. A backup carries exactly this document.
    public static func snapshotDocument(state: Snapshot, seq: Int, schemaVersion: Int) throws -> Data {
        try StoreCoding.encoder(sortedKeys: true).encode(SnapshotFile(schema: schemaVersion, seq: seq, state: state))
    }

    /// Reads a snapshot document (`state.json`, or one carried in a backup) with the checks `open` makes: the same
    /// strict decoder, a newer schema refused as such, a seq out of range refused as damage. `path` names the
    /// document in the `StoreError` thrown.
    public static func readSnapshotDocument(
        _ data: Data, path: String, schemaVersion: Int
    ) throws -> (state: Snapshot, seq: Int, schema: Int) {
        try StoreLoader<Snapshot, Event>(paths: StorePaths(URL(fileURLWithPath: path).deletingLastPathComponent()),
            schemaVersion: schemaVersion).decodeSnapshot(data, path: path)
    }

    /// Whether `directory` already holds a state (a snapshot or a journal), without opening or locking it.
    public static func holdsState(in directory: URL) -> Bool {
        let paths = StorePaths(directory)
        return FileManager.default.fileExists(atPath: paths.snapshot) || FileManager.default.fileExists(atPath: paths.journal)
    }

    /// Releases the lock and the journal. Also done in deinit; calling it twice is harmless.
    public func close() {
        if journalFD >= 0 { SystemCalls.closeFile(journalFD) }
        // Closing the descriptor releases the flock.
        if lockFD >= 0 { SystemCalls.closeFile(lockFD) }
        journalFD = -1
        lockFD = -1
        unusableReason = unusableReason ?? "it was closed"
    }

    // MARK: - Writing

    /// Temp file, fsync, rename over the real file, fsync the directory: readers see the old file or the new one.
    /// Returns the still-open O_APPEND descriptor of the new file, so the fresh journal needs no reopen (which could
    /// fail after the rename).
    private func replaceAtomically(_ file: StoreFile, with data: Data) throws -> Int32 {
        let temp = paths.temp(of: file)
        // Not following a link here matters as much as for the journal: O_TRUNC would empty the link's target.
        let fd = try SystemCalls.openStateFile(temp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        var handedOver = false
        defer { if !handedOver { SystemCalls.closeFile(fd) } }
        try SystemCalls.writeAll(fd, data, path: temp)
        try crashIfRequested(.afterTempWrite(file))
        if options.durable { try SystemCalls.sync(fd, path: temp) }
        try crashIfRequested(.afterTempFsync(file))
        try SystemCalls.renameFile(temp, to: paths.path(of: file))
        try crashIfRequested(.afterRename(file))
        if options.durable { try SystemCalls.syncDirectory(paths.directory) }
        try crashIfRequested(.afterDirectoryFsync(file))
        handedOver = true
        return fd
    }

    private func crashIfRequested(_ point: CrashPoint) throws {
        if options.crashPoint == point { throw SimulatedCrash(point: point) }
    }

    private func ensureUsable() throws {
        if let unusableReason { throw StoreError.unusable(directory: paths.directory, reason: unusableReason) }
    }

    /// After a failed write the tail of the journal is unknown; appending behind it could turn a torn last line into
    /// a corrupt middle one. So one failure ends this store's writing life.
    private func markUnusableOnFailure(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            unusableReason = "an earlier write failed (\(error))"
            throw error
        }
    }

    /// Whether the state folder exists; a file where it should be is refused, by `open` and `inspect` alike.
    static func existingDirectory(_ directory: URL) throws -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else { throw StoreError.notADirectory(path: directory.path) }
        return true
    }

    static func createDirectory(_ directory: URL, durable: Bool) throws {
        let path = directory.path
        if try existingDirectory(directory) { return }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            // A file where a parent folder should be: Foundation says only "NSCocoaErrorDomain Code=512/516".
            var parent = directory.deletingLastPathComponent()
            while parent.path != "/" && !FileManager.default.fileExists(atPath: parent.path) {
                parent = parent.deletingLastPathComponent()
            }
            if !(try existingDirectory(parent)) { throw StoreError.notADirectory(path: parent.path) }
            let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let reason = posix.map { SystemCalls.errnoText(Int32($0.code)) } ?? (error as NSError).localizedDescription
            throw StoreError.io(path: path, operation: "create the folder", errnoDescription: reason)
        }
        if durable { try SystemCalls.syncDirectory(directory.deletingLastPathComponent().path) }
    }
}
