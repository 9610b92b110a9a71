#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging

/// Tells systemd how the bot is doing, as `sd_notify(3)` does, written here so the bot needs no libsystemd: one
/// datagram of `NAME=value` lines to the socket systemd names in `NOTIFY_SOCKET`.
///
/// The units in `Config/systemd/` are `Type=notify`: systemd counts the bot as started when it says `READY=1`, shows
/// its `STATUS=` in `systemctl status`, restarts it when `WATCHDOG=1` stops coming for `WatchdogSec=`, and knows a stop
/// (`STOPPING=1`) or a reload (`RELOADING=1`) is under way rather than a hang.
///
/// Outside systemd there is no `NOTIFY_SOCKET`, and `fromEnvironment` gives nil: the caller then simply says nothing.
public struct SystemdNotifier: Sendable {
    /// Where the datagrams go.
    public enum Address: Sendable, Equatable, CustomStringConvertible {
        /// A socket file: `NOTIFY_SOCKET=/run/systemd/notify`.
        case path(String)
        /// A socket in Linux's abstract namespace: `NOTIFY_SOCKET=@name`, held here without the `@`.
        case abstract(String)

        public var description: String {
            switch self {
            case .path(let path): path
            case .abstract(let name): "@" + name
            }
        }
    }

    public let address: Address
    /// How often to send `WATCHDOG=1`: half of systemd's `WATCHDOG_USEC`, as `sd_watchdog_enabled(3)` recommends, so
    /// one late ping is not yet a missed one. Nil when systemd expects no pings from this process.
    public let watchdogInterval: Duration?
    /// Microseconds on `CLOCK_MONOTONIC`, which `RELOADING=1` carries; injected so a test knows the exact datagram.
    let monotonicMicroseconds: @Sendable () -> UInt64

    public init(
        address: Address, watchdogInterval: Duration? = nil,
        monotonicMicroseconds: @escaping @Sendable () -> UInt64 = SystemdNotifier.monotonicMicroseconds
    ) {
        self.address = address
        self.watchdogInterval = watchdogInterval
        self.monotonicMicroseconds = monotonicMicroseconds
    }

