import CoachChat
import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging

/// Measures the performance model (README, "Performance") and prints one table. Run it release-built:
/// `swift run -c release coach-bench`. Numbers are wall-clock on this machine; nothing here is a test.
@main
struct Benchmark {
    static let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

    static func main() async throws {
        let setup = try CoachSetup.load(configPath: nil, promptsPath: nil, stateOverride: nil)
        var config = setup.config
        config.holidays = []
        let coach = Coach(config: config, catalogue: setup.catalogue, prompts: try setup.prompts(for: .plain),
            capabilities: .init(directMessages: true, threads: true, markup: .plain))
        var rows: [(String, String, String)] = []
        func row(_ name: String, _ value: String, _ target: String) {
            rows.append((name, value, target))
            FileHandle.standardError.write(Data("  measured: \(name) = \(value)\n".utf8))
        }

        // COACH_BENCH_ONLY=throughput runs one measure alone, for profiling it.
        let only = ProcessInfo.processInfo.environment["COACH_BENCH_ONLY"]
        if only == "throughput" {
            print(try throughput(coach, batch: 100, messages: 50_000, compactingAfter: Self.rowCompaction))
            return
        }
        if only == "summary" {
            print(summaryTime(coach, examples: 100_000) * 1000)
            return
        }
        if only == "coldstart" {
            print(try coldStart(coach, examples: 100_000))
            return
        }
        if only == "hung" {
            for (name, value, target) in await HungServerBenchmark.rows(seconds: 60) { row(name, value, target) }
            printTable(rows)
            return
        }
        // The report's or the export's rows alone; their peak RSS is measured in a `coach` process of its own.
        if only == "report" || only == "export" {
            let results = only == "report"
                ? try ResultsBenchmark.reportRows(setup, coach) : try ResultsBenchmark.exportRows(setup, coach)
            for (name, value, target) in results + (try ResultsBenchmark.commandRows(coach, which: only)) {
                row(name, value, target)
            }
            printTable(rows)
            return
        }
        // The backup's rows alone, with the peak RSS of a process that did only that.
        if only == "backup" {
            for (name, value, target) in try BackupBenchmark.rows(coach) { row(name, value, target) }
            row("peak RSS, backup and restore alone", "\(peakRSSMegabytes()) MB", "-")
            printTable(rows)
            return
        }
        if only == "forget" {
            for (name, value, target) in try await ForgetBenchmark.rows(coach) { row(name, value, target) }
            row("peak RSS, forget alone", "\(peakRSSMegabytes()) MB", "-")
            printTable(rows)
            return
        }
        // `coach run --teams` with 1, 100 and 1,000 teams (COACH_BENCH_TEAMS="1 100" for fewer), each the release
        // `coach` in a child process against a fake long-polling platform on 127.0.0.1.
        if only == "teams" {
            for (name, value, target) in try await teamsRows() { row(name, value, target) }
            printTable(rows)
            return
        }
        if only == "timezones" {
            for (name, value, target) in try TimeZoneBenchmark.rows(setup) { row(name, value, target) }
            printTable(rows)
            return
        }
        if only == "recovery" {
            for (name, value, target) in try await recoveryRows() { row(name, value, target) }
            printTable(rows)
            return
        }
        // The Matrix rows need a homeserver: scripts/bench.sh starts a local Synapse and names it here.
        let synapse = SynapseHomeserver.fromEnvironment()
        if only == "matrix" {
            guard let synapse else {
                FileHandle.standardError.write(Data("COACH_BENCH_ONLY=matrix needs COACH_SYNAPSE_URL: run scripts/bench.sh\n".utf8))
                exit(1)
            }
            for (name, value, target) in try await MatrixBenchmark.rows(synapse) { row(name, value, target) }
            printTable(rows)
            return
        }
        // These two rows compact the journal past 16 MiB, as they always have (it was the store's default, while
        // the bot itself compacted past 4 MiB), so the rows compare across versions; the third is the bot's own
        // 4 MiB, whose extra compactions are part of what the bot really pays at this rate.
        for batch in [1, 100] {
            let rate = try throughput(coach, batch: batch, messages: batch == 1 ? 2_000 : 20_000, compactingAfter: Self.rowCompaction)
            row("inbound messages/s, batch \(batch) (parse + engine + durable commit)", String(format: "%.0f", rate),
                batch == 100 ? ">= 10000" : "-")
        }
        let botRate = try throughput(coach, batch: 100, messages: 20_000, compactingAfter: StoreOptions.defaultCompactionBytes)
        row("inbound messages/s, batch 100, compacting at the bot's 4 MiB", String(format: "%.0f", botRate), "-")
        var commitCosts: [Int: Double] = [:]
        for size in [1_000, 10_000, 100_000] {
            commitCosts[size] = try commitCost(coach, examples: size)
            row("commit one message, \(size) examples stored", String(format: "%.3f ms", commitCosts[size]! * 1000),
                size == 100_000 ? "<= 1.5x the 1k cost" : "-")
        }
        row("commit cost ratio 100k / 1k", String(format: "%.2fx", commitCosts[100_000]! / commitCosts[1_000]!), "<= 1.5x")
        let (cold, journalCold) = try coldStart(coach, examples: 100_000)
        row("cold start (load), 100k examples in the snapshot", String(format: "%.3f s", cold), "<= 1 s")
        row("cold start after a crash, 100k examples + the largest journal", String(format: "%.3f s", journalCold), "-")
        let summary = summaryTime(coach, examples: 100_000)
        row("Friday summary, 100k examples stored", String(format: "%.2f ms", summary * 1000), "<= 50 ms")
        for (name, value, target) in try TimeZoneBenchmark.rows(setup) { row(name, value, target) }
        // The bot's own peak, before the report and the exports, whose peaks are measured in processes of their own.
        row("peak RSS", "\(peakRSSMegabytes()) MB", "<= 200 MB")
        for (name, value, target) in try ResultsBenchmark.reportRows(setup, coach)
            + (try ResultsBenchmark.exportRows(setup, coach)) + (try ResultsBenchmark.commandRows(coach, which: nil))
        {
            row(name, value, target)
        }
        // After the bot's own peak RSS row: backup and restore hold a whole state in memory, as a separate command.
        for (name, value, target) in try BackupBenchmark.rows(coach) { row(name, value, target) }
        for (name, value, target) in await HungServerBenchmark.rows(seconds: 60) { row(name, value, target) }
        for (name, value, target) in try await recoveryRows() { row(name, value, target) }
        for (name, value, target) in try await teamsRows() { row(name, value, target) }
        if let synapse {
            for (name, value, target) in try await MatrixBenchmark.rows(synapse) { row(name, value, target) }
        }
        printTable(rows)
    }

