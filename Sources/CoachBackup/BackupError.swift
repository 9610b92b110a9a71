/// Why `coach backup` wrote nothing, or why `coach restore` changed nothing. Each case names the file or folder and
/// says what to do, so the executable prints it as the one line it stops with. A state the bot would refuse stops a
/// backup with the store's own message (`StoreError`).
public enum BackupError: Error, CustomStringConvertible, Equatable {
    /// The state folder holds no state to back up.
    case noState(directory: String)
    /// The backup's folder does not exist.
    case missingParent(path: String, parent: String)
    /// The backup path names a folder.
    case folderNotFile(path: String)
    /// The backup would land inside the state folder, where the bot's files live and where an erasure must be able
    /// to reach every byte.
    case insideStateFolder(path: String, stateDirectory: String)
    /// The system refused to write the backup; `reason` is its own words.
    case unwritable(path: String, reason: String)
    /// The file to restore could not be read.
    case unreadable(path: String, reason: String)
    /// The file does not start with a backup's header: it is something else.
    case notABackup(path: String, reason: String)
    /// The file is shorter than its header says: a copy that stopped early.
    case truncated(path: String, expected: Int, found: Int)
    /// The file is a backup, but its bytes are not what was written: the checksum, the compression or the state
    /// inside does not check out.
    case damaged(path: String, reason: String)
    /// The backup was written in a newer backup format than this build reads.
    case newerFormat(path: String, found: Int, supported: Int)
    /// The state inside is of a newer schema than this build reads (`writtenBy`: the coach version that wrote it).
    case newerSchema(path: String, found: Int, supported: Int, writtenBy: String?)
    /// A bot holds the state folder's lock: restoring under it would be overwritten by its next commit.
    case stateInUse(directory: String, pid: Int32?)

    public var description: String {
        switch self {
        case .noState(let directory):
            return "There is no state in \(directory) to back up: no coach has run with that folder yet. Check --state, "
                + "or stateDirectory in the config (and --config), names the folder the bot keeps its state in."
        case .missingParent(let path, let parent):
            return "Could not write \(path): the folder \(parent) does not exist. Create it first (mkdir -p \(parent)), "
                + "or name a path in a folder that exists."
        case .folderNotFile(let path):
            return "\(path) is a folder; name a file in it instead, e.g. \(path)/coach.coachbackup."
        case .insideStateFolder(let path, let stateDirectory):
            return "Refused to write \(path): it is inside the state folder \(stateDirectory), which holds only the "
                + "bot's own files (a backup there would outlive a member's erasure and be lost with the folder). Write "
                + "it somewhere else, e.g. a backups folder beside it."
        case .unwritable(let path, let reason):
            return "Could not write \(path): \(Self.sentence(reason)). Check the path, the free space and that you may "
                + "write to its folder."
        case .unreadable(let path, let reason):
            return "Could not read \(path): \(Self.sentence(reason)). Nothing was changed. Check the path and its "
                + "permissions."
        case .notABackup(let path, let reason):
            return "\(path) is not a ServiceCoach backup (\(reason)). Nothing was changed. Name a file that coach "
                + "backup wrote."
        case .truncated(let path, let expected, let found):
            return "The backup \(path) is incomplete: it holds \(found) bytes where its header says \(expected), as a "
                + "copy that stopped early leaves it. Nothing was changed. Copy the backup again in full, or restore "
                + "another one."
        case .damaged(let path, let reason):
            return "The backup \(path) is damaged (\(reason)). Nothing was changed. Restore another backup, or take a "
                + "new one with coach backup."
        case .newerFormat(let path, let found, let supported):
            return "The backup \(path) is in backup format \(found), written by a newer ServiceCoach; this coach reads "
                + "format \(supported) and older. Nothing was changed. Upgrade coach, then restore it."
        case .newerSchema(let path, let found, let supported, let writtenBy):
            let by = writtenBy.map { " (written by coach \($0))" } ?? ""
            return "The backup \(path) holds a state of schema \(found)\(by); this coach reads up to schema "
                + "\(supported). Nothing was changed. Upgrade coach\(writtenBy.map { " to \($0) or later" } ?? ""), "
                + "then restore it."
        case .stateInUse(let directory, let pid):
            let holder = pid.map { " (pid \($0))" } ?? ""
            let stop = pid.map { " (kill \($0), or systemctl stop for a service)" } ?? ""
            return "A coach is running on \(directory)\(holder), so restoring there now would be overwritten by its "
                + "next commit. Nothing was changed. Stop it first\(stop), then run coach restore again."
        }
    }

    /// The system's reason, without the full stop it often ends in, to sit inside a sentence.
    static func sentence(_ reason: String) -> String { reason.hasSuffix(".") ? String(reason.dropLast()) : reason }
}
