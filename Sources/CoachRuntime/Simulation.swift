import CoachChat
import CoachCore
import Foundation
import Logging

/// A whole programme on a simulated clock with a scripted team, for seeing the bot's weeks in seconds.
///
/// The real bot runs it: the same `BotService` loop as `coach run`, on a `ManualClock`-style simulated clock, with
/// the scripted team as its chat platform. The team answers each poll with its next message, moving the clock to
/// that moment, or moves the clock to the poll's deadline when nobody speaks before it, so the loop's own schedule
/// (wake-ups, ticks, delivery) decides when posts appear, exactly as it does live. Members rate, post examples, catch
/// each other doing something right, reply in announcement threads, update (and sometimes forget) goals, pass on
/// what customers said (a complaint turned into a follow-up with an owner), run the week's training and say how it
/// went, and re-rate at the end. Two of them work in time zones of their own, so their check-ins come at their own
/// nudge time. The same seed gives the same transcript, byte for byte.
public struct Simulation {
    public struct Options: Sendable {
        public var weeks: Int
        public var teamSize: Int
        public var seed: UInt64
        /// The Monday the programme starts; the simulation begins the Wednesday before it.
        public var startMonday: LocalDate
        /// Where to keep the simulated team's state, to look at afterwards; nil keeps it in memory.
        public var stateDirectory: URL?

        public init(
            weeks: Int, teamSize: Int, seed: UInt64, startMonday: LocalDate = LocalDate(year: 2027, month: 1, day: 4),
            stateDirectory: URL? = nil
        ) {
            self.weeks = weeks
            self.teamSize = teamSize
            self.seed = seed
            self.startMonday = startMonday
            self.stateDirectory = stateDirectory
        }
    }

    /// The scripted team's phrases, from `Prompts/simulation.json`.
    public struct Script: Decodable, Sendable {
        public var names: [String]
        public var examples: [String]
        public var caught: [String]
        public var ideas: [String]
        public var definitions: [String]
        /// Service problems someone spots, each with the fixes that fit it.
        public var problems: [Problem]
        public var goals: [ScriptedGoal]
        /// What customers said: compliments, and complaints with the fixes that fit them.
        public var compliments: [String]
        public var complaints: [Problem]
        /// What a training's owner says it covered.
        public var trainingNotes: [String]
        /// What the admin answers to an idea.
        public var ideaAnswers: [String]

        public struct Problem: Decodable, Sendable {
            public var problem: String
            public var fixes: [String]
        }

        /// A goal, with the corrective actions that fit it and what each looks like once done.
        public struct ScriptedGoal: Decodable, Sendable {
            public var kpi: String
            public var target: Double
            public var unit: String
            public var direction: String
            public var tolerance: String
            public var start: Double
            public var drift: Double
            public var noise: Double
            public var actions: [Action]
        }

        public struct Action: Decodable, Sendable {
            public var action: String
            public var done: String
        }

        /// How a follow-up the team opened gets fixed: a goal's action by doing it, a problem by one of its fixes.
        func fix(for item: FollowUp, goals: [Goal]) -> [String] {
            if let goalID = item.goalID, let kpi = goals.first(where: { $0.id == goalID })?.kpi,
                let done = self.goals.first(where: { $0.kpi == kpi })?.actions.first(where: { $0.action == item.text })?.done
            {
                return [done]
            }
            return (problems + complaints).first { $0.problem == item.text }?.fixes ?? problems.flatMap(\.fixes)
        }
    }

    public struct Summary: Sendable, Equatable {
        public var messagesFromTeam: Int
        public var messagesFromBot: Int
        public var examples: Int
        public var finished: Bool
    }

    let setup: CoachSetup
    let options: Options
    let script: Script
    let output: @Sendable (String) -> Void
    let progress: @Sendable (String) -> Void

    public init(
        setup: CoachSetup, options: Options, output: @escaping @Sendable (String) -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) throws(SetupError) {
        let url = setup.promptsDirectory.appendingPathComponent("simulation.json")
        let bytes = try CoachSetup.read(url).bytes
        do {
            script = try JSONCoding.decoder.decode(Script.self, from: Data(bytes))
        } catch {
            throw .invalid(path: url.path, problem: .invalidJSON(reason: JSONCoding.describe(error)))
        }
        self.setup = setup
        self.options = options
        self.output = output
        self.progress = progress
    }

