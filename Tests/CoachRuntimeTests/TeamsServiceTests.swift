import CoachChat
import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Many teams in one process (`coach run --teams`): each team's bot on a scripted platform of its own, started by the
/// supervisor from a real teams folder.
@Suite("Teams service", .timeLimit(.minutes(10)))
struct TeamsServiceTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let prompts = Fixtures.projectRoot.appendingPathComponent("Prompts").path

    /// A team's chat: messages members post wait in a mailbox until the bot polls; what the bot sends is recorded.
    /// `refuses`: every poll is refused as bad credentials. `hangs`: polls and sends never return (a frozen server).
    final class TeamChat: Sendable {
        enum Behaviour { case normal, refuses, hangs }
        let name: String
        let behaviour: Behaviour
        private let inbox = Mutex<[InboundMessage]>([])
        private let sentTexts = Mutex<[String]>([])
        /// Wakes the poll in flight. One per transport made: a poll cancelled by a stop ends its stream, and a team
        /// restarted with the same chat needs a new one.
        private let arrivals = Mutex<AsyncStream<Void>.Continuation?>(nil)
        private let sends: AsyncStream<String>.Continuation
        let sendStream: AsyncStream<String>

        init(_ name: String, _ behaviour: Behaviour = .normal) {
            self.name = name
            self.behaviour = behaviour
            (sendStream, sends) = AsyncStream<String>.makeStream()
        }

        func post(_ text: String, from member: String = "sam") {
            inbox.withLock { $0.append(InboundMessage(id: UUID().uuidString, senderID: member, senderName: member.capitalized, text: text)) }
            _ = arrivals.withLock { $0?.yield() }
        }

        var sent: [String] { sentTexts.withLock { $0 } }

        func transport() -> FakeTransport {
            let (arrivalStream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            arrivals.withLock { $0 = continuation }
            return FakeTransport(
                onPoll: { [self] _ throws(TransportError) in
                    switch behaviour {
                    case .refuses: throw .unauthorized(reason: "invalid token")
                    case .hangs:
                        do { try await Task.sleep(for: .seconds(3600)) } catch { throw .temporary(reason: "cancelled") }
                        throw .temporary(reason: "never")
                    case .normal:
                        while true {
                            let waiting = inbox.withLock { box in defer { box = [] }; return box }
                            if !waiting.isEmpty { return PollBatch(messages: waiting, cursor: UUID().uuidString) }
                            var next = arrivalStream.makeAsyncIterator()
                            guard await next.next() != nil, !Task.isCancelled else { throw .temporary(reason: "cancelled") }
                        }
                    }
                },
                onSend: { [self] message, _ throws(TransportError) in
                    if behaviour == .hangs {
                        do { try await Task.sleep(for: .seconds(3600)) } catch { throw .temporary(reason: "cancelled") }
                    }
                    sentTexts.withLock { $0.append(message.text) }
                    sends.yield(message.text)
                    return UUID().uuidString
                })
        }

        /// Waits until the bot has sent `times` messages containing `text`, counted from the first message sent.
        func waitFor(_ text: String, times: Int = 1) async {
            if sent.filter({ $0.contains(text) }).count >= times { return }
            // Every send is announced on the stream after it is recorded: look again at each.
            for await _ in sendStream where sent.filter({ $0.contains(text) }).count >= times { return }
        }
    }

    /// A teams folder with a team per name, each from the embedded default config, with its state inside the team.
    static func folder(_ names: [String]) throws -> URL {
        let root = Fixtures.temporaryDirectory()
        for name in names { try addTeam(name, to: root) }
        return root
    }

    static func addTeam(_ name: String, to root: URL, teamName: String? = nil) throws {
        let folder = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var config = try String(contentsOf: Fixtures.projectRoot.appendingPathComponent("Config/coach.json"), encoding: .utf8)
        config = config.replacingOccurrences(of: "\"Corner Bakery\"", with: "\"\(teamName ?? name.capitalized)\"")
        try config.write(to: folder.appendingPathComponent("coach.json"), atomically: true, encoding: .utf8)
    }

    /// Runs the supervisor over `root`; each team gets the chat `chats` has for it.
    struct Running {
        let group: ServiceGroup
        let task: Task<Void, any Error>
        let teams: TeamsService
        let reload: AsyncStream<Void>.Continuation
        let events: AsyncStream<TeamsEvent>
        let startLog: StartLog

        func starts<T>(_ body: ([String]) -> T) -> T { startLog.names.withLock { body($0) } }

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await task.value
        }
    }

    final class StartLog: Sendable {
        let names = Mutex<[String]>([])
    }

    static func run(_ root: URL, chats: [String: TeamChat]) -> Running {
        let (reloads, reload) = AsyncStream<Void>.makeStream()
        let (events, eventSink) = AsyncStream<TeamsEvent>.makeStream()
        let starts = StartLog()
        let folder = TeamsFolder(root.path)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let teams = TeamsService(
            read: { TeamsReading(folder: folder, promptsPath: prompts) },
            start: { team, setup in
                var setup = setup
                setup.config.holidays = []
                starts.names.withLock { $0.append(team.name) }
                let chat = chats[team.name] ?? TeamChat(team.name)
                let bot = try BotService.open(setup: setup, transport: chat.transport(), clock: clock, logger: logger, randomSeed: 7)
                return (bot, logger)
            },
            logger: logger, reloads: reloads, notify: { eventSink.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [teams], logger: logger))
        let task = Task { try await group.run() }
        return Running(group: group, task: task, teams: teams, reload: reload, events: events, startLog: starts)
    }

    static func next(_ events: AsyncStream<TeamsEvent>, where match: (TeamsEvent) -> Bool) async -> TeamsEvent? {
        for await event in events where match(event) { return event }
        return nil
    }

    static func phase(_ teams: TeamsService, _ name: String) -> BotMonitor.Phase? {
        guard case .running(let monitor)? = teams.registry.all.first(where: { $0.name == name })?.entry else { return nil }
        return monitor.current.phase
    }

    @Test("a broken team is left out and named; a team whose platform refuses its credentials stops alone; the others answer")
    func isolation() async throws {
        let root = try Self.folder(["acme", "bravo"])
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("broken"), withIntermediateDirectories: true)
        try Data("{\"schema\": 1, \"team\": {\"name\": 3}}".utf8).write(to: root.appendingPathComponent("broken/coach.json"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("notes"), withIntermediateDirectories: true)
        let acme = TeamChat("acme")
        let bravo = TeamChat("bravo", .refuses)
        let running = Self.run(root, chats: ["acme": acme, "bravo": bravo])
        let started = await Self.next(running.events) { if case .started = $0 { true } else { false } }
        #expect(started == .started(running: 2, failed: 1))
        let entries = Dictionary(uniqueKeysWithValues: running.teams.registry.all.map { ($0.name, $0.entry) })
        guard case .failed(let reason)? = entries["broken"] else {
            Issue.record("the broken team is not reported: \(entries.keys.sorted())")
            return
        }
        #expect(reason.contains("broken/coach.json") && reason.contains("team.name"))
        #expect(entries["notes"] == nil, "a folder without coach.json is no team")
        acme.post("!example Jo calmed a queue")
        await acme.waitFor("noted")
        // Bravo's bot stops on its own; acme goes on answering.
        while Self.phase(running.teams, "bravo").map({ if case .stopped = $0 { false } else { true } }) ?? true {
            await Task.yield()
        }
        #expect(Self.phase(running.teams, "bravo") == .stopped("the platform refused the bot's credentials"))
        acme.post("!example Priya fixed a refund")
        await acme.waitFor("noted", times: 2)
        #expect(Self.phase(running.teams, "acme") == .running)
        try await running.stop()
        // Each team's state is its own, in its own folder.
        let state = try Self.reopen(root.appendingPathComponent("acme/state"))
        #expect(state.examples.all.map(\.text) == ["Jo calmed a queue", "Priya fixed a refund"])
        #expect(try Self.reopen(root.appendingPathComponent("bravo/state")).examples.all.isEmpty)
    }

    @Test("a team whose platform hangs (polls and sends never return) never delays another team's replies")
    func hungTeamDoesNotDelayOthers() async throws {
        let root = try Self.folder(["acme", "frozen"])
        defer { try? FileManager.default.removeItem(at: root) }
        let acme = TeamChat("acme")
        let frozen = TeamChat("frozen", .hangs)
        let running = Self.run(root, chats: ["acme": acme, "frozen": frozen])
        for n in 1...5 {
            acme.post("!example number \(n)")
            await acme.waitFor("noted", times: n)
        }
        #expect(frozen.sent.isEmpty)
        try await running.stop()
    }

    @Test("a reload starts a team whose folder was added, stops one whose folder went, restarts one whose config changed, and keeps one whose new config is broken")
    func reload() async throws {
        let root = try Self.folder(["acme", "bravo", "charlie", "delta"])
        defer { try? FileManager.default.removeItem(at: root) }
        let chats = Dictionary(uniqueKeysWithValues: ["acme", "bravo", "charlie", "delta", "echo"].map { ($0, TeamChat($0)) })
        let running = Self.run(root, chats: chats)
        _ = await Self.next(running.events) { if case .started = $0 { true } else { false } }
        #expect(running.starts { $0.sorted() } == ["acme", "bravo", "charlie", "delta"])

        try Self.addTeam("echo", to: root)
        // Hidden folders are passed over: renaming a team's folder to one retires it and keeps its state.
        try FileManager.default.moveItem(at: root.appendingPathComponent("bravo"), to: root.appendingPathComponent(".bravo"))
        try Self.addTeam("charlie", to: root, teamName: "Charlie's Cafe")
        try Data("{\"schema\": 1, \"team\": {\"name\": 3}}".utf8).write(to: root.appendingPathComponent("delta/coach.json"))
        running.reload.yield()
        let reloaded = await Self.next(running.events) { if case .reloaded = $0 { true } else { false } }
        #expect(reloaded == .reloaded(running: 4, failed: 0), "delta's broken config leaves it running as it was")
        // Charlie is stopped and started again once its old run has ended.
        while running.starts({ $0.filter { $0 == "charlie" }.count }) < 2 { await Task.yield() }
        #expect(running.starts { $0.sorted() } == ["acme", "bravo", "charlie", "charlie", "delta", "echo"])
        while running.teams.registry.all.contains(where: { $0.name == "bravo" }) {
            running.reload.yield()
            _ = await Self.next(running.events) { if case .reloaded = $0 { true } else { false } }
        }
        chats["echo"]!.post("!status")
        await chats["echo"]!.waitFor("Where Echo is")
        chats["charlie"]!.post("!status")
        await chats["charlie"]!.waitFor("Where Charlie's Cafe is")
        chats["delta"]!.post("!status")
        await chats["delta"]!.waitFor("Where Delta is")
        #expect(running.starts { $0.filter { $0 == "acme" }.count } == 1, "an unchanged team is left alone")
        try await running.stop()
        let kept = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".bravo/state").path)
        #expect(kept.contains { $0.hasPrefix("journal") }, "\(kept)")
    }

    @Test("a team's folder renamed while it runs: the reload stops the old name, then starts the new one on the same state")
    func renamedFolder() async throws {
        let root = try Self.folder(["acme", "bravo"])
        defer { try? FileManager.default.removeItem(at: root) }
        let chats = Dictionary(uniqueKeysWithValues: ["acme", "bravo", "acme-north"].map { ($0, TeamChat($0)) })
        let running = Self.run(root, chats: chats)
        _ = await Self.next(running.events) { if case .started = $0 { true } else { false } }
        chats["acme"]!.post("!example walked a customer to the right shelf")
        await chats["acme"]!.waitFor("noted")

        // The state folder is inside the team's folder, so it moves with it; its lock is the old run's until it ends.
        try FileManager.default.moveItem(at: root.appendingPathComponent("acme"), to: root.appendingPathComponent("acme-north"))
        running.reload.yield()
        let reloaded = await Self.next(running.events) { if case .reloaded = $0 { true } else { false } }
        #expect(reloaded == .reloaded(running: 2, failed: 0), "the renamed team counts as running, not as refused")
        while !running.starts({ $0.contains("acme-north") }) { await Task.yield() }
        chats["acme-north"]!.post("!examples")
        await chats["acme-north"]!.waitFor("walked a customer to the right shelf")
        let entries = running.teams.registry.all.map(\.name)
        #expect(entries == ["acme-north", "bravo"], "\(entries)")
        #expect(running.starts { $0.filter { $0 == "bravo" }.count } == 1, "the other team is left alone")
        try await running.stop()
    }

    @Test("two teams pointed at one state folder: the second is refused, naming the first")
    func sharedStateFolder() throws {
        let root = try Self.folder(["acme", "bravo"])
        defer { try? FileManager.default.removeItem(at: root) }
        let shared = root.appendingPathComponent("shared-state").path
        for name in ["acme", "bravo"] {
            let file = root.appendingPathComponent("\(name)/coach.json")
            let text = try String(contentsOf: file, encoding: .utf8)
                .replacingOccurrences(of: "\"stateDirectory\": \"state\"", with: "\"stateDirectory\": \"\(shared)\"")
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let reading = TeamsReading(folder: TeamsFolder(root.path), promptsPath: Self.prompts)
        #expect(reading.loaded.map(\.team.name) == ["acme"])
        let refusal = try #require(reading.failed.first)
        #expect(refusal.team.name == "bravo")
        #expect("\(refusal.error)".contains("is team acme's already"))
    }

    @Test("a team's own Prompts/ replaces the shared wording file by file; a relative stateDirectory is inside the team's folder")
    func promptsOverlayAndStateFolder() throws {
        let root = try Self.folder(["acme", "bravo"])
        defer { try? FileManager.default.removeItem(at: root) }
        let own = root.appendingPathComponent("acme/Prompts")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        try Data("Hello from Acme's own wording, {{you}}.".utf8).write(to: own.appendingPathComponent("example-ack.mustache"))
        let reading = TeamsReading(folder: TeamsFolder(root.path), promptsPath: Self.prompts)
        let setups = Dictionary(uniqueKeysWithValues: reading.loaded.map { ($0.team.name, $0.setup) })
        let acme = try #require(setups["acme"])
        let bravo = try #require(setups["bravo"])
        #expect(acme.templates["example-ack"] == "Hello from Acme's own wording, {{you}}.")
        #expect(bravo.templates["example-ack"] != acme.templates["example-ack"])
        #expect(acme.templates["help"] == bravo.templates["help"], "files the team does not override stay shared")
        #expect(acme.stateDirectory.path == root.appendingPathComponent("acme/state").standardizedFileURL.path)
        #expect(acme.fingerprint != bravo.fingerprint)
    }

    @Test("--team names a team of the folder; an unknown name lists the teams there are")
    func teamByName() throws {
        let root = try Self.folder(["acme", "bravo"])
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = TeamsFolder(root.path)
        #expect(try folder.team(named: "bravo").directory.lastPathComponent == "bravo")
        #expect(throws: SetupError.self) { try folder.team(named: "zulu") }
        do {
            _ = try folder.team(named: "zulu")
        } catch {
            #expect("\(error)".contains("Its teams are: acme, bravo."))
        }
        #expect(throws: SetupError.self) { try TeamsFolder(root.appendingPathComponent("missing").path).scan() }
    }

    @Test("the watchdog's question: every running team's loop turned lately; waiting out a platform's failure counts, a stuck loop does not")
    func turning() async throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A real loop: it polls once (a turn), then the scripted chat closes and the loop stops.
        let clock = ManualClock(start)
        var setup = try Fixtures.setup(state: dir)
        setup.config.holidays = []
        let stopped = try BotService.open(
            setup: setup, transport: ScriptedChat(batches: []).transport(), clock: clock, logger: Self.logger, randomSeed: 7)
        try await stopped.run()
        #expect(stopped.monitor.current.lastTurn == start)
        #expect(stopped.monitor.turning(at: start.addingTimeInterval(3600)), "a loop that ended is not stuck")
        // A loop that never turns after its start: stuck once three long polls have passed.
        let stuck = BotMonitor(startedAt: start, pollTimeout: .seconds(30))
        #expect(stuck.turning(at: start.addingTimeInterval(90)))
        #expect(!stuck.turning(at: start.addingTimeInterval(91)))
        let registry = TeamsRegistry()
        registry.set("ended", .running(stopped.monitor))
        registry.set("broken", .failed("bad config"))
        #expect(registry.turning(at: start.addingTimeInterval(3600)))
        registry.set("stuck", .running(stuck))
        #expect(!registry.turning(at: start.addingTimeInterval(91)))
    }

    static func reopen(_ state: URL) throws -> CoachState {
        let (store, loaded) = try StateStore.open(
            directory: state, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        store.close()
        return loaded
    }
}
