import CoachChat
import CoachCore
import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The Matrix rows, measured against a local Synapse (`scripts/bench.sh` starts one and sets `COACH_SYNAPSE_URL`):
///
/// - Reply latency: a member sends `!status` and waits on their own `/sync` until the bot's reply arrives; the
///   same for a minimal echo bot on the same HTTP stack (HTTPWebClient, the same `/sync` long-poll and `PUT`),
///   so the ratio is what ServiceCoach's engine, journal and adapter add over the bare round trips.
/// - Idle CPU: user+sys time of this process while the bot long-polls an idle room for a minute.
enum MatrixBenchmark {
    static let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
    static let commands = 100
    static let warmUp = 5

    static func rows(_ homeserver: SynapseHomeserver) async throws -> [(String, String, String)] {
        let member = try await homeserver.register("member", displayName: "Sam")
        let coachAccount = try await homeserver.register("coach", displayName: "Coach")
        let echoAccount = try await homeserver.register("echo", displayName: "Echo")
        let coachRoom = try await member.createRoom(name: "bench coach", invite: [coachAccount.userID])
        let echoRoom = try await member.createRoom(name: "bench echo", invite: [echoAccount.userID])
        try await echoAccount.join(echoRoom)

        // ServiceCoach, as `coach run` wires it: the real transport, state journal and loop, on the system clock.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coach-bench-matrix-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var setup = try CoachSetup.load(configPath: nil, promptsPath: nil, stateOverride: directory.path)
        setup.config.members = [.init(id: member.userID, name: "Sam")]
        let transport = try Platforms.make(
            kind: "matrix", settings: ["baseURL": homeserver.url.absoluteString, "room": coachRoom],
            environment: ["MATRIX_ACCESS_TOKEN": coachAccount.accessToken],
            context: PlatformContext(web: HTTPWebClient(), logger: logger, botName: setup.config.team.botName))
        let bot = try BotService.open(setup: setup, transport: transport, clock: SystemClock(), logger: logger, randomSeed: 1)
        let coachTask = Task { try await bot.run() }
        let echo = EchoBot(account: echoAccount, room: echoRoom)
        let echoTask = Task { await echo.run() }
        // Ready once the coach's first start has taken the room's position (after joining and posting its
        // introduction), and the echo bot has taken its own.
        while await bot.session.cursor(for: transport.name) == nil { try await Task.sleep(for: .milliseconds(20)) }
        while !(await echo.state.ready) { try await Task.sleep(for: .milliseconds(20)) }
        // Alternating one command to each, so both meet the same load on a shared machine.
        let samples = try await latencies(member: member, rooms: [(coachRoom, coachAccount.userID), (echoRoom, echoAccount.userID)])
        let (coach, bare) = (samples[0], samples[1])
        echoTask.cancel()
        _ = await echoTask.result

        // A minute of an idle room: only ServiceCoach's long-polls run in this process now.
        try await Task.sleep(for: .seconds(1))
        let idleSeconds = Double(ProcessInfo.processInfo.environment["COACH_BENCH_IDLE_SECONDS"] ?? "") ?? 60
        let before = cpuSeconds()
        try await Task.sleep(for: .milliseconds(Int64(idleSeconds * 1000)))
        let idleCPU = cpuSeconds() - before
        coachTask.cancel()
        _ = await coachTask.result

        func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
        return [
            ("Matrix reply latency p50, ServiceCoach (!status, local Synapse)", ms(percentile(coach, 0.5)), "-"),
            ("Matrix reply latency p95, ServiceCoach", ms(percentile(coach, 0.95)), "-"),
            ("Matrix reply latency p50, minimal echo bot (same HTTP stack)", ms(percentile(bare, 0.5)), "-"),
            ("Matrix reply latency p95, minimal echo bot", ms(percentile(bare, 0.95)), "-"),
            ("Matrix reply latency ratio p50, ServiceCoach / echo",
                String(format: "%.2fx", percentile(coach, 0.5) / percentile(bare, 0.5)), "<= 1.5x"),
            ("CPU (user+sys), \(Int(idleSeconds)) s idle long-polling Synapse", String(format: "%.3f s", idleCPU), "< 0.5 s"),
        ]
    }

    /// Seconds from a member's send to the bot's reply reaching that member's `/sync`, `commands` times per room
    /// (after a few unmeasured ones), taking the rooms in turn.
    static func latencies(member: MatrixAccount, rooms: [(room: String, bot: String)]) async throws -> [[Double]] {
        var since: [String] = []
        for (room, _) in rooms { since.append(try await member.sync(room: room, since: nil, timeout: 0).next) }
        let clock = ContinuousClock()
        var samples = [[Double]](repeating: [], count: rooms.count)
        for index in 0..<(warmUp + commands) {
            for (n, (room, bot)) in rooms.enumerated() {
                let start = clock.now
                try await member.say("!status", in: room)
                var answered = false
                while !answered {
                    let (events, next) = try await member.sync(room: room, since: since[n], timeout: 30_000)
                    since[n] = next
                    answered = events.contains { $0.sender == bot }
                }
                if index >= warmUp { samples[n].append(Benchmark.seconds(clock.now - start)) }
            }
        }
        return samples
    }

    static func percentile(_ samples: [Double], _ fraction: Double) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// The smallest bot that answers a command in a Matrix room: one `/sync` long-poll loop and one `PUT …/send` per
/// command, on the same HTTPWebClient as the adapter. No engine, no state, no journal.
struct EchoBot {
    let account: MatrixAccount
    let room: String
    let state = State()
    let web = HTTPWebClient()

    actor State {
        var ready = false
        func markReady() { ready = true }
    }

    func run() async {
        let api = account.homeserver.appending(segments: "_matrix", "client", "v3")
        let auth = ["Authorization": "Bearer \(account.accessToken)"]
        let filter = #"{"room":{"rooms":["\#(room)"],"timeline":{"types":["m.room.message"],"limit":50}},"presence":{"types":[]},"account_data":{"types":[]}}"#
        var since: String?
        var sent = 0
        while !Task.isCancelled {
            var query = [("timeout", since == nil ? "0" : "30000"), ("filter", filter), ("set_presence", "offline")]
            if let since { query.append(("since", since)) }
            guard let response = try? await web.send(WebRequest(url: api.appending(segments: "sync").adding(query: query),
                    headers: auth, timeout: .seconds(40), label: "echo sync")),
                response.isSuccess,
                let answer = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
                let next = answer["next_batch"] as? String
            else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            if since != nil {
                let rooms = answer["rooms"] as? [String: Any]
                let joined = (rooms?["join"] as? [String: Any])?[room] as? [String: Any]
                let events = (joined?["timeline"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
                for event in events where event.sender != account.userID && event.messageBody.hasPrefix("!") {
                    sent += 1
                    let url = api.appending(segments: "rooms", room, "send", "m.room.message", "echo-\(sent)-\(next.hashValue)")
                    _ = try? await web.send(.json("PUT", url: url, headers: auth,
                        body: ["msgtype": "m.text", "body": "echo: " + event.messageBody], label: "echo send"))
                }
            } else {
                await state.markReady()
            }
            since = next
        }
    }
}
