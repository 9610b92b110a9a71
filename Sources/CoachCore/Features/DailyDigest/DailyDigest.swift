import Foundation

/// At most one scheduled private message per person per working day: at the daily nudge time, each member who is
/// not away gets one short digest of everything due for them that day (no example yet on the midweek reminder's
/// day, goal figures and corrective actions, open follow-ups, a training they run today or whether it happened, the
/// re-rating at the end, and for admins the monthly reward prompt), or nothing at all.
///
/// The admins' weekly digest (`ManagerDigest`) is one of these messages too: on its day an admin's check-in waits
/// for it and goes with it, at the later of the two times, so an admin still gets one message that day. Whatever
/// rides on the admins' check-in that day (the monthly posts, the request to agree the team's definition) waits
/// with it.
///
/// Only where the platform has private messages: naming someone in the channel for what they have not done would
/// shame, not coach. Replies to what a person types are not nudges, and are not limited.
enum DailyDigest {
    static func run(_ tx: inout Transaction) {
        let today = tx.today
        guard let checkInDue = tx.coach.schedule.dailyNudgeDue(on: today) else { return }
        let direct = tx.coach.capabilities.directMessages
        let digestDue = direct ? ManagerDigest.pending(tx) : nil
        let job = "nudges:\(today)"
        if !tx.hasRun(job), tx.now >= checkInDue {
            // With the digest to come today, the admins' check-ins go with it.
            checkIns(admins: digestDue == nil, others: true, digest: false, &tx)
            tx.record(.jobRecorded(key: job, outcome: .done))
        }
        let key = ManagerDigest.jobKey(tx.weekKey)
        if !direct, let due = ManagerDigest.pending(tx), tx.now >= due {
            // It names people: without private messages it has nowhere to go. Said once a week, and only when there
            // was something to say.
            if ManagerDigest.hasProgramme(tx) {
                tx.note(.notice, "manager digest not sent: this platform has no private messages", ["job": key])
            }
            tx.record(.jobRecorded(key: key, outcome: .skipped))
        }
        if let digestDue, tx.now >= max(digestDue, checkInDue) {
            let hasProgramme = ManagerDigest.hasProgramme(tx)
            checkIns(admins: true, others: false, digest: hasProgramme, &tx)
            tx.record(.jobRecorded(key: key, outcome: hasProgramme ? .done : .skipped))
        }
    }

    /// Today's check-ins for the admins, the others, or both; an admin's with the weekly digest when `digest`. The
    /// monthly posts and the request to agree the definition go with the admins' check-ins, so they wait with them.
    static func checkIns(admins: Bool, others: Bool, digest: Bool, _ tx: inout Transaction) {
        // The monthly posts ride on the first check-in of the month, so an admin's reward prompt is part of their
        // one private message that day, never a second.
        let monthly = admins ? MonthlyPosts.due(tx) : nil
        if tx.coach.capabilities.directMessages {
            let agreement = admins ? DefinitionWeek.agreementWanted(tx) : nil
            // Worked out once, for the first admin who gets it.
            var manager: ManagerDigestView?
            for member in tx.coach.activeMembers(tx.state, on: tx.today) {
                let isAdmin = tx.config.isAdmin(member.id)
                guard isAdmin ? admins : others else { continue }
                var view = DigestView(name: member.name)
                // In week 0 the ask is to finish the sentence; an example can wait for the first principle.
                view.definition = DefinitionWeek.answerWanted(from: member.id, tx)
                view.example = exampleWanted(from: member.id, tx)
                if isAdmin { view.agreeFrom = agreement }
                (view.firstFigures, view.actions, view.stale) = Goals.digestItems(for: member.id, &tx)
                view.followUps = FollowUps.digestItems(for: member.id, &tx)
                (view.trainingToday, view.trainingAsked) = Trainings.digestItems(for: member.id, &tx)
                view.rerate = rerateWanted(from: member.id, tx)
                if isAdmin { view.reward = monthly?.reward }
                view.checkIn = view.hasItems
                if isAdmin, digest {
                    if manager == nil { manager = ManagerDigest.view(tx) }
                    view.manager = manager
                }
                guard view.hasItems || view.manager != nil else { continue }
                tx.send(view, to: .direct(userID: member.id), kind: .nudge)
            }
            if agreement != nil { tx.record(.jobRecorded(key: DefinitionWeek.agreementJob(tx.state), outcome: .done)) }
        }
        if let monthly { MonthlyPosts.post(monthly, &tx) }
    }

    /// When a member's check-in goes out on a day: the daily nudge time, and for an admin on their digest's day the
    /// digest's time when that is later, since the two go as one message. Nil on days off. What a training's
    /// reminder promises is worked out from this.
    static func checkInDue(for memberID: String, on day: LocalDate, _ tx: Transaction) -> Date? {
        let schedule = tx.coach.schedule
        guard let due = schedule.dailyNudgeDue(on: day) else { return nil }
        guard tx.config.isAdmin(memberID), tx.coach.capabilities.directMessages,
            let digest = schedule.digestDue(monday: tx.calendar.monday(of: day)), tx.calendar.localDate(of: digest) == day
        else { return due }
        return max(due, digest)
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
    /// For admins, once a week: the manager's digest (`ManagerDigest`), after the check-in's own items.
    var manager: ManagerDigestView?
    /// The check-in has items of its own, besides the digest.
    var checkIn = false

    init(name: String) {
        self.name = name
    }

    var hasItems: Bool {
        definition || agreeFrom != nil || example != nil || !firstFigures.isEmpty || !actions.isEmpty || !stale.isEmpty
            || !followUps.isEmpty || !trainingToday.isEmpty || !trainingAsked.isEmpty || rerate || reward != nil
    }
}
