import CoreMetrics
import Foundation

/// What one team's bot counts, through swift-metrics: whoever runs the process chooses the backend (`coach run
/// --listen` exports them as Prometheus text at /metrics); with none, counting costs nothing. Labels are the team's
/// folder name, the platform, a command's name and a failure's kind: never member text, never a secret.
///
/// Each metric name always carries the same label names, as Prometheus requires.
public struct BotMetrics: Sendable {
    public let team: String
    let platform: String
    let factory: any MetricsFactory

    public init(team: String, platform: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.team = team
        self.platform = platform
        self.factory = factory
    }

    /// The metric names, declared once for the exporter's help text and the tests.
    public enum Name {
        public static let received = "coach_messages_received_total"
        public static let commands = "coach_commands_total"
        public static let sent = "coach_posts_sent_total"
        public static let failures = "coach_failures_total"
        public static let pollSeconds = "coach_poll_duration_seconds"
        public static let sendSeconds = "coach_send_duration_seconds"
        public static let outboxDepth = "coach_outbox_depth"
        public static let lastPollAge = "coach_last_poll_age_seconds"
        public static let healthy = "coach_team_healthy"
    }

    var teamLabel: [(String, String)] { [("team", team)] }

    func received(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: Name.received, dimensions: teamLabel, factory: factory).increment(by: count)
    }

    func commands(_ names: [String]) {
        for name in names {
            Counter(label: Name.commands, dimensions: teamLabel + [("command", name)], factory: factory).increment()
        }
    }

    func sent() {
        Counter(label: Name.sent, dimensions: teamLabel, factory: factory).increment()
    }

    /// A failed platform call: `kind` is one word (`temporary`, `rate_limited`, `unauthorized`, `rejected`, `too_long`).
    func failure(_ kind: String, during operation: String) {
        Counter(
            label: Name.failures,
            dimensions: teamLabel + [("platform", platform), ("operation", operation), ("kind", kind)], factory: factory
        ).increment()
    }

    func pollTook(_ seconds: TimeInterval) {
        Timer(label: Name.pollSeconds, dimensions: teamLabel, factory: factory).recordSeconds(max(0, seconds))
    }

    func sendTook(_ seconds: TimeInterval) {
        Timer(label: Name.sendSeconds, dimensions: teamLabel, factory: factory).recordSeconds(max(0, seconds))
    }
}
