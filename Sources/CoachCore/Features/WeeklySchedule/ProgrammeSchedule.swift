import Foundation

/// What the clock makes due, in order: the intro once, then each programme week's posts (announcement, midweek
/// reminder, report-back), the end of a cycle, and the daily nudges of the features that nudge.
///
/// Every post is a job with a key committed with its effects (`announce:2026-W48`), so a restart never posts twice;
/// a post the bot missed goes out late, once, and says so.
enum ProgrammeSchedule {
    static func jobKey(_ slot: WeeklySlot, _ weekKey: String) -> String { "\(slot.rawValue):\(weekKey)" }

    static func run(_ tx: inout Transaction) {
        introduceIfNeeded(&tx)
        let programme = tx.state.programme
        guard !programme.paused else { return }
        let monday = tx.weekMonday
        let key = tx.weekKey
        settleEarlierWeeks(before: key, &tx)
        if programme.phase == .running, let start = programme.startDate, start <= monday {
            openWeekIfDue(monday: monday, key: key, &tx)
            if let week = tx.currentWeek { runSlots(of: week, &tx) }
        }
        if tx.state.programme.phase == .finished { EndOfProgramme.run(&tx) }
        DailyDigest.run(&tx)
    }

    static func introduceIfNeeded(_ tx: inout Transaction) {
        guard !tx.hasRun("intro") else { return }
        for entry in tx.config.members where tx.state.members[entry.id] == nil {
            tx.record(.memberSeen(id: entry.id, name: entry.name))
        }
        if tx.state.ratingRounds.isEmpty {
            tx.record(.ratingRoundOpened(cycle: 1, purpose: .baseline, principles: Ratings.firstRatingSet(tx)))
        }
        let principles = Ratings.asked(tx)
        tx.send(IntroView(
            principleCount: principles.count, principles: principles,
            otherCount: tx.allPrinciples.count - principles.count, openingWeek: tx.config.programme.openingWeek),
            to: .channel, kind: .notice)
        tx.record(.jobRecorded(key: "intro", outcome: .done))
    }

    /// Posts of earlier weeks that never ran are skipped and logged: the moment for them has passed.
    static func settleEarlierWeeks(before key: String, _ tx: inout Transaction) {
        for week in tx.weeksInCycle where week.key < key {
            for slot in WeeklySlot.allCases where !tx.hasRun(jobKey(slot, week.key)) {
                tx.record(.jobRecorded(key: jobKey(slot, week.key), outcome: .skipped))
                tx.note(.warning, "scheduled post skipped: its week ended while the bot was stopped or paused",
                    ["job": jobKey(slot, week.key)])
            }
        }
    }

    static func openWeekIfDue(monday: LocalDate, key: String, _ tx: inout Transaction) {
        let state = tx.state
        guard tx.currentWeek == nil, !state.programme.skippedWeeks.contains(key) else { return }
        if tx.coach.schedule.isHolidayWeek(monday: monday) {
            tx.record(.weekSkipped(key: key))
            tx.note(.notice, "holiday week: the programme rests", ["week": key])
            return
        }
        let opened = tx.weeksInCycle
        guard opened.count < state.programme.plan.count else {
            tx.record(.programmeFinished(monday: monday))
            // Ratings given during the programme already opened this cycle's re-rating round; keep them.
            if state.ratingRounds.last.map({ $0.cycle != state.programme.cycle || $0.purpose != .rerate }) ?? true {
                tx.record(.ratingRoundOpened(cycle: state.programme.cycle, purpose: .rerate, principles: Ratings.rerateSet(tx)))
            }
            tx.note(.notice, "programme finished; re-rating opened", ["cycle": "\(state.programme.cycle)"])
            return
        }
        let principleID = state.programme.plan[opened.count]
        tx.record(.weekOpened(ProgrammeWeek(
            key: key, monday: monday, cycle: state.programme.cycle, index: opened.count, principleID: principleID)))
    }