    /// The simulated team: ids and names, the first being the admin.
    func team() -> [CoachConfig.RosterEntry] {
        (0..<options.teamSize).map { i in
            let base = script.names[i % script.names.count]
            let name = i < script.names.count ? base : "\(base)\(i / script.names.count + 1)"
            return .init(id: "u\(i + 1)", name: name)
        }
    }

    public func run() async throws -> Summary {
        var config = setup.config
        let members = team()
        config.members = members
        config.admins = [members[0].id]
        config.programme.suggestedLength = options.weeks
        let capabilities = SimulatedTeam.chat
        let coach = Coach(config: config, catalogue: setup.catalogue, prompts: try setup.prompts(for: capabilities.markup),
            capabilities: capabilities)
        if let directory = options.stateDirectory, StateStore.holdsState(in: directory) {
            throw SetupError.folderNotEmpty(path: directory.path)
        }
        let quiet = Logger(label: "coach.simulation") { _ in SwiftLogNoOpLogHandler() }
        let session = try CoachSession(coach: coach, directory: options.stateDirectory, logger: quiet)
        let calendar = coach.schedule.calendar
        let wednesday = calendar.adding(days: -5, to: options.startMonday)
        let clock = SimulatedClock(calendar.at(wednesday, hour: 9, minute: 0))
        let team = SimulatedTeam(
            coach: coach, session: session, clock: clock, script: script, members: members, options: options,
            output: output, progress: progress)
        // Polls wait on the team, which answers by the next wake-up at the latest: no need for a shorter timeout.
        let bot = BotService(
            session: session, transport: team, clock: clock, logger: quiet, pollTimeout: .seconds(7 * 86_400),
            randomSeed: options.seed)
        try await bot.run()
        let state = await session.state
        return Summary(
            messagesFromTeam: await team.received, messagesFromBot: await team.sent, examples: state.examples.liveCount,
            finished: state.jobs["before-after:1"] != nil)
    }
}

/// The simulation's clock: it moves only when the scripted team moves it, and the loop never has to wait on it for
/// long, because the team answers every poll at once. A sleep (pacing, backoff) moves it forward itself.
final class SimulatedClock: CoachClock, @unchecked Sendable {
    // @unchecked: `current` is guarded by `lock`.
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) {
        current = start
    }

    func now() -> Date { lock.withLock { current } }

    func advance(to date: Date) {
        lock.withLock { current = max(current, date) }
    }

    func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        advance(to: deadline)
    }
}

