#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Which folders may hold a team's state. The bot writes `state.json`, `journal.jsonl` and `state.lock` into the
/// folder, replaces them with renames, and (run as root, as some deployments are) may write anywhere: so a setting of
/// `/` once put those files at the top of the system. Refused, each with the reason and the fix:
///
/// - a folder of the system (`/etc`, `/usr`, `/bin`, `/sbin`, `/lib*`, `/boot`, `/proc`, `/sys`, `/dev`, `/run`,
///   and macOS's `/System`), or anywhere inside one: packages own those, `/proc`, `/sys` and `/dev` are not disks,
///   and `/run` and `/dev/shm` are emptied at every boot, which would lose the team's history;
/// - a folder many things share, exactly: `/`, the user's home, and the usual parents (`/home`, `/root`, `/var`,
///   `/var/lib`, `/opt`, `/srv`, `/tmp`, `/mnt`, `/usr/local`, …). Their subfolders are where state belongs
///   (`/var/lib/coach`, `~/coach-state`, `/srv/coach`), so only the shared folder itself is refused;
/// - something that is not a folder (a file, or a path through a file).
///
/// A relative path is resolved against the folder coach runs in, `..` included, and links are followed: the rules
/// apply to where the files would really land, so `../..` is refused when it climbs to a shared folder and accepted
/// when it reaches a folder of the bot's own (`../state` beside a checkout is a fair layout).
public enum StateFolder {
    /// Folders refused together with everything inside them.
    static let systemTrees = [
        "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/proc", "/sys", "/dev", "/run",
        "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/usr/include",
        "/usr/share", "/usr/src", "/System", "/private/etc",
    ]

    /// Folders refused as they are; a subfolder of one of them is fine.
    static let sharedFolders = [
        "/", "/usr", "/usr/local", "/usr/local/var", "/var", "/var/lib", "/var/local", "/var/opt", "/var/cache",
        "/var/log", "/var/spool", "/var/tmp", "/var/mail", "/home", "/root", "/opt", "/opt/homebrew",
        "/opt/homebrew/var", "/srv", "/tmp", "/mnt", "/media", "/Users", "/Volumes", "/Applications", "/Library",
        "/private", "/private/var", "/private/tmp",
    ]

    /// Why `directory` (absolute, standardized) must not hold a state, or nil when it may. `home` is the user's home
    /// folder, refused itself.
    public static func refusal(of directory: URL, home: String?) -> String? {
        let path = directory.standardizedFileURL.path
        let real = resolved(path)
        for candidate in Set([path, real]) {
            if let tree = systemTrees.first(where: { candidate == $0 || candidate.hasPrefix($0 + "/") }) {
                return (candidate == tree ? "it is" : "it is inside") + " \(tree), a folder of the system"
                    + (["/run", "/dev"].contains(tree) ? " that is emptied at every boot" : "")
                    + (real != path && candidate == real ? " (\(path) leads to \(real))" : "")
            }
            if let home, !home.isEmpty, candidate == resolved(URL(fileURLWithPath: home).standardizedFileURL.path) {
                return "it is the home folder itself, where the bot's files would sit among everything else there"
            }
            if candidate == "/" {
                return "it is the top of the file system, where the bot's files would sit among the system's"
            }
            if sharedFolders.contains(candidate) {
                return "it is \(candidate), a folder many programs share; the bot's files would sit among theirs"
                    + (real != path && candidate == real ? " (\(path) leads to \(real))" : "")
            }
        }
        if let file = firstFile(on: real) {
            return file == real ? "it is a file, not a folder" : "\(file) on its way is a file, not a folder"
        }
        return nil
    }

    /// `path` with links resolved as far as it exists (a state folder is often not created yet).
    static func resolved(_ path: String) -> String {
        var existing = URL(fileURLWithPath: path)
        var rest: [String] = []
        while existing.path != "/", !FileManager.default.fileExists(atPath: existing.path) {
            rest.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        guard let real = realpath(existing.path, nil) else { return path }
        defer { free(real) }
        var result = URL(fileURLWithPath: String(cString: real))
        for component in rest { result.appendPathComponent(component) }
        return result.standardizedFileURL.path
    }

    /// The first existing path on the way to `path` (itself included) that is not a folder.
    static func firstFile(on path: String) -> String? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) else { return nil }
            if !isDirectory.boolValue { return prefix }
        }
        return nil
    }
}
