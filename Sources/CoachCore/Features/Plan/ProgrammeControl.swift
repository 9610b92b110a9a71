import Foundation

/// Running the programme: start it, pause and resume it, skip a week, and begin a new cycle once one has finished.
enum ProgrammeControl {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("start", aliases: ["begin"], listed: .admins) { words in
            switch words.args.joined(separator: " ").lowercased() {
            case "", "next", "monday", "next monday": return .form(Start(when: .nextMonday))
            case "now", "today", "this week": return .form(Start(when: .thisWeek))
            case let choice:
                guard let date = LocalDate(choice) else { return .malformed(.badDate) }
                return .form(Start(when: .on(date)))
            }
        },
        CommandDeclaration("pause", listed: .admins) { _ in .form(Pause()) },
        CommandDeclaration("resume", aliases: ["unpause", "continue"], listed: .admins) { _ in .form(Resume()) },
        CommandDeclaration("skip", listed: .admins) { _ in .form(Skip()) },
        CommandDeclaration("cycle", aliases: ["restart"], listed: .admins) { words in
            guard words.word == "restart" || words.args.first?.lowercased() == "new" else { return .malformed(.badForm) }
            return .form(NewCycle())
        },
    ]

    struct Start: CommandForm {
        static let access = Access.admins
        var when: When

        enum When: Equatable, Sendable {
            case nextMonday
            case thisWeek
            case on(LocalDate)
        }

        func run(_ request: Request, _ tx: inout Transaction) {
            let phase = tx.state.programme.phase
            guard phase == .setup else {
                tx.reply(request, ProgrammeStartedView(alreadyRunning: phase == .running, finished: phase == .finished))
                return
            }
            let calendar = tx.calendar
            let thisMonday = calendar.monday(containing: tx.now)
            let monday: LocalDate
            switch when {
            case .nextMonday: monday = calendar.adding(days: 7, to: thisMonday)
            case .thisWeek:
                // Once this week's report-back time has passed, "now" can only sensibly mean the coming Monday.
                let summaryDue = tx.coach.schedule.due(.summary, monday: thisMonday) ?? calendar.startOfDay(thisMonday)
                monday = tx.now >= summaryDue ? calendar.adding(days: 7, to: thisMonday) : thisMonday
            case .on(let date):
                guard tx.acceptsDate(date, for: "start", request) else { return }
                let m = calendar.monday(of: date)
                monday = m == date ? m : calendar.adding(days: 7, to: m)
            }
            guard monday >= thisMonday else {
                tx.reply(request, UsageView("start", problem: .badDate, prompts: tx.coach.prompts))
                return
            }
            let usedSuggestion = tx.state.programme.plan.isEmpty
            if usedSuggestion || !tx.state.programme.planAccepted {
                tx.record(.planChanged(plan: Plan.working(tx), accepted: true))
            }
            tx.record(.programmeStarted(startDate: monday, at: tx.now))
            var view = ProgrammeStartedView()
            view.startDate = monday.description
            view.usedSuggestion = usedSuggestion
            view.plan = Plan.rows(tx.state.programme.plan, tx)
            view.weekCount = Plan.principleWeeks(tx.state.programme.plan)
            view.opening = DefinitionWeek.opens(tx.state.programme.plan)
            tx.reply(request, view)
            // Starting this week means the Monday post is due now; post it rather than wait for the next tick.
            ProgrammeSchedule.run(&tx)
        }
    }

    struct Pause: CommandForm {
        static let access = Access.admins

        func run(_ request: Request, _ tx: inout Transaction) {
            if !tx.state.programme.paused { tx.record(.pausedChanged(paused: true, at: tx.now)) }
            tx.reply(request, PausedView())
        }
    }

    struct Resume: CommandForm {
        static let access = Access.admins

        func run(_ request: Request, _ tx: inout Transaction) {
            let wasPaused = tx.state.programme.paused
            if wasPaused { tx.record(.pausedChanged(paused: false, at: tx.now)) }
            tx.reply(request, ResumedView(wasPaused: wasPaused))
            if wasPaused { ProgrammeSchedule.run(&tx) }
        }
    }

    /// Skips this week if its summary has not been posted yet, otherwise next week. An opened week gives its
    /// principle back, so nothing planned is lost: it simply runs a week later.
    struct Skip: CommandForm {
        static let access = Access.admins

        func run(_ request: Request, _ tx: inout Transaction) {
            guard tx.state.programme.phase == .running else {
                tx.reply(request, SkippedView(notRunning: true))
                return
            }
            let calendar = tx.calendar
            let thisMonday = calendar.monday(containing: tx.now)
            let thisKey = calendar.weekKey(monday: thisMonday)
            let current = tx.currentWeek
            let summaryDone = tx.hasRun(ProgrammeSchedule.jobKey(.summary, thisKey))
            let skippingThisWeek = !summaryDone && !tx.state.programme.skippedWeeks.contains(thisKey)
            let monday = skippingThisWeek ? thisMonday : calendar.adding(days: 7, to: thisMonday)
            let key = calendar.weekKey(monday: monday)
            if skippingThisWeek, current != nil { tx.record(.weekWithdrawn(key: thisKey)) }
            if !tx.state.programme.skippedWeeks.contains(key) { tx.record(.weekSkipped(key: key)) }
            var notice = SkippedView(thisWeek: skippingThisWeek, monday: monday.description)
            notice.next = Plan.nextPrinciple(tx.state).map { PrincipleView(tx.principle(id: $0), id: $0) }
            // The channel hears who called the rest, so nobody wonders why the week went quiet.
            notice.you = tx.name(of: request.senderID)
            tx.send(notice, to: .channel, kind: .notice)
            if request.replyTo != .channel {
                var view = PlanChangedView()
                view.skippedWeek = key
                tx.reply(request, view)
            }
        }
    }

    struct NewCycle: CommandForm {
        static let access = Access.admins

        func run(_ request: Request, _ tx: inout Transaction) {
            guard tx.state.programme.phase == .finished else {
                tx.reply(request, CycleStartedView(notFinished: true))
                return
            }
            let previous = tx.state.ratingRounds.last
            let cycle = tx.state.programme.cycle + 1
            tx.record(.cycleStarted(cycle: cycle))
            // It asks about what the re-rating asked: the ground the team has worked on.
            tx.record(.ratingRoundOpened(cycle: cycle, purpose: .baseline, principles: previous?.principleIDs))
            // The re-rating just done is the new cycle's starting point; members may still change it.
            for (member, scores) in previous?.scores ?? [:] {
                tx.record(.rated(memberID: member, scores: scores))
            }
            tx.send(CycleStartedView(cycle: cycle, carried: !(previous?.scores.isEmpty ?? true)), to: .channel, kind: .notice)
            if request.replyTo != .channel {
                var view = PlanChangedView()
                view.cycle = cycle
                tx.reply(request, view)
            }
        }
    }
}

struct ProgrammeStartedView: MessageView {
    static let template = Template.programmeStarted
    var alreadyRunning: Bool?
    var finished: Bool?
    var startDate: String?
    var usedSuggestion: Bool?
    var plan: [PlanRow]?
    /// Principle weeks, not counting the opening week.
    var weekCount: Int?
    /// The plan opens with week 0, the definition activity.
    var opening: Bool?
}

struct PausedView: MessageView {
    static let template = Template.paused
}

struct ResumedView: MessageView {
    static let template = Template.resumed
    var wasPaused: Bool
}

struct SkippedView: MessageView {
    static let template = Template.skipped
    var notRunning: Bool?
    var thisWeek: Bool?
    var monday: String?
    var next: PrincipleView?
    /// Who asked for the rest: the notice in the channel names them.
    var you: String?
}

struct CycleStartedView: MessageView {
    static let template = Template.cycleStarted
    var notFinished: Bool?
    var cycle: Int?
    var carried: Bool?
}
