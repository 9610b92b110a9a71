#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One run of the release-built `coach` executable as a manager runs it, measured from outside: its wall time from
/// spawn to exit, the CPU time it used (which a machine shared with other work inflates far less than the wall
/// time), and its own peak RSS (`wait4`'s `ru_maxrss` for that child alone). A process of its own is the
/// honest peak of one operation: measured inside the benchmark, the peak would also hold the benchmark's own state.
struct CommandRun {
    let seconds: Double
    let cpuSeconds: Double
    let peakRSSMegabytes: Double

    /// The `coach` built beside this benchmark (`swift build -c release --product coach`, which scripts/bench.sh runs).
    static var coach: URL? {
        let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let coach = own.deletingLastPathComponent().appendingPathComponent("coach")
        return FileManager.default.isExecutableFile(atPath: coach.path) ? coach : nil
    }

    /// Runs `executable` with `arguments`, its standard output discarded; stops the benchmark if it fails.
    static func run(_ executable: URL, _ arguments: [String]) -> CommandRun {
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let clock = ContinuousClock()
        let start = clock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        precondition(spawned == 0, "could not start \(executable.path): \(String(cString: strerror(spawned)))")
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            precondition(errno == EINTR, "wait4: \(String(cString: strerror(errno)))")
        }
        let seconds = Benchmark.seconds(clock.now - start)
        // Exited normally with status 0: the low 7 bits are the signal (none), the next 8 the exit status.
        precondition(status == 0, "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) failed (status \(status))")
        // Linux gives ru_maxrss in kilobytes.
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return CommandRun(seconds: seconds, cpuSeconds: cpu, peakRSSMegabytes: Double(usage.ru_maxrss) / 1024)
    }
}
