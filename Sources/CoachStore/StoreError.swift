/// Every way the store can refuse to work. Each case names the file involved, and `description` says what happened
/// and what the person running the bot should do, so the executable can print it as-is and stop.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// A journal line other than a torn last one could not be read, or its sequence number is out of order.
    /// Dropping it would silently lose a committed change, so the store refuses to start.
    case corruptJournal(path: String, line: Int, reason: String)
    /// `state.json` exists but cannot be decoded. Starting from `initial()` would overwrite the team's history.
    case corruptSnapshot(path: String, reason: String)
    /// The file (snapshot or a journal line) was written by a newer build. An older build must not rewrite it,
    /// because it would drop whatever the newer schema added.
    case newerSchema(path: String, found: Int, supported: Int)
    /// Another process (or another `open` in this process) holds the directory's lock. Two writers would
    /// interleave journal lines and double-apply input.
    case locked(directory: String, holderPID: Int32?)
    /// A system call failed. `operation` is the step (e.g. "fsync"), `errnoDescription` the system's reason.
    case io(path: String, operation: String, errnoDescription: String)
    /// The caller's `apply` threw while replaying a journal line: the journal holds a change this build cannot
    /// apply, so the loaded state would not match what was committed.
    case applyFailed(path: String, line: Int, reason: String)
    /// The caller's `Encodable` refused to encode the batch or the snapshot. Nothing was written.
    case unencodable(path: String, reason: String)
    /// One of the store's files (`state.lock`, `state.json`, `journal.jsonl`) is a symbolic link, a folder or
    /// another special file. The store never follows a link in its folder: a planted link would make it truncate
    /// or append to the file it points at. `found` says what is there, e.g. "a symbolic link to /etc/passwd".
    case notRegularFile(path: String, found: String)
    /// The state folder's path names something that is not a folder (or a folder on its way is a file).
    case notADirectory(path: String)
    /// The store was closed, or an earlier write failed part-way. After a failed write the file's tail is unknown,
    /// so the store refuses further writes rather than appending behind a half-written line.
    case unusable(directory: String, reason: String)

    /// Where the README explains backups and refused states. The README's heading must keep this title (a test reads
    /// the README for it), so the messages always point somewhere real.
    static let readmeHeading = "State and backups"
    static let readmeSection = "the README's \"\(readmeHeading)\" section"

    public var description: String {
        switch self {
        case .corruptJournal(let path, let line, let reason):
            return "The journal \(path) is damaged at line \(line) (\(reason)). ServiceCoach stopped without "
                + "touching it. Restore the state directory from a backup (see \(Self.readmeSection)), or move "
                + "journal.jsonl aside to start again from the last snapshot, losing the changes since then."
        case .corruptSnapshot(let path, let reason):
            return "The state file \(path) is not valid (\(reason)). ServiceCoach stopped without touching it. "
                + "Restore it from a backup (see \(Self.readmeSection)), or move it aside to start fresh."
        case .newerSchema(let path, let found, let supported):
            return "\(path) was written by a newer ServiceCoach (schema \(found); this build reads up to "
                + "\(supported)). ServiceCoach stopped without touching it. Upgrade coach, or restore a backup "
                + "(see \(Self.readmeSection))."
        case .locked(let directory, let holderPID):
            let holder = holderPID.map { " (pid \($0))" } ?? ""
            return "Another coach is already using \(directory)\(holder). Stop it first, or give this one its own "
                + "--state directory."
        case .io(let path, let operation, let errnoDescription):
            return "Could not \(operation) \(path): \(errnoDescription). Check that the disk is not full and that "
                + "coach may write to that directory, then start coach again; it recovers from the last complete "
                + "commit."
        case .applyFailed(let path, let line, let reason):
            return "Replaying line \(line) of \(path) failed (\(reason)). ServiceCoach stopped without touching it. "
                + "Run the coach version that wrote the journal, or restore a backup (see \(Self.readmeSection))."
        case .unencodable(let path, let reason):
            return "Could not encode the state for \(path) (\(reason)). Nothing was written. This is a bug in "
                + "ServiceCoach: please report it with this message."
        case .notRegularFile(let path, let found):
            let link = found.hasPrefix("a symbolic link")
            return "The state file \(path) is \(found), not a regular file. ServiceCoach stopped without touching it"
                + (link ? " or what it points to: it never follows links in its state folder, so a link cannot make it "
                    + "write over another file. Replace the link with the real file (move the file it points to "
                    + "into the state folder), or set stateDirectory to the folder that holds the real files."
                    : ". Move it out of the state folder; ServiceCoach creates the file itself.")
        case .notADirectory(let path):
            return "The state folder \(path) is a file, not a folder. Set stateDirectory in the config (or --state) "
                + "to a folder of the bot's own, e.g. \"state\"; coach creates it if it is not there."
        case .unusable(let directory, let reason):
            return "The state store in \(directory) no longer accepts changes: \(reason). Restart coach; it "
                + "recovers from the last complete commit."
        }
    }
}

/// Thrown by a fault-injection `CrashPoint`: the operation stopped right there, as if the power had been cut.
public struct SimulatedCrash: Error, Equatable, CustomStringConvertible {
    /// Where the operation stopped.
    public let point: CrashPoint

    public var description: String { "simulated crash at \(point)" }
}
