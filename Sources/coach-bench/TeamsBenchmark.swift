import Foundation
import Hummingbird
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// `coach run --teams` with N teams against a fake long-polling platform on 127.0.0.1: the real release-built `coach`
/// in a child process (so its CPU and memory are its own), every team on Telegram's Bot API as this file's server
/// speaks it (`getUpdates` held open until a message or its timeout, `sendMessage` recorded).
///
/// For each N: start-up (from launch until every team's first long-poll arrives, with every state folder already
/// written by an earlier run), the CPU the process spends over `idleSeconds` of idle long-polling, its peak RSS, and
/// the reply latency of one team (a member's `!status` until the bot's answer arrives) while the others are connected.
enum TeamsBenchmark {
    static let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

    struct Result {
        var teams: Int
        var startup: Double
        /// The CPU the process spent getting there: on a busy machine the wall time waits for other processes too.
        var startupCPU: Double
        var idleCPU: Double
        var peakRSS: Int
        var latencies: [Double]

        func percentile(_ p: Double) -> Double {
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
        }
    }

    static func rows(counts: [Int], idleSeconds: Double, replies: Int) async throws -> [(String, String, String)] {
        var results: [Result] = []
        for count in counts {
            results.append(try await measure(teams: count, idleSeconds: idleSeconds, replies: replies))
            FileHandle.standardError.write(Data("  teams: \(count) measured\n".utf8))
        }
        var rows: [(String, String, String)] = []
        let alone = results.first { $0.teams == 1 }
        for result in results {
            let n = result.teams
            let big = n == counts.max()
            rows.append(("\(n) teams: start-up (load every state, first long-poll each)", String(format: "%.2f s", result.startup), big ? "<= 10 s" : "-"))
            rows.append(("\(n) teams: start-up's CPU (user + sys)", String(format: "%.2f s", result.startupCPU), "-"))
            rows.append(("\(n) teams: CPU over \(Int(idleSeconds)) s of idle long-polling", String(format: "%.2f s", result.idleCPU), big ? "< 1 s" : "-"))
            rows.append(("\(n) teams: peak RSS", "\(result.peakRSS) MB", big ? "<= 512 MB" : "-"))
            var latency = String(format: "%.1f / %.1f ms", result.percentile(0.5) * 1000, result.percentile(0.95) * 1000)
            if let alone, n != 1 { latency += String(format: " (p50 %.2fx alone)", result.percentile(0.5) / alone.percentile(0.5)) }
            rows.append(("\(n) teams: one team's reply latency p50 / p95 (\(result.latencies.count) replies)", latency, big ? "p50 <= 1.5x alone" : "-"))
        }
        return rows
    }

