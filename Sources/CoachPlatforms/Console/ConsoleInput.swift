import Dispatch
import Foundation

/// Lines typed into the console, waited for with a timeout so the bot can run its schedule between lines.
///
/// A line that arrives while nobody waits is kept, and a wait that times out loses nothing.
public final class ConsoleInput: @unchecked Sendable {
    // @unchecked: every field is guarded by `lock`.
    public enum Next: Equatable, Sendable {
        case line(String)
        case timedOut
        case closed
    }

    private let lock = NSLock()
    private var buffer: [String] = []
    private var closed = false
    private var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
    private var waiterCount = 0
    /// A wake-up (timeout or cancellation) that came before its waiter had parked.
    private var earlyWake: Int?

    public init() {}

    /// Reads standard input line by line on a dispatch queue of its own, since `readLine` blocks.
    public static func standardInput() -> ConsoleInput {
        let input = ConsoleInput()
        DispatchQueue(label: "coach.console.stdin").async {
            while let line = readLine(strippingNewline: true) { input.push(line) }
            input.close()
        }
        return input
    }

    public func push(_ line: String) {
        let waiting = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            buffer.append(line)
            defer { waiter = nil }
            return waiter?.continuation
        }
        waiting?.resume()
    }

    public func close() {
        let waiting = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            closed = true
            defer { waiter = nil }
            return waiter?.continuation
        }
        waiting?.resume()
    }

    public func next(timeout: Duration) async -> Next {
        if let ready = take() { return ready }
        let id = lock.withLock { () -> Int in
            waiterCount += 1
            return waiterCount
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.wake(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = lock.withLock { () -> Bool in
                    if !buffer.isEmpty || closed || earlyWake == id { return true }
                    waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.wake(id)
        }
        timer.cancel()
        return take() ?? .timedOut
    }

    private func take() -> Next? {
        lock.withLock {
            if !buffer.isEmpty { return .line(buffer.removeFirst()) }
            return closed ? .closed : nil
        }
    }

    /// Resumes the waiter `id` if it is still waiting; each waiter is resumed exactly once.
    private func wake(_ id: Int) {
        let waiting = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            guard let current = waiter, current.id == id else {
                earlyWake = id
                return nil
            }
            waiter = nil
            return current.continuation
        }
        waiting?.resume()
    }
}
