/// Why `coach report` or `coach export` wrote nothing. Each case names the path and says what to do, so the executable
/// prints it as the one line it stops with, like the setup's and the store's errors. (A state the bot would refuse
/// stops them with the store's own message.)
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// The state folder holds no state: the bot never ran with it, or the path names another folder.
    case noState(directory: String)
    /// The folder the file (or the export folder) would go in does not exist. Only the last part of a path is
    /// created: a missing parent is more often a typo than a wish for a new tree of folders.
    case missingParent(path: String, parent: String)
    /// `--html` or `--json` names a folder, where a file was meant.
    case folderNotFile(path: String, option: String)
    /// `--csv` names a file, where a folder was meant.
    case fileNotFolder(path: String)
    /// The output would land in the state folder, beside (or over) the files the bot keeps there.
    case insideStateFolder(path: String, stateDirectory: String)
    /// The system refused to create or write the file; `reason` is its own words.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .noState(let directory):
            "There is no state in \(directory): no coach has run with that folder yet. Check --state, or stateDirectory "
                + "in the config (and --config), names the folder the bot keeps its state in."
        case .missingParent(let path, let parent):
            "Could not write \(path): the folder \(parent) does not exist. Create it first (mkdir -p \(parent)), or "
                + "name a path in a folder that exists."
        case .folderNotFile(let path, let option):
            "\(option) \(path) is a folder; name a file in it instead, e.g. \(option) \(path)/\(Self.example(for: option))."
        case .fileNotFolder(let path):
            "--csv \(path) is a file; --csv takes a folder for the seven CSV files, e.g. --csv \(path)-export."
        case .insideStateFolder(let path, let stateDirectory):
            "Refused to write \(path): it is inside the state folder \(stateDirectory), whose files belong to the bot "
                + "(a report there could even replace state.json). Write it somewhere else, e.g. your home folder."
        case .unwritable(let path, let reason):
            "Could not write \(path): \(reason.hasSuffix(".") ? String(reason.dropLast()) : reason). Check the path "
                + "and that you may write to its folder."
        }
    }

    static func example(for option: String) -> String {
        option == "--json" ? "coach-export.json" : "coach-report.html"
    }
}
