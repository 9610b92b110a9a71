#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What `replaceState` did: the seq the new snapshot carries, and where the state it replaced went.
public struct ReplacedState: Sendable, Equatable {
    /// The folder the replaced files were moved into; nil when the state folder held none.
    public var asideFolder: URL?
    /// The files moved there, by name, in the order they were moved.
    public var movedFiles: [String]
    /// The new snapshot's sequence number.
    public var seq: Int

    public init(asideFolder: URL?, movedFiles: [String], seq: Int) {
        self.asideFolder = asideFolder
        self.movedFiles = movedFiles
        self.seq = seq
    }
}

extension JournalStore {
    /// Makes `state` the state in `directory`: a snapshot with an empty journal, as compaction leaves it. The files it
    /// replaces (`state.json`, `journal.jsonl`, and temp files a crash left) are moved into `aside`, a new folder that
    /// should sit outside the state folder, so nothing of the old state stays inside it. Takes the folder's lock for
    /// the whole replacement: a running bot makes it throw `StoreError.locked` (with the bot's pid) before anything
    /// is touched.
    ///
    /// Every step leaves a folder that either loads one whole state, the old or the new, or is refused with a clear
    /// message; never a mixture. The new snapshot's seq is past every seq the old files hold, so journal lines of the
    /// replaced state that a crash half-way leaves behind count as already folded in and are skipped, never replayed
    /// onto the new state. The order: leftover temp files aside; the new snapshot written to its temp file and
    /// fsynced; the old snapshot aside (the old journal alone is refused as history missing, or replays the whole old
    /// state when it starts at seq 1); the new snapshot renamed into place; the old journal aside; an empty journal.
    ///
    /// - Parameters:
    ///   - seq: the seq the state was folded up to where it came from (a backup's); raised past the old files' seqs.
    ///   - aside: must not exist yet; created only when there is something to move into it.
    public static func replaceState(
        in directory: URL, with state: Snapshot, seq: Int, schemaVersion: Int, keepingReplacedIn aside: URL,
        options: StoreOptions = .init()
    ) throws -> ReplacedState {
        let paths = StorePaths(directory)
        let temps = StoreFile.allCases.map { paths.temp(of: $0) }
        try createDirectory(directory, durable: options.durable)
        try SystemCalls.refuseSpecialFiles([paths.lock, paths.snapshot, paths.journal] + temps)
        let lockFD = try SystemCalls.lockExclusively(paths.lock, directory: paths.directory)
        defer { SystemCalls.closeFile(lockFD) }

        let newSeq = min(StoreLimits.largestSeq, max(seq, highestSeq(paths) + 1))
        let document: Data
        do {
            document = try snapshotDocument(state: state, seq: newSeq, schemaVersion: schemaVersion)
        } catch {
            throw StoreError.unencodable(path: paths.snapshot, reason: StoreCoding.describe(error))
        }

        var replaced = ReplacedState(asideFolder: nil, movedFiles: [], seq: newSeq)
        let present = ([paths.snapshot, paths.journal] + temps).filter(SystemCalls.exists)
        if !present.isEmpty {
            guard mkdir(aside.path, 0o700) == 0 else { throw SystemCalls.failure(aside.path, "create the folder") }
            replaced.asideFolder = aside
        }
        func moveAside(_ path: String) throws {
            guard SystemCalls.exists(path) else { return }
            try SystemCalls.moveFile(path, into: aside.path, durable: options.durable)
            replaced.movedFiles.append(URL(fileURLWithPath: path).lastPathComponent)
        }
        // A crashed compaction's temp files first: the new snapshot is written under one of their names.
        for temp in temps { try moveAside(temp) }
        let temp = paths.temp(of: .snapshot)
        let fd = try SystemCalls.openStateFile(temp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try SystemCalls.writeAll(fd, document, path: temp)
            if options.durable { try SystemCalls.sync(fd, path: temp) }
        } catch {
            SystemCalls.closeFile(fd)
            throw error
        }
        SystemCalls.closeFile(fd)
        try moveAside(paths.snapshot)
        try SystemCalls.renameFile(temp, to: paths.snapshot)
        if options.durable { try SystemCalls.syncDirectory(paths.directory) }
        try moveAside(paths.journal)
        let journal = try SystemCalls.openStateFile(paths.journal, O_WRONLY | O_CREAT | O_TRUNC)
        defer { SystemCalls.closeFile(journal) }
        if options.durable {
            try SystemCalls.sync(journal, path: paths.journal)
            try SystemCalls.syncDirectory(paths.directory)
            if replaced.asideFolder != nil {
                try SystemCalls.syncDirectory(aside.path)
                try SystemCalls.syncDirectory(aside.deletingLastPathComponent().path)
            }
        }
        return replaced
    }

    /// The highest seq the folder's snapshot and journal lines carry, read leniently: a line that is not even JSON
    /// counts for nothing (it is replaced anyway; only the new state's seq has to clear the readable ones).
    static func highestSeq(_ paths: StorePaths) -> Int {
        let decoder = StoreCoding.decoder()
        var highest = 0
        if let data = try? SystemCalls.readFile(paths.snapshot), let header = try? decoder.decode(SeqHeader.self, from: data) {
            highest = max(highest, header.seq)
        }
        if let data = try? SystemCalls.readFile(paths.journal) {
            for range in StoreLoader<Snapshot, Event>.lineRanges(in: data) {
                if let header = try? decoder.decode(SeqHeader.self, from: data[range]) { highest = max(highest, header.seq) }
            }
        }
        return min(max(0, highest), StoreLimits.largestSeq)
    }
}

/// Just the seq of a snapshot or a journal line.
struct SeqHeader: Decodable {
    var seq: Int
}

extension SystemCalls {
    /// Whether anything is at `path`, a link included (lstat: never what it points to).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Moves the file at `path` into `folder`, keeping its name: a rename, or where the folder is on another file
    /// system (a state folder that is a mount point), a copy made durable before the original is removed.
    static func moveFile(_ path: String, into folder: String, durable: Bool) throws {
        let target = URL(fileURLWithPath: folder).appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent).path
        if rename(path, target) == 0 { return }
        guard errno == EXDEV else { throw failure(target, "move \(path) to") }
        let data = try readFile(path) ?? Data()
        let fd = try openFile(target, O_WRONLY | O_CREAT | O_EXCL)
        defer { closeFile(fd) }
        try writeAll(fd, data, path: target)
        if durable {
            try sync(fd, path: target)
            try syncDirectory(folder)
        }
        if unlink(path) != 0 { throw failure(path, "remove") }
    }
}
