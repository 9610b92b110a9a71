import Foundation

/// The weeks so far, and any week's report-back shown again: a manager who missed a Friday, or wants to see what the
/// team shared in week 2 while it works on week 6, does not have to scroll back through the channel.
///
/// `history` lists the latest cycle's weeks with their principle and figures, with participation as sparklines;
/// `history 3` shows week 3's report-back again, built from the state as it stood when it went out
/// (`ReportBackRecord`), privately to the asker: the channel has seen it once already.
enum History {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("history", aliases: ["weeks", "past"]) { words in
            var args = words.args[...]
            guard !args.isEmpty else { return .form(ListWeeks()) }
            // `history week 3` reads as naturally as `history 3`; week 0 is the opening week.
            if args.first?.lowercased() == "week" { args = args.dropFirst() }
            guard args.count == 1, let text = args.first else { return .malformed(.missingNumber) }
            guard let number = text == "0" ? 0 : CommandWords.number(text) else { return .malformed(.badNumber) }
            return .form(ShowWeek(number: number))
        }
    ]

    /// The cycle `history` speaks of: the latest that has run a week, so the history of a finished cycle is still
    /// there while the next one is being set up.
    static func cycle(_ state: CoachState) -> Int { state.weeks.last?.cycle ?? state.programme.cycle }

    struct ListWeeks: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let cycle = History.cycle(tx.state)
            let weeks = ProgrammeFigures.weeks(tx, cycle: cycle)
            // The trends stop at the last week whose report-back is out: a week under way would read as a drop.
            let reported = weeks.filter { $0.reportBack != .notYet }
            tx.reply(request, HistoryView(
                weeks: weeks.map(HistoryView.Row.init), empty: weeks.isEmpty, cycle: cycle,
                trends: ParticipationTrend(reported), example: reported.last(where: { $0.reportBack == .sent })?.number))
        }
    }

    struct ShowWeek: CommandForm {
        static let access = Access.everyone
        var number: Int

        func run(_ request: Request, _ tx: inout Transaction) {
            let cycle = History.cycle(tx.state)
            guard let week = tx.state.weeks.last(where: { $0.cycle == cycle && tx.state.number(of: $0) == number }) else {
                tx.reply(request, NotFoundView(kind: .week, ref: "\(number)"))
                return
            }
            // A week whose examples retention let go is not shown again without them: its counts are what is left.
            guard let record = tx.state.reportBacks.last(where: { $0.weekKey == week.key && $0.cycle == week.cycle }),
                tx.state.retention.tally(of: week) == nil
            else {
                tx.reply(request, HistoryWeekView(week: week, tx))
                return
            }
            var view = ReportBack(again: record, week: week, tx).view()
            view.again = .init(sentOn: tx.calendar.localDate(of: record.at).description)
            // In a private chat it is answered there. Asked in the channel, it goes to the asker privately and the
            // channel hears only that: the report-back was the channel's once, and a second copy there would bury
            // this week's. Where there are no private messages, the channel saw it anyway, so it is shown there.
            if request.message.isDirect || !tx.coach.capabilities.directMessages {
                tx.reply(request, view)
            } else {
                tx.send(view, to: .direct(userID: request.senderID), kind: .reply)
                tx.reply(request, SentPrivatelyView(what: .history, weekNumber: number, sent: true))
            }
        }
    }
}

extension ProgrammeFigures {
    /// The principles' titles by id, as the chat shows them.
    static func titles(_ tx: Transaction) -> [String: String] {
        var titles: [String: String] = [:]
        for principle in tx.coach.catalogue.principles + tx.state.teamPrinciples where titles[principle.id] == nil {
            titles[principle.id] = principle.title
        }
        return titles
    }

    /// Only the weeks' figures, as the chat shows them: what trends and `history` need.
    static func weeks(_ tx: Transaction, cycle: Int?) -> [WeekFigures] { weeksAndRecognised(tx, cycle: cycle).weeks }

    /// The weeks' figures and who was recognised in them, by cycle.
    static func weeksAndRecognised(_ tx: Transaction, cycle: Int?) -> (weeks: [WeekFigures], recognised: [Int: Set<String>]) {
        weeksAndRecognised(selectedWeeks(tx.state, cycle: cycle, today: tx.today), state: tx.state, titles: titles(tx),
            calendar: tx.calendar, now: tx.now)
    }

    /// The figures as the chat shows them: the engine's names, titles, calendar and time, and the digest's limits.
    init(_ tx: Transaction, cycle: Int?) {
        let titles = Self.titles(tx)
        var names: [String: String] = [:]
        for entry in tx.config.members { names[entry.id] = entry.name }
        for (id, member) in tx.state.members { names[id] = member.name }
        self.init(
            state: tx.state, titles: titles, names: names, calendar: tx.calendar, now: tx.now, cycle: cycle,
            quietWeeks: tx.config.digest.quietWeeks, followUpDays: tx.config.digest.followUpDays)
    }
}

