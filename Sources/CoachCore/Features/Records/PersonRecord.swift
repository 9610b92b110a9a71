import Foundation

/// A person's record over a period, to use in an appraisal (seed 000: "include in job descriptions, performance
/// appraisal systems and reward appropriately"; seed 003: "review performance monthly and annually"): the examples
/// they shared, the shout-outs they received and gave, the follow-ups they closed, the goals they own with their
/// figures, the complaints they followed up, and the trainings they ran and attended.
///
/// Admins only, and private: a person's record is about them, and the channel is no place for it.
enum PersonRecord {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("record", aliases: ["appraisal"], listed: .admins) { words in
            guard let token = words.args.first.flatMap(CustomerFeedback.mention) else { return .malformed(.missingMention) }
            guard let period = Period.parse(words.args.dropFirst()) else { return .malformed(.badPeriod) }
            return .form(Show(member: token, period: period))
        }
    ]

    /// How many of a list's latest entries the record quotes; the counts cover them all.
    static let quoted = 5

    struct Show: CommandForm {
        static let access = Access.admins
        var member: String
        var period: Period

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let memberID = tx.mentionedMember(member, request) else { return }
            switch period {
            case .since(let date): guard tx.acceptsDate(date, for: "record", request) else { return }
            case .named(let month): guard tx.acceptsDate(month.firstDay, for: "record", request) else { return }
            default: break
            }
            guard let span = period.span(now: tx.now, tx.calendar) else {
                tx.reply(request, UsageView("record", problem: .badPeriod, prompts: tx.coach.prompts))
                return
            }
            let view = RecordView(memberID: memberID, period: period, span: span, tx)
            // A record is about one person, for an appraisal: it is only ever shown privately. Asked in a private
            // chat, it is answered there; asked in the channel, it goes to the admin's private chat and the channel
            // hears only that it was sent. A platform without private messages never shows it: there, a record in
            // the channel would put one person's appraisal in front of the whole team.
            if request.message.isDirect {
                tx.reply(request, view)
            } else if tx.coach.capabilities.directMessages {
                tx.send(view, to: .direct(userID: request.senderID), kind: .reply)
                tx.reply(request, RecordPrivateView(name: view.name, sent: true))
            } else {
                tx.reply(request, RecordPrivateView(name: view.name, sent: false))
            }
        }
    }
}

/// One person's figures over a span: what the record shows in full and the monthly reward prompt compares.
struct PersonFigures: Equatable {
    var examplesShared = 0
    var ownExamples = 0
    var shoutOutsGiven = 0
    var shoutOutsReceived = 0
    var followUpsClosed = 0
    var trainingsRun = 0
    var trainingsAttended = 0

    /// Everyone's figures over a span, by member id: one pass over each record, for the monthly prompt.
    static func everyone(in span: Span, _ state: CoachState) -> [String: PersonFigures] {
        var figures: [String: PersonFigures] = [:]
        for example in state.examples.all where !example.deleted && span.contains(example.at) {
            figures[example.reporterID, default: .init()].examplesShared += 1
            if example.caughtIDs.isEmpty {
                figures[example.reporterID, default: .init()].ownExamples += 1
            } else {
                figures[example.reporterID, default: .init()].shoutOutsGiven += 1
            }
            for id in Set(example.caughtIDs) { figures[id, default: .init()].shoutOutsReceived += 1 }
        }
        for item in state.followUps {
            if let fixed = item.fixedAt, span.contains(fixed) { figures[item.ownerID, default: .init()].followUpsClosed += 1 }
        }
        for training in state.trainings where training.isHeld && span.contains(training.at) {
            figures[training.ownerID, default: .init()].trainingsRun += 1
            for id in training.outcome?.attendeeIDs ?? [] { figures[id, default: .init()].trainingsAttended += 1 }
        }
        return figures
    }
}

/// The record `record @name` shows.
struct RecordView: MessageView {
    static let template = Template.record
    var name: String
    var from: String?
    var to: String
    var period: Period.Flag
    var figures: Figures
    /// The latest few of each list, quoted so the numbers have their stories.
    var examples: [ExampleRow]
    var received: [ExampleRow]
    var closedFollowUps: [FollowUpView]
    var goals: [RecordGoal]
    var hasGoals: Bool
    var complaintsResolved: [FollowUpView]
    var complaintsOpen: [FollowUpView]
    var run: [TrainingRow]
    var attended: [TrainingRow]
    var empty: Bool