    static func measure(teams count: Int, idleSeconds: Double, replies: Int) async throws -> Result {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("coach-bench-teams-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let platform = FakeTelegram()
        let (app, port) = try await platform.serve()
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        let listening = try await port.value
        var environment = ProcessInfo.processInfo.environment
        for index in 0..<count {
            let folder = root.appendingPathComponent(String(format: "team-%04d", index))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let config = """
                {
                  "schema": 1,
                  "team": {"name": "Team \(index)", "timeZone": "Europe/London", "botName": "coach"},
                  "admins": ["1"],
                  "holidays": [],
                  "transport": {"kind": "telegram", "settings": {
                    "chat": "-100\(1000 + index)", "tokenEnv": "TEAM_\(index)_TOKEN", "baseURL": "http://127.0.0.1:\(listening)"
                  }},
                  "stateDirectory": "state"
                }
                """
            try Data(config.utf8).write(to: folder.appendingPathComponent("coach.json"))
            environment["TEAM_\(index)_TOKEN"] = "token-\(index)"
        }
        // A first run writes every state folder (each bot's first start), so the measured start loads real states.
        let first = try launch(root: root, environment: environment)
        await platform.waitForLongPolls(count)
        await platform.waitForQuiet(seconds: 1)
        try await stop(first)
        await platform.reset()

        let started = Date()
        let process = try launch(root: root, environment: environment)
        await platform.waitForLongPolls(count)
        let startup = Date().timeIntervalSince(started)
        let startupCPU = cpuSeconds(process.processIdentifier)
        await platform.waitForQuiet(seconds: 2)

        let before = cpuSeconds(process.processIdentifier)
        try await Task.sleep(for: .milliseconds(Int(idleSeconds * 1000)))
        let idleCPU = cpuSeconds(process.processIdentifier) - before

        // One team, the last: a member's command, timed until the answer is posted. The first is a warm-up (the bot
        // asks once whether a new sender is in the group).
        let token = "token-\(count - 1)"
        let chat = Int64("-100\(1000 + count - 1)")!
        _ = await platform.roundTrip(token: token, chat: chat, text: "!status")
        var latencies: [Double] = []
        for _ in 0..<replies {
            latencies.append(await platform.roundTrip(token: token, chat: chat, text: "!status"))
        }
        let peak = peakRSSMegabytes(process.processIdentifier)
        try await stop(process)
        return Result(
            teams: count, startup: startup, startupCPU: startupCPU, idleCPU: idleCPU, peakRSS: peak, latencies: latencies)
    }

    static func launch(root: URL, environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("coach")
        process.arguments = ["run", "--teams", root.path, "--prompts", "Prompts", "--log-level", "warning"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func stop(_ process: Process) async throws {
        process.terminate()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// User plus system CPU of a process, from /proc.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command's closing parenthesis: state is field 3, utime 14 and stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func peakRSSMegabytes(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) / 1024
        }
        return -1
    }
}

/// Telegram's Bot API as far as the bot uses it, one mailbox per bot token. `getUpdates` waits for a message or its
/// own timeout, as the real API does.
actor FakeTelegram {
    struct Mailbox {
        var pending: [(id: Int64, json: String)] = []
        var nextUpdate: Int64 = 1
        var waiter: (id: Int, continuation: CheckedContinuation<[(id: Int64, json: String)], Never>)?
        var longPolled = false
    }

    private var boxes: [String: Mailbox] = [:]
    private var waiters = 0
    private var longPolls = 0
    private var longPollWaiters: [(Int, CheckedContinuation<Void, Never>)] = []
    private var lastActivity = Date()
    private var replyWaiter: (token: String, continuation: CheckedContinuation<Void, Never>)?
    private var messageID: Int64 = 1

    func serve() async throws -> (some ApplicationProtocol, Task<Int, any Error>) {
        let router = Router()
        router.post(":token/:method") { request, context -> Response in
            let token = String(context.parameters.get("token") ?? "").replacingOccurrences(of: "bot", with: "")
            let method = context.parameters.get("method") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [String: Any] ?? [:]
            let result = await self.answer(token: token, method: method, json: json)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"ok\":true,\"result\":\(result)}")))
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "fake-telegram"),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: TeamsBenchmark.logger)
        let port = Task<Int, any Error> {
            var ports = stream.makeAsyncIterator()
            return await ports.next() ?? 0
        }
        return (app, port)
    }

    func answer(token: String, method: String, json: [String: Any]) async -> String {
        // The long-polls go on all the time; anything else is the bots still starting up.
        if method != "getUpdates" { lastActivity = Date() }
        switch method {
        case "getMe":
            return "{\"id\":1,\"is_bot\":true,\"first_name\":\"coach\",\"username\":\"coach_bot\",\"can_read_all_group_messages\":true}"
        case "getChatMember":
            return "{\"status\":\"member\"}"
        case "getUpdates":
            let offset = (json["offset"] as? NSNumber)?.int64Value
            let timeout = (json["timeout"] as? NSNumber)?.intValue ?? 0
            return "[" + (await updates(token: token, offset: offset, timeout: timeout)).map(\.json).joined(separator: ",") + "]"
        case "sendMessage":
            messageID += 1
            if let waiter = replyWaiter, waiter.token == token, (json["text"] as? String)?.hasPrefix("Where ") == true {
                replyWaiter = nil
                waiter.continuation.resume()
            }
            return "{\"message_id\":\(messageID),\"date\":0,\"chat\":{\"id\":0}}"
        default:
            return "true"
        }
    }

    func updates(token: String, offset: Int64?, timeout: Int) async -> [(id: Int64, json: String)] {
        var box = boxes[token] ?? Mailbox()
        if offset == -1 {
            boxes[token] = box
            return []
        }
        // An offset confirms every update before it, as Telegram's does.
        if let offset { box.pending.removeAll { $0.id < offset } }
        if !box.longPolled, timeout > 0 {
            box.longPolled = true
            longPolls += 1
            for (target, waiter) in longPollWaiters where longPolls >= target { waiter.resume() }
            longPollWaiters.removeAll { longPolls >= $0.0 }
        }
        boxes[token] = box
        if !box.pending.isEmpty || timeout == 0 { return box.pending }
        waiters += 1
        let id = waiters
        return await withCheckedContinuation { continuation in
            boxes[token]?.waiter = (id, continuation)
            Task {
                try? await Task.sleep(for: .seconds(timeout))
                self.expire(token: token, id: id)
            }
        }
    }

    private func expire(token: String, id: Int) {
        guard let waiter = boxes[token]?.waiter, waiter.id == id else { return }
        boxes[token]?.waiter = nil
        waiter.continuation.resume(returning: [])
    }

    /// Posts `text` from a member to the team's group and returns the seconds until the bot's answer arrives.
    func roundTrip(token: String, chat: Int64, text: String) async -> Double {
        let start = Date()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            replyWaiter = (token, continuation)
            var box = boxes[token] ?? Mailbox()
            let id = box.nextUpdate
            box.nextUpdate += 1
            messageID += 1
            let update = """
                {"update_id":\(id),"message":{"message_id":\(messageID),"from":{"id":42,"is_bot":false,"first_name":"Sam"},\
                "chat":{"id":\(chat),"type":"supergroup","title":"Team"},"date":0,"text":"\(text)"}}
                """
            box.pending.append((id, update))
            if let waiter = box.waiter {
                box.waiter = nil
                let pending = box.pending
                boxes[token] = box
                waiter.continuation.resume(returning: pending)
            } else {
                boxes[token] = box
            }
        }
        return Date().timeIntervalSince(start)
    }

    func waitForLongPolls(_ count: Int) async {
        if longPolls >= count { return }
        await withCheckedContinuation { longPollWaiters.append((count, $0)) }
    }

    /// Until nothing has called for `seconds` but the long-polls themselves (the intros and first calls are done).
    func waitForQuiet(seconds: Double) async {
        while Date().timeIntervalSince(lastActivity) < seconds {
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    func reset() {
        for (token, box) in boxes {
            box.waiter?.continuation.resume(returning: [])
            boxes[token] = Mailbox(pending: [], nextUpdate: box.nextUpdate)
        }
        longPolls = 0
    }
}
