import CoachChat
import CoachCore
import Foundation
import Logging

/// A whole programme on a simulated clock with a scripted team, for seeing the bot's weeks in seconds.
///
/// Members rate, post examples, catch each other doing something right, reply in announcement threads, update
/// (and sometimes forget) goals, and re-rate at the end. The same seed gives the same transcript, byte for byte.
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
        public var followups: [String]
        public var fixes: [String]
        public var goalActions: [String]
        public var goals: [ScriptedGoal]

        public struct ScriptedGoal: Decodable, Sendable {
            public var kpi: String
            public var target: Double
            public var unit: String
            public var direction: String
            public var tolerance: String
            public var start: Double
            public var drift: Double
            public var noise: Double
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
        let bytes = try CoachSetup.read(url)
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
        let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .plain)
        let coach = Coach(config: config, catalogue: setup.catalogue, prompts: try setup.prompts(for: .plain), capabilities: capabilities)
        if let directory = options.stateDirectory,
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("state.json").path)
                || FileManager.default.fileExists(atPath: directory.appendingPathComponent("journal.jsonl").path)
        {
            throw SetupError.folderNotEmpty(path: directory.path)
        }
        let session = try CoachSession(
            coach: coach, directory: options.stateDirectory,
            logger: Logger(label: "coach.simulation") { _ in SwiftLogNoOpLogHandler() })
        var run = Run(coach: coach, session: session, script: script, members: members, options: options,
            random: SeededRandom(seed: options.seed), output: output, progress: progress)
        let summary = try await run.play()
        try await session.compact()
        await session.close()
        return summary
    }

    /// One play-through: the clock, the randomness and the counters.
    struct Run {
        let coach: Coach
        let session: CoachSession
        let script: Script
        let members: [CoachConfig.RosterEntry]
        let options: Options
        var random: SeededRandom
        let output: @Sendable (String) -> Void
        let progress: @Sendable (String) -> Void
        var now = Date(timeIntervalSince1970: 0)
        var lastTick = Date(timeIntervalSince1970: 0)
        var sent = 0
        var received = 0
        /// Per member: how their ratings lean (-2, 0 or +2 on the 1/3/5 scale).
        var leaning: [String: Int] = [:]
        var baseline: [String: [Int]] = [:]

        var calendar: TeamCalendar { coach.schedule.calendar }
        var admin: CoachConfig.RosterEntry { members[0] }

        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
        mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

        mutating func play() async throws -> Summary {
            let wednesday = calendar.adding(days: -5, to: options.startMonday)
            now = calendar.at(wednesday, hour: 9, minute: 0)
            lastTick = now
            try await tick(at: now)
            try await rateAll(members, at: calendar.at(wednesday, hour: 9, minute: 30), improved: false)
            var t = calendar.at(wednesday, hour: 14, minute: 0)
            try await say(admin, "!scores", at: t)
            t += 300
            try await say(admin, "!programme accept", at: t)
            for (i, goal) in script.goals.prefix(max(1, min(script.goals.count, members.count))).enumerated() {
                t += 120
                let owner = members[(i + 1) % members.count]
                try await say(admin, "!goal add \(goal.kpi) target \(Coach.format(goal.target)) \(goal.unit) \(goal.direction) tolerance \(goal.tolerance) owner @\(owner.name)", at: t)
            }
            t += 600
            try await say(admin, "!start", at: t)

            var day = calendar.adding(days: 1, to: wednesday)
            let lastDay = calendar.adding(days: 7 * (options.weeks + 2), to: options.startMonday)
            var reportedWeek = -1
            while day <= lastDay {
                if calendar.weekday(of: day) == 2 {
                    let weekIndex = calendar.days(from: options.startMonday, to: day) / 7
                    if weekIndex != reportedWeek, weekIndex >= 0 {
                        reportedWeek = weekIndex
                        let state = await session.state
                        progress(coach.prompts.render(ProgressView(
                            week: min(weekIndex + 1, options.weeks), weeks: options.weeks, date: day.description,
                            examples: state.examples.all.count, finishing: weekIndex >= options.weeks)))
                    }
                }
                try await playDay(day)
                if await session.state.jobs["before-after:1"] != nil { break }
                day = calendar.adding(days: 1, to: day)
            }
            try await tick(at: calendar.at(day, hour: 23, minute: 59))
            let state = await session.state
            return Summary(messagesFromTeam: received, messagesFromBot: sent, examples: state.examples.liveCount,
                finished: state.jobs["before-after:1"] != nil)
        }

        /// A working day: each member may post, goal owners update, follow-ups get fixed.
        mutating func playDay(_ day: LocalDate) async throws {
            let weekday = calendar.weekday(of: day)
            guard coach.config.schedule.workdays.contains(weekday) else {
                try await tick(at: calendar.at(day, hour: 23, minute: 0))
                return
            }
            let state = await session.state
            var actions: [(minute: Int, member: CoachConfig.RosterEntry, act: Act)] = []
            let finished = state.programme.phase == .finished
            let running = state.programme.phase == .running && state.weeks.last.map { calendar.monday(of: day) == $0.monday } == true
            for member in members {
                let minute = Int.random(in: 9 * 60 + 5...17 * 60 + 20, using: &random)
                if state.members[member.id]?.isAway(on: day) == true { continue }
                if finished {
                    let rerated = state.ratingRounds.last?.purpose == .rerate && state.ratingRounds.last?.scores[member.id] != nil
                    if !rerated, chance(0.6) { actions.append((minute, member, .rerate)) }
                    continue
                }
                guard running else { continue }
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
            }
            if running {
                for goal in state.goals where !goal.closed {
                    guard let owner = members.first(where: { $0.id == goal.ownerID }),
                        state.members[owner.id]?.isAway(on: day) != true
                    else { continue }
                    if goal.needsAction, chance(0.6) {
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
            for action in actions {
                let at = calendar.at(day, hour: action.minute / 60, minute: action.minute % 60)
                try await tick(at: at)
                // The before/after report closes the programme: nobody acts after it.
                if await session.state.jobs["before-after:1"] != nil { return }
                try await perform(action.act, by: action.member, at: at, day: day)
            }
            try await tick(at: calendar.at(day, hour: 23, minute: 0))
        }

        enum Act {
            case example, caught, threadReply, idea, means, followUp, fixFollowUp, rerate
            case goalUpdate(Int), goalAction(Int), away(LocalDate)
        }

        mutating func perform(_ act: Act, by member: CoachConfig.RosterEntry, at time: Date, day: LocalDate) async throws {
            let state = await session.state
            switch act {
            case .example:
                try await say(member, "!example \(pick(script.examples))", at: time)
            case .caught:
                let others = members.filter { $0.id != member.id }
                guard !others.isEmpty else { return }
                let other = pick(others)
                try await say(member, "!caught @\(other.name) \(pick(script.caught))", at: time)
            case .threadReply:
                guard let root = state.weeks.last?.announcementPlatformID else { return }
                let text = pick(script.examples)
                try await say(member, text.prefix(1).uppercased() + text.dropFirst(), at: time, thread: root)
            case .idea:
                try await say(member, "!idea \(pick(script.ideas))", at: time)
            case .means:
                let text = pick(script.definitions)
                try await say(member, "!means \(text.replacingOccurrences(of: "Customer Service means ", with: ""))", at: time)
            case .followUp:
                try await say(member, "!followup \(pick(script.followups))", at: time)
            case .fixFollowUp:
                guard let item = state.followUps.first(where: { $0.isOpen && $0.ownerID == member.id }) else { return }
                try await say(member, "!fixed \(item.id) \(pick(script.fixes))", at: time)
            case .rerate:
                try await rateAll([member], at: time, improved: true)
            case .goalUpdate(let id):
                guard let goal = state.goals.first(where: { $0.id == id }),
                    let scripted = script.goals.first(where: { $0.kpi == goal.kpi })
                else { return }
                let weeks = Double(calendar.days(from: options.startMonday, to: day)) / 7
                let value = scripted.start + scripted.drift * weeks + scripted.noise * Double.random(in: -1...1, using: &random)
                try await say(member, "!goal \(id) \(String(format: "%.1f", value))", at: time)
            case .goalAction(let id):
                try await say(member, "!goal action \(id) \(pick(script.goalActions))", at: time)
            case .away(let until):
                try await say(member, "!away until \(until)", at: time)
            }
        }

        /// Members rate every principle. Re-ratings lift the principles the team worked on, as a programme should.
        mutating func rateAll(_ who: [CoachConfig.RosterEntry], at start: Date, improved: Bool) async throws {
            let state = await session.state
            let principles = coach.catalogue.principles + state.teamPrinciples
            var time = start
            for member in who {
                let lean = leaning[member.id] ?? pick([-2, 0, 0, 2])
                leaning[member.id] = lean
                var scores: [Int]
                if improved, let before = baseline[member.id] {
                    scores = zip(principles, before).map { p, score in
                        state.programme.plan.contains(p.id) && score < 5 && chance(0.6) ? score + 2 : score
                    }
                } else {
                    scores = principles.map { _ in min(5, max(1, pick([1, 3, 3, 5]) + lean)) }
                    baseline[member.id] = scores
                }
                try await say(member, "!rate all " + scores.map(String.init).joined(separator: " "), at: time)
                time += 240
            }
        }

        /// Runs every scheduled moment up to `time`, then the member's message at `time`.
        mutating func say(_ member: CoachConfig.RosterEntry, _ text: String, at time: Date, thread: String? = nil) async throws {
            try await tick(at: time)
            received += 1
            let message = InboundMessage(
                id: "sim-\(received)", senderID: member.id, senderName: member.name, text: text, threadRootID: thread)
            output(coach.prompts.render(ChatLine(
                time: coach.timestamp(time), sender: member.name, text: text, inThread: thread != nil, name: memberName)))
            try await session.receive(PollBatch(messages: [message], cursor: "\(received)"), transport: "simulation", at: time)
            try await deliver(at: time)
        }

        /// Ticks at every wake-up between the last tick and `time`, so scheduled posts appear when they are due.
        mutating func tick(at time: Date) async throws {
            var next = coach.schedule.nextWakeUp(after: lastTick)
            while next <= time {
                try await session.tick(at: next)
                try await deliver(at: next)
                next = coach.schedule.nextWakeUp(after: next)
            }
            try await session.tick(at: time)
            try await deliver(at: time)
            lastTick = max(lastTick, time)
        }

        func memberName(_ id: String) -> String { members.first { $0.id == id }?.name ?? id }

        mutating func deliver(at time: Date) async throws {
            for message in await session.outbox {
                sent += 1
                output(coach.prompts.render(ChatLine(
                    time: coach.timestamp(time), sender: coach.config.team.botName, text: message.text,
                    destination: message.destination, name: memberName)))
                try await session.markDelivered(message.id, platformID: "m\(sent)")
            }
        }
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