/// The scripted team, seen by the bot as its chat platform: each poll hands over the team's next message (or none
/// before the poll's deadline), and each send is printed as the transcript's next line.
actor SimulatedTeam: PollingTransport {
    /// A platform with private messages and threads, in plain text: the transcript shows everything the bot can do.
    static let chat = TransportCapabilities(directMessages: true, threads: true, markup: .plain)

    nonisolated let name = "simulation"
    nonisolated var capabilities: TransportCapabilities { Self.chat }
    nonisolated var pacing: PollPacing { .longPoll }

    let coach: Coach
    let session: CoachSession
    let clock: SimulatedClock
    let script: Simulation.Script
    let members: [CoachConfig.RosterEntry]
    let options: Simulation.Options
    let output: @Sendable (String) -> Void
    let progress: @Sendable (String) -> Void
    var random: SeededRandom
    private(set) var sent = 0
    private(set) var received = 0
    /// Per member: how their ratings lean (-2, 0 or +2 on the 1/3/5 scale).
    var leaning: [String: Int] = [:]
    var baseline: [String: [String: Int]] = [:]
    /// What the team will say next, in order, and the day it is planned for.
    var queue: [(at: Date, member: CoachConfig.RosterEntry, act: Act)] = []
    var day: LocalDate
    var reportedWeek = -1

    init(
        coach: Coach, session: CoachSession, clock: SimulatedClock, script: Simulation.Script,
        members: [CoachConfig.RosterEntry], options: Simulation.Options, output: @escaping @Sendable (String) -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) {
        self.coach = coach
        self.session = session
        self.clock = clock
        self.script = script
        self.members = members
        self.options = options
        self.output = output
        self.progress = progress
        random = SeededRandom(seed: options.seed)
        day = coach.schedule.calendar.adding(days: -5, to: options.startMonday)
    }

    var calendar: TeamCalendar { coach.schedule.calendar }
    var admin: CoachConfig.RosterEntry { members[0] }
    /// The time zones of the second and third members, so the transcript shows check-ins on their own clocks.
    static let elsewhere = ["America/New_York", "Asia/Kolkata"]
    /// The programme's weeks, counting week 0 when the plan opens with the definition activity.
    var programmeWeeks: Int { options.weeks + (coach.config.programme.openingWeek ? 1 : 0) }
    var lastDay: LocalDate { calendar.adding(days: 7 * (programmeWeeks + 1), to: options.startMonday) }

    enum Act {
        case text(String)
        case example, caught, threadReply, idea, means, followUp, fixFollowUp, rerate, rateBaseline
        case compliment, complaint, assignComplaint, scheduleTraining, trained, record, answerIdea
        case goalUpdate(Int), goalAction(Int), away(LocalDate)
    }

    func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
    func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    // MARK: - The platform

    func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let silence = PollBatch(messages: [], cursor: request.cursor)
        let deadline = clock.now().addingTimeInterval(Double(request.timeout.components.seconds)
            + Double(request.timeout.components.attoseconds) / 1e18)
        if queue.isEmpty && received == 0 { planSetup() }
        while true {
            // The before/after report closes the programme: nobody acts after it, and the bot stops.
            if await session.state.jobs["before-after:1"] != nil { throw .closed }
            guard let next = queue.first else {
                let tomorrow = calendar.adding(days: 1, to: day)
                guard tomorrow <= lastDay else { throw .closed }
                // The next day's plan is made at its start, after everything the night brought.
                let start = calendar.startOfDay(tomorrow)
                guard clock.now() >= start else {
                    clock.advance(to: min(deadline, start))
                    return silence
                }
                day = tomorrow
                await plan(day)
                continue
            }
            guard next.at <= deadline else {
                clock.advance(to: deadline)
                return silence
            }
            queue.removeFirst()
            clock.advance(to: next.at)
            guard let text = await words(for: next.act, by: next.member) else { continue }
            received += 1
            let thread = next.act.isThreadReply ? await session.state.weeks.last?.announcementPlatformID : nil
            output(coach.prompts.render(ChatLine(
                time: coach.timestamp(clock.now()), sender: next.member.name, text: text, inThread: thread != nil,
                name: memberName)))
            let message = InboundMessage(
                id: "sim-\(received)", senderID: next.member.id, senderName: next.member.name, text: text,
                threadRootID: thread)
            return PollBatch(messages: [message], cursor: "\(received)")
        }
    }

    func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        sent += 1
        output(coach.prompts.render(ChatLine(
            time: coach.timestamp(clock.now()), sender: coach.config.team.botName, text: message.text,
            destination: message.destination, name: memberName)))
        return "m\(sent)"
    }

    /// A simulated team has no account to check.
    func check() async -> [CheckFinding] { [] }

    nonisolated func memberName(_ id: String) -> String { members.first { $0.id == id }?.name ?? id }

    // MARK: - The script

    /// The Wednesday before the start: everyone rates, the admin looks at the scores, accepts the plan, sets the
    /// team's goals and starts the programme.
    func planSetup() {
        // Two of the team work elsewhere: their check-ins come at the nudge time of their own day (`timezone`).
        var t = calendar.at(day, hour: 9, minute: 10)
        for (member, zone) in zip(members.dropFirst(), Self.elsewhere) {
            queue.append((t, member, .text("!timezone \(zone)")))
            t += 60
        }
        t = calendar.at(day, hour: 9, minute: 30)
        for member in members {
            queue.append((t, member, .rateBaseline))
            t += 240
        }
        // Once the scores are shared, most of the team votes for what they would most like to work on.
        t = calendar.at(day, hour: 11, minute: 0)
        for member in members where chance(0.8) {
            let count = Int.random(in: 1...Votes.perMember, using: &random)
            let numbers = (1...coach.catalogue.corePrinciples.count).shuffled(using: &random).prefix(count)
            queue.append((t, member, .text("!vote " + numbers.map(String.init).joined(separator: " "))))
            t += 420
        }
        t = calendar.at(day, hour: 14, minute: 0)
        queue.append((t, admin, .text("!scores")))
        t += 300
        queue.append((t, admin, .text("!programme accept")))
        for (i, goal) in script.goals.prefix(max(1, min(script.goals.count, members.count))).enumerated() {
            t += 120
            let owner = members[(i + 1) % members.count]
            let direction = goal.direction == "lower" ? "down is good" : "up is good"
            queue.append((t, admin, .text(
                "!goal add \(goal.kpi) aim \(Coach.format(goal.target)) \(goal.unit) \(direction) allowed gap \(goal.tolerance) owner @\(owner.name)")))
        }
        t += 600
        queue.append((t, admin, .text("!start")))
    }

    /// A working day: each member may post, goal owners update, follow-ups get fixed.
    func plan(_ day: LocalDate) async {
        if calendar.weekday(of: day) == 2 {
            let weekIndex = calendar.days(from: options.startMonday, to: day) / 7
            if weekIndex != reportedWeek, weekIndex >= 0 {
                reportedWeek = weekIndex
                let examples = await session.state.examples.all.count
                let first = programmeWeeks > options.weeks ? 0 : 1
                progress(coach.prompts.render(ProgressView(
                    week: min(weekIndex + first, options.weeks), weeks: options.weeks, date: day.description,
                    examples: examples, finishing: weekIndex >= programmeWeeks)))
            }
        }
        let weekday = calendar.weekday(of: day)
        guard coach.config.schedule.workdays.contains(weekday) else { return }
        let state = await session.state
        var actions: [(minute: Int, member: CoachConfig.RosterEntry, act: Act)] = []
        let finished = state.programme.phase == .finished
        let running = state.programme.phase == .running && state.weeks.last.map { calendar.monday(of: day) == $0.monday } == true
        // Week 0: nearly everyone finishes "Customer Service means..." early in the week, each in their own words.
        let openingWeek = running && state.weeks.last.map { $0.index == 0 && DefinitionWeek.isOpening($0) } == true
        let answered = Set(state.definitions.filter { $0.givenInCycle == state.programme.cycle }.map(\.authorID))
        for member in members {
            let minute = Int.random(in: 9 * 60 + 5...17 * 60 + 20, using: &random)
            if state.members[member.id]?.isAway(on: day) == true { continue }
            if finished {
                let rerated = state.ratingRounds.last?.purpose == .rerate && state.ratingRounds.last?.scores[member.id] != nil
                if !rerated, chance(0.6) { actions.append((minute, member, .rerate)) }
                continue
            }
            guard running else { continue }
            if openingWeek, !answered.contains(member.id), chance(0.6) {
                actions.append((minute - 30, member, .means))
            }
            let roll = Double.random(in: 0..<1, using: &random)
            switch roll {
            case ..<0.22: actions.append((minute, member, .example))
            case ..<0.40: actions.append((minute, member, .caught))
            case ..<0.48: actions.append((minute, member, .threadReply))
            case ..<0.51: actions.append((minute, member, .idea))
            case ..<0.54: actions.append((minute, member, .means))
            case ..<0.56: actions.append((minute, member, .followUp))
            default: break
            }
            if state.followUps.contains(where: { $0.isOpen && $0.ownerID == member.id }), chance(0.3) {
                actions.append((minute + 7, member, .fixFollowUp))
            }
            if chance(0.05) { actions.append((minute + 9, member, chance(0.6) ? .compliment : .complaint)) }
            // The day after the training, its owner says how it went.
            if state.trainings.contains(where: { $0.ownerID == member.id && $0.outcome == nil && calendar.localDate(of: $0.at) < day }) {
                actions.append((10 * 60 + 20, member, .trained))
            }
        }
        // Monday: the admin schedules the week's training with one of the team as its owner.
        if running, weekday == 2 { actions.append((9 * 60 + 40, admin, .scheduleTraining)) }
        // A complaint nobody has taken on yet gets an owner from the admin, sooner or later.
        if running, state.feedback.contains(where: { $0.kind == .complaint && state.followUp(forFeedback: $0.id) == nil }),
            chance(0.5)
        {
            actions.append((9 * 60 + 45, admin, .assignComplaint))
        }
        // Once, in the programme's third week, someone looks back over the weeks, and the admin asks for the first
        // week's report-back again.
        if running, members.count > 1, calendar.days(from: options.startMonday, to: day) == 15 {
            actions.append((12 * 60 + 5, members[1], .text("!history")))
            actions.append((12 * 60 + 10, admin, .text("!history 1")))
        }
        // Monday, after the weekly digest: the admin answers the idea that has waited longest.
        if running, weekday == 2, state.ideas.contains(where: { $0.answer == nil }) {
            actions.append((10 * 60 + 30, admin, .answerIdea))
        }
        // After the last week, the admin looks at one person's record for their appraisal.
        if finished, members.count > 1, weekday == 2, calendar.monday(of: day) == state.programme.finishedOn {
            actions.append((9 * 60 + 50, admin, .record))
        }
        // The first working day after week 0's report-back, the admin agrees the definition from two answers, as
        // the check-in asks.
        if running, !openingWeek, let first = state.weeks.first(where: { $0.cycle == state.programme.cycle }),
            DefinitionWeek.isOpening(first), state.teamDefinition?.cycle != state.programme.cycle
        {
            let answers = state.definitions.filter { $0.givenInCycle == state.programme.cycle }.map(\.id)
            if !answers.isEmpty {
                let chosen = answers.count > 1 ? [answers[0], answers[answers.count - 1]] : [answers[0]]
                actions.append((10 * 60 + 20, admin, .text("!means agree " + chosen.map(String.init).joined(separator: " "))))
            }
        }
        if running {
            for goal in state.goals where !goal.closed {
                guard let owner = members.first(where: { $0.id == goal.ownerID }),
                    state.members[owner.id]?.isAway(on: day) != true
                else { continue }
                if state.needsCorrectiveAction(goal), chance(0.6) {
                    actions.append((11 * 60 + goal.id, owner, .goalAction(goal.id)))
                } else if (weekday == 3 || weekday == 5), chance(0.55) {
                    actions.append((15 * 60 + goal.id * 3, owner, .goalUpdate(goal.id)))
                }
            }
            // Someone is away for a week, to show nudges skipping them.
            if members.count > 2, calendar.days(from: options.startMonday, to: day) == 7 {
                actions.append((8 * 60 + 50, members[2], .away(calendar.adding(days: 6, to: day))))
            }
        }
        actions.sort { ($0.minute, $0.member.id) < ($1.minute, $1.member.id) }
        queue = actions.map { (calendar.at(day, hour: $0.minute / 60, minute: $0.minute % 60), $0.member, $0.act) }
    }

    /// What a member types for an act, given the state at that moment; nil when the act no longer applies.
    func words(for act: Act, by member: CoachConfig.RosterEntry) async -> String? {
        let state = await session.state
        switch act {
        case .text(let text):
            return text
        case .example:
            return "!example \(pick(script.examples))"
        case .caught:
            let others = members.filter { $0.id != member.id }
            guard !others.isEmpty else { return nil }
            let other = pick(others)
            return "!caught @\(other.name) \(pick(script.caught))"
        case .threadReply:
            guard state.weeks.last?.announcementPlatformID != nil else { return nil }
            let text = pick(script.examples)
            return text.prefix(1).uppercased() + text.dropFirst()
        case .idea:
            return "!idea \(pick(script.ideas))"
        case .means:
            // Each in their own words where the script has enough: a flip chart of one answer repeated is no
            // activity.
            let given = Set(state.definitions.filter { $0.givenInCycle == state.programme.cycle }.map(\.text))
            let endings = script.definitions.map { DefinitionWeek.ending(of: $0) }
            let fresh = endings.filter { !given.contains($0) }
            return "!means \(pick(fresh.isEmpty ? endings : fresh))"
        case .followUp:
            return "!followup \(pick(script.problems).problem)"
        case .fixFollowUp:
            guard let item = state.followUps.first(where: { $0.isOpen && $0.ownerID == member.id }) else { return nil }
            return "!fixed \(item.id) \(pick(script.fix(for: item, goals: state.goals)))"
        case .rateBaseline:
            return rating(member, state, improved: false)
        case .rerate:
            return rating(member, state, improved: true)
        case .goalUpdate(let id):
            guard let goal = state.goals.first(where: { $0.id == id }),
                let scripted = script.goals.first(where: { $0.kpi == goal.kpi })
            else { return nil }
            let weeks = Double(calendar.days(from: options.startMonday, to: day)) / 7
            let value = scripted.start + scripted.drift * weeks + scripted.noise * Double.random(in: -1...1, using: &random)
            return "!goal \(id) \(String(format: "%.1f", value))"
        case .goalAction(let id):
            guard let goal = state.goals.first(where: { $0.id == id }),
                let scripted = script.goals.first(where: { $0.kpi == goal.kpi }), !scripted.actions.isEmpty
            else { return nil }
            return "!goal action \(id) \(pick(scripted.actions).action)"
        case .away(let until):
            return "!away until \(until)"
        case .compliment:
            return "!feedback compliment \(pick(script.compliments))"
        case .complaint:
            // Most complaints go to someone to see through at once; some wait for an owner.
            let complaint = pick(script.complaints).problem
            guard chance(0.7) else { return "!feedback complaint \(complaint)" }
            return "!feedback complaint \(complaint) owner @\(pick(members).name)"
        case .assignComplaint:
            guard let complaint = state.feedback.first(where: { $0.kind == .complaint && state.followUp(forFeedback: $0.id) == nil })
            else { return nil }
            return "!feedback \(complaint.id) owner @\(pick(members).name)"
        case .scheduleTraining:
            let owner = members.count > 1 ? members[1 + Int.random(in: 0..<(members.count - 1), using: &random)] : member
            return "!training \(pick(["tuesday", "wednesday", "thursday"])) \(pick(["11:00", "15:00"])) owner @\(owner.name)"
        case .trained:
            let others = members.filter { $0.id != member.id && chance(0.6) }.prefix(4).map { "@\($0.name)" }
            return (["!trained", pick(script.trainingNotes)] + others).joined(separator: " ")
        case .record:
            return "!record @\(members[1].name) quarter"
        case .answerIdea:
            guard let idea = state.ideas.first(where: { $0.answer == nil }) else { return nil }
            return "!idea answer \(idea.id) \(pick(script.ideaAnswers))"
        }
    }

    /// A member rates every principle the round asks about. Re-ratings lift the principles the team worked on, as
    /// a programme should.
    func rating(_ member: CoachConfig.RosterEntry, _ state: CoachState, improved: Bool) -> String {
        // The principles the open round asks about, in the order `rate all` takes them.
        let every = coach.catalogue.principles + state.teamPrinciples
        let principles = state.ratingRounds.last?.principleIDs.map { ids in every.filter { ids.contains($0.id) } } ?? every
        let lean = leaning[member.id] ?? pick([-2, 0, 0, 2])
        leaning[member.id] = lean
        func fresh() -> Int { min(5, max(1, pick([1, 3, 3, 5]) + lean)) }
        var scores: [Int] = []
        for p in principles {
            if improved, let before = baseline[member.id]?[p.id] {
                scores.append(state.programme.plan.contains(p.id) && before < 5 && chance(0.6) ? before + 2 : before)
            } else {
                let score = fresh()
                if !improved { baseline[member.id, default: [:]][p.id] = score }
                scores.append(score)
            }
        }
        return "!rate all " + scores.map(String.init).joined(separator: " ")
    }
}

extension SimulatedTeam.Act {
    var isThreadReply: Bool {
        if case .threadReply = self { return true }
        return false
    }
}

extension Simulation {
    /// The simulation's views, one of each, for `coach check` to render every template (see `TemplateSamples`).
    public static var templateSamples: [any MessageView] {
        [ProgressView(week: 3, weeks: 12, date: "2027-01-18", examples: 14, finishing: false)]
    }
}

/// The simulation's progress line on standard error.
struct ProgressView: MessageView {
    static let template = Template.simulateProgress
    var week: Int
    var weeks: Int
    var date: String
    var examples: Int
    var finishing: Bool
}
