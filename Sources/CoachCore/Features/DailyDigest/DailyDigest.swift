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
///
/// A member in a time zone of their own (`timezone`) gets theirs at the nudge time of their own working days, on
/// their clock (`runOwnClocks`), with what it holds worked out for their own day (`CheckInDay`). Everyone else
/// shares the team's one job a day, `nudges:2027-01-04`, as before. What rides on an admin's check-in (the weekly
/// digest, the monthly reward prompt, the request to agree the definition) rides on theirs too, once each: the
/// team's job keys say it went to the admins on the team's clock, and the admin's own record (`Member.ridesHad`)
/// that it went to them on their own.
enum DailyDigest {
    static func run(_ tx: inout Transaction) {
        runTeamClock(&tx)
        runOwnClocks(&tx)
    }

    /// Everyone who follows the team's time zone: one job a day, `nudges:2027-01-04`, at the nudge time there.
    static func runTeamClock(_ tx: inout Transaction) {
        let today = tx.today
        guard let checkInDue = tx.coach.schedule.dailyNudgeDue(on: today) else { return }
        let direct = tx.coach.capabilities.directMessages
        let teamDay = CheckInDay(team: tx)
        let key = ManagerDigest.jobKey(tx.weekKey)
        let digestDue = direct ? ManagerDigest.pending(on: teamDay, gone: tx.hasRun(key), tx) : nil
        let job = "nudges:\(today)"
        if !tx.hasRun(job), tx.now >= checkInDue {
            // With the digest to come today, the admins' check-ins go with it.
            checkIns(admins: digestDue == nil, others: true, digest: false, &tx)
            tx.record(.jobRecorded(key: job, outcome: .done))
        }
        if !direct, let due = ManagerDigest.pending(on: teamDay, gone: tx.hasRun(key), tx), tx.now >= due {
            // It names people: without private messages it has nowhere to go. Said once a week, and only when there
            // was something to say.
            if ManagerDigest.hasProgramme(monday: tx.weekMonday, tx) {
                tx.note(.notice, "manager digest not sent: this platform has no private messages", ["job": key])
            }
            tx.record(.jobRecorded(key: key, outcome: .skipped))
        }
        if let digestDue, tx.now >= max(digestDue, checkInDue) {
            let hasProgramme = ManagerDigest.hasProgramme(monday: tx.weekMonday, tx)
            checkIns(admins: true, others: false, digest: hasProgramme, &tx)
            tx.record(.jobRecorded(key: key, outcome: hasProgramme ? .done : .skipped))
        }
    }

    /// Today's check-ins on the team's clock for the admins, the others, or both; an admin's with the weekly digest
    /// when `digest`. The monthly posts and the request to agree the definition go with the admins' check-ins, so
    /// they wait with them.
    static func checkIns(admins: Bool, others: Bool, digest: Bool, _ tx: inout Transaction) {
        let day = CheckInDay(team: tx)
        // The monthly posts ride on the first check-in of the month, so an admin's reward prompt is part of their
        // one private message that day, never a second.
        let monthly = admins ? MonthlyPosts.due(on: day.date, tx) : nil
        if tx.coach.capabilities.directMessages {
            let agreementJob = DefinitionWeek.agreementJob(tx.state)
            let agreement = admins ? DefinitionWeek.agreementWanted(on: day.date, asked: tx.hasRun(agreementJob), tx) : nil
            let digestKey = ManagerDigest.jobKey(day.weekKey)
            let startOfToday = day.start
            // Worked out once, for the first admin who gets it.
            var manager: ManagerDigestView?
            for member in tx.coach.activeMembers(tx.state, on: day.date) where member.timeZone == nil {
                // Back on the team's clock today after a check-in on their own: one a day is enough.
                if let last = member.checkedInAt, last >= startOfToday { continue }
                let isAdmin = tx.config.isAdmin(member.id)
                guard isAdmin ? admins : others else { continue }
                // An admin who had any of these on their own clock before coming back to the team's has had it.
                var rides = Rides()
                if isAdmin {
                    if !member.hasHad(agreementJob) { rides.agreeFrom = agreement }
                    if let monthly, !member.hasHad(monthly.key) { rides.reward = monthly.reward }
                    if digest, !member.hasHad(digestKey) {
                        if manager == nil { manager = ManagerDigest.view(tx) }
                        rides.manager = manager
                    }
                }
                let view = checkIn(for: member, on: day, rides, &tx)
                guard view.hasItems || view.manager != nil else { continue }
                tx.send(view, to: .direct(userID: member.id), kind: .nudge)
                // So a move to a time zone of their own knows when they had today's.
                tx.record(.memberCheckedIn(id: member.id, at: tx.now))
            }
            if agreement != nil { tx.record(.jobRecorded(key: agreementJob, outcome: .done)) }
        }
        if let monthly { MonthlyPosts.post(monthly, &tx) }
    }

