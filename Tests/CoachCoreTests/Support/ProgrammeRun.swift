@testable import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation

/// One whole programme lived by a seeded team through the pure engine, with the things that happen to real teams
/// thrown in: holidays, pauses, skipped weeks, people away, the bot down for hours or days (late and missed posts),
/// restarts (the state written to JSON and read back), typos, weekend examples, edits and deletions, customer
/// compliments and complaints (some turned into follow-ups), trainings scheduled and confirmed (or not), appraisal
/// records, and month ends (the programme starts on one of several Mondays, some just before a month's end); week 0's
/// definition activity (answers, an agreed definition), a light first rating or a whole one, votes, the scores shared,
/// a principle given the team's own skills, and a report-back session posted ahead or inside the report-back; the
/// admins' weekly digest on a random day and time (or switched off), asked for now and then, ideas answered, and
/// past report-backs shown again; members in time zones of their own (`timezone`, some with summer time in either
/// hemisphere, some half an hour or three quarters off the hour), now and then moving to another or back to the
/// team's.
///
/// Everything the bot sends is delivered and recorded with the state it came from, so the invariants can be checked
/// against what people actually received. The same seed gives the same run.
struct ProgrammeRun {
    let seed: UInt64
    var random: SeededRandom
    let coach: Coach
    let members: [CoachConfig.RosterEntry]
    let startMonday: LocalDate
    let weeks: Int
    var state = CoachState()
    var now: Date
    var counter = 0
    var platformIDs = 0

    /// A message the bot sent, as delivered, with when and where; for a private one, the time zone its member was
    /// in then (nil: the team's) and whether they were away on that day of theirs.
    struct Sent {
        var message: OutboundMessage
        var at: Date
        var zone: String? = nil
        var away = false
    }

    /// One report-back (or the end-of-programme report): its posts, and the examples it covered as they were then.
    struct Report {
        var texts: [String]
        var covered: [Example]
        var weekKey: String?
        var memberNames: [String: String]
        var memberCount: Int
        var at: Date
    }

    /// A date the bot announced for a principle: "Week 2, from 2027-01-11: Title", or next week's principle.
    struct Claim {
        var title: String
        var monday: LocalDate
        var at: Date
    }

    var sent: [Sent] = []
    var reports: [Report] = []
    var claims: [Claim] = []
    /// Moments after which earlier claims may no longer hold: an admin changed the plan, paused, resumed or
    /// skipped, or the bot was down for a whole working week.
    var disturbances: [Date] = []
    /// Corrective actions the bot asked for while one was open for that goal.
    var actionAskedWhileOpen: [String] = []
    /// Whole-programme failures the run itself found (a state that did not survive JSON).
    var failures: [String] = []
    var restarts = 0
    var outageDays = 0
    /// Every step that posted something of kind `.summary` (a report-back, its headline and thread, or the
    /// end-of-programme report): its texts together, and when.
    var reportBatches: [(at: Date, text: String)] = []
    /// How often each `monthly:` job was recorded.
    var monthlyJobs: [String: Int] = [:]
    /// The channel's monthly goal reviews, with the job that posted them.
    var goalReviews: [(job: String, text: String)] = []
    /// The admins' reward prompts: to whom, and for which month.
    var rewardPrompts: [(member: String, month: String)] = []
    /// The unique word each `trained` carried, by training id, so its report line can be found.
    var trainingTokens: [Int: String] = [:]
    /// Every Monday post, with the week it announced and the plan as it was.
    var announcements: [(text: String, week: ProgrammeWeek, plan: [String], at: Date)] = []
    /// The team's own skill given to a principle, and when.
    var customSkill: (principleID: String, text: String, at: Date)?
    /// Whether `schedule.session` posts the agenda ahead of the report-back.
    let sessionAhead: Bool
    /// Draws for what issue 11 added (the digest's settings, `digest`, `history`, `idea answer`), from a generator
    /// of their own, so the rest of each seed's programme is the one earlier builds ran.
    var resultsRandom: SeededRandom
    /// Every message carrying the manager's digest: to whom, when, of what kind, whether they were away then, and
    /// the time zone they were in (nil: the team's).
    var digests: [(destination: OutboundMessage.Destination, at: Date, kind: OutboundMessage.Kind, away: Bool, zone: String?)] = []
    /// Draws for members' own time zones (issue 13), from a generator of their own, so the rest of each seed's
    /// programme is the one earlier builds ran.
    var zoneRandom: SeededRandom
    /// The zones members choose: summer time in the north (Los Angeles, New York, Berlin, London itself) and the
    /// south (Adelaide, Auckland, Chatham), half-hour and quarter-hour offsets (Kolkata, Adelaide, St John's,
    /// Kathmandu, Chatham), and none at all (Tokyo).
    static let zones = [
        "Asia/Kolkata", "Australia/Adelaide", "America/St_Johns", "Pacific/Auckland", "America/Los_Angeles",
        "America/New_York", "Europe/Berlin", "Europe/London", "Asia/Kathmandu", "Pacific/Chatham", "Asia/Tokyo",
    ]
    /// How often a member moved to another zone (or back to the team's) during the run.
    var zoneMoves = 0
    /// Past report-backs shown again at the end (`history <week>`): the record, and the text shown.
    var shownAgain: [(record: ReportBackRecord, text: String)] = []

