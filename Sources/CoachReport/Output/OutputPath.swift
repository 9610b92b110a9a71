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
        try write(to: url) { output in
            bytes.withUnsafeBytes { output.append($0.bindMemory(to: UInt8.self)) }
        }
    }

    /// Writes to `url` what `produce` makes, chunk by chunk as it is made (the exports), through a temporary file in
    /// the same folder and a rename: the file appears whole or not at all, and a run that fails half-way removes
    /// what it wrote. A link at `url` is replaced, never followed.
    static func write(to url: URL, _ produce: (inout ChunkedOutput) throws -> Void) throws(ReportError) {
        let folder = url.deletingLastPathComponent().path
        // Checked first: a refusal to create the temporary file would name it rather than the file asked for.
        guard access(folder, W_OK) == 0 else {
            throw .unwritable(path: url.path, reason: String(cString: strerror(errno)))
        }
        // Hidden, and named for the file and this process, so a run cut off by a power cut leaves a name that says
        // what it was.
        let temporary = folder + "/." + url.lastPathComponent + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw .unwritable(path: url.path, reason: String(cString: strerror(errno)))
        }
        var stillOpen = true
        do {
            var output = ChunkedOutput { chunk in try writeAll(chunk, to: descriptor) }
            try produce(&output)
            try output.flush()
            stillOpen = false
            // A full disk on some file systems is only reported here.
            guard close(descriptor) == 0 else { throw SystemError(code: errno) }
            guard rename(temporary, url.path) == 0 else { throw SystemError(code: errno) }
        } catch {
            if stillOpen { close(descriptor) }
            unlink(temporary)
            throw .unwritable(path: url.path, reason: reason(error))
        }
    }

    /// A failed system call, by its `errno`.
    struct SystemError: Error {
        let code: Int32
    }

    static func writeAll(_ chunk: UnsafeBufferPointer<UInt8>, to descriptor: Int32) throws {
        guard var next = chunk.baseAddress else { return }
        var left = chunk.count
        while left > 0 {
            let written = systemWrite(descriptor, next, left)
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemError(code: errno)
            }
            next += written
            left -= written
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
        if let error = error as? SystemError { return String(cString: strerror(error.code)) }
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return error.localizedDescription
    }
}

/// The system's `write`, which `OutputPath.write` hides inside the type.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
