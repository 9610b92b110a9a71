import CoachCore
import CoachReport
import CoachRuntime
import CoachTestSupport
import Foundation

/// The HTML report and the exports with a year of a 1,000-person team's 100k examples stored (`Benchmark.bigState`):
/// the median of several runs, each from the state in memory to the files written, and the files' sizes; then the
/// same as commands in processes of their own, for their peak RSS (`commandRows`). `COACH_BENCH_ONLY=report` and
/// `COACH_BENCH_ONLY=export` run each alone.
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

    static func exportRows(_ setup: CoachSetup, _ coach: Coach) throws -> [(String, String, String)] {
        let (state, now) = Benchmark.bigState(coach, examples: 100_000)
        let folder = Benchmark.freshDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var size = 0
        let csv = try median(runs: 5) {
            let files = try ProgrammeExport(setup: setup, state: state, at: now).writeCSV(into: folder)
            size = try files.reduce(0) { $0 + (try $1.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) }
        }
        let document = folder.appendingPathComponent("all.json")
        let json = try median(runs: 5) {
            try ProgrammeExport(setup: setup, state: state, at: now).writeJSON(to: document)
        }
        let jsonSize = try document.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
        return [
            ("CSV export (7 files), 100k examples stored", String(format: "%.3f s", csv), "<= 1 s"),
            ("CSV export's size, 100k examples stored", String(format: "%.0f KB", Double(size) / 1024), "-"),
            ("JSON export, 100k examples stored", String(format: "%.3f s", json), "-"),
            ("JSON export's size, 100k examples stored", String(format: "%.0f KB", Double(jsonSize) / 1024), "-"),
        ] + (try writerRows(ProgrammeExport(setup: setup, state: state, at: now)))
    }

    /// The CSV library's writer against the export's own, on the same 100k-row examples table in memory, taking
    /// turns so both see the same load: the measured reason the export writes its own CSV.
    static func writerRows(_ export: ProgrammeExport) throws -> [(String, String, String)] {
        let table = export.tables.first { $0.name == "examples" }!
        let clock = ContinuousClock()
        var library: [Double] = []
        var own: [Double] = []
        for _ in 0..<3 {
            var start = clock.now
            let theirs = try LibraryCSV.write(header: table.columns, rows: table.fieldRows)
            library.append(Benchmark.seconds(clock.now - start))
            start = clock.now
            let ours = try table.csv()
            own.append(Benchmark.seconds(clock.now - start))
            precondition(theirs.elementsEqual(ours), "the two writers disagree on the examples table")
        }
        let libraryTime = library.sorted()[1]
        let ownTime = own.sorted()[1]
        return [
            ("CSV writer, examples table (100k rows): CSV.swift", String(format: "%.3f s", libraryTime), "-"),
            ("CSV writer, examples table (100k rows): own RFC 4180", String(format: "%.3f s", ownTime), "-"),
            ("CSV writer ratio, CSV.swift / own", String(format: "%.1fx", libraryTime / ownTime), "-"),
        ]
    }

    /// `coach report --html`, `coach export --csv` and `coach export --json` run as a manager runs them, each in a
    /// process of its own, on a state folder holding the 100k examples: the whole command (start, loading the state,
    /// writing), its CPU time and the peak RSS of that process alone: the median of three runs, and the largest
    /// peak. `which` picks `report` or `export`; nil runs all three.
    static func commandRows(_ coach: Coach, which: String?) throws -> [(String, String, String)] {
        guard let executable = CommandRun.coach else {
            return [("coach report/export as a command", "not built", "swift build -c release --product coach")]
        }
        guard CommandRun.canMeasure else {
            return [("coach report/export as a command", "no GNU time", "apt-get install time")]
        }
        let folder = Benchmark.freshDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stateFolder = folder.appendingPathComponent("state")
        let (store, _, now) = try Benchmark.seededStore(coach, examples: 100_000, in: stateFolder)
        store.close()
        // The end of the benchmark's Wednesday, in the team's zone: everything in the state is described.
        let day = Benchmark.calendar.localDate(of: now).description
        let commands: [(name: String, kind: String, arguments: [String])] = [
            ("coach report --html", "report", ["report", "--html", folder.appendingPathComponent("report.html").path]),
            ("coach export --csv", "export", ["export", "--csv", folder.appendingPathComponent("csv").path]),
            ("coach export --json", "export", ["export", "--json", folder.appendingPathComponent("all.json").path]),
        ]
        var rows: [(String, String, String)] = []
        for command in commands where which == nil || which == command.kind {
            let runs = (0..<3).map { _ in
                CommandRun.run(executable, command.arguments + ["--state", stateFolder.path, "--as-of", day])
            }
            let time = runs.map(\.seconds).sorted()[runs.count / 2]
            let cpu = runs.map(\.cpuSeconds).sorted()[runs.count / 2]
            rows.append(("\(command.name), 100k examples: whole command (load + write)", String(format: "%.3f s", time), "-"))
            rows.append(("\(command.name), 100k examples: its CPU time (user + sys)", String(format: "%.3f s", cpu), "-"))
            rows.append(("\(command.name), 100k examples: peak RSS", String(format: "%.0f MB", runs.map(\.peakRSSMegabytes).max()!), "-"))
        }
        return rows
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