    static func teamsRows() async throws -> [(String, String, String)] {
        let environment = ProcessInfo.processInfo.environment
        let counts = (environment["COACH_BENCH_TEAMS"] ?? "1 100 1000").split(separator: " ").compactMap { Int($0) }
        let idle = environment["COACH_BENCH_TEAMS_IDLE"].flatMap(Double.init) ?? 60
        return try await TeamsBenchmark.rows(counts: counts, idleSeconds: idle, replies: 50)
    }

    /// Seconds from a platform's return to the bot's first call that goes through, after outages of 1, 5 and 30
    /// minutes: the real loop and back-off on a clock that jumps through the waits (`OutageRecovery`), the worst
    /// and the mean of 50 seeds.
    static func recoveryRows() async throws -> [(String, String, String)] {
        var rows: [(String, String, String)] = []
        for minutes in [1, 5, 30] {
            var seconds: [Double] = []
            for seed in UInt64(1)...50 {
                seconds.append(try await OutageRecovery.secondsToRecover(afterOutage: Double(minutes * 60), seed: seed))
            }
            let mean = seconds.reduce(0, +) / Double(seconds.count)
            rows.append(("back after a \(minutes)-minute outage: worst / mean of 50 seeds",
                String(format: "%.1f / %.1f s", seconds.max()!, mean), "<= 10 s"))
        }
        return rows
    }

    static func printTable(_ rows: [(String, String, String)]) {
        let width = rows.map(\.0.count).max() ?? 10
        print("| " + "measure".padding(toLength: width, withPad: " ", startingAt: 0) + " | value        | target              |")
        print("|" + String(repeating: "-", count: width + 2) + "|--------------|---------------------|")
        for (name, value, target) in rows {
            print("| " + name.padding(toLength: width, withPad: " ", startingAt: 0) + " | "
                + value.padding(toLength: 12, withPad: " ", startingAt: 0) + " | "
                + target.padding(toLength: 19, withPad: " ", startingAt: 0) + " |")
        }
    }

