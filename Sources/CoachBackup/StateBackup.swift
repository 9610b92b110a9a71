#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CoachCore
import CoachRuntime
import CoachStore
import Foundation

/// `coach backup` and `coach restore`: a team's state as one checked, compressed file (`BackupFile`), and putting one
/// back.
///
/// A backup reads the state as `coach report` does, without the lock (`CoachSetup.inspectState`): the journal before
/// the snapshot, so a compaction in between cannot pair a new snapshot with lines it lacks, and a torn last line is
/// left out. The state written is therefore one the bot really had, after some commit, whether it runs or not.
///
/// A restore checks the whole file before it touches anything, then replaces the state under the folder's lock
/// (`JournalStore.replaceState`), moving what it replaces into a folder beside the state folder, never inside it.
public enum StateBackup {
    /// What a backup wrote.
    public struct Written: Sendable, Equatable {
        public var file: URL
        public var header: BackupHeader
        /// The backup file's size.
        public var fileBytes: Int
    }

    /// What a restore did.
    public struct Restored: Sendable, Equatable {
        public var file: URL
        public var header: BackupHeader
        public var stateDirectory: URL
        /// Where the replaced state went, and the new snapshot's seq.
        public var replaced: ReplacedState
    }

    /// A backup checked through and through: its header, and the state inside, decoded as the bot decodes its
    /// snapshot.
    public struct Checked: Sendable {
        public var header: BackupHeader
        public var state: CoachState
        public var seq: Int
    }

    /// Writes a backup of the state in `stateDirectory` to `file` (absolute), whole or not at all: a temporary file
    /// beside it, fsynced, renamed over it. Owner-only, like the state: it holds what people wrote about each other.
    ///
    /// - Parameters:
    ///   - team: the team's name, for the header.
    ///   - appVersion: the coach that writes it.
    public static func write(
        stateDirectory: URL, to file: URL, team: String, appVersion: String?, at now: Date
    ) throws -> Written {
        try checkDestination(file, stateDirectory: stateDirectory)
        let inspection = try CoachSetup.inspectState(in: stateDirectory)
        guard inspection.holdsState else { throw BackupError.noState(directory: stateDirectory.path) }
        let document = try StateStore.snapshotDocument(
            state: inspection.state, seq: inspection.lastSeq, schemaVersion: CoachState.schemaVersion)
        let (backup, bytes) = try BackupFile.make(
            payload: document, schemaVersion: CoachState.schemaVersion, appVersion: appVersion, createdAt: now,
            team: team, seq: inspection.lastSeq, counts: BackupCounts(inspection.state))
        try writeWhole(bytes, to: file)
        return Written(file: file, header: backup.header, fileBytes: bytes.count)
    }

    /// Reads and checks a backup completely, changing nothing: that it is a backup, whole, not damaged, of a format
    /// and a schema this build reads, and that the state inside decodes with the snapshot's own strict decoder.
    public static func check(_ file: URL) throws(BackupError) -> Checked {
        let path = file.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .notABackup(path: path, reason: "it is a folder")
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: file)
        } catch {
            throw .unreadable(path: path, reason: reason(error))
        }
        let backup = try BackupFile.read(bytes, path: path)
        let header = backup.header
        guard header.schemaVersion <= CoachState.schemaVersion else {
            throw .newerSchema(
                path: path, found: header.schemaVersion, supported: CoachState.schemaVersion, writtenBy: header.appVersion)
        }
        let inside = path + " (the state inside)"
        do {
            let (state, seq, schema) = try StateStore.readSnapshotDocument(
                backup.payload, path: inside, schemaVersion: CoachState.schemaVersion)
            guard schema == header.schemaVersion, seq == header.seq else {
                throw BackupError.damaged(
                    path: path, reason: "the state inside is schema \(schema) at seq \(seq), where its header says "
                        + "schema \(header.schemaVersion) at seq \(header.seq)")
            }
            return Checked(header: header, state: state, seq: seq)
        } catch let error as BackupError {
            throw error
        } catch StoreError.newerSchema(_, let found, let supported) {
            throw .newerSchema(path: path, found: found, supported: supported, writtenBy: header.appVersion)
        } catch StoreError.corruptSnapshot(_, let reason) {
            throw .damaged(path: path, reason: "the state inside does not load: \(reason)")
        } catch {
            throw .damaged(path: path, reason: "the state inside does not load: \(error)")
        }
    }

    /// Puts the state in `file` in place of the state in `stateDirectory`, after checking the file through
    /// (`check`). Refused, with nothing changed, while a bot holds the folder's lock. The state it replaces is moved
    /// into `<state folder>.replaced-<UTC time>` beside the folder.
    public static func restore(
        _ file: URL, into stateDirectory: URL, at now: Date, options: StoreOptions = .init()
    ) throws -> Restored {
        let checked = try check(file)
        let directory = stateDirectory.standardizedFileURL
        do {
            let replaced = try StateStore.replaceState(
                in: directory, with: checked.state, seq: checked.seq, schemaVersion: CoachState.schemaVersion,
                keepingReplacedIn: asideFolder(for: directory, at: now), options: options)
            return Restored(file: file, header: checked.header, stateDirectory: directory, replaced: replaced)
        } catch StoreError.locked(let locked, let pid) {
            throw BackupError.stateInUse(directory: locked, pid: pid)
        }
    }

    /// `<state folder>.replaced-20270409T101500Z` beside the state folder; `-2`, `-3`… when that is taken.
    static func asideFolder(for directory: URL, at now: Date) -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let base = directory.path + ".replaced-" + formatter.string(from: now)
        var candidate = base
        var number = 1
        while FileManager.default.fileExists(atPath: candidate) {
            number += 1
            candidate = base + "-\(number)"
        }
        return URL(fileURLWithPath: candidate)
    }

    // MARK: - Writing the file

    /// Refuses a destination that is a folder, in a folder that does not exist, or in the state folder (links
    /// resolved, so a way round through a link is refused too).
    static func checkDestination(_ file: URL, stateDirectory: URL) throws(BackupError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .folderNotFile(path: file.path)
        }
        let parent = file.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingParent(path: file.path, parent: parent.path)
        }
        let state = stateDirectory.standardizedFileURL.resolvingSymlinksInPath().path
        let target = parent.resolvingSymlinksInPath().appendingPathComponent(file.lastPathComponent).path
        if target == state || target.hasPrefix(state + "/") {
            throw .insideStateFolder(path: file.path, stateDirectory: state)
        }
    }

    /// Temp file beside `file`, written, fsynced, renamed over it, the folder fsynced: a reader (or a crash) sees
    /// the old file or the whole new one. A link at `file` is replaced, never followed.
    static func writeWhole(_ bytes: Data, to file: URL) throws(BackupError) {
        let folder = file.deletingLastPathComponent().path
        let temp = URL(fileURLWithPath: folder).appendingPathComponent(".\(file.lastPathComponent).\(getpid()).tmp").path
        func failed(_ path: String = file.path) -> BackupError {
            .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failed() }
        var written = 0
        let ok = bytes.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = systemWrite(fd, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += count
            }
            return fsync(fd) == 0
        }
        let error = failed()
        close(fd)
        guard ok else {
            unlink(temp)
            throw error
        }
        guard rename(temp, file.path) == 0 else {
            let error = failed()
            unlink(temp)
            throw error
        }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    static func reason(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return error.localizedDescription
    }
}

/// The system's write(2), named apart from `StateBackup.write`.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}
