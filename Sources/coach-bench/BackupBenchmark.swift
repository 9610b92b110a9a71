import CoachBackup
import CoachCore
import CoachRuntime
import CoachStore
import Foundation

/// `coach backup` and `coach restore` with a year of a 1,000-person team's 100k examples in the state folder: the
/// median of several runs, each from the folder to the file written (backup) or from the file to the folder replaced
/// (restore), and the sizes. `COACH_BENCH_ONLY=backup` runs them alone, so the process's peak RSS is their own.
///
/// The examples' words are varied (drawn from the catalogue's own sentences), not `bigState`'s one sentence
/// repeated, which would compress to almost nothing and flatter the backup's size.
enum BackupBenchmark {
    static func rows(_ coach: Coach) throws -> [(String, String, String)] {
        let folder = Benchmark.freshDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state")
        let (seed, now) = Benchmark.bigState(coach, examples: 100_000)
        let varied = varyWords(seed, coach)
        let (store, _) = try Benchmark.open(state)
        try store.compact(state: varied)
        store.close()
        let snapshotBytes = (try FileManager.default.attributesOfItem(atPath: state.appendingPathComponent("state.json").path)[.size] as? Int) ?? 0

        let file = folder.appendingPathComponent("team.coachbackup")
        var written: StateBackup.Written?
        let backup = try ResultsBenchmark.median(runs: 5) {
            written = try StateBackup.write(stateDirectory: state, to: file, team: "Bench", appVersion: nil, at: now)
        }
        // Where a backup's time goes: reading the state as coach report does, and encoding it as the snapshot.
        var inspected = CoachState()
        let read = try ResultsBenchmark.median(runs: 3) { inspected = try CoachSetup.inspectState(in: state).state }
        let encode = try ResultsBenchmark.median(runs: 3) {
            _ = try StateStore.snapshotDocument(state: inspected, seq: 1, schemaVersion: CoachState.schemaVersion)
        }
        let check = try ResultsBenchmark.median(runs: 5) { _ = try StateBackup.check(file) }
        var round = 0
        let restore = try ResultsBenchmark.median(runs: 5) {
            round += 1
            _ = try StateBackup.restore(file, into: folder.appendingPathComponent("restored-\(round)"), at: now)
        }
        let over = try ResultsBenchmark.median(runs: 3) {
            _ = try StateBackup.restore(file, into: state, at: now.addingTimeInterval(Double(round)))
            round += 1
        }
        let restored = try CoachSetup.inspectState(in: state).state
        precondition(restored.examples.all.count == 100_000)
        let size = written?.fileBytes ?? 0
        let megabytes = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1_048_576) }
        return [
            ("coach backup, 100k examples stored", String(format: "%.3f s", backup), "-"),
            ("  of which reading the state / encoding it", String(format: "%.2f / %.2f s", read, encode), "-"),
            ("backup file's size, 100k examples", megabytes(size), "-"),
            ("state.json's size, the same state", megabytes(snapshotBytes), "-"),
            ("coach restore's checks alone, 100k examples", String(format: "%.3f s", check), "-"),
            ("coach restore into an empty folder, 100k examples", String(format: "%.3f s", restore), "-"),
            ("coach restore over a 100k-example state (kept aside)", String(format: "%.3f s", over), "-"),
        ]
    }

    /// `state` with each example's words drawn, seeded, from the catalogue's sentences: as varied as a team's.
    static func varyWords(_ state: CoachState, _ coach: Coach) -> CoachState {
        let words = coach.catalogue.principles.flatMap { ($0.title + " " + $0.why).split(separator: " ").map(String.init) }
        var random = SeededRandom(seed: 12)
        var varied = state
        for example in state.examples.all {
            let count = Int.random(in: 8...24, using: &random)
            let text = (0..<count).map { _ in words[Int.random(in: 0..<words.count, using: &random)] }.joined(separator: " ")
            varied.apply(.exampleEdited(id: example.id, text: text))
        }
        return varied
    }
}
