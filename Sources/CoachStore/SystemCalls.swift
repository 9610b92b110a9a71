#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Raw file descriptors instead of FileHandle/FileManager, because durability needs exact control over fsync,
/// rename and O_APPEND, and every failure must become a `StoreError.io` naming the file and the step.
enum SystemCalls {
    static func errnoText(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    static func failure(_ path: String, _ operation: String, _ code: Int32 = errno) -> StoreError {
        .io(path: path, operation: operation, errnoDescription: errnoText(code))
    }

    /// Opens with O_CLOEXEC so a child process never inherits the lock or the journal.
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw failure(path, "open") }
        }
    }

    /// Opens one of the store's own files (lock, snapshot, journal, temp) without following a symbolic link, and
    /// only if it is a regular file. A link planted in the state folder would otherwise make the bot truncate or
    /// append to whatever it points at (as root: any file on the machine). O_NOFOLLOW makes the refusal atomic;
    /// the fstat catches a folder, pipe or device (O_NONBLOCK keeps a named pipe from blocking the open).
    static func openStateFile(_ path: String, _ flags: Int32) throws -> Int32 {
        guard let fd = try openStateFileIfPresent(path, flags) else { throw failure(path, "open", ENOENT) }
        return fd
    }

    /// `openStateFile`, or nil when there is no such file (and `flags` do not create one).
    static func openStateFileIfPresent(_ path: String, _ flags: Int32) throws -> Int32? {
        var fd: Int32
        repeat { fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600) } while fd < 0 && errno == EINTR
        if fd < 0 {
            let code = errno
            if code == ENOENT { return nil }
            // Linux and macOS say ELOOP for a link under O_NOFOLLOW, FreeBSD EMLINK; lstat says which it was.
            if let found = notRegularFile(path) { throw StoreError.notRegularFile(path: path, found: found) }
            throw failure(path, "open", code)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            closeFile(fd)
            throw failure(path, "stat", code)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            closeFile(fd)
            throw StoreError.notRegularFile(path: path, found: describe(mode: info.st_mode, path: path))
        }
        // Back to blocking I/O for the writes and fsyncs that follow.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// What is at `path` when it is something other than a regular file (e.g. "a symbolic link to /etc/passwd"), or
    /// nil when it is a regular file or nothing. Looks at the entry itself (lstat), never at what a link points to.
    static func notRegularFile(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        if info.st_mode & S_IFMT == S_IFREG { return nil }
        return describe(mode: info.st_mode, path: path)
    }

    /// Throws `.notRegularFile` for the first of `paths` that is a link, a folder or another special file.
    static func refuseSpecialFiles(_ paths: [String]) throws {
        for path in paths {
            if let found = notRegularFile(path) { throw StoreError.notRegularFile(path: path, found: found) }
        }
    }

    private static func describe(mode: mode_t, path: String) -> String {
        switch mode & S_IFMT {
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(path, &buffer, buffer.count - 1)
            guard length >= 0 else { return "a symbolic link" }
            let target = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return "a symbolic link to \(target)"
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a named pipe"
        case S_IFSOCK: return "a socket"
        case S_IFCHR, S_IFBLK: return "a device"
        default: return "not a regular file"
        }
    }

    static func closeFile(_ fd: Int32) {
        // Retrying close after EINTR may close a descriptor another thread just got, so close exactly once.
        _ = close(fd)
    }

    /// Writes all of `bytes`, continuing after partial writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(fd, next, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(path, "write")
            }
            next += written
            remaining -= written
        }
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    /// Flushes data and metadata. Not retried on failure other than EINTR: after a failed fsync Linux may have
    /// dropped the dirty pages, so a retry could report success for data that is gone.
    static func sync(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw failure(path, "fsync") }
        }
    }

    /// For appends: fdatasync still flushes the new file size (needed to read the data back) but skips the mtime
    /// update, which saves a metadata write per commit.
    static func syncData(_ fd: Int32, path: String) throws {
        #if os(Linux)
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw failure(path, "fdatasync") }
        }
        #else
        try sync(fd, path: path)
        #endif
    }

    /// Makes a rename or a newly created file in `directory` survive a power cut.
    static func syncDirectory(_ directory: String) throws {
        let fd = try openFile(directory, O_RDONLY | O_DIRECTORY)
        defer { closeFile(fd) }
        try sync(fd, path: directory)
    }

    static func renameFile(_ from: String, to: String) throws {
        if rename(from, to) != 0 { throw failure(to, "rename \(from) to") }
    }

    static func truncateFile(_ fd: Int32, to length: Int, path: String) throws {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno != EINTR { throw failure(path, "truncate") }
        }
    }

    /// Removes `path` if present; reports whether it was there.
    static func removeIfPresent(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure(path, "remove")
    }

    /// The whole file, or nil when it does not exist.
    /// Like every state file, read without following a link (see `openStateFile`).
    static func readFile(_ path: String) throws -> Data? {
        guard let fd = try openStateFileIfPresent(path, O_RDONLY) else { return nil }
        defer { closeFile(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(path, "stat") }
        var data = Data(count: Int(info.st_size))
        var filled = 0
        try data.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let got = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    throw failure(path, "read")
                }
                if got == 0 { break }
                filled += got
            }
        }
        // A file that shrank under us (it cannot while we hold the lock, but be exact) returns what was read.
        if filled < data.count { data.removeSubrange(filled...) }
        return data
    }

    /// Takes an exclusive, non-blocking flock on `path` and returns its descriptor, or throws `.locked` naming
    /// `directory` and the holder's pid. flock belongs to the open file description, so a second `open` of the same
    /// directory conflicts even inside one process.
    static func lockExclusively(_ path: String, directory: String) throws -> Int32 {
        let fd = try openStateFile(path, O_RDWR | O_CREAT)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            let holder = code == EWOULDBLOCK ? readPID(fd) : nil
            closeFile(fd)
            if code == EWOULDBLOCK { throw StoreError.locked(directory: directory, holderPID: holder) }
            throw failure(path, "lock", code)
        }
        // Only for the other coach's error message, so failures here do not matter.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    /// Who holds the flock on `path`, found without taking it: even a shared lock held for a moment would make a bot
    /// that starts in that moment refuse to start. Linux lists every lock in /proc/locks by device and inode, which is
    /// exact; elsewhere the pid the holder wrote into the file is believed while that process is alive (a pid reused
    /// since can make this say "running" wrongly, never the other way round). Nil when nobody holds it.
    static func lockHolder(_ path: String) -> LockHolder? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if os(Linux)
        if let table = readToEnd("/proc/locks") {
            return lockHolder(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), in: table)
        }
        #endif
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { closeFile(fd) }
        guard let pid = readPID(fd), pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return nil }
        return LockHolder(pid: pid)
    }

    /// A file the kernel makes as it is read (`/proc/locks`), read to its end, or nil when it cannot be opened. Its size
    /// says 0, and Foundation's `String(contentsOfFile:)` returns only the first page of it: with more than about
    /// 60 locks on the machine (a few teams' bots, a test run) a running bot's lock was missed.
    static func readToEnd(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { closeFile(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if got == 0 { break }
            bytes += chunk[..<got]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The FLOCK entry of /proc/locks for a file, e.g. `5: FLOCK  ADVISORY  WRITE 2341 fe:00:16220208 0 EOF`: the pid,
    /// then the device's major and minor number in hex and the inode. A waiter's line (`5: -> FLOCK …`) holds nothing.
    static func lockHolder(device: UInt64, inode: UInt64, in table: String) -> LockHolder? {
        // The kernel's encoding of a dev_t (glibc's major()/minor(), which Swift does not import as functions).
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK" else { continue }
            let id = fields[5].split(separator: ":")
            guard id.count == 3, UInt64(id[0], radix: 16) == major, UInt64(id[1], radix: 16) == minor,
                UInt64(id[2]) == inode
            else { continue }
            return LockHolder(pid: Int32(fields[4]))
        }
        return nil
    }

    /// Throws the error `open` would meet opening `path` (in `directory`) for writing, if it would meet one.
    static func checkWritable(_ path: String, in directory: String) throws {
        if access(path, W_OK) == 0 { return }
        if errno != ENOENT { throw failure(path, "open") }
        // Not there yet: `open` creates it, which needs the folder to be writable.
        if access(directory, W_OK | X_OK) != 0 { throw failure(path, "open") }
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard got > 0 else { return nil }
        let text = String(decoding: buffer[..<got], as: UTF8.self)
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
