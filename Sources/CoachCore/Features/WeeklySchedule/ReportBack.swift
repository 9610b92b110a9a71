import Foundation

/// The Friday report-back: the week's examples and who was recognised, the week's training, goals against target,
/// customer feedback and the complaints still open, open follow-ups, new ideas and definitions, and what comes next
/// week.
///
/// It covers every example not yet reported (`CoachState.reportedThroughExampleID`), so each example is in exactly
/// one report-back: the week's own, plus any shared after an earlier report-back or before the programme started,
/// which are marked as such. Everyone caught in a covered example is named; nothing that hides a person is cut to
/// "and N more". A long report-back goes out as a short headline in the channel with the full lists in its thread.
///
/// It reads only the unreported run of examples (found by binary search) plus the cycle's weeks for the recognition
/// spread and the trends, so its cost follows the size of the programme, not of the whole history.
///
/// A report-back that went out can be shown again (`history <week>`): built the same way from the state as it stood
/// when it went out (`ReportBackRecord`), so it reads as it did then, less what has been deleted since.
struct ReportBack {
    let week: ProgrammeWeek
    let tx: Transaction
    /// Set when showing a past report-back again: the examples it covered end here, not at the latest.
    let throughExampleID: Int?

    init(week: ProgrammeWeek, _ tx: Transaction) {
        self.week = week
        self.tx = tx
        throughExampleID = nil
    }

    /// A report-back that went out, as it stood then: `tx` is moved back to the moment it went out, with the goals,
    /// follow-ups, feedback, trainings, ideas and definitions as they were (`CoachState.asOf`).
    init(again record: ReportBackRecord, week: ProgrammeWeek, _ tx: Transaction) {
        let state = tx.state.asOf(record, week: week)
        let monday = tx.calendar.monday(containing: record.at)
        self.week = week
        self.tx = Transaction(
            coach: tx.coach, state: state, now: record.at, weekMonday: monday, weekKey: tx.calendar.weekKey(monday: monday))
        throughExampleID = record.throughExampleID
    }

    /// Longer than this (in characters), a report-back is a headline with its lists in a thread, where the platform
    /// has threads: about a screen of text.
    static let headlineThreshold = 1_500

    /// The examples this report-back covers: the week's own, and those not yet reported from elsewhere.
    func covered() -> (own: [Example], earlier: [Example]) {
        let watermark = tx.state.reportedThroughExampleID
        let unreported = throughExampleID.map { tx.state.examples.live(after: watermark, through: $0) }
            ?? tx.state.examples.live(after: watermark)
        return (unreported.filter { $0.weekKey == week.key }, unreported.filter { $0.weekKey != week.key })
    }

    func view() -> ReportBackView {
        let state = tx.state
        let (examples, earlier) = covered()
        let caught = examples.filter { !$0.caughtIDs.isEmpty }
        let own = examples.filter { $0.caughtIDs.isEmpty }
        var credits: [String: Int] = [:]
        for example in examples + earlier {
            for id in example.caughtIDs { credits[id, default: 0] += 1 }
        }
        let recognition = credits.sorted { ($1.value, tx.name(of: $0.key)) < ($0.value, tx.name(of: $1.key)) }
        // One walk over the cycle's examples gives the trends and who has been recognised so far.
        let (weeks, recognisedByCycle) = ProgrammeFigures.weeksAndRecognised(tx, cycle: week.cycle)
        var spread = recognitionSpread(recognisedByCycle[week.cycle] ?? [], including: earlier)
        // Weeks whose examples retention let go still count how many they recognised (`ProgrammeFigures`).
        spread.recognised = max(spread.recognised, weeks.last { $0.key == week.key }?.recognisedSoFar ?? 0)
        let goals = state.goals.filter { !$0.closed }
        // A goal's corrective action shows under its goal, and a complaint's follow-up under the complaints still
        // open; listing either again as a follow-up would say it twice.
        let open = state.followUps.filter { $0.isOpen && $0.goalID == nil && $0.feedbackID == nil }
        let ideas = state.ideas.filter { $0.weekKey == week.key }
        let weekStart = tx.calendar.startOfDay(week.monday)
        let opening = DefinitionWeek.isOpening(week)
        // The opening week lists its answers in its own section, numbered for agreeing one.
        let definitions = opening ? [] : state.definitions.filter { $0.at >= weekStart && $0.at <= tx.now }
        var view = ReportBackView(
            week: WeekView(week, tx), counts: .init(examples: examples.count, own: own.count, shoutOuts: caught.count,
                contributors: Set(examples.map(\.reporterID)).count),
            caughtExamples: caught.map { ExampleRow($0, tx) }, hasCaught: !caught.isEmpty,
            ownExamples: own.map { ExampleRow($0, tx) }, hasOwn: !own.isEmpty, noExamples: examples.isEmpty,
            earlier: earlier.map { EarlierExample($0, tx) }, earlierCount: earlier.count, hasEarlier: !earlier.isEmpty,
            recognised: recognition.map { .init(name: tx.name(of: $0.key), count: $0.value, several: $0.value > 1) },
            hasRecognised: !credits.isEmpty, recognisedSoFar: spread.recognised, memberCount: spread.members,
            goals: goals.map { GoalView($0, tx) }, hasGoals: !goals.isEmpty,
            offTarget: goals.filter(\.isDeviating).map(\.kpi), deviationCount: goals.filter(\.isDeviating).count,
            followups: open.map { FollowUpView($0, tx) }, hasFollowups: !open.isEmpty,
            ideas: ideas.map { AuthoredText(text: $0.text, author: tx.name(of: $0.authorID)) }, hasIdeas: !ideas.isEmpty,
            definitions: definitions.map { AuthoredText(text: $0.text, author: tx.name(of: $0.authorID)) },
            hasDefinitions: !definitions.isEmpty, definitionWeek: opening ? DefinitionWeek.reportSection(tx) : nil,
            // With a session time of its own, the agenda went out ahead of the meeting; shown again later, the
            // meeting is long past.
            agenda: throughExampleID == nil && tx.coach.schedule.due(.session, monday: week.monday) == nil
                ? SessionAgenda(inReport: true, inThread: false, shoutOuts: caught.count) : nil,
            next: throughExampleID == nil ? NextWeek(after: week, tx) : nil)
        view.trends = ParticipationTrend(weeks)
        let feedback = CustomerFeedback.reportBack(tx)
        view.feedback = feedback.counts
        view.hasFeedback = feedback.counts.compliments + feedback.counts.complaints > 0
        view.openComplaints = feedback.open
        view.hasOpenComplaints = !feedback.open.isEmpty
        let trainings = Trainings.forReport(cycle: week.cycle, weekKey: week.key, tx)
        view.trainings = trainings.outcomes.map { TrainingRow($0, tx) }
        view.trainingsHeld = trainings.outcomes.filter(\.isHeld).count
        view.waitingTrainings = trainings.waiting.map { TrainingRow($0, tx) }
        view.hasTrainings = !trainings.outcomes.isEmpty || !trainings.waiting.isEmpty
        return view
    }

