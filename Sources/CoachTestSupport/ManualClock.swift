import CoachRuntime
import Foundation

/// A clock that moves only when a test (or the benchmark) moves it. Sleepers wake when time passes their deadline.
///
/// A test observes the loop through it instead of guessing with yields: `waitForSleepers` returns once the loop has
/// parked, `deadlines` says until when it is parked, and `requestedWaits` how long each wait it asked for was. A
/// loop parked on a deadline the clock has not reached cannot have done anything since, so "nothing happened yet" is
/// a fact, not a race.
public final class ManualClock: CoachClock, @unchecked Sendable {
    // @unchecked: all fields are guarded by `lock`.
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [(id: UUID, deadline: Date, continuation: CheckedContinuation<Void, any Error>)] = []
    private var parkWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var waits: [TimeInterval] = []

    public init(_ start: Date) {
        current = start
    }

    public func now() -> Date { lock.withLock { current } }

    /// How many tasks are waiting on this clock.
    public var sleeperCount: Int { lock.withLock { sleepers.count } }

    /// When the parked sleepers will wake, earliest first.
    public var deadlines: [Date] { lock.withLock { sleepers.map(\.deadline).sorted() } }

    /// How long each sleep asked for, in seconds from the clock's time when it was asked, in order.
    public var requestedWaits: [TimeInterval] { lock.withLock { waits } }

    /// Returns once at least `count` tasks are parked on this clock.
    public func waitForSleepers(_ count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = lock.withLock { () -> Bool in
                if sleepers.count >= count { return true }
                parkWatchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    public func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        let id = UUID()
        // Cancellation wakes the sleeper with CancellationError, as Task.sleep does, so a test can stop a loop that
        // is parked on this clock.
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (ready, watchers) = lock.withLock { () -> (Bool, [CheckedContinuation<Void, Never>]) in
                    waits.append(deadline.timeIntervalSince(current))
                    // Checked under the lock, so a cancellation that ran before the append is not missed.
                    if deadline <= current || Task.isCancelled { return (true, []) }
                    sleepers.append((id, deadline, continuation))
                    let satisfied = parkWatchers.filter { $0.count <= sleepers.count }
                    parkWatchers.removeAll { $0.count <= sleepers.count }
                    return (false, satisfied.map(\.continuation))
                }
                for watcher in watchers { watcher.resume() }
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
