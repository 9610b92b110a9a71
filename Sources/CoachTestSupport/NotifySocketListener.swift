#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Plays systemd's side of `sd_notify`: a datagram socket bound in a temporary folder (or in the abstract namespace)
/// that keeps every datagram it is sent, for tests of `SystemdNotifier` and of what the bot tells systemd.
///
/// `datagrams` first takes whatever is queued on the socket, so right after a send returned (or once the sender is
/// known to be parked) it holds everything sent so far: a check that something was *not* sent is a fact, not a race.
/// `waitForDatagrams` returns when enough have arrived (an event, never a timeout).
public final class NotifySocketListener: @unchecked Sendable {
    // @unchecked: `received` and `watchers` are only touched under `lock`; the descriptor is closed once, by `close`.
    private let lock = NSLock()
    private var received: [String] = []
    private var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private let descriptor: Int32
    private let source: any DispatchSourceRead
    private let folder: URL?

    /// What `NOTIFY_SOCKET` should hold to reach this listener.
    public let notifySocket: String

    /// Binds a socket file in a fresh temporary folder, or, with `abstract`, a fresh name in the abstract namespace.
    public init(abstract: Bool = false) throws {
        let name: [UInt8]
        if abstract {
            let text = "coach-test-notify-\(UUID().uuidString)"
            notifySocket = "@" + text
            name = [0] + Array(text.utf8)
            folder = nil
        } else {
            // Short: sun_path holds 108 bytes.
            let made = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("cn-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
            folder = made
            notifySocket = made.appendingPathComponent("notify").path
            name = Array(notifySocket.utf8) + [0]
        }
        #if canImport(Glibc)
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        #else
        let type = SOCK_DGRAM
        #endif
        let descriptor = socket(AF_UNIX, type, 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + name.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            closeSocket(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        self.descriptor = descriptor
        source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: DispatchQueue(label: "notify-listener"))
        source.setEventHandler { [weak self] in self?.takeQueued() }
        // Closed only once the source has let go of it.
        source.setCancelHandler { [descriptor] in closeSocket(descriptor) }
        source.resume()
    }

    deinit {
        close()
    }

    /// Every datagram received so far, in order, as text.
    public var datagrams: [String] {
        takeQueued()
        return lock.withLock { received }
    }

    /// Returns every datagram once at least `count` have arrived.
    public func waitForDatagrams(_ count: Int) async -> [String] {
        takeQueued()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = lock.withLock { () -> Bool in
                if received.count >= count { return true }
                watchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
        return lock.withLock { received }
    }

    /// Stops listening and removes the socket file.
    public func close() {
        let first = lock.withLock { () -> Bool in
            guard !closed else { return false }
            closed = true
            return true
        }
        guard first else { return }
        source.cancel()
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private var closed = false

    /// Reads every datagram waiting on the socket (it is non-blocking), under the lock, so two readers never split
    /// the queue between them out of order.
    private func takeQueued() {
        let satisfied = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            guard !closed else { return [] }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { break }
                received.append(String(decoding: buffer[0..<count], as: UTF8.self))
            }
            let ready = watchers.filter { $0.count <= received.count }
            watchers.removeAll { $0.count <= received.count }
            return ready.map(\.continuation)
        }
        for continuation in satisfied { continuation.resume() }
    }
}

private func closeSocket(_ descriptor: Int32) {
    _ = close(descriptor)
}
