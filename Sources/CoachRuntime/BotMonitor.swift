import Foundation
import Synchronization

/// What one bot's loop is doing, as the health endpoint and the watchdog see it: whether it runs, when it last heard
/// from its platform, and whether its outbox drains. The loop writes it; anyone may read it. It holds no member text
/// and no secret: only times, counts and the kind of a failure.
public final class BotMonitor: Sendable {
    public enum Phase: Sendable, Equatable {
        /// Opened, not yet past its first call to the platform.
        case starting
        case running
        /// The platform's last call failed; the loop is waiting to try again. The kind says what failed, in a word.
        case backingOff(String)
        /// The loop has ended; it will not run again until a reload or a restart. Why, in a few words.
        case stopped(String)

        public var name: String {
            switch self {
            case .starting: "starting"
            case .running: "running"
            case .backingOff: "backing off"
            case .stopped: "stopped"
            }
        }
    }

    public struct Status: Sendable, Equatable {
        public var phase = Phase.starting
        public var startedAt: Date
        /// The last poll that the platform answered (for a send-only platform, the last turn of the loop).
        public var lastPoll: Date?
        /// The last message the platform took.
        public var lastDelivery: Date?
        public var outboxDepth = 0
        /// Since when the outbox has held something (nil while it is empty).
        public var waitingSince: Date?
        /// Failed platform calls in a row.
        public var failures = 0
        /// The last time the loop did anything: a poll answered or failed, a send, a look at the outbox.
        public var lastTurn: Date?
    }

    /// How long the bot may go without an answered poll, or a full outbox without a delivery, and still count as
    /// healthy: a few of its longest polls.
    public let window: TimeInterval
    private let status: Mutex<Status>

    /// - Parameter pollTimeout: the longest one poll waits (long-polling platforms hold it open that long).
    public init(startedAt: Date, pollTimeout: Duration) {
        let seconds = Double(pollTimeout.components.seconds)
        window = 3 * max(seconds, 10)
        status = Mutex(Status(startedAt: startedAt))
    }

    public var current: Status { status.withLock { $0 } }

    func polled(at now: Date) {
        status.withLock {
            $0.lastPoll = now
            $0.lastTurn = now
            $0.failures = 0
            $0.phase = .running
        }
    }

    func outbox(depth: Int, at now: Date) {
        status.withLock {
            $0.lastTurn = now
            if depth == 0 {
                $0.waitingSince = nil
            } else if $0.outboxDepth == 0 || $0.waitingSince == nil {
                $0.waitingSince = now
            }
            $0.outboxDepth = depth
        }
    }

    func delivered(at now: Date) {
        status.withLock {
            $0.lastDelivery = now
            $0.lastTurn = now
            $0.failures = 0
            if case .stopped = $0.phase { return }
            $0.phase = .running
        }
    }

    func failing(_ kind: String, at now: Date) {
        status.withLock {
            $0.lastTurn = now
            $0.failures += 1
            $0.phase = .backingOff(kind)
        }
    }

    func stopped(_ why: String) {
        status.withLock { $0.phase = .stopped(why) }
    }

    /// Whether the loop is making progress, for systemd's watchdog: it turned lately, or it is waiting out a failure
    /// (a platform that is down is not the process being stuck, and a restart would not bring the platform back).
    /// A stopped loop is not stuck either: it ended, and says why in the health check.
    public func turning(at now: Date) -> Bool {
        let status = current
        switch status.phase {
        case .stopped, .backingOff: return true
        case .starting, .running: return now.timeIntervalSince(status.lastTurn ?? status.startedAt) <= window
        }
    }

    /// Whether the bot is well at `now`, and if not, why, in words for an operator.
    public func health(at now: Date) -> (healthy: Bool, problem: String?) {
        let status = current
        if case .stopped(let why) = status.phase { return (false, "stopped: \(why)") }
        let heard = status.lastPoll ?? status.startedAt
        let silence = now.timeIntervalSince(heard)
        if silence > window {
            let kind = if case .backingOff(let kind) = status.phase { " (\(kind))" } else { "" }
            return (false, "no answered poll for \(Int(silence)) s\(kind)")
        }
        if status.outboxDepth > 0, let since = status.waitingSince {
            let stuck = now.timeIntervalSince(max(since, status.lastDelivery ?? since))
            if stuck > window { return (false, "\(status.outboxDepth) messages waiting, none sent for \(Int(stuck)) s") }
        }
        return (true, nil)
    }
}