    // MARK: - Members in their own time zone

    /// Members with a time zone of their own (`timezone`): each one's check-in at the nudge time of their own
    /// working day, on their clock, once a local day (`Member.checkedInAt`, committed with what it sent, so a
    /// restart never repeats it). On an admin's digest day it waits for the digest's time on their clock and goes
    /// with it, as on the team's. Nothing where the platform has no private messages: a check-in is one, and
    /// channel posts keep the team's time.
    static func runOwnClocks(_ tx: inout Transaction) {
        guard tx.coach.capabilities.directMessages else { return }
        // Worked out once per zone: calendar arithmetic is costly on Linux. Most ticks find nobody due, so the
        // members are only put in order once some are.
        let nudge = tx.config.schedule.dailyNudge
        var zones: [String: (due: Date?, start: Date)] = [:]
        var ready: [(member: Member, zone: String, due: Date)] = []
        for member in tx.state.members.values {
            guard let name = member.timeZone else { continue }
            if zones[name] == nil, let day = TimeZoneNames.day(name, at: tx.now, time: nudge) {
                zones[name] = (tx.coach.schedule.dailyNudgeDue(on: day), day.start)
            }
            guard let zone = zones[name], let due = zone.due, tx.now >= due else { continue }
            if let last = member.checkedInAt, last >= zone.start { continue }
            ready.append((member, name, due))
        }
        var days: [String: CheckInDay] = [:]
        for (member, zone, due) in ready.sorted(by: { ($0.member.name, $0.member.id) < ($1.member.name, $1.member.id) }) {
            let day = days[zone] ?? CheckInDay(calendar: tx.coach.calendar(for: member), tx)
            days[zone] = day
            let isAdmin = tx.config.isAdmin(member.id)
            let digestDue = isAdmin ? ManagerDigest.pending(on: day, gone: member.hasHad(ManagerDigest.jobKey(day.weekKey)), tx) : nil
            guard tx.now >= max(due, digestDue ?? due) else { continue }
            ownCheckIn(member, isAdmin: isAdmin, digest: digestDue != nil, on: day, &tx)
        }
    }

    /// One member's check-in on their own clock, and what rides on an admin's, each once: written down in their own
    /// record (`Member.ridesHad`, under the team's job key), and written down when they are away too, as the team's
    /// jobs are.
    static func ownCheckIn(_ member: Member, isAdmin: Bool, digest: Bool, on day: CheckInDay, _ tx: inout Transaction) {
        let away = member.isAway(on: day.date)
        var rides = Rides()
        var had: [String] = []
        if isAdmin {
            let agreementJob = DefinitionWeek.agreementJob(tx.state)
            if let count = DefinitionWeek.agreementWanted(on: day.date, asked: member.hasHad(agreementJob), tx) {
                rides.agreeFrom = count
                had.append(agreementJob)
            }
            if let monthly = MonthlyPosts.due(on: day.date, for: member, tx) {
                rides.reward = monthly.reward
                had.append(monthly.key)
            }
            if digest {
                if ManagerDigest.hasProgramme(monday: day.monday, tx), !away { rides.manager = ManagerDigest.view(tx) }
                had.append(ManagerDigest.jobKey(day.weekKey))
            }
        }
        if !away {
            let view = checkIn(for: member, on: day, rides, &tx)
            if view.hasItems || view.manager != nil { tx.send(view, to: .direct(userID: member.id), kind: .nudge) }
        }
        if !had.isEmpty { tx.record(.memberHadRides(id: member.id, jobs: had)) }
        tx.record(.memberCheckedIn(id: member.id, at: tx.now))
    }

    /// What rides on an admin's check-in besides its own items.
    struct Rides {
        var agreeFrom: Int?
        var reward: RewardPrompt?
        var manager: ManagerDigestView?
    }

    // MARK: - What a check-in holds

