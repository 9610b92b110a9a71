@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// What must hold over a whole programme, whatever happens to the team, checked over many seeded runs
/// (`ProgrammeRun`): teams of 1 to 60, random holidays, pauses, skips, away dates, outages that make posts late or
/// missed, restarts, typos, weekend examples, customer feedback, trainings, records and month ends, week 0 and its
/// agreed definition, votes, the team's own skills and the report-back session, and members in time zones of their
/// own who now and then move. Every failure names its seed: `ProgrammeRun(seed:)` replays it.
@Suite("Whole-programme invariants")
struct ProgrammeInvariantTests {
    /// Seeds per run of the suite. Each is a whole programme of 2 to 6 weeks.
    static let seeds: [UInt64] = Array(1...200)

    @Test("every invariant holds for every seed", arguments: seeds)
    func invariants(seed: UInt64) throws {
        var run = try ProgrammeRun(seed: seed)
        run.run()
        let say = { (what: String) in Issue.record("seed \(seed): \(what)") }
        for failure in run.failures { say(failure) }

        // No member gets more than one scheduled private message per day of their own: every private message that
        // answers nobody (check-ins with their training reminders and questions, the admins' digest and monthly
        // reward prompt) counts. Days are those of the time zone the member is in when it comes (their own, or the
        // team's), and the rule, exactly: it comes on a working day there (the team's workdays by the local weekday,
        // not one of the team's holiday dates), at or after the nudge time there (and a digest at or after its own
        // time that week there), while they are not away that day; and the member's previous one, seen in that same
        // zone, fell on an earlier day. With nobody moving, that is one a local day; a member who moves never gets a
        // second on a day of the zone they moved to.
        for sent in run.sent where sent.message.kind == .nudge {
            guard case .direct = sent.message.destination else {
                say("a nudge went to \(sent.message.destination), not privately")
                continue
            }
            if sent.away { say("a check-in went to \(sent.message.destination) while away") }
        }
        let schedule = run.coach.schedule
        let nudgeTime = run.coach.config.schedule.dailyNudge
        var calendars: [String: TeamCalendar] = [:]
        var previous: [String: Date] = [:]
        for sent in run.sent where sent.message.kind != .reply {
            guard case .direct(let member) = sent.message.destination else { continue }
            let zoneName = sent.zone ?? "the team's time zone"
            let calendar = calendars[zoneName] ?? run.calendar(for: sent.zone)
            calendars[zoneName] = calendar
            let day = calendar.localDate(of: sent.at)
            if let last = previous[member], calendar.localDate(of: last) >= day {
                say("two scheduled private messages to \(member) on \(day) in \(zoneName): at \(last) and \(sent.at)")
            }
            previous[member] = sent.at
            if !run.coach.config.schedule.workdays.contains(calendar.weekday(of: day)) || schedule.isHoliday(day) {
                say("a scheduled private message to \(member) on \(day), a day off in \(zoneName)")
            }
            if sent.at < calendar.at(day, hour: nudgeTime.hour, minute: nudgeTime.minute) {
                say("a scheduled private message to \(member) before the nudge time on \(day) in \(zoneName)")
            }
            if sent.message.text.contains(ProgrammeRun.digestHeader),
                let due = schedule.digestDue(monday: calendar.monday(of: day), in: calendar), sent.at < due
            {
                say("a digest to \(member) before its time on \(day) in \(zoneName)")
            }
        }
        for sent in run.sent where sent.message.text.contains("You're running the training") || sent.message.text.contains("Did the training on")
            || sent.message.text.contains("who did well in")
        {
            if sent.message.kind != .nudge { say("a training reminder or reward prompt outside a check-in: \(sent.message.text)") }
        }

        // Each month's posts go out at most once, never for a month before the programme's first week, and the
        // channel's goal review names nobody.
        for (job, count) in run.monthlyJobs where count > 1 { say("\(job) was recorded \(count) times") }
        var reviews: [String: Int] = [:]
        for review in run.goalReviews { reviews[review.job, default: 0] += 1 }
        for (job, count) in reviews where count > 1 { say("\(job) posted \(count) goal reviews") }
        var prompts: [String: Int] = [:]
        for prompt in run.rewardPrompts { prompts["\(prompt.member) \(prompt.month)", default: 0] += 1 }
        for (key, count) in prompts where count > 1 { say("\(count) reward prompts for \(key)") }
        for prompt in run.rewardPrompts where !run.coach.config.isAdmin(prompt.member) { say("a reward prompt went to \(prompt.member)") }
        if let first = run.state.weeks.first.map({ Month($0.monday) }) {
            for job in run.monthlyJobs.keys {
                if let month = Month(String(job.dropFirst("monthly:".count))), month < first { say("\(job) before the programme's first week") }
            }
        } else if !run.monthlyJobs.isEmpty {
            say("monthly posts without a programme week: \(run.monthlyJobs.keys.sorted())")
        }
        let names = run.state.members.values.map(\.name)
        for review in run.goalReviews {
            let words = Set(review.text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
            for name in names where words.contains(name) { say("the goal review \(review.job) names \(name)") }
        }

        // Every training's outcome (held or not) is in exactly one report, once recorded before a report went out.
        for training in run.state.trainings where training.outcome != nil {
            guard let token = run.trainingTokens[training.id], let outcome = training.outcome else { continue }
            let reports = run.reportBatches.filter { $0.text.contains(token) }
            if reports.count > 1 { say("training \(training.id) is in \(reports.count) reports") }
            if reports.isEmpty, run.reportBatches.contains(where: { $0.at > outcome.at }) {
                say("training \(training.id) (\(outcome.held ? "held" : "not held")) never appeared in a report")
            }
            if let report = reports.first, outcome.held, !report.text.contains("held, run by \(run.state.members[training.ownerID]?.name ?? "?")") {
                say("training \(training.id) is reported without who ran it")
            }
        }

        // Every feedback entry is counted in exactly one report.
        var counted = (compliments: 0, complaints: 0)
        for report in run.reportBatches {
            for line in report.text.split(separator: "\n") where line.hasPrefix("Customer feedback since the last report-back: ") {
                let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                counted.compliments += numbers.first ?? 0
                counted.complaints += numbers.dropFirst().first ?? 0
            }
        }
        let countedFeedback = run.state.feedback.filter { $0.id <= run.state.reportedThroughFeedbackID }
        let expected = (countedFeedback.filter { $0.kind == .compliment }.count, countedFeedback.filter { $0.kind == .complaint }.count)
        if counted != expected { say("feedback counted \(counted) in the reports, \(expected) reported") }

        // The manager's digest never reaches the channel, goes only to admins who are not away, and comes at most
        // once a week to each (asked for with `digest`, it is a reply, not counted). It is a scheduled private
        // message like a check-in, so the one-a-day count above includes it: on its day it is the admin's check-in.
        var digestsPerWeek: [String: Int] = [:]
        for digest in run.digests {
            guard case .direct(let member) = digest.destination else {
                say("a manager's digest went to \(digest.destination)")
                continue
            }
            if !run.coach.config.isAdmin(member) { say("a manager's digest went to \(member), who is no admin") }
            guard digest.kind == .nudge else { continue }
            if digest.away { say("a manager's digest went to \(member) while away") }
            if !run.coach.config.digest.enabled { say("a manager's digest went out while switched off") }
            // Weeks of the time zone the admin is in when it comes.
            let calendar = run.calendar(for: digest.zone)
            digestsPerWeek["\(member) \(calendar.weekKey(monday: calendar.monday(containing: digest.at)))", default: 0] += 1
        }
        for (key, count) in digestsPerWeek where count > 1 { say("\(count) digests in one week: \(key)") }

        // A report-back shown again shows every example it covered that is still there, as it reads now.
        for shown in run.shownAgain {
            if !shown.text.hasPrefix("Shown again for you: the report-back of ") {
                say("history for \(shown.record.weekKey) did not show its report-back: \(shown.text.prefix(80))")
            }
            for example in run.state.examples.live(after: shown.record.afterExampleID, through: shown.record.throughExampleID)
            where !shown.text.contains(example.text) {
                say("example \(example.id) is missing from the report-back of \(shown.record.weekKey) shown again")
            }
        }

        // A person's record is never shown in the channel.
        for sent in run.sent where sent.message.text.contains("What the numbers count") {
            guard case .direct = sent.message.destination else {
                say("a record went to \(sent.message.destination)")
                continue
            }
        }

        // Every example is in exactly one report-back, shown there, and none is left out of the reports made after it.
        var reported: [Int: Int] = [:]
        for report in run.reports {
            let text = report.texts.joined(separator: "\n")
            for example in report.covered {
                reported[example.id, default: 0] += 1
                if !text.contains(example.text) { say("example \(example.id) is counted but not shown: \(example.text)") }
            }
        }
        for (id, count) in reported where count > 1 { say("example \(id) is in \(count) report-backs") }
        if let last = run.reports.last {
            for example in run.state.examples.all where !example.deleted && example.at < last.at && reported[example.id] == nil {
                say("example \(example.id) (\(example.text)) was never reported")
            }
        }

        // Everyone caught in a report-back's examples is named in it.
        for report in run.reports {
            let text = report.texts.joined(separator: "\n")
            for id in Set(report.covered.flatMap(\.caughtIDs)) {
                let name = report.memberNames[id] ?? id
                if !text.contains(name) { say("\(name) was caught but is not named in the report-back of \(report.weekKey ?? "?")") }
            }
        }

        // The numbers add up.
        for report in run.reports {
            let text = report.texts.joined(separator: "\n")
            let own = report.covered.filter { $0.weekKey == report.weekKey }
            if let counts = Self.counts(in: text) {
                if counts.examples != counts.own + counts.shoutOuts { say("examples \(counts.examples) ≠ own \(counts.own) + shout-outs \(counts.shoutOuts)") }
                if counts.examples != own.count { say("the report-back says \(counts.examples) examples for a week with \(own.count)") }
                if counts.contributors > report.memberCount { say("\(counts.contributors) contributors among \(report.memberCount) members") }
            }
            for (before, after, change) in Self.changes(in: text) where abs((after - before) - change) > 0.0001 {
                say("a change of \(change) between \(before) and \(after)")
            }
        }

        // No corrective action is asked for while one is open.
        for asked in run.actionAskedWhileOpen { say("a corrective action was asked for while one was open: \(asked)") }

        // Week 0 opens a plan that starts with the definition activity, numbered 0; every other Monday post names its
        // week of the plan's principle weeks, from 1.
        for post in run.announcements {
            let count = Plan.principleWeeks(post.plan)
            if DefinitionWeek.isOpening(post.week) {
                if !post.text.contains("Week 0, before our \(count) principles") { say("week 0's post does not open the programme: \(post.text.prefix(80))") }
            } else {
                let number = run.state.number(of: post.week)
                if !post.text.contains("week \(number) of \(count)") || number < 1 || number > count {
                    say("a Monday post numbered wrongly (expected week \(number) of \(count)): \(post.text.prefix(80))")
                }
            }
        }

        // The agreed definition heads every Monday post after it, as it stood then.
        for post in run.announcements where !DefinitionWeek.isOpening(post.week) {
            guard let agreed = run.state.agreedDefinitions.last(where: { $0.at < post.at }) else { continue }
            if !post.text.contains("(Our definition: Customer Service means \(agreed.text))") {
                say("the Monday post of \(post.week.key) lacks the definition agreed on \(run.calendar.localDate(of: agreed.at))")
            }
        }

        // Looking back: only to the week two before, never to week 0.
        for post in run.announcements {
            guard let line = post.text.split(separator: "\n").first(where: { $0.hasPrefix("Looking back to week ") }) else { continue }
            let back = Int(line.dropFirst("Looking back to week ".count).prefix { $0.isNumber }) ?? -1
            if back != run.state.number(of: post.week) - 2 || back < 1 { say("week \(run.state.number(of: post.week)) looks back to week \(back)") }
        }

        // The team's own skills replace the catalogue's in the Monday post of that principle.
        if let custom = run.customSkill {
            for post in run.announcements where post.week.principleID == custom.principleID && post.at > custom.at {
                if !post.text.contains("- \(custom.text)") { say("the team's own skill is missing from \(post.week.key)'s post") }
            }
        }

        // The scores are shared with the team by themselves at most once a cycle.
        let shared = run.sent.filter { $0.message.text.hasPrefix("Everyone has rated: here is where we start") }
        if shared.count > 1 { say("the complete scores were shared \(shared.count) times") }

        // The session's agenda is in the report-back, or posted ahead of it at schedule.session, never both.
        for report in run.reports where !report.texts.joined().contains("Before and after") && !report.texts.isEmpty {
            let text = report.texts.joined(separator: "\n")
            let hasAgenda = text.contains("Report-back session: ten minutes")
            if run.sessionAhead == hasAgenda {
                say("the report-back of \(report.weekKey ?? "?") \(hasAgenda ? "repeats" : "lacks") the session's agenda")
            }
        }
        if !run.sessionAhead, run.sent.contains(where: { $0.message.text.hasPrefix("Time for our report-back on week") }) {
            say("a session post without schedule.session")
        }

        // Every date announced for a principle is the week its announcement goes out, unless the plan changed since.
        var announced: [String: LocalDate] = [:]
        for sent in run.sent where sent.message.kind == .announcement {
            let lines = sent.message.text.split(separator: "\n").map(String.init)
            // Week 0's post names its principle after "Week 0, before our N principles: ".
            let titles = lines.map { line in line.hasPrefix("Week 0, before our ") ? String(line.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) : line }
            guard let title = titles.first(where: { line in run.coach.catalogue.principles.contains { $0.title == line } }) else { continue }
            if announced[title] == nil { announced[title] = run.calendar.monday(containing: sent.at) }
        }
        for claim in run.claims {
            guard let actual = announced[claim.title] else { continue }
            let disturbed = run.disturbances.contains { $0 >= claim.at && $0 <= run.calendar.startOfDay(actual) }
            if !disturbed && claim.monday != actual {
                say("announced \(claim.title) for \(claim.monday) on \(run.calendar.localDate(of: claim.at)), posted in the week of \(actual)")
            }
        }
    }

    /// "Examples: 12 (7 own, 5 shout-outs) · People who shared: 9".
    static func counts(in text: String) -> (examples: Int, own: Int, shoutOuts: Int, contributors: Int)? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Examples: ") }) else { return nil }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard numbers.count >= 4 else { return nil }
        return (numbers[0], numbers[1], numbers[2], numbers[3])
    }

    /// Before/after rows: "- Title: 3.2 → 3.9 (+0.7)".
    static func changes(in text: String) -> [(Double, Double, Double)] {
        text.split(separator: "\n").compactMap { line in
            guard let arrow = line.range(of: " → "), let open = line.range(of: " (", range: arrow.upperBound..<line.endIndex),
                let close = line[open.upperBound...].firstIndex(of: ")")
            else { return nil }
            let before = Double(line[..<arrow.lowerBound].split(separator: " ").last ?? "")
            let after = Double(line[arrow.upperBound..<open.lowerBound])
            let change = Double(line[open.upperBound..<close].replacingOccurrences(of: "+", with: ""))
            guard let before, let after, let change else { return nil }
            return (before, after, change)
        }
    }
}
