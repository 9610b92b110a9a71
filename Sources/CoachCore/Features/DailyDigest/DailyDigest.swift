import Foundation

/// At most one scheduled private message per person per working day: at the daily nudge time, each member who is
/// not away gets one short digest of everything due for them that day (no example yet on the midweek reminder's
/// day, goal figures and corrective actions, open follow-ups, a training they run today or whether it happened, the
/// re-rating at the end, and for admins the monthly reward prompt), or nothing at all.
///
/// Only where the platform has private messages: naming someone in the channel for what they have not done would
/// shame, not coach. Replies to what a person types are not nudges, and are not limited.
enum DailyDigest {
    static func run(_ tx: inout Transaction) {
        let today = tx.today
        let job = "nudges:\(today)"
        guard !tx.hasRun(job), let due = tx.coach.schedule.dailyNudgeDue(on: today), tx.now >= due else { return }
        // The monthly posts ride on the first check-in of the month, so an admin's reward prompt is part of their
        // one private message that day, never a second.
        let monthly = MonthlyPosts.due(tx)
        if tx.coach.capabilities.directMessages {
            let agreement = DefinitionWeek.agreementWanted(tx)
            for member in tx.coach.activeMembers(tx.state, on: today) {
                var view = DigestView(name: member.name)
                // In week 0 the ask is to finish the sentence; an example can wait for the first principle.
                view.definition = DefinitionWeek.answerWanted(from: member.id, tx)
                view.example = exampleWanted(from: member.id, tx)
                if tx.config.isAdmin(member.id) { view.agreeFrom = agreement }
                (view.firstFigures, view.actions, view.stale) = Goals.digestItems(for: member.id, &tx)
                view.followUps = FollowUps.digestItems(for: member.id, &tx)
                (view.trainingToday, view.trainingAsked) = Trainings.digestItems(for: member.id, &tx)
                view.rerate = rerateWanted(from: member.id, tx)
                if tx.config.isAdmin(member.id) { view.reward = monthly?.reward }
                guard view.hasItems else { continue }
                tx.send(view, to: .direct(userID: member.id), kind: .nudge)
            }
            if agreement != nil { tx.record(.jobRecorded(key: DefinitionWeek.agreementJob(tx.state), outcome: .done)) }
        }
        if let monthly { MonthlyPosts.post(monthly, &tx) }
        tx.record(.jobRecorded(key: job, outcome: .done))
    }

    /// On the day of a running week's midweek reminder, the week for someone who has shared nothing in it yet.
    static func exampleWanted(from memberID: String, _ tx: Transaction) -> WeekView? {
        // Week 0 asks for the sentence instead (`DefinitionWeek.answerWanted`).
        guard tx.config.nudges.midweekExampleNudge, let week = tx.currentWeek, !DefinitionWeek.isOpening(week),
            !tx.state.programme.paused,
            let reminder = tx.coach.schedule.due(.reminder, monday: week.monday), tx.calendar.localDate(of: reminder) == tx.today,
            !tx.state.examples.inWeek(week.key).contains(where: { $0.reporterID == memberID })
        else { return nil }
        return WeekView(week, tx)
    }

    /// On the reminder day of the week after the last principle, for someone who has not re-rated yet.
    static func rerateWanted(from memberID: String, _ tx: Transaction) -> Bool {
        guard tx.state.programme.phase == .finished, let monday = tx.state.programme.finishedOn,
            let reminder = tx.coach.schedule.due(.reminder, monday: monday), tx.calendar.localDate(of: reminder) == tx.today,
            let round = tx.state.ratingRounds.last, round.purpose == .rerate
        else { return false }
        return round.scores[memberID] == nil
    }
}

/// One member's digest for the day.
struct DigestView: MessageView {
    static let template = Template.nudgeDigest
    var name: String
    /// Week 0's reminder day, and they have not finished "Customer Service means..." yet.
    var definition = false
    /// For an admin, once week 0's report-back is out with no definition agreed: how many answers there are.
    var agreeFrom: Int?
    var example: WeekView?
    var firstFigures: [GoalView] = []
    var actions: [GoalView] = []
    var stale: [GoalStaleView] = []
    var followUps: [FollowUpView] = []
    /// Trainings the member runs, reminded on the day.
    var trainingToday: [TrainingRow] = []
    /// Trainings the member ran, asked about afterwards.
    var trainingAsked: [TrainingRow] = []
    var rerate = false
    /// For admins, on the first check-in of a month: who did well last month, and reward ideas.
    var reward: RewardPrompt?

    init(name: String) {
        self.name = name
    }

    var hasItems: Bool {
        definition || agreeFrom != nil || example != nil || !firstFigures.isEmpty || !actions.isEmpty || !stale.isEmpty
            || !followUps.isEmpty || !trainingToday.isEmpty || !trainingAsked.isEmpty || rerate || reward != nil
    }
}