extension CoachState {
    /// The state as it stood when a report-back went out, for showing it again: its watermarks where they were
    /// before it, and the goals (those it showed, with the readings and actions they had), follow-ups (open unless
    /// fixed by then), feedback, trainings (the outcomes it listed, and those still awaited then), ideas,
    /// definitions and weeks as they were at that moment.
    ///
    /// Only the arrays changed here are copied; the examples are shared, and the report reads the run it covered.
    func asOf(_ record: ReportBackRecord, week: ProgrammeWeek) -> CoachState {
        let at = record.at
        var then = self
        then.reportedThroughExampleID = record.afterExampleID
        then.reportedThroughFeedbackID = record.afterFeedbackID
        let shown = Set(record.goalIDs)
        then.goals = goals.filter { shown.contains($0.id) && $0.createdAt <= at }.map { goal in
            var goal = goal
            goal.closed = false
            goal.history = goal.history.filter { $0.at <= at }
            goal.actions = goal.actions.filter { $0.at <= at }
            return goal
        }
        then.followUps = followUps.filter { $0.openedAt <= at }.map { item in
            var item = item
            if let fixed = item.fixedAt, fixed > at {
                item.fixedAt = nil
                item.resolution = nil
            }
            return item
        }
        then.feedback = feedback.filter { $0.id <= record.throughFeedbackID && $0.at <= at }
        let listed = Set(record.trainingIDs)
        then.trainings = trainings.filter { $0.scheduledAt <= at }.map { training in
            var training = training
            if let outcome = training.outcome, outcome.at > at, !listed.contains(training.id) { training.outcome = nil }
            training.reported = !listed.contains(training.id)
            return training
        }
        then.ideas = ideas.filter { $0.at <= at }
        then.definitions = definitions.filter { $0.at <= at }
        then.agreedDefinitions = agreedDefinitions.filter { $0.at <= at }
        then.weeks = weeks.filter { $0.cycle != week.cycle || $0.monday <= week.monday }
        // An earlier cycle's plan is gone once a new cycle starts; the principles its weeks ran stand in for it, so
        // the week still reads "week 3 of 5".
        if week.cycle != programme.cycle {
            then.programme.plan = weeks.filter { $0.cycle == week.cycle }.map(\.principleID)
        }
        return then
    }
}

/// `history`: the cycle's weeks with their figures, and participation as sparklines.
struct HistoryView: MessageView {
    static let template = Template.history
    var weeks: [Row]
    var empty: Bool
    var cycle: Int
    var trends: ParticipationTrend?
    /// The week to show in the example of `history <week>`: the latest whose report-back went out, if one has.
    var example: Int?

    struct Row: Encodable {
        var number: Int
        var principle: String
        var monday: String
        /// Week 0, which asked for "Customer Service means..." rather than examples.
        var opening: Bool
        var examples: Int
        var contributors: Int
        var shoutOuts: Int
        /// Its report-back is still to come: the figures are so far.
        var current: Bool
        /// Its report-back was missed (the bot was stopped); its examples went into the next one.
        var missed: Bool

        init(_ week: WeekFigures) {
            number = week.number
            principle = week.principle
            monday = week.monday.description
            opening = week.opening
            examples = week.examples
            contributors = week.contributors
            shoutOuts = week.shoutOuts
            current = week.reportBack == .notYet
            missed = week.reportBack == .missed
        }
    }
}

/// `history <week>` for a week with no report-back to show again: still to come, missed, or sent before the bot kept
/// what a report-back covered.
struct HistoryWeekView: MessageView {
    static let template = Template.historyWeek
    var weekNumber: Int
    var principle: String
    var why: Why
    /// With `notYet`: when it is due, as people say it ("Friday 16:00").
    var due: String?
    /// With `letGo`: how many months the team keeps examples (`retention.months`), and the week's counts.
    var months: Int?
    var examples: Int?
    var contributors: Int?

    enum Why: String, TemplateFlag {
        /// `letGo`: its examples were let go by retention; its counts are kept.
        case notYet, missed, notKept, letGo
    }

    init(week: ProgrammeWeek, _ tx: Transaction) {
        weekNumber = tx.state.number(of: week)
        principle = tx.principle(id: week.principleID)?.title ?? week.principleID
        if let tally = tx.state.retention.tally(of: week) {
            why = .letGo
            months = tx.config.retention.months
            examples = tally.examples
            contributors = tally.contributors
            return
        }
        switch tx.state.jobs[ProgrammeSchedule.jobKey(.summary, week.key)] {
        case nil:
            why = .notYet
            due = tx.coach.schedule.due(.summary, monday: week.monday).map(tx.coach.describe)
        case .skipped:
            why = .missed
        case .done, .late:
            why = .notKept
        }
    }

    /// For `TemplateSamples`.
    init(weekNumber: Int, principle: String, why: Why, due: String?, months: Int? = nil, examples: Int? = nil,
        contributors: Int? = nil) {
        self.weekNumber = weekNumber
        self.principle = principle
        self.why = why
        self.due = due
        self.months = months
        self.examples = examples
        self.contributors = contributors
    }
}

/// Said where something private was asked for outside a private chat: that it went privately, or why it cannot.
struct SentPrivatelyView: MessageView {
    static let template = Template.sentPrivately
    var what: What
    /// With `history`: the week sent.
    var weekNumber: Int?
    /// False where the platform has no private messages, so it was not shown.
    var sent: Bool

    enum What: String, TemplateFlag {
        case history, digest
        /// What the bot holds about the asker (`mydata`).
        case mydata
        /// What `forget` would erase, or did.
        case forget
    }
}
