import Foundation
import Logging
import ServiceLifecycle

/// Feeds systemd's watchdog (`WatchdogSec=` in the unit) while the bot is healthy: every `watchdogInterval` it asks
/// `healthy`, and sends `WATCHDOG=1` only when the answer is yes. When the answers stay no for `WatchdogSec=`, systemd
/// kills and restarts the bot (`Restart=on-failure`), which is the point: a process that is up but stuck is restarted.
///
/// What `healthy` should mean is "this process is making progress": the loops turn, the commits go through. A chat
/// platform that is down is not that: a restart cannot bring it back, and with many teams in one process it would
/// interrupt every other team too. So the question to ask is whether each team's loop has run lately (a failed poll
/// that backs off counts as running), not whether each platform answers.
///
/// It runs until graceful shutdown and then ends quietly, like every service of the group (a service that returned
/// early would stop the group). A failed ping is logged and tried again at the next interval.
public struct WatchdogFeeder: Service, CustomStringConvertible {
    let notifier: SystemdNotifier
    let interval: Duration
    let clock: any CoachClock
    let logger: Logger
    let healthy: @Sendable () async -> Bool

    /// Nil when systemd expects no pings from this process (no `WatchdogSec=`, or the pings are another process's).
    public init?(
        notifier: SystemdNotifier, clock: any CoachClock, logger: Logger, healthy: @escaping @Sendable () async -> Bool
    ) {
        guard let interval = notifier.watchdogInterval else { return nil }
        self.notifier = notifier
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.healthy = healthy
    }

    public var description: String { "WatchdogFeeder" }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await feed() }
        } catch is CancellationError {
            // Graceful shutdown (or the group's cancellation) woke the wait: nothing was half done.
        }
    }

    /// One ping per interval while healthy. Only changes are logged (healthy to not, sending to failing and back), so
    /// a long bad spell is a line at its start and one at its end, not one per interval.
    func feed() async throws {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        var withholding = false
        var failing = false
        while true {
            try await clock.sleep(until: clock.now().addingTimeInterval(seconds))
            guard await healthy() else {
                if !withholding {
                    logger.warning("not healthy: the systemd watchdog is not fed; systemd restarts coach if this lasts")
                    withholding = true
                }
                continue
            }
            if withholding {
                logger.notice("healthy again: feeding the systemd watchdog")
                withholding = false
            }
            do {
                try notifier.watchdog()
                if failing {
                    logger.notice("systemd watchdog pings go through again")
                    failing = false
                }
            } catch {
                if !failing {
                    logger.warning("could not ping the systemd watchdog", metadata: ["error": "\(error)"])
                    failing = true
                }
            }
        }
    }
}