    /// Distinct people recognised so far this cycle (`recognised`, from the cycle's weeks up to this one), with those
    /// caught in examples counted late, against the team's size: recognition should reach everyone, not pile up on a
    /// few.
    func recognitionSpread(_ recognised: Set<String>, including earlier: [Example]) -> (recognised: Int, members: Int) {
        var recognised = recognised
        for example in earlier { recognised.formUnion(example.caughtIDs) }
        return (recognised.count, tx.state.members.count)
    }

    /// Posts the report-back, as one message or as a headline with its lists in the headline's thread, and records
    /// that its examples have been reported.
    static func post(_ week: ProgrammeWeek, late: LateNotice?, _ tx: inout Transaction) {
        let report = ReportBack(week: week, tx)
        var view = report.view()
        view.late = late
        let record = Self.record(week, tx)
        let throughID = tx.state.examples.nextID - 1
        // The lists are rendered once: as the thread's text when they are long, and only when they are short (and
        // so cheap) again as the one post.
        var lists = view
        lists.inThread = true
        lists.late = nil
        let thread = tx.coach.capabilities.threads ? tx.render(lists) : nil
        if let thread, thread.count > headlineThreshold {
            var headline = view
            headline.agenda?.inThread = true
            let headlineID = tx.send(ReportBackHeadlineView(full: headline), to: .channel, kind: .summary)
            tx.queue(thread, to: .channel, kind: .summary, threadUnder: headlineID)
        } else {
            tx.send(view, to: .channel, kind: .summary)
        }
        if throughID > tx.state.reportedThroughExampleID { tx.record(.examplesReported(throughID: throughID)) }
        Self.recordPeopleReported(&tx)
        tx.record(.reportBackRecorded(record))
    }

    /// What the report-back going out now covers, for showing it again later: read before the watermarks move.
    static func record(_ week: ProgrammeWeek, _ tx: Transaction) -> ReportBackRecord {
        let state = tx.state
        return ReportBackRecord(
            weekKey: week.key, cycle: week.cycle, at: tx.now, afterExampleID: state.reportedThroughExampleID,
            throughExampleID: max(state.reportedThroughExampleID, state.examples.nextID - 1),
            afterFeedbackID: state.reportedThroughFeedbackID,
            throughFeedbackID: max(state.reportedThroughFeedbackID, state.feedback.last?.id ?? 0),
            trainingIDs: state.trainings.filter { $0.outcome != nil && !$0.reported }.map(\.id),
            goalIDs: state.goals.filter { !$0.closed }.map(\.id))
    }

    /// The feedback counted and the training outcomes listed are not counted or listed again.
    static func recordPeopleReported(_ tx: inout Transaction) {
        if let last = tx.state.feedback.last?.id, last > tx.state.reportedThroughFeedbackID {
            tx.record(.feedbackReported(throughID: last))
        }
        let trainings = tx.state.trainings.filter { $0.outcome != nil && !$0.reported }.map(\.id)
        if !trainings.isEmpty { tx.record(.trainingsReported(ids: trainings)) }
    }
}

