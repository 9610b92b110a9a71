import Foundation

extension Coach {
    /// The cycle's week that is running in the transaction's calendar week, if the programme opened one.
    func currentWeek(_ tx: Transaction) -> ProgrammeWeek? {
        tx.state.weeks.last { $0.key == tx.weekKey && $0.cycle == tx.state.programme.cycle }
    }

    func weeksInCycle(_ state: CoachState) -> [ProgrammeWeek] {
        state.weeks.filter { $0.cycle == state.programme.cycle }
    }

    static func jobKey(_ slot: WeeklySlot, _ weekKey: String) -> String { "\(slot.rawValue):\(weekKey)" }

    func runSchedule(_ tx: inout Transaction) {
        introduceIfNeeded(&tx)
        let programme = tx.state.programme
        guard !programme.paused else { return }
        let monday = tx.weekMonday
        let key = tx.weekKey
        settleEarlierWeeks(before: key, &tx)
        if programme.phase == .running, let start = programme.startDate, start <= monday {
            openWeekIfDue(monday: monday, key: key, &tx)
            if let week = currentWeek(tx) { runSlots(of: week, &tx) }
        }
        if tx.state.programme.phase == .finished { runFinish(&tx) }
        runDailyNudges(&tx)
    }

    func introduceIfNeeded(_ tx: inout Transaction) {
        guard !tx.hasRun("intro") else { return }
        for entry in config.members where tx.state.members[entry.id] == nil {
            tx.record(.memberSeen(id: entry.id, name: entry.name))
        }
        if tx.state.ratingRounds.isEmpty { tx.record(.ratingRoundOpened(cycle: 1, purpose: .baseline)) }
        tx.send("intro", introContext(tx.state), to: .channel, kind: .notice)
        tx.record(.jobRecorded(key: "intro", outcome: .done))
    }

    func introContext(_ state: CoachState) -> [String: Any] {
        [
            "team": config.team.name, "bot": config.team.botName, "principleCount": allPrinciples(state).count,
            "principles": numberedPrinciples(state),
        ]
    }

    /// Posts of earlier weeks that never ran are skipped and logged: the moment for them has passed.
    func settleEarlierWeeks(before key: String, _ tx: inout Transaction) {
        for week in weeksInCycle(tx.state) where week.key < key {
            for slot in WeeklySlot.allCases where !tx.hasRun(Self.jobKey(slot, week.key)) {
                tx.record(.jobRecorded(key: Self.jobKey(slot, week.key), outcome: .skipped))
                tx.note(.warning, "scheduled post skipped: its week ended while the bot was stopped or paused",
                    ["job": Self.jobKey(slot, week.key)])
            }
        }
    }

    func openWeekIfDue(monday: LocalDate, key: String, _ tx: inout Transaction) {
        let state = tx.state
        guard currentWeek(tx) == nil, !state.programme.skippedWeeks.contains(key) else { return }
        if schedule.isHolidayWeek(monday: monday) {
            tx.record(.weekSkipped(key: key))
            tx.note(.notice, "holiday week: the programme rests", ["week": key])
            return
        }
        let opened = weeksInCycle(state)
        guard opened.count < state.programme.plan.count else {
            tx.record(.programmeFinished(monday: monday))
            tx.record(.ratingRoundOpened(cycle: state.programme.cycle, purpose: .rerate))
            tx.note(.notice, "programme finished; re-rating opened", ["cycle": "\(state.programme.cycle)"])
            return
        }
        let principleID = state.programme.plan[opened.count]
        tx.record(.weekOpened(ProgrammeWeek(key: key, monday: monday, cycle: state.programme.cycle, index: opened.count, principleID: principleID)))
    }

    func runSlots(of week: ProgrammeWeek, _ tx: inout Transaction) {
        let liveSince = tx.state.programme.liveSince ?? .distantPast
        // Started or resumed after the week's summary time, before its announcement went out: nothing of this week
        // happened, so its principle waits for next week rather than being announced and summed up at once.
        if !tx.hasRun(Self.jobKey(.announce, week.key)), let summaryDue = schedule.due(.summary, monday: week.monday),
            tx.now >= summaryDue, summaryDue <= liveSince
        {
            tx.record(.weekWithdrawn(key: week.key))
            tx.record(.weekSkipped(key: week.key))
            tx.note(.notice, "week started or resumed after its summary time; its principle moves to next week", ["week": week.key])
            return
        }
        for slot in WeeklySlot.allCases {
            let job = Self.jobKey(slot, week.key)
            guard !tx.hasRun(job) else { continue }
            guard let due = schedule.due(slot, monday: week.monday) else {
                tx.record(.jobRecorded(key: job, outcome: .skipped))
                continue
            }
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
            switch slot {
            case .announce: announce(week, due: due, late: late, &tx)
            case .reminder: remind(week, due: due, late: late, &tx)
            case .summary: postSummary(week, due: due, late: late, &tx)
            }
            tx.record(.jobRecorded(key: job, outcome: late ? .late : .done))
            if late { tx.note(.notice, "posted late", ["job": job]) }
        }
    }

