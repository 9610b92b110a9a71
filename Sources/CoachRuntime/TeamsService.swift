import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Every team the process runs, for the health endpoint and the metrics: the running ones with their monitor, the
/// ones that could not start with why.
public final class TeamsRegistry: Sendable {
    public enum Entry: Sendable {
        case running(BotMonitor)
        /// Could not be read or started; the reason names the problem and the fix.
        case failed(String)
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    public var all: [(name: String, entry: Entry)] {
        entries.withLock { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// Puts a team in (or, with nil, takes it out): the teams service does for each team it starts; a single
    /// deployment registers its one bot.
    public func set(_ name: String, _ entry: Entry?) {
        entries.withLock { $0[name] = entry }
    }

    /// Every running team's loop is making progress (`BotMonitor.turning`): what systemd's watchdog is fed on.
    public func turning(at now: Date) -> Bool {
        all.allSatisfy { _, entry in
            if case .running(let monitor) = entry { monitor.turning(at: now) } else { true }
        }
    }
}

/// What the teams service tells whoever supervises the process (systemd's notify socket).
public enum TeamsEvent: Sendable, Equatable {
    /// Every team of the first reading was started (or reported as unable to).
    case started(running: Int, failed: Int)
    case reloading
    case reloaded(running: Int, failed: Int)
    case stopping
}

/// Runs every team of a teams folder in one process (`coach run --teams DIR`), each in a service group of its own.
///
/// Why groups of their own rather than one service group for all: a reload (SIGHUP) adds, removes and restarts teams
/// while the others run, and a swift-service-lifecycle group's services are fixed when it starts. Each team's group
/// has its own graceful shutdown, so stopping one team (its folder removed, its config changed) lets its commit in
/// flight finish and touches no other team; the process's own shutdown stops them all the same way.
///
/// Isolation: a team that cannot be read or started is logged and left out; a team whose bot stops (its platform
/// refused the credentials) stops alone; each team has its own loop, store, lock and HTTP calls, so one team's
/// outage or backlog never waits in another's queue.
public struct TeamsService: Service, CustomStringConvertible {
    /// Reads the teams folder: called at start and at every reload.
    public typealias Reader = @Sendable () -> TeamsReading
    /// Builds a team's bot from its setup, with a logger that carries the team's name and masks its secrets.
    public typealias Starter = @Sendable (TeamFolder, CoachSetup) throws -> (bot: BotService, logger: Logger)

    let read: Reader
    let start: Starter
    let logger: Logger
    /// One element per reload request (SIGHUP).
    let reloads: AsyncStream<Void>
    public let registry: TeamsRegistry
    let notify: @Sendable (TeamsEvent) -> Void

    public init(
        read: @escaping Reader, start: @escaping Starter, logger: Logger, reloads: AsyncStream<Void>,
        registry: TeamsRegistry = TeamsRegistry(), notify: @escaping @Sendable (TeamsEvent) -> Void = { _ in }
    ) {
        self.read = read
        self.start = start
        self.logger = logger
        self.reloads = reloads
        self.registry = registry
        self.notify = notify
    }

    public var description: String { "TeamsService" }

    enum Event: Sendable {
        case reload
        /// A team's group returned. `run` tells the run that ended from a newer one of the same team.
        case ended(team: String, run: Int)
        case shutdown
    }

    /// A team's group while it runs.
    struct Running {
        var group: ServiceGroup
        var run: Int
        var fingerprint: Int
        var directory: URL
    }

    public func run() async throws {
        let (events, continuation) = AsyncStream<Event>.makeStream()
        let reloads = self.reloads
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    for await _ in reloads { continuation.yield(.reload) }
                }
                var running: [String: Running] = [:]
                /// Teams stopped to be started again with a new setup once their old run has ended.
                var restarts: [String: (TeamFolder, CoachSetup)] = [:]
                /// Teams whose folder went, until their run has ended.
                var leaving: Set<String> = []
                /// New teams waiting for every leaving team to stop. A renamed folder is the same team under a new
                /// name: its state is the leaving team's, locked until that run ends, so it could not open sooner.
                var arriving: [String: (TeamFolder, CoachSetup)] = [:]
                var runs = 0
                var stopping = false

                @discardableResult
                func launch(_ team: TeamFolder, _ setup: CoachSetup) -> Bool {
                    do {
                        let (bot, teamLogger) = try start(team, setup)
                        let group = ServiceGroup(configuration: .init(
                            services: [.init(
                                service: bot, successTerminationBehavior: .gracefullyShutdownGroup,
                                failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: bot.description)],
                            gracefulShutdownSignals: [], logger: teamLogger))
                        runs += 1
                        let run = runs
                        running[team.name] = Running(group: group, run: run, fingerprint: setup.fingerprint, directory: team.directory)
                        registry.set(team.name, .running(bot.monitor))
                        tasks.addTask {
                            do {
                                try await group.run()
                            } catch {
                                // The team's logger masks its secrets; the reason is the bot's own sentence.
                                teamLogger.error("team stopped", metadata: ["reason": "\(Self.reason(error))"])
                            }
                            continuation.yield(.ended(team: team.name, run: run))
                        }
                        teamLogger.info("team started")
                        return true
                    } catch {
                        let reason = Self.reason(error)
                        registry.set(team.name, .failed(reason))
                        logger.error("team could not start", metadata: ["team": "\(team.name)", "reason": "\(reason)"])
                        return false
                    }
                }

                /// Starts what is new, stops what is gone, restarts what changed; leaves the rest alone.
                func apply(_ reading: TeamsReading) -> (running: Int, failed: Int) {
                    if let problem = reading.folderProblem {
                        logger.error("the teams folder cannot be read; every team keeps running as it was", metadata: [
                            "reason": "\(problem)",
                        ])
                        return (running.count, 0)
                    }
                    for (name, reason) in reading.scan.notTeams {
                        logger.notice("not a team", metadata: ["folder": "\(name)", "reason": "\(reason)"])
                    }
                    let wanted = Set(reading.scan.teams.map(\.name))
                    for (name, team) in running where !wanted.contains(name) {
                        logger.notice("team removed; stopping it", metadata: ["team": "\(name)"])
                        restarts[name] = nil
                        leaving.insert(name)
                        Task { await team.group.triggerGracefulShutdown() }
                    }
                    for name in arriving.keys where !wanted.contains(name) { arriving[name] = nil }
                    var failed = 0
                    for (team, error) in reading.failed {
                        let reason = Self.reason(error)
                        if running[team.name] != nil {
                            // A reload found the team's new setup broken: the team keeps the setup it runs with.
                            logger.error("team's new setup cannot be used; it keeps running as it was", metadata: [
                                "team": "\(team.name)", "reason": "\(reason)",
                            ])
                        } else {
                            failed += 1
                            registry.set(team.name, .failed(reason))
                            logger.error("team left out", metadata: ["team": "\(team.name)", "reason": "\(reason)"])
                        }
                    }
                    for (team, setup) in reading.loaded {
                        if running[team.name] != nil, leaving.contains(team.name) {
                            // Its folder came back before its last run ended: it starts again once that run has.
                            leaving.remove(team.name)
                            restarts[team.name] = (team, setup)
                        } else if let current = running[team.name] {
                            guard current.fingerprint != setup.fingerprint else { continue }
                            logger.notice("team's setup changed; restarting it", metadata: ["team": "\(team.name)"])
                            restarts[team.name] = (team, setup)
                            Task { await current.group.triggerGracefulShutdown() }
                        } else if restarts[team.name] != nil {
                            restarts[team.name] = (team, setup)
                        } else if !leaving.isEmpty {
                            logger.notice("team added; it starts once the teams removed have stopped", metadata: [
                                "team": "\(team.name)", "waitingFor": "\(leaving.sorted().joined(separator: ","))",
                            ])
                            arriving[team.name] = (team, setup)
                        } else if !launch(team, setup) {
                            failed += 1
                        }
                    }
                    // Gone from the folder: no longer reported, once stopped.
                    for (name, _) in registry.all where !wanted.contains(name) && running[name] == nil {
                        registry.set(name, nil)
                    }
                    // The teams that run, or will once their restart begins; a removed team still stopping is not one.
                    let runningNow = Set(running.keys).intersection(wanted).union(restarts.keys).union(arriving.keys)
                    return (runningNow.count, failed)
                }

                let first = apply(read())
                logger.notice("teams started", metadata: ["running": "\(first.running)", "leftOut": "\(first.failed)"])
                notify(.started(running: first.running, failed: first.failed))

                for await event in events {
                    switch event {
                    case .reload where !stopping:
                        notify(.reloading)
                        logger.notice("reloading the teams folder")
                        let counts = apply(read())
                        notify(.reloaded(running: counts.running, failed: counts.failed))
                    case .reload:
                        break
                    case .ended(let name, let run):
                        if running[name]?.run == run {
                            running[name] = nil
                            // A removed team is no longer reported once it has stopped: the health endpoint would
                            // otherwise count its stop against the process until the next reload.
                            if leaving.remove(name) != nil { registry.set(name, nil) }
                        }
                        if let (team, setup) = restarts.removeValue(forKey: name), !stopping { launch(team, setup) }
                        if leaving.isEmpty, !stopping, !arriving.isEmpty {
                            for (team, setup) in arriving.values.sorted(by: { $0.0.name < $1.0.name }) { launch(team, setup) }
                            arriving = [:]
                        }
                    case .shutdown:
                        guard !stopping else { break }
                        stopping = true
                        notify(.stopping)
                        restarts = [:]
                        arriving = [:]
                        for team in running.values { Task { await team.group.triggerGracefulShutdown() } }
                    }
                    if stopping && running.isEmpty { break }
                }
                tasks.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.yield(.shutdown)
        }
        logger.notice("every team stopped")
    }

    /// An error as the one sentence it carries (setup and bot errors describe themselves).
    static func reason(_ error: any Error) -> String {
        if let group = error as? ServiceGroupError { return "\(group)" }
        return String(describing: error)
    }
}