    init(seed: UInt64) throws {
        self.seed = seed
        var random = SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        let teamSize = Int.random(in: 1...60, using: &random)
        weeks = Int.random(in: 2...6, using: &random)
        let threads = Bool.random(using: &random)
        let direct = Int.random(in: 0..<5, using: &random) > 0
        // Some starts run across a month's end (and the March clock change), so monthly posts fall inside the run.
        let startMonday = [
            LocalDate(year: 2027, month: 1, day: 4), LocalDate(year: 2027, month: 1, day: 25),
            LocalDate(year: 2027, month: 2, day: 15), LocalDate(year: 2027, month: 3, day: 22),
            LocalDate(year: 2026, month: 11, day: 16),
        ][Int.random(in: 0..<5, using: &random)]
        self.startMonday = startMonday
        let names = ["Alex", "Sam", "Jo", "Priya", "Kemi", "Theo", "Ana", "Ben", "Cara", "Dev"]
        let members = (0..<teamSize).map { i in
            CoachConfig.RosterEntry(id: "u\(i + 1)", name: i < names.count ? names[i] : "\(names[i % names.count])\(i / names.count + 1)")
        }
        self.members = members
        let calendar = TeamCalendar(timeZone: TimeZone(identifier: "Europe/London")!)
        // Up to two holidays: a single day, or a whole week, somewhere in the programme's span.
        var holidays: [HolidayRange] = []
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            let first = calendar.adding(days: Int.random(in: 0..<(7 * (weeks + 2)), using: &random), to: startMonday)
            let length = Bool.random(using: &random) ? 0 : 6
            holidays.append(HolidayRange(first: first, last: calendar.adding(days: length, to: first)))
        }
        let length = weeks
        let sessionAhead = Int.random(in: 0..<5, using: &random) < 2
        self.sessionAhead = sessionAhead
        let firstRating: CoachConfig.ProgrammeSettings.FirstRating = Int.random(in: 0..<5, using: &random) == 0 ? .all : .core
        var resultsRandom = SeededRandom(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 11)
        // Any day (Saturday and Sunday move to the week's open days), before, at or after the check-in's time.
        let digest = CoachConfig.DigestSettings(
            enabled: Int.random(in: 0..<6, using: &resultsRandom) > 0, day: Int.random(in: 1...7, using: &resultsRandom),
            time: [DailyTime(hour: 8, minute: 0), DailyTime(hour: 10, minute: 0), DailyTime(hour: 15, minute: 30)][
                Int.random(in: 0..<3, using: &resultsRandom)],
            quietWeeks: Int.random(in: 1...3, using: &resultsRandom), followUpDays: Int.random(in: 1...7, using: &resultsRandom))
        self.resultsRandom = resultsRandom
        zoneRandom = SeededRandom(seed: seed &* 0xD1B5_4A32_D192_ED03 &+ 17)
        self.coach = try Fixtures.coach(capabilities: .init(directMessages: direct, threads: threads, markup: .plain)) { config in
            config.digest = digest
            config.members = members
            config.admins = [members[0].id]
            config.programme.suggestedLength = length
            config.programme.firstRating = firstRating
            config.holidays = holidays
            if sessionAhead { config.schedule.weekly[.session] = WeeklyTime(weekday: 6, hour: 15, minute: 0) }
        }
        self.random = random
        now = calendar.at(calendar.adding(days: -5, to: startMonday), hour: 9, minute: 0)
    }

    var calendar: TeamCalendar { coach.schedule.calendar }

    /// The calendar of a member's time zone, or the team's for nil.
    func calendar(for zone: String?) -> TeamCalendar {
        zone.flatMap { TimeZone(identifier: $0) }.map(TeamCalendar.init) ?? calendar
    }

    /// The `timezone` words for a member now and then: one of `zones`, or back to the team's.
    mutating func zoneCommand(allowTeam: Bool) -> String {
        if allowTeam, Int.random(in: 0..<4, using: &zoneRandom) == 0 { return "!timezone team" }
        return "!timezone " + Self.zones[Int.random(in: 0..<Self.zones.count, using: &zoneRandom)]
    }
    /// How every manager's digest begins, scheduled or asked for.
    static let digestHeader = "your weekly digest as a manager"
    var admin: CoachConfig.RosterEntry { members[0] }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    // MARK: - Driving the engine

    mutating func tick(at time: Date) {
        now = max(now, time)
        let before = state
        let outcome = coach.tick(at: now, state: &state)
        observe(outcome, before: before)
    }

    /// Runs every wake-up up to `time`, as the live loop would.
    mutating func advance(to time: Date) {
        var next = coach.nextWakeUp(after: now, state: state)
        while next <= time {
            tick(at: next)
            next = coach.nextWakeUp(after: now, state: state)
        }
        tick(at: time)
    }

    mutating func say(_ member: CoachConfig.RosterEntry, _ text: String, thread: String? = nil, at time: Date) {
        advance(to: time)
        counter += 1
        let message = InboundMessage(
            id: "m\(counter)", senderID: member.id, senderName: member.name, text: text, threadRootID: thread)
        let before = state
        let outcome = coach.receive([message], at: now, state: &state)
        observe(outcome, before: before)
        if ["!pause", "!resume", "!skip", "!start"].contains(where: { text.hasPrefix($0) }) || text.hasPrefix("!programme ") {
            disturbances.append(now)
        }
    }

    /// Records what a step sent and delivers it, and notes the report-backs and the claims it made.
    mutating func observe(_ outcome: Outcome, before: CoachState) {
        let summaries = outcome.queued.filter { $0.kind == .summary }.map(\.text)
        if !summaries.isEmpty { reportBatches.append((now, summaries.joined(separator: "\n"))) }
        for event in outcome.events {
            guard case .jobRecorded(let key, _) = event, key.hasPrefix("monthly:") else { continue }
            monthlyJobs[key, default: 0] += 1
            for message in outcome.queued where message.destination == .channel && message.text.hasPrefix("Monthly goal review") {
                goalReviews.append((key, message.text))
            }
        }
        for message in outcome.queued where message.kind == .nudge {
            guard case .direct(let member) = message.destination,
                let range = message.text.range(of: "who did well in ")
            else { continue }
            rewardPrompts.append((member, String(message.text[range.upperBound...].prefix(7))))
        }

        for event in outcome.events {
            if case .examplesReported(let through) = event {
                let covered = before.examples.live(after: before.reportedThroughExampleID).filter { $0.id <= through }
                let summaries = outcome.queued.filter { $0.kind == .summary }.map(\.text)

                reports.append(Report(
                    texts: summaries, covered: covered, weekKey: before.weeks.last?.key,
                    memberNames: state.members.mapValues(\.name), memberCount: state.members.count, at: now))
            }
        }
        for message in outcome.queued {
            if message.text.contains(ProgrammeRun.digestHeader) {
                var away = false
                var zone: String?
                if case .direct(let id) = message.destination {
                    zone = state.members[id]?.timeZone
                    away = state.members[id]?.isAway(on: calendar(for: zone).localDate(of: now)) ?? false
                }
                digests.append((message.destination, now, message.kind, away, zone))
            }
            checkActionRequests(message)
            collectClaims(message)
            if message.kind == .announcement, let week = state.weeks.last, state.jobs[ProgrammeSchedule.jobKey(.announce, week.key)] != nil,
                before.jobs[ProgrammeSchedule.jobKey(.announce, week.key)] == nil
            {
                announcements.append((message.text, week, state.programme.plan, now))
            }
        }
        // Deliver in order, as the outbox does; a message queued in a thread learns its root's id when the root goes.
        while let message = state.outbox.first {
            platformIDs += 1
            var delivered = Sent(message: message, at: now)
            if case .direct(let id) = message.destination, let member = state.members[id] {
                delivered.zone = member.timeZone
                delivered.away = member.isAway(on: calendar(for: member.timeZone).localDate(of: now))
            }
            sent.append(delivered)
            state.apply(.delivered(id: message.id, platformID: coach.capabilities.threads ? "p\(platformIDs)" : nil))
        }
    }

    /// A digest asking for a corrective action for a goal that has one open breaks the promise.
    mutating func checkActionRequests(_ message: OutboundMessage) {
        guard message.kind == .nudge else { return }
        for line in message.text.split(separator: "\n") where line.contains("bring it back") {
            guard let id = Int(line.split(separator: " ").dropFirst(2).first?.trimmingCharacters(in: .punctuationCharacters) ?? ""),
                let goal = state.goals.first(where: { $0.id == id })
            else { continue }
            if Goals.openAction(goal, state) != nil {
                actionAskedWhileOpen.append("\(calendar.localDate(of: now)): goal \(id) for \(message.destination)")
            }
        }
    }

    /// Dates announced for principles: plan rows ("Week 2, from 2027-01-11: Title") and the Friday post's next week.
    mutating func collectClaims(_ message: OutboundMessage) {
        for line in message.text.split(separator: "\n") {
            if let from = line.range(of: ", from "), line.hasPrefix("- Week "), let colon = line[from.upperBound...].firstIndex(of: ":") {
                let date = String(line[from.upperBound..<colon])
                var title = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                if let bracket = title.range(of: " [") { title = String(title[..<bracket.lowerBound]) }
                if let opening = title.range(of: " (our opening week") { title = String(title[..<opening.lowerBound]) }
                title = title.replacingOccurrences(of: " ✓", with: "")
                if let monday = LocalDate(date) { claims.append(Claim(title: title, monday: monday, at: now)) }
            } else if line.hasPrefix("Next week's principle: "), let week = state.weeks.last {
                let title = String(line.dropFirst("Next week's principle: ".count).prefix { $0 != "." })
                claims.append(Claim(title: title, monday: calendar.adding(days: 7, to: week.monday), at: now))
            } else if let carry = line.range(of: "We carry on in the week of ") {
                let rest = line[carry.upperBound...]
                let date = String(rest.prefix(10))
                if let with = rest.range(of: " with "), let monday = LocalDate(date) {
                    let title = String(rest[with.upperBound...].dropLast())
                    claims.append(Claim(title: title, monday: monday, at: now))
                }
            }
        }
    }

    /// Writes the state to JSON and reads it back, as a restart does, and carries on from what was read.
    mutating func restart() {
        restarts += 1
        do {
            let data = try JSONCoding.encoder.encode(state)
            let loaded = try JSONCoding.decoder.decode(CoachState.self, from: data)
            if loaded != state { failures.append("the state read back after a restart differs from the one written") }
            state = loaded
        } catch {
            failures.append("the state could not be written and read back: \(error)")
        }
    }

    // MARK: - The team's weeks

    mutating func run() {
        let wednesday = calendar.adding(days: -5, to: startMonday)
        tick(at: now)
        // About half the team works in a time zone of its own, chosen as people would, with the command.
        var t = calendar.at(wednesday, hour: 9, minute: 5)
        for member in members where Bool.random(using: &zoneRandom) {
            say(member, zoneCommand(allowTeam: false), at: t)
            t += 5
        }
        t = calendar.at(wednesday, hour: 9, minute: 30)
        for member in members where chance(0.8) {
            // The principles the rating asks about, or now and then the whole catalogue.
            let count = chance(0.9) ? (state.ratingRounds.last?.principleIDs?.count ?? coach.catalogue.principles.count)
                : coach.catalogue.principles.count
            say(member, "!rate all " + (0..<count).map { _ in String(pick([1, 3, 3, 5])) }.joined(separator: " "), at: t)
            t += 120
        }
        if chance(0.3) { say(admin, "!example got ahead before the start", at: t + 60) }
        if chance(0.3) { say(admin, "!scores share", at: t + 90) }
        // Some of the team vote for what they would most like to work on.
        t = calendar.at(wednesday, hour: 11, minute: 0)
        for member in members where chance(0.5) {
            let numbers = (1...coach.catalogue.principles.count).shuffled(using: &random).prefix(Int.random(in: 1...4, using: &random))
            say(member, "!vote " + numbers.map(String.init).joined(separator: " "), at: t)
            t += 60
        }
        t = calendar.at(wednesday, hour: 14, minute: 0)
        say(admin, "!programme accept", at: t)
        // Now and then the team gives a principle of the plan its own skills.
        if chance(0.4), let id = state.programme.plan.dropFirst().first,
            let number = (coach.catalogue.principles.firstIndex { $0.id == id }).map({ $0 + 1 })
        {
            let text = "our own skill number \(seed)"
            say(admin, "!principle \(number) skills \(text); another of ours", at: t + 30)
            customSkill = (id, text, now)
        }
        if members.count > 1 {
            say(admin, "!goal add Reply time target 4 hours lower tolerance 25% owner @\(members[1].name)", at: t + 60)
        }
        say(admin, "!goal add Orders right target 98% higher tolerance 1 owner @\(admin.name)", at: t + 120)
        say(admin, pick(["!start", "!start \(startMonday)"]), at: t + 300)

        var day = calendar.adding(days: 1, to: wednesday)
        let lastDay = calendar.adding(days: 7 * (weeks + 6), to: startMonday)
        var paused = false
        while day <= lastDay, state.jobs["before-after:1"] == nil {
            // The bot is down now and then: for a few hours, or for days. Whatever the team says meanwhile waits on
            // the platform and arrives when it is back.
            if chance(0.04) {
                let days = pick([0, 0, 1, 3, 8])
                outageDays += days
                let back = calendar.at(calendar.adding(days: days, to: day), hour: Int.random(in: 10...17, using: &random), minute: 0)
                // Down for a whole working week: that week never opens, and its principle moves on a week.
                if days >= 5 { disturbances.append(calendar.at(day, hour: 0, minute: 0)) }
                var waiting: [(CoachConfig.RosterEntry, String)] = []
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    waiting.append((pick(members), "!example done while the bot was away \(counter)"))
                }
                now = max(now, back)
                if chance(0.5) { restart() }
                for (member, text) in waiting { say(member, text, at: now) }
                day = max(day, calendar.localDate(of: now))
            }
            playDay(day, paused: &paused)
            if chance(0.05) { restart() }
            day = calendar.adding(days: 1, to: day)
        }
        advance(to: calendar.at(day, hour: 23, minute: 59))
        showEveryReportBackAgain()
    }

    /// Asks, privately, for every report-back of the latest cycle again, to check each shows what it covered.
    mutating func showEveryReportBackAgain() {
        let cycle = state.weeks.last?.cycle
        for record in state.reportBacks where record.cycle == cycle {
            guard let week = state.weeks.last(where: { $0.key == record.weekKey && $0.cycle == record.cycle }) else { continue }
            counter += 1
            let message = InboundMessage(
                id: "m\(counter)", senderID: admin.id, senderName: admin.name, text: "history \(state.number(of: week))",
                isDirect: true)
            let before = state
            let outcome = coach.receive([message], at: now, state: &state)
            observe(outcome, before: before)
            shownAgain.append((record, outcome.queued.map(\.text).joined(separator: "\n")))
        }
    }

    mutating func playDay(_ day: LocalDate, paused: inout Bool) {
        let weekday = calendar.weekday(of: day)
        let working = coach.config.schedule.workdays.contains(weekday)
        var actions: [(minute: Int, member: CoachConfig.RosterEntry, text: String, thread: Bool)] = []
        let running = state.programme.phase == .running
        let finished = state.programme.phase == .finished
        for member in members {
            let minute = Int.random(in: (working ? 9 * 60 : 11 * 60)...(17 * 60 + 30), using: &random)
            // Fewer posts at weekends, but some: they belong to the next report-back.
            guard chance(working ? 0.35 : 0.05) else { continue }
            if finished {
                if state.ratingRounds.last?.scores[member.id] == nil, chance(0.7) {
                    let count = state.ratingRounds.last?.principleIDs?.count ?? coach.catalogue.principles.count
                    actions.append((minute, member, "!rate all " + (0..<count).map { _ in String(pick([3, 5])) }.joined(separator: " "), false))
                }
                continue
            }
            // Week 0: most finish "Customer Service means..." early in the week.
            if let week = state.weeks.last, DefinitionWeek.isOpening(week), running,
                !state.definitions.contains(where: { $0.authorID == member.id && $0.givenInCycle == state.programme.cycle }), chance(0.6)
            {
                actions.append((minute, member, "!means keeping every promise, said by \(member.name)", false))
            }
            switch Double.random(in: 0..<1, using: &random) {
            case ..<0.35: actions.append((minute, member, "!example rebooked a delivery for customer \(minute)", false))
            case ..<0.6 where members.count > 1:
                let other = pick(members.filter { $0.id != member.id })
                actions.append((minute, member, "!caught @\(other.name) for a kind word to customer \(minute)", false))
            case ..<0.7: actions.append((minute, member, "Replied in the thread about customer \(minute)", true))
            case ..<0.74: actions.append((minute, member, "!exmaple kept a promise to customer \(minute)", false))
            case ..<0.78: actions.append((minute, member, "!followup a broken till number \(minute)", false))
            case ..<0.8: actions.append((minute, member, "!idea a welcome card \(minute)", false))
            case ..<0.82: actions.append((minute, member, "!means keeping promises \(minute)", false))
            case ..<0.84 where running: actions.append((minute, member, "!rate 3 5", false))
            case ..<0.86:
                if let mine = state.examples.all.last(where: { $0.reporterID == member.id && !$0.deleted }) {
                    actions.append((minute, member, Bool.random(using: &random) ? "!edit \(mine.id) edited words \(minute)" : "!delete \(mine.id)", false))
                }
            case ..<0.88: actions.append((minute, member, "!away until \(calendar.adding(days: Int.random(in: 1...9, using: &random), to: day))", false))
            case ..<0.9: actions.append((minute, member, "!feedback compliment a customer liked the service \(minute)", false))
            case ..<0.92:
                let owner = chance(0.5) ? " owner @\(pick(members).name)" : ""
                actions.append((minute, member, "!feedback complaint a parcel arrived late \(minute)\(owner)", false))
            case ..<0.93:
                if let complaint = state.feedback.first(where: { $0.kind == .complaint && state.followUp(forFeedback: $0.id) == nil }) {
                    actions.append((minute, member, "!feedback \(complaint.id) owner @\(pick(members).name)", false))
                }
            default: break
            }
            // Owners answer what the bot asks of them, some of the time.
            for goal in state.goals where goal.ownerID == member.id && !goal.closed {
                if state.needsCorrectiveAction(goal), chance(0.5) {
                    actions.append((minute + 1, member, "!goal action \(goal.id) a plan for it \(minute)", false))
                } else if chance(0.3) {
                    actions.append((minute + 2, member, "!goal \(goal.id) \(pick(["3", "5", "7", "90", "99"]))", false))
                }
            }
            if let item = state.followUps.first(where: { $0.isOpen && $0.ownerID == member.id }), chance(0.3) {
                actions.append((minute + 3, member, "!fixed \(item.id) sorted it \(minute)", false))
            }
            // Owners say how a training went, most of the time, sometimes that it did not happen.
            if state.trainings.contains(where: { $0.ownerID == member.id && $0.outcome == nil && calendar.localDate(of: $0.at) < day }),
                chance(0.5)
            {
                let attendees = members.filter { _ in chance(0.3) }.prefix(4).map { " @\($0.name)" }.joined()
                actions.append((minute + 4, member, chance(0.8) ? "!trained held it\(attendees)" : "!trained no too busy", false))
            }
        }
        // After week 0's report-back the admin agrees the team's definition, most of the time.
        if working, running, let first = state.weeks.first(where: { $0.cycle == state.programme.cycle }), DefinitionWeek.isOpening(first),
            state.jobs[ProgrammeSchedule.jobKey(.summary, first.key)] != nil, state.teamDefinition?.cycle != state.programme.cycle,
            chance(0.6)
        {
            let answers = state.definitions.filter { $0.givenInCycle == state.programme.cycle }.map(\.id)
            let agree = answers.isEmpty || chance(0.3) ? "our own words \(seed)" : answers.prefix(2).map(String.init).joined(separator: " ")
            actions.append((10 * 60 + 30, admin, "!means agree \(agree)", false))
        }
        // The admin schedules the week's training on Mondays, and now and then looks at someone's record.
        if working, running, weekday == 2, chance(0.7) {
            let when = "\(pick(["mon", "tuesday", "wed", "thu", "friday"])) \(pick(["08:30", "11:00", "15:00", "17:30"]))"
            actions.append((9 * 60 + 20, admin, "!training \(when) owner @\(pick(members).name)", false))
        }
        if working, chance(0.05) {
            actions.append((12 * 60, admin, "!record @\(pick(members).name) \(pick(["", "last-month", "quarter", "all"]))", false))
        }
        // The admin asks for the digest, answers an idea or looks back at a week, now and then.
        if working, Double.random(in: 0..<1, using: &resultsRandom) < 0.1 {
            actions.append((12 * 60 + 10, admin, "!digest", false))
        }
        if working, let idea = state.ideas.first(where: { $0.answer == nil }), Double.random(in: 0..<1, using: &resultsRandom) < 0.2 {
            actions.append((12 * 60 + 20, admin, "!idea answer \(idea.id) thanks, we will try it", false))
        }
        if working, let week = state.weeks.last, Double.random(in: 0..<1, using: &resultsRandom) < 0.1 {
            let asker = members[Int.random(in: 0..<members.count, using: &resultsRandom)]
            let number = Bool.random(using: &resultsRandom) ? state.number(of: week) : 1
            actions.append((12 * 60 + 30, asker, "!history \(number)", false))
        }
        // Now and then someone moves to another time zone, or back to the team's, at any time of the day.
        for member in members where Double.random(in: 0..<1, using: &zoneRandom) < 0.03 {
            actions.append((Int.random(in: 0..<(24 * 60), using: &zoneRandom), member, zoneCommand(allowTeam: true), false))
            zoneMoves += 1
        }
        // The admin changes course now and then.
        if working, running {
            if !paused, chance(0.03) {
                actions.append((8 * 60 + 30, admin, "!pause", false))
                paused = true
            } else if paused, chance(0.3) {
                actions.append((8 * 60 + 40, admin, "!resume", false))
                paused = false
            } else if chance(0.03) {
                actions.append((17 * 60 + 45, admin, "!skip", false))
            }
        }
        actions.sort { ($0.minute, $0.member.id) < ($1.minute, $1.member.id) }
        for action in actions {
            let at = calendar.at(day, hour: min(23, action.minute / 60), minute: action.minute % 60)
            guard at >= now else { continue }
            if state.jobs["before-after:1"] != nil { return }
            let root = action.thread ? state.weeks.last?.announcementPlatformID : nil
            if action.thread && root == nil { continue }
            var text = action.text
            if text.hasPrefix("!trained") {
                // A word of its own, so its report-back line can be found.
                counter += 1
                text += " training-note-\(counter)z"
            }
            say(action.member, text, thread: root, at: at)
            if text.hasPrefix("!trained"), let word = text.split(separator: " ").last,
                let training = state.trainings.first(where: { $0.outcome?.note.contains(word) == true })
            {
                trainingTokens[training.id] = String(word)
            }
            // A near miss is confirmed by most people.
            if action.text.hasPrefix("!exmaple"), chance(0.7) { say(action.member, "yes", at: at + 30) }
        }
        if paused, !running { paused = false }
        advance(to: calendar.at(day, hour: 23, minute: 0))
    }
}
