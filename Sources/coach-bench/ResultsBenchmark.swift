import CoachCore
import CoachReport
import CoachRuntime
import Foundation

/// The HTML report and the exports with a year of a 1,000-person team's 100k examples stored (`Benchmark.bigState`):
/// the median of several runs, each from the state in memory to the files written, and the page's size.
/// `COACH_BENCH_ONLY=report` and `COACH_BENCH_ONLY=export` run each alone, so the process's peak RSS is its own.
enum ResultsBenchmark {
    static func reportRows(_ setup: CoachSetup, _ coach: Coach) throws -> [(String, String, String)] {
        let (state, now) = Benchmark.bigState(coach, examples: 100_000)
        let renderer = try ReportRenderer(setup: setup)
        let folder = Benchmark.freshDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var size = 0
        let time = try median(runs: 5) {
            let page = Data(try renderer.html(state: state, at: now).utf8)
            try OutputPath.write(page, to: folder.appendingPathComponent("report.html"))
            size = page.count
        }
        return [
            ("HTML report, 100k examples stored", String(format: "%.3f s", time), "<= 1 s"),
            ("HTML report's size, 100k examples stored", String(format: "%.0f KB", Double(size) / 1024), "-"),
        ]
    }

    static func exportRows(_ setup: CoachSetup, _ coach: Coach) async throws -> [(String, String, String)] {
        let (state, now) = Benchmark.bigState(coach, examples: 100_000)
        let folder = Benchmark.freshDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var size = 0
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<5 {
            let start = clock.now
            size = 0
            for (name, contents) in try await ProgrammeExport(setup: setup, state: state, at: now).csvFiles() {
                try OutputPath.write(contents, to: folder.appendingPathComponent(name))
                size += contents.count
            }
            times.append(Benchmark.seconds(clock.now - start))
        }
        let csv = times.sorted()[times.count / 2]
        let json = try median(runs: 3) {
            try OutputPath.write(
                try ProgrammeExport(setup: setup, state: state, at: now).json(), to: folder.appendingPathComponent("all.json"))
        }
        return [
            ("CSV export (7 files), 100k examples stored", String(format: "%.3f s", csv), "<= 1 s"),
            ("CSV export's size, 100k examples stored", String(format: "%.0f KB", Double(size) / 1024), "-"),
            ("JSON export, 100k examples stored", String(format: "%.3f s", json), "-"),
        ]
    }

    static func median(runs: Int, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = clock.now
            try body()
            times.append(Benchmark.seconds(clock.now - start))
        }
        return times.sorted()[times.count / 2]
    }
}
