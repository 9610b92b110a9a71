import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// What the bot tells systemd, read off a real datagram socket standing in for systemd's (`NotifySocketListener`).
@Suite("systemd notifications")
struct SystemdNotifierTests {
    static let pid = String(ProcessInfo.processInfo.processIdentifier)

    @Test("each message arrives as one datagram of NAME=value lines, in order", arguments: [false, true])
    func datagrams(abstract: Bool) async throws {
        let listener = try NotifySocketListener(abstract: abstract)
        defer { listener.close() }
        let notifier = try #require(SystemdNotifier.reading(
            ["NOTIFY_SOCKET": listener.notifySocket], monotonicMicroseconds: { 123_456_789 }).notifier)
        #expect(notifier.address.description == listener.notifySocket)

        try notifier.ready(status: "3 teams running")
        try notifier.watchdog()
        try notifier.status("acme: backing off")
        try notifier.reloading()
        try notifier.ready()
        try notifier.stopping(status: "stopping 3 teams")
        try notifier.notify(["EXTEND_TIMEOUT_USEC": "5000000"])

        #expect(listener.datagrams == [
            "READY=1\nSTATUS=3 teams running",
            "WATCHDOG=1",
            "STATUS=acme: backing off",
            "RELOADING=1\nMONOTONIC_USEC=123456789",
            "READY=1",
            "STOPPING=1\nSTATUS=stopping 3 teams",
            "EXTEND_TIMEOUT_USEC=5000000",
        ])
    }

    @Test("a line break in a value cannot add a field; a name systemd would not read is refused, and nothing is sent")
    func noInjectedFields() throws {
        let listener = try NotifySocketListener()
        defer { listener.close() }
        let notifier = try #require(SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": listener.notifySocket]))
        try notifier.status("team\nREADY=1\r\nSTOPPING=1")
        // "\r\n" is one Character, so one space.
        #expect(listener.datagrams == ["STATUS=team READY=1 STOPPING=1"])
        for name in ["", "status", "READY=1\nX", "WATCH DOG"] {
            #expect(throws: SystemdError.invalidField(name: name)) { try notifier.notify([name: "1"]) }
        }
        #expect(listener.datagrams.count == 1)
    }

    @Test("RELOADING=1 carries the real CLOCK_MONOTONIC by default")
    func monotonicByDefault() throws {
        let listener = try NotifySocketListener()
        defer { listener.close() }
        let notifier = try #require(SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": listener.notifySocket]))
        let before = SystemdNotifier.monotonicMicroseconds()
        try notifier.reloading(status: "reloading")
        let after = SystemdNotifier.monotonicMicroseconds()
        let fields = try #require(listener.datagrams.first).split(separator: "\n")
        #expect(fields.count == 3 && fields[0] == "RELOADING=1" && fields[2] == "STATUS=reloading")
        let stamp = try #require(fields[1].split(separator: "=").last.flatMap { UInt64($0) })
        #expect(fields[1].hasPrefix("MONOTONIC_USEC=") && (before...after).contains(stamp))
    }

    @Test("no NOTIFY_SOCKET, or one that is no socket address: no notifier, and the bad value is named")
    func notUnderSystemd() {
        #expect(SystemdNotifier.reading([:]).notifier == nil)
        #expect(SystemdNotifier.reading([:]).problems.isEmpty)
        #expect(SystemdNotifier.reading(["NOTIFY_SOCKET": ""]).problems.isEmpty, "empty is unset, as sd_notify reads it")
        let tooLong = "/" + String(repeating: "a", count: 200)
        for bad in ["run/notify", "@", "vsock:2:1234", tooLong, "@" + String(repeating: "b", count: 200)] {
            let reading = SystemdNotifier.reading(["NOTIFY_SOCKET": bad, "WATCHDOG_USEC": "1000000"])
            #expect(reading.notifier == nil, "\(bad)")
            guard case .socketAddress(let value, _) = reading.problems.first, reading.problems.count == 1 else {
                Issue.record("\(bad): \(reading.problems)")
                continue
            }
            #expect(value == bad)
            #expect("\(reading.problems[0])".contains("NOTIFY_SOCKET="))
        }
    }

    @Test("the watchdog interval is half of WATCHDOG_USEC, for this process only")
    func watchdogInterval() throws {
        let socket = "/run/systemd/notify"
        func interval(_ environment: [String: String]) -> Duration? {
            SystemdNotifier.reading(environment.merging(["NOTIFY_SOCKET": socket]) { $1 }).notifier?.watchdogInterval
        }
        #expect(interval([:]) == nil)
        #expect(interval(["WATCHDOG_USEC": "120000000"]) == .seconds(60))
        #expect(interval(["WATCHDOG_USEC": "3"]) == .microseconds(1))
        #expect(interval(["WATCHDOG_USEC": "120000000", "WATCHDOG_PID": Self.pid]) == .seconds(60))
        // systemd set it for another process (this one inherited the variables): not ours to feed, and no problem.
        let other = SystemdNotifier.reading(["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "120000000", "WATCHDOG_PID": "1"])
        #expect(other.notifier != nil && other.notifier?.watchdogInterval == nil && other.problems.isEmpty)
    }

    @Test("a watchdog setting that cannot be used is ignored and named; the notifier still works")
    func badWatchdogSettings() throws {
        let cases: [(environment: [String: String], name: String)] = [
            (["WATCHDOG_USEC": "0"], "WATCHDOG_USEC"),
            (["WATCHDOG_USEC": "-5"], "WATCHDOG_USEC"),
            (["WATCHDOG_USEC": "2min"], "WATCHDOG_USEC"),
            (["WATCHDOG_USEC": "18446744073709551615"], "WATCHDOG_USEC"),
            (["WATCHDOG_USEC": "99999999999999999999999"], "WATCHDOG_USEC"),
            (["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "me"], "WATCHDOG_PID"),
            (["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "0"], "WATCHDOG_PID"),
        ]
        for (environment, name) in cases {
            let reading = SystemdNotifier.reading(environment.merging(["NOTIFY_SOCKET": "@coach"]) { $1 })
            #expect(reading.notifier?.address == .abstract("coach"))
            #expect(reading.notifier?.watchdogInterval == nil, "\(environment)")
            guard case .watchdogSetting(let named, let value, _) = reading.problems.first, reading.problems.count == 1 else {
                Issue.record("\(environment): \(reading.problems)")
                continue
            }
            #expect(named == name && value == environment[name])
        }
    }

    @Test("a socket nobody listens on is an error to report, not a crash or a hang")
    func nobodyListening() throws {
        let folder = Fixtures.temporaryDirectory()
        let notifier = SystemdNotifier(address: .path(folder.appendingPathComponent("gone").path))
        #expect {
            try notifier.watchdog()
        } throws: { error in
            guard case .io(let operation, let socket, let reason) = error as? SystemdError else { return false }
            return operation == "send" && socket.hasSuffix("/gone") && reason.contains("errno")
        }
    }
}

@Suite("systemd notifications from the teams supervisor")
struct SystemdTeamsEventTests {
    @Test("started, reloading, reloaded and stopping become READY, RELOADING, READY and STOPPING with a status line")
    func events() throws {
        let listener = try NotifySocketListener()
        defer { listener.close() }
        let notifier = try #require(SystemdNotifier.reading(
            ["NOTIFY_SOCKET": listener.notifySocket], monotonicMicroseconds: { 42 }).notifier)
        try notifier.tell(.started(running: 3, failed: 0))
        try notifier.tell(.reloading)
        try notifier.tell(.reloaded(running: 1, failed: 2))
        try notifier.tell(.stopping)
        #expect(listener.datagrams == [
            "READY=1\nSTATUS=3 teams running",
            "RELOADING=1\nMONOTONIC_USEC=42\nSTATUS=reloading the teams folder",
            "READY=1\nSTATUS=1 team running, 2 left out (the log says why)",
            "STOPPING=1\nSTATUS=stopping every team",
        ])
    }
}
