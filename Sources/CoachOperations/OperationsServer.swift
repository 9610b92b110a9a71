import CoachRuntime
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// `--listen HOST:PORT`: where the health check and the metrics are served.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Port 0 lets the system choose a free port (the tests' way).
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:9090`, `[::1]:9090` or `localhost:9090`; nil with the reason when it is none of those.
    public static func parse(_ text: String) -> Result<ListenAddress, ListenAddressError> {
        guard let colon = text.lastIndex(of: ":") else { return .failure(.init(text: text)) }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return .failure(.init(text: text))
        }
        return .success(ListenAddress(host: host, port: port))
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct ListenAddressError: Error, CustomStringConvertible {
    var text: String
    public var description: String {
        "--listen \(text) is not an address and port; write it as 127.0.0.1:9090 (recommended: only this machine "
            + "can reach it), or 0.0.0.0:9090 behind a firewall."
    }
}

/// Whether the teams are well, as `GET /healthz` answers: 200 when at least one team runs and every running team
/// has had a poll answered within a few poll intervals and drains its outbox; 503 otherwise. The body names each
/// team's state, its last answered poll and its outbox depth. Teams that could not start, or that stopped (a refused
/// credential), are listed with why; they do not make the process unhealthy, since restarting it would not mend them.
public struct HealthReport: Encodable, Sendable {
    public var healthy: Bool
    public var status: String
    public var checkedAt: Date
    public var teams: [Team]

    public struct Team: Encodable, Sendable {
        public var name: String
        /// running, backing off, starting, stopped, or failed (could not start).
        public var state: String
        public var healthy: Bool
        /// Why it is not healthy, or why it stopped or failed.
        public var problem: String?
        public var lastSuccessfulPoll: Date?
        public var lastPollAgeSeconds: Int?
        public var outboxDepth: Int?
    }

    public init(registry: TeamsRegistry, at now: Date) {
        checkedAt = now
        teams = registry.all.map { name, entry in
            switch entry {
            case .failed(let reason):
                return Team(name: name, state: "failed", healthy: false, problem: reason)
            case .running(let monitor):
                let status = monitor.current
                let (healthy, problem) = monitor.health(at: now)
                return Team(
                    name: name, state: status.phase.name, healthy: healthy, problem: problem,
                    lastSuccessfulPoll: status.lastPoll,
                    lastPollAgeSeconds: status.lastPoll.map { Int(now.timeIntervalSince($0).rounded(.down)) },
                    outboxDepth: status.outboxDepth)
            }
        }
        let running = teams.filter { $0.state != "failed" && $0.state != "stopped" }
        healthy = !running.isEmpty && running.allSatisfy(\.healthy)
        status = healthy ? "ok" : running.isEmpty ? "no team running" : "unhealthy"
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{\"healthy\": false}"
    }
}

/// The health check and the Prometheus metrics, served with Hummingbird. Read-only, and nothing in either answer is
/// member text or a secret: team folder names, states, times, counts and command names.
public enum OperationsServer {
    /// A service to run beside the teams: it answers until the group shuts down.
    public static func application(
        address: ListenAddress, registry: TeamsRegistry, prometheus: PrometheusCollectorRegistry,
        now: @escaping @Sendable () -> Date, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        let router = Router()
        router.get("healthz") { _, _ -> Response in
            let report = HealthReport(registry: registry, at: now())
            return Response(
                status: report.healthy ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: report.json() + "\n")))
        }
        router.get("metrics") { _, _ -> Response in
            refreshGauges(registry: registry, prometheus: prometheus, at: now())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: prometheus.emitToBuffer())))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "servicecoach"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? address.port) },
            logger: logger)
    }

    /// The gauges that describe a moment rather than count events: each team's outbox depth, how long since its last
    /// answered poll, and whether it is healthy, set from the teams' monitors as the scrape asks.
    static func refreshGauges(registry: TeamsRegistry, prometheus: PrometheusCollectorRegistry, at now: Date) {
        for (name, entry) in registry.all {
            let labels = [("team", name)]
            guard case .running(let monitor) = entry else {
                prometheus.makeGauge(name: BotMetrics.Name.healthy, labels: labels).set(Double(0))
                continue
            }
            let status = monitor.current
            prometheus.makeGauge(name: BotMetrics.Name.outboxDepth, labels: labels).set(Double(status.outboxDepth))
            let heard = status.lastPoll ?? status.startedAt
            prometheus.makeGauge(name: BotMetrics.Name.lastPollAge, labels: labels).set(max(0, now.timeIntervalSince(heard)))
            prometheus.makeGauge(name: BotMetrics.Name.healthy, labels: labels).set(Double(monitor.health(at: now).healthy ? 1 : 0))
        }
    }

    /// What `coach run --listen` runs: the process's metrics counted into a new Prometheus registry from now on,
    /// and the endpoint serving them and the teams' health on `address`.
    public static func live(address: ListenAddress, registry: TeamsRegistry, logger: Logger) -> any Service {
        let prometheus = PrometheusCollectorRegistry()
        bootstrapMetrics(prometheus)
        return application(
            address: address, registry: registry, prometheus: prometheus, now: { Date() }, logger: logger)
    }

    /// The process's metrics backend: swift-metrics counters and timers land in `prometheus`.
    public static func bootstrapMetrics(_ prometheus: PrometheusCollectorRegistry) {
        MetricsSystem.bootstrap(factory(prometheus))
    }

    /// A swift-metrics factory writing into `prometheus`, with latency buckets from 5 ms to a long-poll's minute.
    public static func factory(_ prometheus: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: prometheus)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        return factory
    }
}