    /// Late means missed while the bot should have been running: not a post that falls due before a start or resume.
    func isLate(due: Date, _ tx: Transaction) -> Bool {
        schedule.isLate(due: due, now: tx.now) && due > (tx.state.programme.liveSince ?? .distantPast)
    }

    /// Context for "this is late, I was offline at …", shared by every scheduled post.
    func lateContext(due: Date, late: Bool) -> [String: Any] {
        guard late else { return [:] }
        return ["late": true, "lateNote": prompts.render("late-note", ["due": describe(due)])]
    }

    /// A local day and time as people say it, e.g. "Monday 09:00". Day names come from the prompts folder's
    /// template so a translated deployment names days in its own language.
    public func describe(_ instant: Date) -> String {
        let date = calendar.localDate(of: instant)
        let components = calendar.calendar.dateComponents([.hour, .minute], from: instant)
        let day = prompts.render("weekday", ["day\(calendar.weekday(of: date))": true])
        return String(format: "%@ %02d:%02d", day.isEmpty ? date.description : day, components.hour ?? 0, components.minute ?? 0)
    }

    /// A full local timestamp for transcripts and the console, e.g. "2027-01-04 Monday 09:00".
    public func timestamp(_ instant: Date) -> String {
        "\(calendar.localDate(of: instant)) \(describe(instant))"
    }

    func weekContext(_ week: ProgrammeWeek, _ state: CoachState) -> [String: Any] {
        let p = principle(id: week.principleID, state)
        return [
            "weekNumber": week.index + 1, "weekCount": state.programme.plan.count, "weekKey": week.key,
            "principle": principleContext(p, id: week.principleID),
        ]
    }

    func principleContext(_ principle: Principle?, id: String) -> [String: Any] {
        guard let principle else { return ["id": id, "title": id] }
        return [
            "id": principle.id, "title": principle.title, "why": principle.why, "skills": principle.skills,
            "hasSkills": !principle.skills.isEmpty, "training": principle.training, "hasTraining": !principle.training.isEmpty,
            "challenge": principle.challenge, "question": principle.question,
        ]
    }

    func announce(_ week: ProgrammeWeek, due: Date, late: Bool, _ tx: inout Transaction) {
        var context = weekContext(week, tx.state).merging(lateContext(due: due, late: late)) { $1 }
        context["threads"] = capabilities.threads
        context["bot"] = config.team.botName
        let id = tx.send("announcement", context, to: .channel, kind: .announcement)
        tx.record(.announcementQueued(weekKey: week.key, outboxID: id))
    }

    func remind(_ week: ProgrammeWeek, due: Date, late: Bool, _ tx: inout Transaction) {
        let examples = tx.state.examples.inWeek(week.key)
        var context = weekContext(week, tx.state).merging(lateContext(due: due, late: late)) { $1 }
        context["exampleCount"] = examples.count
        context["contributorCount"] = Set(examples.map(\.reporterID)).count
        context["bot"] = config.team.botName
        let destination: OutboundMessage.Destination =
            week.announcementPlatformID.map { capabilities.threads ? .thread(rootID: $0) : .channel } ?? .channel
        tx.send("reminder", context, to: destination, kind: .reminder)
        // Private nudges only: a public list of who has not posted would shame, not coach.
        guard config.nudges.midweekExampleNudge, capabilities.directMessages else { return }
        let posted = Set(examples.map(\.reporterID))
        let today = calendar.localDate(of: tx.now)
        for member in activeMembers(tx.state, on: today) where !posted.contains(member.id) {
            var nudge = weekContext(week, tx.state)
            nudge["name"] = member.name
            nudge["bot"] = config.team.botName
            tx.send("nudge-example", nudge, to: .direct(userID: member.id), kind: .nudge)
        }
    }

    func postSummary(_ week: ProgrammeWeek, due: Date, late: Bool, _ tx: inout Transaction) {
        var context = ReportBack(coach: self, state: tx.state, week: week, now: tx.now).context()
        context.merge(lateContext(due: due, late: late)) { $1 }
        tx.send("summary", context, to: .channel, kind: .summary)
    }

    // MARK: - End of programme

