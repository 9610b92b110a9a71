import CoachChat
import CoachCore
import CoachRuntime
import Foundation
import Logging
import Synchronization

/// How soon the bot is back once its platform answers again: the real loop, with its real back-off, against a
/// platform that refuses every call for `outage` seconds and then answers. Time is a clock that jumps to the end of
/// each wait, so thirty minutes of outage take milliseconds, and the figure is exact for a seed.
///
/// Shared by the recovery test (which holds it to 10 s) and the benchmark (which prints it).
public enum OutageRecovery {
    /// Seconds from the platform's return to the bot's first call that goes through.
    public static func secondsToRecover(afterOutage outage: TimeInterval, seed: UInt64) async throws -> TimeInterval {
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let returns = start.addingTimeInterval(outage)
        let clock = JumpingClock(start)
        let firstSuccess = Mutex<Date?>(nil)
        @Sendable func call() throws(TransportError) {
            let now = clock.now()
            guard now >= returns else { throw .temporary(reason: "connection refused") }
            firstSuccess.withLock { if $0 == nil { $0 = now } }
        }
        let transport = FakeTransport(
            onPoll: { _ throws(TransportError) in
                try call()
                // Back: the measurement is over, so the input closes and the loop ends normally.
                throw .closed
            },
            onSend: { _, _ throws(TransportError) in
                try call()
                return "sent"
            })
        var logger = Logger(label: "outage-recovery")
        logger.logLevel = .critical
        let bot = try BotService.open(
            setup: try Fixtures.setup(state: directory), transport: transport, clock: clock, logger: logger, randomSeed: seed)
        try await bot.run()
        guard let back = firstSuccess.withLock({ $0 }) else { throw NoRecovery() }
        return back.timeIntervalSince(returns)
    }

    struct NoRecovery: Error {}
}

/// A clock whose every wait ends at once, at its deadline: time passes only while the loop waits, so a loop backing
/// off from failures runs through its retries without real waiting, and deterministically.
public final class JumpingClock: CoachClock, Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        current.withLock { $0 = max($0, deadline) }
        // Let other tasks run, as a real wait would.
        await Task.yield()
    }
}