struct ReportBackView: MessageView {
    static let template = Template.summary

    @Inline var week: WeekView
    @Inline var late: LateNotice? = nil
    /// Shown again on request (`history <week>`), privately, after it went out.
    var again: ShownAgain? = nil
    /// In the headline's thread: the headline already gave the counts and the names.
    var inThread = false
    var counts: Counts
    var caughtExamples: [ExampleRow]
    var hasCaught: Bool
    var ownExamples: [ExampleRow]
    var hasOwn: Bool
    var noExamples: Bool
    /// Examples shared after an earlier report-back, or before the programme started, counted now.
    var earlier: [EarlierExample]
    var earlierCount: Int
    var hasEarlier: Bool
    var recognised: [Recognised]
    var hasRecognised: Bool
    var recognisedSoFar: Int
    var memberCount: Int
    var goals: [GoalView]
    var hasGoals: Bool
    /// The KPIs of the goals off target, for the headline.
    var offTarget: [String]
    var deviationCount: Int
    var followups: [FollowUpView]
    var hasFollowups: Bool
    var ideas: [AuthoredText]
    var hasIdeas: Bool
    var definitions: [AuthoredText]
    var hasDefinitions: Bool
    /// Week 0: the answers to "Customer Service means..." and the definition agreed, or how to agree it.
    var definitionWeek: OpeningReport?
    /// The ten-minute report-back session's agenda, unless `schedule.session` posted it ahead of the meeting.
    var agenda: SessionAgenda?
    /// What comes next week; nil when shown again, since what came next is history too.
    var next: NextWeek?
    /// Customer feedback logged since the last report-back, and every complaint still open.
    var feedback = FeedbackCounts(compliments: 0, complaints: 0, stillOpen: 0)
    var hasFeedback = false
    var openComplaints: [FeedbackRow] = []
    var hasOpenComplaints = false
    /// Trainings whose outcome is new since the last report-back (held or not), and those still waiting for one.
    var trainings: [TrainingRow] = []
    var trainingsHeld = 0
    var waitingTrainings: [TrainingRow] = []
    var hasTrainings = false
    /// Examples and people who shared, per principle week of the cycle so far, as sparklines.
    var trends: ParticipationTrend? = nil

    /// The week's own examples: every one is either the sender's own (`own`) or a shout-out (`shoutOuts`).
    struct Counts: Encodable {
        var examples: Int
        var own: Int
        var shoutOuts: Int
        var contributors: Int
    }

    struct Recognised: Encodable {
        var name: String
        var count: Int
        /// Recognised more than once, so the count is worth showing.
        var several: Bool
    }

    /// When a report-back shown again went out.
    struct ShownAgain: Encodable {
        var sentOn: String
    }
}

/// The short post in the channel when the full report-back goes in its thread: the principle, the counts, everyone
/// recognised, the goals off target and what comes next.
struct ReportBackHeadlineView: MessageView {
    static let template = Template.summaryHeadline
    var full: ReportBackView
}

/// An example counted in a later report-back than its own week's, and why.
struct EarlierExample: Encodable {
    @Inline var row: ExampleRow
    /// The programme week it was shared in, when there was one. Not `weekNumber`: Mustache would find the report's
    /// own week number for an example that has none.
    var lateForWeek: Int?
    /// Shared before the programme started or while it rested.
    var outsideWeeks: Bool

    init(_ example: Example, _ tx: Transaction) {
        row = ExampleRow(example, tx)
        let week = example.weekKey.flatMap { key in tx.state.weeks.last { $0.key == key } }
        lateForWeek = week.map { tx.state.number(of: $0) }
        outsideWeeks = week == nil
    }

    /// For `TemplateSamples`.
    init(row: ExampleRow, lateForWeek: Int?, outsideWeeks: Bool) {
        self.row = row
        self.lateForWeek = lateForWeek
        self.outsideWeeks = outsideWeeks
    }
}

/// What the report-back says about next week: its principle when next week runs; otherwise why it rests and when
/// the programme carries on, with which principle; or that this was the last week.
struct NextWeek: Encodable {
    var runs = false
    var principle: PrincipleView?
    /// Next week rests: a holiday week, or an admin skipped it.
    var holiday = false
    var skipped = false
    var resumes: String?
    var lastWeek = false

    init(after week: ProgrammeWeek, _ tx: Transaction) {
        let state = tx.state
        guard let id = Plan.nextPrinciple(state) else {
            lastWeek = true
            return
        }
        principle = PrincipleView(tx.principle(id: id), id: id)
        let following = tx.calendar.adding(days: 7, to: week.monday)
        if Plan.runs(following, tx) {
            runs = true
            return
        }
        holiday = tx.coach.schedule.isHolidayWeek(monday: following)
        skipped = !holiday
        resumes = Plan.nextRunning(from: following, tx).description
    }
}
