import AsyncHTTPClient
import CoachChat
import CoachCore
import CoachOperations
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Testing

/// `--listen`: the health check and the metrics, served on 127.0.0.1 with the bots' real monitors and counters.
@Suite("Health and metrics", .timeLimit(.minutes(10)))
struct OperationsServerTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Serves `registry` on a free port of 127.0.0.1 while `body` runs.
    static func serving(
        _ registry: TeamsRegistry, prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        clock: ManualClock, _ body: (Int) async throws -> Void
    ) async throws {
        let (ports, port) = AsyncStream<Int>.makeStream()
        let app = OperationsServer.application(
            address: ListenAddress(host: "127.0.0.1", port: 0), registry: registry, prometheus: prometheus,
            now: { clock.now() }, logger: logger, onListening: { port.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var listening = ports.makeAsyncIterator()
        let bound = try #require(await listening.next())
        do {
            try await body(bound)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }

    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String, type: String?) {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body), response.headers.first(name: "content-type"))
    }

    /// A bot on a scripted chat, its loop run until the chat has answered `polls` polls.
    static func monitor(state: URL, clock: ManualClock, metrics: PrometheusMetricsFactory? = nil, messages: [String] = [])
        async throws -> BotService
    {
        var setup = try Fixtures.setup(state: state)
        setup.config.holidays = []
        let batches = messages.enumerated().map { index, text in
            PollBatch(
                messages: [InboundMessage(id: "m\(index)", senderID: "sam", senderName: "Sam", text: text)],
                cursor: "c\(index)")
        }
        let chat = ScriptedChat(batches: batches)
        var bot = try BotService.open(setup: setup, transport: chat.transport(), clock: clock, logger: logger, randomSeed: 7)
        if let metrics { bot.metrics = BotMetrics(team: "acme", platform: "fake", factory: metrics) }
        // The scripted chat closes its input after the last batch: the loop ends by itself.
        try await bot.run()
        return bot
    }

    @Test("/healthz: 200 while every running team polled lately; 503 once one has not for a few poll intervals; failed teams listed with why")
    func health() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock(Self.start)
        let registry = TeamsRegistry()
        let live = BotMonitor(startedAt: Self.start, pollTimeout: .seconds(30))
        registry.set("acme", .running(live))
        registry.set("broken", .failed("/teams/broken/coach.json: the config file is not valid"))
        try await Self.serving(registry, clock: clock) { port in
            let fresh = try await Self.get(port, "/healthz")
            #expect(fresh.status == 200, "\(fresh.body)")
            #expect(fresh.type?.hasPrefix("application/json") == true)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(fresh.body.utf8)) as? [String: Any])
            let teams = try #require(report["teams"] as? [[String: Any]])
            #expect(teams.map { $0["name"] as? String } == ["acme", "broken"])
            #expect(teams[0]["state"] as? String == "starting")
            #expect(teams[0]["outboxDepth"] as? Int == 0)
            #expect(teams[1]["state"] as? String == "failed")
            #expect((teams[1]["problem"] as? String)?.contains("not valid") == true)
            // Ninety seconds (three of the longest polls) without an answered poll: unhealthy.
            clock.advance(by: 91)
            let stale = try await Self.get(port, "/healthz")
            #expect(stale.status == 503)
            #expect(stale.body.contains("no answered poll for 91 s"), "\(stale.body)")
        }
    }

    @Test("/healthz: a bot whose loop ran reports running with its last poll; a stopped one is listed, and with none running it is 503")
    func healthFromABot() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock(Self.start)
        let bot = try await Self.monitor(state: dir, clock: clock, messages: ["!help"])
        let status = bot.monitor.current
        #expect(status.lastPoll == Self.start)
        #expect(status.phase == .stopped("input closed"))
        let registry = TeamsRegistry()
        registry.set("acme", .running(bot.monitor))
        try await Self.serving(registry, clock: clock) { port in
            let answer = try await Self.get(port, "/healthz")
            #expect(answer.status == 503)
            #expect(answer.body.contains("\"status\" : \"no team running\""), "\(answer.body)")
            #expect(answer.body.contains("\"state\" : \"stopped\""))
        }
    }

    @Test("/metrics: messages received, commands by name, posts sent, poll and send latency, outbox depth and poll age per team; no member text")
    func metrics() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock(Self.start)
        let prometheus = PrometheusCollectorRegistry()
        let bot = try await Self.monitor(
            state: dir, clock: clock, metrics: OperationsServer.factory(prometheus),
            messages: ["!help", "!example Priya's secret recipe for calm", "!status"])
        let registry = TeamsRegistry()
        registry.set("acme", .running(bot.monitor))
        try await Self.serving(registry, prometheus: prometheus, clock: clock) { port in
            let answer = try await Self.get(port, "/metrics")
            #expect(answer.status == 200)
            #expect(answer.type?.hasPrefix("text/plain") == true)
            let text = answer.body
            #expect(text.contains("coach_messages_received_total{team=\"acme\"} 3"), "\(text)")
            #expect(text.contains("coach_commands_total{team=\"acme\",command=\"help\"} 1"))
            #expect(text.contains("coach_commands_total{team=\"acme\",command=\"example\"} 1"))
            #expect(text.contains("coach_commands_total{team=\"acme\",command=\"status\"} 1"))
            #expect(text.contains("coach_posts_sent_total{team=\"acme\"}"))
            #expect(text.contains("coach_poll_duration_seconds_bucket{team=\"acme\""))
            #expect(text.contains("coach_send_duration_seconds_count{team=\"acme\"}"))
            #expect(text.contains("coach_outbox_depth{team=\"acme\"} 0"))
            #expect(text.contains("coach_last_poll_age_seconds{team=\"acme\"} 0"))
            #expect(!text.contains("Priya") && !text.contains("recipe"), "member text never reaches the metrics")
        }
    }

    @Test("--listen takes host:port; anything else is refused with the form that works")
    func listenAddress() throws {
        #expect(try ListenAddress.parse("127.0.0.1:9090").get() == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(try ListenAddress.parse("[::1]:9090").get() == ListenAddress(host: "::1", port: 9090))
        for wrong in ["9090", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", ":9090", "host:port"] {
            guard case .failure(let problem) = ListenAddress.parse(wrong) else {
                Issue.record("\(wrong) was accepted")
                continue
            }
            #expect(problem.description.contains("127.0.0.1:9090"))
        }
    }
}