    // MARK: - Building large states

    static let calendar = TeamCalendar(timeZone: TimeZone(identifier: "Europe/London")!)
    static let firstMonday = LocalDate(year: 2026, month: 1, day: 5)

    /// A 1,000-person team with `examples` examples spread over a year of weeks, the last week running now.
    static func bigState(_ coach: Coach, examples: Int, members: Int = 1_000) -> (CoachState, Date) {
        var state = CoachState()
        for i in 0..<members { state.apply(.memberSeen(id: "u\(i)", name: "Member \(i)")) }
        state.apply(.ratingRoundOpened(cycle: 1, purpose: .baseline))
        let plan = coach.catalogue.principles.map(\.id)
        state.apply(.planChanged(plan: Array((plan + plan).prefix(52)), accepted: true))
        let weeks = 52
        state.apply(.programmeStarted(startDate: firstMonday, at: calendar.startOfDay(firstMonday)))
        let perWeek = max(1, examples / weeks)
        var id = 1
        for w in 0..<weeks {
            let monday = calendar.adding(days: 7 * w, to: firstMonday)
            let key = calendar.weekKey(monday: monday)
            let principleID = plan[w % plan.count]
            state.apply(.weekOpened(ProgrammeWeek(key: key, monday: monday, cycle: 1, index: w, principleID: principleID)))
            let count = w == weeks - 1 ? examples - perWeek * (weeks - 1) : perWeek
            let at = calendar.at(calendar.adding(days: 1, to: monday), hour: 11, minute: 0)
            for n in 0..<count {
                let reporter = "u\((id * 7) % members)"
                let caught = n % 3 == 0 ? ["u\((id * 13) % members)"] : []
                state.apply(.exampleAdded(Example(
                    id: id, weekKey: key, principleID: principleID, reporterID: reporter, caughtIDs: caught,
                    text: "helped a customer find the right size and followed up the next day (\(id))", at: at,
                    source: caught.isEmpty ? .command : .caught)))
                id += 1
            }
            // Each past week's posts went out, its report-back covering its examples, as a live bot records them.
            guard w < weeks - 1 else { continue }
            for slot in WeeklySlot.allCases { state.apply(.jobRecorded(key: "\(slot.rawValue):\(key)", outcome: .done)) }
            state.apply(.examplesReported(throughID: id - 1))
        }
        state.apply(.jobRecorded(key: "intro", outcome: .done))
        let lastMonday = calendar.adding(days: 7 * (weeks - 1), to: firstMonday)
        // Each month's review went out with the first check-in of the month after it, as a live bot records it;
        // the last month's too, so the measured Friday (2027-01-01) times the report-back, not December's review.
        var month = (firstMonday.year, firstMonday.month)
        while (month.0, month.1) <= (lastMonday.year, lastMonday.month) {
            state.apply(.jobRecorded(key: String(format: "monthly:%04d-%02d", month.0, month.1), outcome: .done))
            month = month.1 == 12 ? (month.0 + 1, 1) : (month.0, month.1 + 1)
        }
        state.apply(.jobRecorded(key: "announce:\(calendar.weekKey(monday: lastMonday))", outcome: .done))
        state.apply(.jobRecorded(key: "reminder:\(calendar.weekKey(monday: lastMonday))", outcome: .done))
        return (state, calendar.at(calendar.adding(days: 2, to: lastMonday), hour: 14, minute: 0))
    }