    /// `PersonFigures` with what the template needs besides: from how many people the shout-outs came.
    struct Figures: Encodable {
        var examplesShared: Int
        var ownExamples: Int
        var shoutOutsGiven: Int
        var shoutOutsReceived: Int
        var recognisedBy: Int
        var followUpsClosed: Int
        var complaintsResolved: Int
        var complaintsOpen: Int
        var trainingsRun: Int
        var trainingsAttended: Int
    }

    init(memberID: String, period: Period, span: Span, _ tx: Transaction) {
        let state = tx.state
        name = tx.name(of: memberID)
        from = span.first?.description
        to = span.last.description
        self.period = period.flag
        var shared: [Example] = []
        var receivedExamples: [Example] = []
        for example in state.examples.all where !example.deleted && span.contains(example.at) {
            if example.reporterID == memberID { shared.append(example) }
            if example.caughtIDs.contains(memberID) { receivedExamples.append(example) }
        }
        let closedItems = state.followUps.filter { item in
            item.ownerID == memberID && item.fixedAt.map(span.contains) == true
        }
        let complaints = state.followUps.filter { $0.ownerID == memberID && $0.feedbackID != nil }
        let resolved = complaints.filter { $0.fixedAt.map(span.contains) == true }
        // Open now and taken on by the end of the period: still being seen through.
        let open = complaints.filter { $0.isOpen && $0.openedAt < span.end }
        let held = state.trainings.filter { $0.isHeld && span.contains($0.at) }
        let run = held.filter { $0.ownerID == memberID }
        let attended = held.filter { $0.outcome?.attendeeIDs.contains(memberID) == true }
        let goals = state.goals.filter { goal in
            goal.ownerID == memberID && goal.createdAt < span.end && (!goal.closed || goal.history.contains { span.contains($0.at) })
        }
        figures = Figures(
            examplesShared: shared.count, ownExamples: shared.filter { $0.caughtIDs.isEmpty }.count,
            shoutOutsGiven: shared.filter { !$0.caughtIDs.isEmpty }.count, shoutOutsReceived: receivedExamples.count,
            recognisedBy: Set(receivedExamples.map(\.reporterID)).count, followUpsClosed: closedItems.count,
            complaintsResolved: resolved.count, complaintsOpen: open.count, trainingsRun: run.count,
            trainingsAttended: attended.count)
        let quoted = PersonRecord.quoted
        examples = shared.suffix(quoted).map { ExampleRow($0, tx) }
        received = receivedExamples.suffix(quoted).map { ExampleRow($0, tx) }
        closedFollowUps = closedItems.suffix(quoted).map { FollowUpView($0, tx) }
        self.goals = goals.map { RecordGoal($0, span: span, tx) }
        hasGoals = !goals.isEmpty
        complaintsResolved = resolved.suffix(quoted).map { FollowUpView($0, tx) }
        complaintsOpen = open.map { FollowUpView($0, tx) }
        self.run = run.map { TrainingRow($0, tx) }
        self.attended = attended.map { TrainingRow($0, tx) }
        empty = shared.isEmpty && receivedExamples.isEmpty && closedItems.isEmpty && goals.isEmpty && complaints.isEmpty
            && run.isEmpty && attended.isEmpty
    }
}

/// A goal's figures over a span: the first and latest figure in it, how many, and where the latest stands.
struct RecordGoal: Encodable {
    var id: Int
    var kpi: String
    var target: String
    var unit: String
    var higher: Bool
    var lower: Bool
    var closed: Bool
    var updates: Int
    var first: String?
    var latest: String?
    /// More than one figure, so first and latest differ in time.
    var several: Bool
    var onTarget: Bool
    var offTarget: Bool
    /// The figure before the span, when there was none in it.
    var earlier: String?

    init(_ goal: Goal, span: Span, _ tx: Transaction) {
        id = goal.id
        kpi = goal.kpi
        target = Coach.format(goal.target)
        unit = goal.unit
        higher = goal.direction == .higherIsBetter
        lower = goal.direction == .lowerIsBetter
        closed = goal.closed
        let inSpan = goal.history.filter { span.contains($0.at) }
        updates = inSpan.count
        first = inSpan.first.map { Coach.format($0.value) }
        latest = inSpan.last.map { Coach.format($0.value) }
        several = inSpan.count > 1
        onTarget = inSpan.last.map { !goal.deviates($0.value) } ?? false
        offTarget = inSpan.last.map { goal.deviates($0.value) } ?? false
        earlier = inSpan.isEmpty ? goal.history.last { $0.at < span.start }.map { Coach.format($0.value) } : nil
    }
}

/// Said where `record` was asked, in the channel: the record went privately, or, without private messages, it
/// cannot be shown here.
struct RecordPrivateView: MessageView {
    static let template = Template.recordPrivate
    var name: String
    var sent: Bool
}
