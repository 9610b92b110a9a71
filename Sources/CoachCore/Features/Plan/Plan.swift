import Foundation

/// The plan: which principle runs in which week. Admins accept the suggested order (week 0's definition activity,
/// then the weakest principles first, weighed by the team's votes) or shape it; weeks already run stay where they
/// were.
enum Plan {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("programme", aliases: ["program", "plan"], listed: .admins) { words in
            parseProgramme(words.args)
        }
    ]

    static func parseProgramme(_ args: [String]) -> CommandDeclaration.Parsed {
        guard let sub = args.first?.lowercased() else { return .form(Show()) }
        let rest = Array(args.dropFirst()).filter { $0.lowercased() != "to" }
        switch sub {
        case "show", "list": return .form(Show())
        case "accept", "ok", "yes": return .form(Accept())
        case "move":
            guard rest.count == 2, let position = CommandWords.number(rest[1]) else { return .malformed(.badForm) }
            return .form(Move(ref: rest[0], position: position))
        case "drop", "remove":
            guard rest.count == 1 else { return .malformed(.badForm) }
            return .form(Drop(ref: rest[0]))
        case "add":
            guard (1...2).contains(rest.count) else { return .malformed(.badForm) }
            let position = rest.count == 2 ? CommandWords.number(rest[1]) : nil
            if rest.count == 2, position == nil { return .malformed(.badNumber) }
            return .form(Add(ref: rest[0], position: position))
        default:
            return .malformed(.badForm)
        }
    }

    /// The number people read for the plan's first week: 0 when it opens with the definition week (week 0), so week 1
    /// is always the first principle; otherwise 1. Positions typed in `programme move` and `examples week` use it.
    static func firstNumber(_ plan: [String]) -> Int { DefinitionWeek.opens(plan) ? 0 : 1 }

    /// How many principle weeks a plan holds: "week 3 of 12" does not count the opening week.
    static func principleWeeks(_ plan: [String]) -> Int { plan.count - (DefinitionWeek.opens(plan) ? 1 : 0) }

    /// The principle after the current one, if the plan has one.
    static func nextPrinciple(_ state: CoachState) -> String? {
        let opened = state.weeksInCycle.count
        return opened < state.programme.plan.count ? state.programme.plan[opened] : nil
    }

    /// The plan being edited: the accepted one, or the suggestion if there is none yet.
    static func working(_ tx: Transaction) -> [String] {
        tx.state.programme.plan.isEmpty ? RatingReport(tx).suggestedPlan() : tx.state.programme.plan
    }

    /// The plan's weeks as posts list them, each with the Monday it will really run (see `mondays`).
    static func rows(_ plan: [String], _ tx: Transaction) -> [PlanRow] {
        let run = tx.weeksInCycle.count
        let mondays = Self.mondays(count: plan.count, tx)
        let first = firstNumber(plan)
        return plan.enumerated().map { i, id in
            PlanRow(
                position: i + first, id: id, title: tx.principle(id: id)?.title ?? id, done: i < run,
                monday: mondays[i]?.description, opening: i == 0 && first == 0)
        }
    }

    /// The Monday each of the plan's first `count` weeks runs, as far as anyone can know now, so that every date the
    /// bot announces is the week it will act: weeks already run keep theirs; the rest follow on from the next week
    /// that runs, passing over holiday weeks and skipped weeks. Nil before the programme has a start date, and for
    /// the weeks still to come while it is paused (nobody knows yet when it resumes).
    static func mondays(count: Int, _ tx: Transaction) -> [LocalDate?] {
        let programme = tx.state.programme
        var mondays = tx.weeksInCycle.prefix(count).map { Optional($0.monday) }
        guard mondays.count < count, let start = programme.startDate, !programme.paused, programme.phase != .finished else {
            return mondays + Array(repeating: nil, count: max(0, count - mondays.count))
        }
        var candidate = firstOpenMonday(from: start, tx)
        while mondays.count < count {
            candidate = nextRunning(from: candidate, tx)
            mondays.append(candidate)
            candidate = tx.calendar.adding(days: 7, to: candidate)
        }
        return mondays
    }

    /// The first Monday a week not yet opened can run: the start, or, once the programme is under way, this week if
    /// it can still open, else the next.
    static func firstOpenMonday(from start: LocalDate, _ tx: Transaction) -> LocalDate {
        guard start <= tx.weekMonday else { return start }
        let next = tx.calendar.adding(days: 7, to: tx.weekMonday)
        if tx.currentWeek != nil { return next }
        // A week not opened by its summary time never opens (its principle moves on), as `runSlots` does.
        let summaryDue = tx.coach.schedule.due(.summary, monday: tx.weekMonday)
        return summaryDue.map { tx.now >= $0 } ?? true ? next : tx.weekMonday
    }

    /// The first Monday from `monday` whose week runs: not a holiday week, not skipped.
    static func nextRunning(from monday: LocalDate, _ tx: Transaction) -> LocalDate {
        var candidate = monday
        // A bounded search: a config whose every week is a holiday still ends (a year on, with no week found).
        for _ in 0..<53 where !runs(candidate, tx) {
            candidate = tx.calendar.adding(days: 7, to: candidate)
        }
        return candidate
    }

    /// Whether the programme week starting on `monday` runs, by what is known now.
    static func runs(_ monday: LocalDate, _ tx: Transaction) -> Bool {
        !tx.coach.schedule.isHolidayWeek(monday: monday)
            && !tx.state.programme.skippedWeeks.contains(tx.calendar.weekKey(monday: monday))
    }

    struct Show: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let programme = tx.state.programme
            tx.reply(request, ProgrammeView(
                suggested: programme.plan.isEmpty, accepted: programme.planAccepted, plan: rows(working(tx), tx),
                started: programme.phase == .running, isAdmin: tx.isAdmin(request), scores: RatingReport(tx).scores().rows))
        }
    }

    struct Accept: CommandForm {
        static let access = Access.admins

        func run(_ request: Request, _ tx: inout Transaction) {
            let plan = working(tx)
            tx.record(.planChanged(plan: plan, accepted: true))
            var view = PlanChangedView(plan: rows(plan, tx), started: tx.state.programme.phase == .running)
            view.accepted = true
            tx.reply(request, view)
        }
    }

    struct Move: CommandForm {
        static let access = Access.admins
        var ref: String
        var position: Int

        func run(_ request: Request, _ tx: inout Transaction) {
            let run = tx.weeksInCycle.count
            let target = tx.resolvePrinciple(ref)
            edit(request, &tx) { plan in
                guard let target, let from = plan.firstIndex(of: target.id) else { return .notInPlan }
                let index = position - firstNumber(plan)
                guard from >= run, index >= run, index >= 0 else { return .alreadyRun }
                plan.remove(at: from)
                plan.insert(target.id, at: min(index, plan.count))
                return nil
            }
        }
    }

    struct Drop: CommandForm {
        static let access = Access.admins
        var ref: String

        func run(_ request: Request, _ tx: inout Transaction) {
            let run = tx.weeksInCycle.count
            let target = tx.resolvePrinciple(ref)
            edit(request, &tx) { plan in
                guard let target, let at = plan.firstIndex(of: target.id) else { return .notInPlan }
                guard at >= run else { return .alreadyRun }
                plan.remove(at: at)
                return nil
            }
        }
    }

    struct Add: CommandForm {
        static let access = Access.admins
        var ref: String
        var position: Int?

        func run(_ request: Request, _ tx: inout Transaction) {
            let run = tx.weeksInCycle.count
            let target = tx.resolvePrinciple(ref)
            edit(request, &tx) { plan in
                guard let target else { return .unknownPrinciple }
                guard !plan.contains(target.id) else { return .alreadyInPlan }
                let first = firstNumber(plan)
                let index = min(max((position ?? plan.count + first) - first, run), plan.count)
                plan.insert(target.id, at: index)
                return nil
            }
        }
    }

    /// Applies an edit to the part of the plan not yet run, or says why it cannot.
    static func edit(_ request: Request, _ tx: inout Transaction, _ change: (inout [String]) -> PlanChangedView.Problem?) {
        var plan = working(tx)
        let started = tx.state.programme.phase == .running
        if let problem = change(&plan) {
            var view = PlanChangedView(plan: rows(working(tx), tx), started: started)
            view.problem = problem
            tx.reply(request, view)
            return
        }
        tx.record(.planChanged(plan: plan, accepted: true))
        tx.reply(request, PlanChangedView(plan: rows(plan, tx), started: started))
    }
}

