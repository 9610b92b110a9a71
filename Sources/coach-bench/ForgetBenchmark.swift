import CoachCore
import CoachRuntime
import CoachStore
import Foundation

/// Forgetting one member from a year of a 1,000-person team's 100k examples (`Benchmark.bigState`): the engine's
/// walk alone (counting what goes, then erasing it, in memory), and the whole durable erasure as `coach forget` and
/// `forget @member confirm` do it (the walk, the journal line, the snapshot rewritten and the journal emptied, with
/// fsync). Each a median of three members. `COACH_BENCH_ONLY=forget` runs it alone, so the peak RSS is its own.
enum ForgetBenchmark {
    static func rows(_ coach: Coach) async throws -> [(String, String, String)] {
        let (state, now) = Benchmark.bigState(coach, examples: 100_000)
        // Each reports about a hundred examples and is caught in about thirty-three.
        let members = ["u7", "u14", "u21"]
        var walks: [Double] = []
        let clock = ContinuousClock()
        for member in members {
            var copy = state
            let start = clock.now
            guard case .erased = coach.forgetOnServer(memberID: member, at: now, state: &copy) else {
                throw BenchmarkFailure(what: "\(member) was not found to forget")
            }
            walks.append(Benchmark.seconds(clock.now - start))
        }

        let folder = Benchmark.freshDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, _) = try StateStore.open(
            directory: folder, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        try store.compact(state: state)
        store.close()
        let session = try CoachSession(coach: coach, directory: folder, logger: Benchmark.logger)
        var durable: [Double] = []
        for member in members {
            let start = clock.now
            guard case .erased = try await session.forget(memberID: member, at: now) else {
                throw BenchmarkFailure(what: "\(member) was not found to forget")
            }
            durable.append(Benchmark.seconds(clock.now - start))
        }
        await session.close()
        let snapshot = (try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("state.json").path)[.size] as? Int) ?? 0
        let journal = (try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("journal.jsonl").path)[.size] as? Int) ?? 0
        return [
            ("forget one member, 100k examples stored: the walk (count, then erase)", String(format: "%.3f s", walks.sorted()[1]), "-"),
            ("forget one member, 100k examples stored: durable (walk, commit, snapshot rewrite, journal emptied)",
                String(format: "%.3f s", durable.sorted()[1]), "-"),
            ("snapshot forget rewrites, 100k examples stored", String(format: "%.1f MB", Double(snapshot) / 1_048_576), "-"),
            ("journal left after forget", "\(journal) bytes", "0"),
        ]
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var what: String
    var description: String { "benchmark could not run: \(what)" }
}