    static func freshDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("coach-bench-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Where the throughput and commit rows compact the journal: 16 MiB, as they were first measured.
    static let rowCompaction = 16 * 1024 * 1024

    static func open(_ directory: URL, compactingAfter bytes: Int = StoreOptions.defaultCompactionBytes) throws
        -> (StateStore, CoachState)
    {
        let (store, state) = try StateStore.open(
            directory: directory, schemaVersion: CoachState.schemaVersion,
            options: StoreOptions(compactAfterJournalBytes: bytes), initial: { CoachState() }, apply: { $0.apply($1) })
        return (store, state)
    }

    /// A store in `directory` whose snapshot holds `bigState`, reopened as a bot would find it.
    static func seededStore(
        _ coach: Coach, examples: Int, in directory: URL, compactingAfter bytes: Int = rowCompaction
    ) throws -> (StateStore, CoachState, Date) {
        let (seed, now) = bigState(coach, examples: examples)
        let (writer, _) = try open(directory, compactingAfter: bytes)
        try writer.compact(state: seed)
        writer.close()
        let (store, state) = try open(directory, compactingAfter: bytes)
        return (store, state, now)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: - Measures

    /// Messages per second from text to durable commit, committing once per batch as the runtime does.
    static func throughput(_ coach: Coach, batch: Int, messages: Int, compactingAfter bytes: Int) throws -> Double {
        let directory = freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var (store, state, now) = try seededStore(coach, examples: 1_000, in: directory, compactingAfter: bytes)
        defer { store.close() }
        let clock = ContinuousClock()
        let start = clock.now
        var sent = 0
        while sent < messages {
            let count = min(batch, messages - sent)
            let inbound = (0..<count).map { i in
                InboundMessage(id: "b\(sent + i)", senderID: "u\((sent + i) % 1_000)", senderName: "Member \((sent + i) % 1_000)",
                    text: "!example stayed late to rebook a delivery \(sent + i)")
            }
            var outcome = coach.receive(inbound, at: now, state: &state)
            // Replies count as sent, as the outbox loop would mark them, in the same commit to keep the outbox small.
            for message in outcome.queued {
                let event = StateEvent.delivered(id: message.id, platformID: nil)
                state.apply(event)
                outcome.events.append(event)
            }
            try store.commit(outcome.events, state: state)
            sent += count
        }
        return Double(messages) / seconds(clock.now - start)
    }

    /// The average cost of recording one message (engine + durable journal append) with `examples` stored.
    static func commitCost(_ coach: Coach, examples: Int) throws -> Double {
        let directory = freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var (store, state, now) = try seededStore(coach, examples: examples, in: directory)
        defer { store.close() }
        let rounds = 300
        let clock = ContinuousClock()
        var total = Duration.zero
        for i in 0..<rounds {
            let message = InboundMessage(id: "c\(i)", senderID: "u\(i % 1_000)", senderName: "Member \(i % 1_000)", text: "!example recorded \(i)")
            let start = clock.now
            let outcome = coach.receive([message], at: now, state: &state)
            try store.commit(outcome.events, state: state)
            total += clock.now - start
        }
        return seconds(total) / Double(rounds)
    }

    /// Time to open the store and rebuild the state: from a snapshot alone, and with a journal to replay.
    static func coldStart(_ coach: Coach, examples: Int) throws -> (Double, Double) {
        let directory = freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (seed, now) = bigState(coach, examples: examples)
        var (store, _) = try open(directory)
        try store.compact(state: seed)
        store.close()
        let clock = ContinuousClock()
        var start = clock.now
        var state: CoachState
        (store, state) = try open(directory)
        let snapshotOnly = seconds(clock.now - start)
        precondition(state.examples.all.count == examples)
        // Fill the journal to the bot's compaction point, the larger of the floor and the snapshot: the most a start
        // after a crash can have to replay.
        let fullJournal = max(StoreOptions.defaultCompactionBytes, store.snapshotBytes) - 4096
        var i = 0
        while store.journalBytes < fullJournal {
            let message = InboundMessage(id: "j\(i)", senderID: "u\(i % 1_000)", senderName: "Member \(i % 1_000)", text: "!example journalled \(i)")
            let outcome = coach.receive([message], at: now, state: &state)
            try store.commit(outcome.events, state: state)
            i += 1
        }
        store.close()
        start = clock.now
        (store, state) = try open(directory)
        let withJournal = seconds(clock.now - start)
        store.close()
        return (snapshotOnly, withJournal)
    }

    /// The Friday report-back with a year of examples stored: the median of several runs.
    static func summaryTime(_ coach: Coach, examples: Int) -> Double {
        let (base, wednesday) = bigState(coach, examples: examples)
        let friday = wednesday.addingTimeInterval(2 * 86_400 + 2 * 3_600)
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<15 {
            var state = base
            let start = clock.now
            let outcome = coach.tick(at: friday, state: &state)
            times.append(seconds(clock.now - start))
            precondition(outcome.queued.contains { $0.kind == .summary })
        }
        return times.sorted()[times.count / 2]
    }

    static func peakRSSMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes / 1024
        }
        return -1
    }
}