    /// One member's check-in for their day: everything due for them, and what rides on it.
    static func checkIn(for member: Member, on day: CheckInDay, _ rides: Rides, _ tx: inout Transaction) -> DigestView {
        var view = DigestView(name: member.name)
        // In week 0 the ask is to finish the sentence; an example can wait for the first principle.
        view.definition = DefinitionWeek.answerWanted(from: member.id, on: day, tx)
        view.example = exampleWanted(from: member.id, on: day, tx)
        view.agreeFrom = rides.agreeFrom
        (view.firstFigures, view.actions, view.stale) = Goals.digestItems(for: member.id, &tx)
        view.followUps = FollowUps.digestItems(for: member.id, &tx)
        (view.trainingToday, view.trainingAsked) = Trainings.digestItems(for: member.id, on: day, &tx)
        view.rerate = rerateWanted(from: member.id, on: day, tx)
        view.reward = rides.reward
        view.checkIn = view.hasItems
        view.manager = rides.manager
        return view
    }

    /// When a member's check-in goes out on a day of theirs (`calendar`: their own time zone, or the team's): the
    /// daily nudge time, and for an admin on their digest's day the digest's time when that is later, since the two
    /// go as one message. Nil on days off. What a training's reminder promises is worked out from this.
    static func checkInDue(for memberID: String, on day: LocalDate, in calendar: TeamCalendar, _ tx: Transaction) -> Date? {
        let schedule = tx.coach.schedule
        guard let due = schedule.dailyNudgeDue(on: day, in: calendar) else { return nil }
        guard tx.config.isAdmin(memberID), tx.coach.capabilities.directMessages,
            let digest = schedule.digestDue(monday: calendar.monday(of: day), in: calendar), calendar.localDate(of: digest) == day
        else { return due }
        return max(due, digest)
    }

    /// On the day of a running week's midweek reminder (the team's date, on the member's own day), the week for
    /// someone who has shared nothing in it yet.
    static func exampleWanted(from memberID: String, on day: CheckInDay, _ tx: Transaction) -> WeekView? {
        // Week 0 asks for the sentence instead (`DefinitionWeek.answerWanted`).
        guard tx.config.nudges.midweekExampleNudge, let week = day.week, !DefinitionWeek.isOpening(week),
            !tx.state.programme.paused,
            let reminder = tx.coach.schedule.due(.reminder, monday: week.monday), tx.calendar.localDate(of: reminder) == day.date,
            !tx.state.examples.inWeek(week.key).contains(where: { $0.reporterID == memberID })
        else { return nil }
        return WeekView(week, tx)
    }

    /// On the reminder day of the week after the last principle, for someone who has not re-rated yet.
    static func rerateWanted(from memberID: String, on day: CheckInDay, _ tx: Transaction) -> Bool {
        guard tx.state.programme.phase == .finished, let monday = tx.state.programme.finishedOn,
            let reminder = tx.coach.schedule.due(.reminder, monday: monday), tx.calendar.localDate(of: reminder) == day.date,
            let round = tx.state.ratingRounds.last, round.purpose == .rerate
        else { return false }
        return round.scores[memberID] == nil
    }
}

/// The day a check-in is for, as its member lives it: their local date in their own time zone, or the team's for
/// everyone who has not chosen one. What a check-in holds is worked out for this day, never for the team's today, so
/// a member half a day ahead gets the midweek nudge, a training's reminder, the monthly prompt and the re-rating on
/// their own day. Dates the programme itself keeps (a week's Monday, the reminder's and the report-back's days, the
/// holidays) are the team's, compared with the member's date of the same name.
struct CheckInDay {
    let calendar: TeamCalendar
    let date: LocalDate
    let monday: LocalDate
    let weekKey: String
    /// The current cycle's programme week that this day falls in, if one opened.
    let week: ProgrammeWeek?
    /// The instant this day began where the member is.
    let start: Date

    /// The team's day, as the transaction already knows it.
    init(team tx: Transaction) {
        calendar = tx.calendar
        date = tx.today
        monday = tx.weekMonday
        weekKey = tx.weekKey
        week = tx.currentWeek
        start = tx.calendar.startOfDay(date)
    }

    /// A member's day on their own clock.
    init(calendar: TeamCalendar, _ tx: Transaction) {
        self.calendar = calendar
        date = calendar.localDate(of: tx.now)
        monday = calendar.monday(of: date)
        let key = calendar.weekKey(monday: monday)
        weekKey = key
        week = tx.state.weeks.last { $0.key == key && $0.cycle == tx.state.programme.cycle }
        start = calendar.startOfDay(date)
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
