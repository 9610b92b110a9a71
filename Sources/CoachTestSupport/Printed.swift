import Foundation

/// Collects console output across tasks, and lets a test wait until something is printed.
public final class Printed: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    private var watchers: [(text: String, continuation: CheckedContinuation<Void, Never>)] = []

    public init() {}

    public func append(_ line: String) {
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            lines.append(line)
            let printed = lines.joined(separator: "\n")
            let met = watchers.filter { printed.contains($0.text) }
            watchers.removeAll { printed.contains($0.text) }
            return met.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    public var text: String { lock.withLock { lines.joined(separator: "\n") } }

    /// Returns once the output contains `text`.
    public func waitFor(_ text: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = lock.withLock { () -> Bool in
                if lines.joined(separator: "\n").contains(text) { return true }
                watchers.append((text, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