    static func runSlots(of week: ProgrammeWeek, _ tx: inout Transaction) {
        let schedule = tx.coach.schedule
        let liveSince = tx.state.programme.liveSince ?? .distantPast
        // Started or resumed after the week's summary time, before its announcement went out: nothing of this week
        // happened, so its principle waits for next week rather than being announced and summed up at once.
        if !tx.hasRun(jobKey(.announce, week.key)), let summaryDue = schedule.due(.summary, monday: week.monday),
            tx.now >= summaryDue, summaryDue <= liveSince
        {
            tx.record(.weekWithdrawn(key: week.key))
            tx.record(.weekSkipped(key: week.key))
            tx.note(.notice, "week started or resumed after its summary time; its principle moves to next week", ["week": week.key])
            return
        }
        // A slot with no time this week (a holiday week, or a post the config leaves unset) is settled at once;
        // the others go out in the order they fall due.
        var slots: [(slot: WeeklySlot, due: Date)] = []
        for slot in WeeklySlot.allCases where !tx.hasRun(jobKey(slot, week.key)) {
            guard let due = schedule.due(slot, monday: week.monday) else {
                tx.record(.jobRecorded(key: jobKey(slot, week.key), outcome: .skipped))
                continue
            }
            slots.append((slot, due))
        }
        let order = WeeklySlot.allCases
        for (slot, due) in slots.sorted(by: {
            ($0.due, order.firstIndex(of: $0.slot) ?? 0) < ($1.due, order.firstIndex(of: $1.slot) ?? 0)
        }) {
            let job = jobKey(slot, week.key)
            guard tx.now >= due else { return }
            // A reminder overtaken by the summary would only repeat it; the summary alone follows a late start.
            if slot == .reminder, let summaryDue = schedule.due(.summary, monday: week.monday), tx.now >= summaryDue {
                tx.record(.jobRecorded(key: job, outcome: .skipped))
                tx.note(.notice, "midweek reminder skipped: the summary is already due", ["job": job])
                continue
            }
            // A reminder that fell due before the programme started or resumed would only echo the announcement.
            if slot == .reminder, due <= liveSince {
                tx.record(.jobRecorded(key: job, outcome: .skipped))
                continue
            }
            let late = isLate(due: due, tx)
            post(slot, week, late: LateNotice(due: due, late: late, tx), &tx)
            tx.record(.jobRecorded(key: job, outcome: late ? .late : .done))
            if late { tx.note(.notice, "posted late", ["job": job]) }
        }
    }

    /// What each weekly post is. A new slot does not compile until it says here what it posts.
    static func post(_ slot: WeeklySlot, _ week: ProgrammeWeek, late: LateNotice?, _ tx: inout Transaction) {
        switch slot {
        case .announce: WeeklyPosts.announce(week, late: late, &tx)
        case .reminder: WeeklyPosts.remind(week, late: late, &tx)
        case .session: WeeklyPosts.session(week, late: late, &tx)
        case .summary: WeeklyPosts.reportBack(week, late: late, &tx)
        }
    }

    /// Late means missed while the bot should have been running: not a post that falls due before a start or resume.
    static func isLate(due: Date, _ tx: Transaction) -> Bool {
        tx.coach.schedule.isLate(due: due, now: tx.now) && due > (tx.state.programme.liveSince ?? .distantPast)
    }

    /// A little slack in "every N days" nudges, so a fixed daily time is not missed by a few seconds of polling delay.
    static let nudgeSlack: TimeInterval = 3_600

}

extension Coach {
    /// The next instant anything could become due after `now`: the team's posts and check-ins, and the check-ins
    /// (with an admin's digest) of every member in a time zone of their own, each zone worked out once. The runtime
    /// sleeps until then between polls, so a time left out here would be slept past.
    public func nextWakeUp(after now: Date, state: CoachState) -> Date {
        var next = schedule.nextWakeUp(after: now)
        guard capabilities.directMessages else { return next }
        var zones: [String: Bool] = [:]
        for member in state.members.values {
            guard let zone = member.timeZone else { continue }
            zones[zone] = (zones[zone] ?? false) || config.isAdmin(member.id)
        }
        for (zone, hasAdmin) in zones {
            guard let calendar = TimeZoneNames.calendar(zone),
                let due = schedule.nextCheckIn(after: now, in: calendar, digest: hasAdmin)
            else { continue }
            next = min(next, due)
        }
        return next
    }
}

/// "Sorry this comes late: I was offline when it was due", for any scheduled post that missed its time.
struct LateNotice: Encodable {
    var late = true
    var lateNote: String

    /// Nil when the post is on time.
    init?(due: Date, late: Bool, _ tx: Transaction) {
        guard late else { return nil }
        lateNote = tx.coach.prompts.render(LateNoteView(due: tx.coach.describe(due)))
    }
}

struct LateNoteView: MessageView {
    static let template = Template.lateNote
    var due: String
}

/// A day's name, from `Prompts/weekday.mustache`, so a translated deployment names days in its own language.
struct WeekdayView: MessageView {
    static let template = Template.weekday
    var day: Day

    /// 1 = Sunday … 7 = Saturday, as `Calendar` counts.
    init(weekday: Int) {
        day = Day.allCases[(weekday - 1) % 7]
    }

    enum Day: String, CaseIterable, TemplateFlag {
        case sunday, monday, tuesday, wednesday, thursday, friday, saturday
    }
}

struct IntroView: MessageView {
    static let template = Template.intro
    /// The principles the first rating asks about.
    var principleCount: Int
    var principles: [NumberedPrinciple]
    /// The catalogue's other principles, rateable by number and addable by admins.
    var otherCount: Int
    /// The programme opens with week 0, the definition activity.
    var openingWeek: Bool
}