    /// What the environment says: the notifier (nil when the bot does not run under systemd, or the socket cannot be
    /// used) and each value that was ignored, with why.
    public struct Reading: Sendable {
        public var notifier: SystemdNotifier?
        public var problems: [SystemdError] = []
    }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment` (the process's, or a test's).
    ///
    /// Nothing here throws or stops the bot: a value that cannot be used is left out and named in `problems`. The
    /// watchdog rules are `sd_watchdog_enabled(3)`'s: `WATCHDOG_USEC` a positive number of microseconds, and
    /// `WATCHDOG_PID`, when set, must be this process (systemd sets it for the main process; a child that inherited
    /// the variables must not ping on its parent's behalf).
    public static func reading(
        _ environment: [String: String], monotonicMicroseconds: @escaping @Sendable () -> UInt64 = SystemdNotifier.monotonicMicroseconds
    ) -> Reading {
        var reading = Reading()
        guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return reading }
        let address: Address
        switch Address.parse(socket) {
        case .success(let parsed): address = parsed
        case .failure(let problem):
            reading.problems.append(problem)
            return reading
        }
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"] {
            // USEC_INFINITY (all bits set) and 0 mean "no watchdog" to systemd, so they are refused as it refuses them.
            if let microseconds = UInt64(text), microseconds > 0, microseconds < UInt64(Int64.max) {
                interval = .microseconds(Int64(microseconds / 2))
            } else {
                reading.problems.append(.watchdogSetting(
                    name: "WATCHDOG_USEC", value: text, reason: "it is not a positive whole number of microseconds"))
            }
        }
        if interval != nil, let text = environment["WATCHDOG_PID"] {
            if let pid = Int32(text), pid > 0 {
                // Another process's watchdog: not a problem, just not ours to feed.
                if pid != getpid() { interval = nil }
            } else {
                interval = nil
                reading.problems.append(.watchdogSetting(
                    name: "WATCHDOG_PID", value: text, reason: "it is not a process id"))
            }
        }
        reading.notifier = SystemdNotifier(
            address: address, watchdogInterval: interval, monotonicMicroseconds: monotonicMicroseconds)
        return reading
    }

    /// The notifier the environment describes, or nil outside systemd. Values that were ignored are logged as
    /// warnings on `logger`, so a unit whose watchdog is never fed says why in the journal.
    public static func fromEnvironment(_ environment: [String: String], logger: Logger? = nil) -> SystemdNotifier? {
        let reading = reading(environment)
        for problem in reading.problems {
            logger?.warning("systemd setting ignored", metadata: ["problem": "\(problem)"])
        }
        return reading.notifier
    }

    // MARK: Sending

    /// Sends `fields` as one datagram, one `NAME=value` line each, in the order given.
    ///
    /// A line break in a value would start a line systemd reads as another field (a team's name in a `STATUS=` could
    /// otherwise say `READY=1`), so line breaks in values become spaces. A name systemd would not read as one is refused.
    ///
    /// The send never blocks: the caller is an async task, and a task must not hold a thread of the shared pool while
    /// systemd's queue is full. Should that ever happen the datagram is refused with the reason, and a watchdog ping
    /// is simply sent again at the next interval.
    public func notify(_ fields: KeyValuePairs<String, String>) throws(SystemdError) {
        var lines: [String] = []
        for (name, value) in fields {
            guard !name.isEmpty, name.utf8.allSatisfy({ Self.nameBytes.contains($0) }) else {
                throw .invalidField(name: name)
            }
            let flat = value.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
            lines.append(name + "=" + flat)
        }
        try send(Array(lines.joined(separator: "\n").utf8))
    }

    /// `READY=1`: start-up is done (systemctl start returns, units ordered after this one start).
    public func ready(status: String? = nil) throws(SystemdError) {
        if let status { try notify(["READY": "1", "STATUS": status]) } else { try notify(["READY": "1"]) }
    }

    /// `STATUS=`: one line for `systemctl status`.
    public func status(_ text: String) throws(SystemdError) {
        try notify(["STATUS": text])
    }

    /// `WATCHDOG=1`: the bot is alive and well; systemd restarts it when these stop for `WatchdogSec=`.
    public func watchdog() throws(SystemdError) {
        try notify(["WATCHDOG": "1"])
    }

    /// `STOPPING=1`: a graceful stop has begun, so the time it takes is not a hang.
    public func stopping(status: String? = nil) throws(SystemdError) {
        if let status { try notify(["STOPPING": "1", "STATUS": status]) } else { try notify(["STOPPING": "1"]) }
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=`: a reload (SIGHUP) has begun. systemd 253 and later ask for the timestamp
    /// from `Type=notify-reload` services; older ones ignore it. Say `ready()` again when the reload is done: until
    /// then systemd shows the unit as reloading.
    public func reloading(status: String? = nil) throws(SystemdError) {
        let now = String(monotonicMicroseconds())
        if let status {
            try notify(["RELOADING": "1", "MONOTONIC_USEC": now, "STATUS": status])
        } else {
            try notify(["RELOADING": "1", "MONOTONIC_USEC": now])
        }
    }

    /// What systemd reads as a name: sd_notify's fields are environment-style assignments.
    static let nameBytes = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".utf8)

    /// Microseconds since boot on `CLOCK_MONOTONIC`, the clock systemd's `MONOTONIC_USEC` is read against.
    public static let monotonicMicroseconds: @Sendable () -> UInt64 = {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1_000
    }

