import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The watchdog feeder on a manual clock, pinging a real datagram socket: each step waits until the feeder is parked
/// on the clock, so what it has sent by then is all it will have sent.
@Suite("systemd watchdog feeder")
struct WatchdogFeederTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A `healthy` closure that gives `answers` in turn and records an issue if asked once more.
    final class Answers: Sendable {
        let remaining: Mutex<[Bool]>
        init(_ answers: [Bool]) { remaining = Mutex(answers) }
        func next() -> Bool {
            remaining.withLock { list in
                guard !list.isEmpty else {
                    Issue.record("asked whether healthy more often than the test scripted")
                    return false
                }
                return list.removeFirst()
            }
        }
        var left: Int { remaining.withLock(\.count) }
    }

    @Test("pings every half WatchdogSec while healthy, holds back while not, says each change once, ends on shutdown")
    func feedsWhileHealthy() async throws {
        let listener = try NotifySocketListener()
        defer { listener.close() }
        // WatchdogSec=20s: a ping every 10 s.
        let notifier = try #require(SystemdNotifier.fromEnvironment(
            ["NOTIFY_SOCKET": listener.notifySocket, "WATCHDOG_USEC": "20000000"]))
        let clock = ManualClock(Self.start)
        let script = [true, false, false, true, true]
        let answers = Answers(script)
        let log = LogRecorder()
        let feeder = try #require(WatchdogFeeder(notifier: notifier, clock: clock, logger: log.logger) { answers.next() })
        let group = ServiceGroup(configuration: .init(services: [feeder], logger: Self.quiet))
        let running = Task { try await group.run() }

        var pings = 0
        for (step, answer) in script.enumerated() {
            await clock.waitForSleepers()
            // Parked: it asked exactly once per interval that passed, and sent exactly the pings due.
            #expect(answers.left == script.count - step)
            #expect(listener.datagrams == Array(repeating: "WATCHDOG=1", count: pings))
            clock.advance(by: 10)
            if answer { pings += 1 }
        }
        await clock.waitForSleepers()
        #expect(answers.left == 0)
        #expect(listener.datagrams == ["WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"])
        #expect(clock.requestedWaits == Array(repeating: 10, count: script.count + 1))
        #expect(log.all.map { $0.trimmingCharacters(in: .whitespaces) } == [
            "warning: not healthy: the systemd watchdog is not fed; systemd restarts coach if this lasts",
            "notice: healthy again: feeding the systemd watchdog",
        ])

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(listener.datagrams.count == 3, "nothing sent on the way out")
    }

    @Test("a ping that cannot go is logged once, and the feeder keeps going")
    func failedPings() async throws {
        let folder = Fixtures.temporaryDirectory()
        let notifier = SystemdNotifier(address: .path(folder.appendingPathComponent("gone").path), watchdogInterval: .seconds(5))
        let clock = ManualClock(Self.start)
        let answers = Answers([true, true, true])
        let log = LogRecorder()
        let feeder = try #require(WatchdogFeeder(notifier: notifier, clock: clock, logger: log.logger) { answers.next() })
        let group = ServiceGroup(configuration: .init(services: [feeder], logger: Self.quiet))
        let running = Task { try await group.run() }
        for _ in 0..<3 {
            await clock.waitForSleepers()
            clock.advance(by: 5)
        }
        await clock.waitForSleepers()
        #expect(answers.left == 0)
        #expect(log.all.count == 1 && log.all[0].hasPrefix("warning: could not ping the systemd watchdog"), "\(log.all)")
        #expect(log.all.first?.contains("/gone") == true)
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test("no feeder when systemd expects no pings")
    func noWatchdog() {
        let notifier = SystemdNotifier(address: .abstract("coach"))
        #expect(WatchdogFeeder(notifier: notifier, clock: ManualClock(Self.start), logger: Self.quiet) { true } == nil)
    }
}
