/// What the teams supervisor's events (`TeamsService`) mean to systemd, so wiring them is one call per event.
extension SystemdNotifier {
    /// `started` and `reloaded` say READY=1 (the second ends the reload systemd was told of), `reloading` says
    /// RELOADING=1, `stopping` says STOPPING=1; each with a STATUS line for `systemctl status`.
    public func tell(_ event: TeamsEvent) throws(SystemdError) {
        switch event {
        case .started(let running, let failed):
            try ready(status: Self.teamsStatus(running: running, failed: failed))
        case .reloading:
            try reloading(status: "reloading the teams folder")
        case .reloaded(let running, let failed):
            try ready(status: Self.teamsStatus(running: running, failed: failed))
        case .stopping:
            try stopping(status: "stopping every team")
        }
    }

    static func teamsStatus(running: Int, failed: Int) -> String {
        let teams = running == 1 ? "1 team running" : "\(running) teams running"
        return failed == 0 ? teams : teams + ", \(failed) left out (the log says why)"
    }
}
