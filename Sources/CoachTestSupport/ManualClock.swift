import CoachRuntime
import Foundation

/// A clock that moves only when a test (or the benchmark) moves it. Sleepers wake when time passes their deadline.
public final class ManualClock: CoachClock, @unchecked Sendable {
    // @unchecked: all fields are guarded by `lock`.
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [(id: UUID, deadline: Date, continuation: CheckedContinuation<Void, any Error>)] = []

    public init(_ start: Date) {
        current = start
    }

    public func now() -> Date { lock.withLock { current } }

    /// How many tasks are waiting on this clock: lets a test wait until the loop has parked before advancing.
    public var sleeperCount: Int { lock.withLock { sleepers.count } }

    public func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        let id = UUID()
        // Cancellation wakes the sleeper with CancellationError, as Task.sleep does, so a test can stop a loop that
        // is parked on this clock.
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready = lock.withLock { () -> Bool in
                    // Checked under the lock, so a cancellation that ran before the append is not missed.
                    if deadline <= current || Task.isCancelled { return true }
                    sleepers.append((id, deadline, continuation))
                    return false
                }
                if ready {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let cancelled = lock.withLock { () -> CheckedContinuation<Void, any Error>? in
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    public func advance(by seconds: TimeInterval) {
        advance(to: now().addingTimeInterval(seconds))
    }

    public func advance(to date: Date) {
        let due = lock.withLock { () -> [CheckedContinuation<Void, any Error>] in
            current = max(current, date)
            let ready = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return ready.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }
}