    func runFinish(_ tx: inout Transaction) {
        guard let monday = tx.state.programme.finishedOn else { return }
        let cycle = tx.state.programme.cycle
        // The end-of-programme posts follow the weekly slots, and still go out in a holiday week (at its start and
        // end), because the programme is over rather than resting.
        let announceDue = schedule.due(.announce, monday: monday) ?? calendar.startOfDay(monday)
        let summaryDue = schedule.due(.summary, monday: monday)
            ?? calendar.at(calendar.adding(days: 4, to: monday), hour: config.schedule.summary.hour, minute: config.schedule.summary.minute)
        if !tx.hasRun("finish:\(cycle)"), tx.now >= announceDue {
            let due = announceDue
            var context = lateContext(due: due, late: isLate(due: due, tx))
            context["weekCount"] = tx.state.programme.plan.count
            context["principles"] = numberedPrinciples(tx.state)
            context["bot"] = config.team.botName
            tx.send("programme-finished", context, to: .channel, kind: .announcement)
            tx.record(.jobRecorded(key: "finish:\(cycle)", outcome: .done))
        }
        if !tx.hasRun("rerate-reminder:\(cycle)"), let due = schedule.due(.reminder, monday: monday), tx.now >= due {
            let rerated = Set(tx.state.ratingRounds.last?.scores.keys.map { $0 } ?? [])
            if capabilities.directMessages {
                for member in activeMembers(tx.state, on: calendar.localDate(of: tx.now)) where !rerated.contains(member.id) {
                    tx.send("rerate-reminder", ["name": member.name, "bot": config.team.botName], to: .direct(userID: member.id), kind: .nudge)
                }
            }
            tx.record(.jobRecorded(key: "rerate-reminder:\(cycle)", outcome: .done))
        }
        if !tx.hasRun("before-after:\(cycle)"), tx.now >= summaryDue {
            let due = summaryDue
            var context = RatingReport(coach: self, state: tx.state).beforeAfterContext()
            context.merge(lateContext(due: due, late: isLate(due: due, tx))) { $1 }
            tx.send("before-after", context, to: .channel, kind: .summary)
            tx.record(.jobRecorded(key: "before-after:\(cycle)", outcome: .done))
        }
    }

    // MARK: - Daily nudges: goals and follow-ups

    func runDailyNudges(_ tx: inout Transaction) {
        let today = calendar.localDate(of: tx.now)
        let job = "nudges:\(today)"
        guard !tx.hasRun(job), let due = schedule.dailyNudgeDue(on: today), tx.now >= due else { return }
        let day: TimeInterval = 86_400
        let staleAfter = Double(config.nudges.goalStaleDays) * day
        let followUpEvery = Double(config.nudges.followUpEveryDays) * day
        // A little slack so "every 2 days" at a fixed daily time is not missed by a few seconds of polling delay.
        let slack: TimeInterval = 3_600
        for goal in tx.state.goals where !goal.closed {
            guard let owner = tx.state.members[goal.ownerID], !owner.isAway(on: today) else { continue }
            let sinceNudge = goal.lastNudgedAt.map { tx.now.timeIntervalSince($0) } ?? .infinity
            var context: [String: Any] = goalContext(goal, tx.state)
            context["name"] = owner.name
            context["bot"] = config.team.botName
            if goal.needsAction, sinceNudge + slack >= followUpEvery || (goal.lastNudgedAt ?? .distantPast) < (goal.latest?.at ?? .distantPast) {
                tx.send("nudge-goal-action", context, to: nudgeDestination(owner.id), kind: .nudge)
                tx.record(.goalNudged(id: goal.id, at: tx.now))
            } else if tx.now.timeIntervalSince(goal.lastActivity) + slack >= staleAfter, sinceNudge + slack >= staleAfter {
                context["days"] = Int(tx.now.timeIntervalSince(goal.lastActivity) / day)
                tx.send("nudge-goal", context, to: nudgeDestination(owner.id), kind: .nudge)
                tx.record(.goalNudged(id: goal.id, at: tx.now))
            }
        }
        for item in tx.state.followUps where item.isOpen {
            guard let owner = tx.state.members[item.ownerID], !owner.isAway(on: today) else { continue }
            let last = max(item.openedAt, item.lastNudgedAt ?? item.openedAt)
            guard tx.now.timeIntervalSince(last) + slack >= followUpEvery else { continue }
            var context = followUpContext(item, tx.state)
            context["name"] = owner.name
            context["bot"] = config.team.botName
            tx.send("nudge-followup", context, to: nudgeDestination(owner.id), kind: .nudge)
            tx.record(.followUpNudged(id: item.id, at: tx.now))
        }
        tx.record(.jobRecorded(key: job, outcome: .done))
    }

    /// Private where the platform allows; otherwise a message in the channel addressed to that one person.
    func nudgeDestination(_ memberID: String) -> OutboundMessage.Destination {
        capabilities.directMessages ? .direct(userID: memberID) : .channel
    }
}
