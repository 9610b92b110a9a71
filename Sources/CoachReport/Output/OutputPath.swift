#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where a report or an export goes: checked before the state is read, so a mistyped path costs nothing, and written
/// whole or not at all (a temporary file renamed into place), so a manager who opens the file while it is written,
/// or a run that fails half-way, never leaves half a report behind.
public enum OutputPath {
    /// A file to write (`--html`, `--json`): relative to the folder coach runs in; its folder must exist.
    public static func file(_ text: String, option: String, stateDirectory: URL) throws(ReportError) -> URL {
        let url = absolute(text)
        if isDirectory(url.path) { throw .folderNotFile(path: url.path, option: option) }
        let parent = url.deletingLastPathComponent()
        guard isDirectory(parent.path) else { throw .missingParent(path: url.path, parent: parent.path) }
        try refuseStateFolder(url, stateDirectory: stateDirectory)
        return url
    }

    /// A folder to write the CSV files into (`--csv`), created when only its last part is missing.
    public static func folder(_ text: String, stateDirectory: URL) throws(ReportError) -> URL {
        let url = absolute(text)
        if FileManager.default.fileExists(atPath: url.path), !isDirectory(url.path) { throw .fileNotFolder(path: url.path) }
        try refuseStateFolder(url, stateDirectory: stateDirectory)
        guard !isDirectory(url.path) else { return url }
        let parent = url.deletingLastPathComponent()
        guard isDirectory(parent.path) else { throw .missingParent(path: url.path, parent: parent.path) }
        guard mkdir(url.path, 0o755) == 0 || errno == EEXIST else {
            throw .unwritable(path: url.path, reason: String(cString: strerror(errno)))
        }
        return url
    }

    /// Writes `bytes` to `url` through a temporary file in the same folder and a rename. A link at `url` is replaced,
    /// never followed.
    public static func write(_ bytes: Data, to url: URL) throws(ReportError) {
        let folder = url.deletingLastPathComponent().path
        // Checked first: the rename's own refusal would name the temporary file rather than the one asked for.
        guard access(folder, W_OK) == 0 else {
            throw .unwritable(path: url.path, reason: String(cString: strerror(errno)))
        }
        do {
            try bytes.write(to: url, options: .atomic)
        } catch {
            throw .unwritable(path: url.path, reason: reason(error))
        }
    }

    static func absolute(_ text: String) -> URL {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/")
        return URL(fileURLWithPath: text, relativeTo: here).absoluteURL.standardizedFileURL
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Compared with links resolved, so `report.html` reached through a link to the state folder is refused too.
    static func refuseStateFolder(_ url: URL, stateDirectory: URL) throws(ReportError) {
        let state = stateDirectory.standardizedFileURL.resolvingSymlinksInPath().path
        let target = url.deletingLastPathComponent().resolvingSymlinksInPath()
            .appendingPathComponent(url.lastPathComponent).path
        if target == state || target.hasPrefix(state + "/") {
            throw .insideStateFolder(path: url.path, stateDirectory: state)
        }
    }

    /// The system's own words for a failed write, e.g. "No space left on device".
    static func reason(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return error.localizedDescription
    }
}
