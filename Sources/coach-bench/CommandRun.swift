#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One run of the release-built `coach` executable as a manager runs it, measured from outside: its wall time from
/// start to exit, the CPU time it used (which a machine shared with other work inflates far less than the wall
/// time), and its own peak RSS. A process of its own is the honest peak of one operation: measured inside the
/// benchmark, the peak would also hold the benchmark's own state.
///
/// Started through GNU time (`/usr/bin/time`), which forks and reports the child's `ru_maxrss`. Started by the
/// benchmark directly, `wait4` reported the benchmark's own peak instead whenever that was larger: `posix_spawn`
/// runs the child in the parent's memory until `exec`, and Linux keeps the larger of that memory's peak and the new
/// program's (every command then "took" the benchmark's 228 MB).
struct CommandRun {
    let seconds: Double
    let cpuSeconds: Double
    let peakRSSMegabytes: Double

    static let time = "/usr/bin/time"

    /// The `coach` to measure: `COACH_BENCH_COACH` names one (another version, to compare), else the one built
    /// beside this benchmark (`swift build -c release --product coach`, which scripts/bench.sh runs).
    static var coach: URL? {
        if let named = ProcessInfo.processInfo.environment["COACH_BENCH_COACH"] {
            return URL(fileURLWithPath: named)
        }
        let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let coach = own.deletingLastPathComponent().appendingPathComponent("coach")
        return FileManager.default.isExecutableFile(atPath: coach.path) ? coach : nil
    }

    static var canMeasure: Bool { FileManager.default.isExecutableFile(atPath: time) }

    /// Runs `executable` with `arguments`, its standard output discarded; stops the benchmark if it fails.
    static func run(_ executable: URL, _ arguments: [String]) -> CommandRun {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("coach-bench-time-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: report) }
        // Elapsed, user and system seconds, peak RSS in kilobytes.
        let command = [time, "-f", "%e %U %S %M", "-o", report.path, executable.path] + arguments
        let argv = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let clock = ContinuousClock()
        let start = clock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, time, &actions, nil, argv, environ)
        precondition(spawned == 0, "could not start \(time): \(String(cString: strerror(spawned)))")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            precondition(errno == EINTR, "waitpid: \(String(cString: strerror(errno)))")
        }
        let seconds = Benchmark.seconds(clock.now - start)
        // Exited normally with status 0: GNU time exits with the command's status.
        precondition(status == 0, "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) failed (status \(status))")
        let fields = ((try? String(contentsOf: report, encoding: .utf8)) ?? "")
            .split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        precondition(fields.count == 4, "\(time) wrote no measures")
        return CommandRun(seconds: seconds, cpuSeconds: fields[1] + fields[2], peakRSSMegabytes: fields[3] / 1024)
    }
}