/// One week of the plan.
struct PlanRow: Encodable {
    var position: Int
    var id: String
    var title: String
    var done: Bool
    var monday: String?
    /// Week 0, the definition activity.
    var opening = false
}

struct ProgrammeView: MessageView {
    static let template = Template.programme
    var suggested: Bool
    var accepted: Bool
    var plan: [PlanRow]
    var started: Bool
    var isAdmin: Bool
    var scores: [ScoresView.Row]
}

/// What became of a change to the programme: the plan accepted or edited, an edit refused, the team's own
/// principle added, a week skipped, a new cycle.
struct PlanChangedView: MessageView {
    static let template = Template.programmeChanged
    var accepted: Bool?
    var problem: Problem?
    var plan: [PlanRow]?
    var started: Bool?
    var newPrinciple: NewPrinciple?
    var skippedWeek: String?
    var cycle: Int?

    init(plan: [PlanRow]? = nil, started: Bool? = nil) {
        self.plan = plan
        self.started = started
    }

    enum Problem: String, TemplateFlag {
        case notInPlan, alreadyRun, unknownPrinciple, alreadyInPlan
    }

    struct NewPrinciple: Encodable {
        var id: String
        var title: String
        var number: Int
        /// The team's steps 5 and 6 still to give it: skills, training, a challenge and a question.
        var missing: [PrincipleDetailSetView.Part]
    }
}