    /// One datagram over a fresh socket, as sd_notify does: nothing to keep open, nothing to reconnect after systemd
    /// itself restarts.
    func send(_ bytes: [UInt8]) throws(SystemdError) {
        let descriptor = socket(AF_UNIX, Self.datagramType, 0)
        guard descriptor >= 0 else { throw .io(operation: "socket", socket: address.description, reason: Self.errnoText()) }
        defer { close(descriptor) }
        var (storage, length) = address.socketAddress
        var sent: Int
        repeat {
            sent = withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                    bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Self.sendFlags, target, length) }
                }
            }
        } while sent < 0 && errno == EINTR
        guard sent == bytes.count else {
            let reason = sent < 0 ? Self.errnoText() : "only \(sent) of \(bytes.count) bytes went"
            throw .io(operation: "send", socket: address.description, reason: reason)
        }
    }

    static func errnoText() -> String {
        let code = errno
        return "\(String(cString: strerror(code))) (errno \(code))"
    }

    #if canImport(Glibc)
    static let datagramType = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    // MSG_NOSIGNAL: a socket gone away is an error to report, never a SIGPIPE that ends the bot.
    static let sendFlags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)
    #else
    static let datagramType = SOCK_DGRAM
    static let sendFlags = MSG_DONTWAIT
    #endif
}

extension SystemdNotifier.Address {
    /// The room `sockaddr_un` has for a path (108 bytes on Linux, 104 on macOS), its final NUL included.
    static let pathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    /// `NOTIFY_SOCKET` as systemd writes it: an absolute path, or `@` and a name in the abstract namespace.
    static func parse(_ text: String) -> Result<Self, SystemdError> {
        if text.hasPrefix("@") {
            let name = String(text.dropFirst())
            // The abstract name fills sun_path after its leading NUL; it has no NUL of its own.
            guard !name.isEmpty, name.utf8.count < pathCapacity else {
                return .failure(.socketAddress(value: text, reason: "an abstract socket name is 1 to \(pathCapacity - 1) bytes after the @"))
            }
            return .success(.abstract(name))
        }
        guard text.hasPrefix("/") else {
            return .failure(.socketAddress(value: text, reason: "it is neither an absolute path nor @ and an abstract name"))
        }
        guard text.utf8.count < pathCapacity, !text.utf8.contains(0) else {
            return .failure(.socketAddress(value: text, reason: "a socket path is at most \(pathCapacity - 1) bytes"))
        }
        return .success(.path(text))
    }

    /// The `sockaddr_un` and the length that says where its name ends: a path's final NUL counted, an abstract
    /// name's exact length (its bytes after the leading NUL are the whole name, trailing zeros included).
    var socketAddress: (sockaddr_un, socklen_t) {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let name: [UInt8] = switch self {
        case .path(let path): Array(path.utf8) + [0]
        case .abstract(let name): [0] + Array(name.utf8)
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { room in
            room.copyBytes(from: name)
        }
        let length = MemoryLayout.offset(of: \sockaddr_un.sun_path)! + name.count
        return (storage, socklen_t(length))
    }
}

/// Why a message to systemd could not go, or a setting from it was ignored. None of these stops the bot.
public enum SystemdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `NOTIFY_SOCKET` holds something that is not a socket address.
    case socketAddress(value: String, reason: String)
    /// `WATCHDOG_USEC` or `WATCHDOG_PID` holds something systemd would not have written; the watchdog is not fed.
    case watchdogSetting(name: String, value: String, reason: String)
    /// A field name systemd would not read as one (a bug in the caller, named so it is found).
    case invalidField(name: String)
    /// The socket could not be made, or the datagram could not be sent.
    case io(operation: String, socket: String, reason: String)

    public var description: String {
        switch self {
        case .socketAddress(let value, let reason):
            "NOTIFY_SOCKET=\(value) cannot be used: \(reason). systemd sets it for Type=notify units; when running coach "
                + "by hand, unset it. The bot runs without telling systemd anything."
        case .watchdogSetting(let name, let value, let reason):
            "\(name)=\(value) cannot be used: \(reason). systemd sets it from WatchdogSec=; the watchdog is not fed, so "
                + "leave both unset (or set WatchdogSec=0 in the unit) when not using it."
        case .invalidField(let name):
            "\"\(name)\" is not a field name systemd reads: use capital letters, digits and underscores, such as STATUS."
        case .io(let operation, let socket, let reason):
            "Could not tell systemd at \(socket) (\(operation)): \(reason). Check that the unit's NotifyAccess= allows "
                + "the main process and that systemd is running; the bot carries on."
        }
    }
}
