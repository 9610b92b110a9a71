import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// The weekly rhythm, driven through the pure engine with time passed in as values. Europe/London, so the weeks
/// around the last Sunday of March and October cross a DST change.
@Suite("Weekly cycle")
struct WeeklyCycleTests {
    /// A team that has rated, accepted the plan and started on `start` (a Monday), set up the Wednesday before.
    static func started(_ start: String = "2027-01-04", length: Int = 3, capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain),
        adjust: (inout CoachConfig) -> Void = { _ in }, beforeStart: (inout Harness) -> Void = { _ in }) throws -> Harness
    {
        let coach = try Fixtures.coach(capabilities: capabilities) { config in
            config.programme.suggestedLength = length
            config.holidays = []
            // About the principles' weeks: week 0, the definition activity, has its own suite (DefinitionWeekTests).
            config.programme.openingWeek = false
            adjust(&config)
        }
        let monday = LocalDate(start)!
        let wednesday = coach.schedule.calendar.adding(days: -5, to: monday)
        var h = Harness(coach: coach, at: "\(wednesday) 10:00")
        h.tick()
        beforeStart(&h)
        h.say("alex", "!start \(start)", name: "Alex")
        return h
    }

    func texts(_ messages: [OutboundMessage], kind: OutboundMessage.Kind) -> [String] {
        messages.filter { $0.kind == kind }.map(\.text)
    }

    func principle(_ h: Harness, week: Int) -> Principle {
        let id = h.state.programme.plan[week]
        return h.coach.catalogue.principle(id: id)!
    }

    @Test("the bot introduces itself once and asks everyone to rate")
    func intro() throws {
        var h = Harness(coach: try Fixtures.coach(), at: "2027-01-06 10:00")
        let first = h.tick().queued
        #expect(first.count == 1)
        #expect(first[0].kind == .notice)
        #expect(first[0].text.contains("rate"))
        #expect(h.state.members.count == 4)
        #expect(h.tick().queued.isEmpty)
    }

    @Test("Monday announcement: due at 09:00, once, with why, skills, training and the challenge")
    func announcement() throws {
        var h = try Self.started()
        #expect(h.tick(at: "2027-01-04 08:59").queued.filter { $0.kind == .announcement }.isEmpty)
        let posted = h.tick(at: "2027-01-04 09:00").queued
        let announcements = texts(posted, kind: .announcement)
        #expect(announcements.count == 1)
        let p = principle(h, week: 0)
        let text = try #require(announcements.first)
        #expect(text.contains(p.title))
        #expect(text.contains(p.why))
        #expect(text.contains(p.skills[0]) && text.contains(p.skills[1]))
        #expect(text.contains(p.training[0]))
        #expect(text.contains(p.challenge))
        #expect(!text.contains("late"))
        #expect(h.tick(at: "2027-01-04 09:05").queued.isEmpty)
        #expect(h.tick(at: "2027-01-04 17:00").queued.filter { $0.kind == .announcement }.isEmpty)
        #expect(h.state.weeks.count == 1)
        #expect(h.state.jobs["announce:2027-W01"] == .done)
    }

    @Test("midweek: reminder with the question, private nudges only to members with no example, the away skipped")
    func reminderAndNudges() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 11:00")
        h.say("sam", "!example rebooked a delivery", name: "Sam")
        h.say("jo", "!away until 2027-01-08", name: "Jo")
        let posted = h.tick(at: "2027-01-06 12:00").queued
        let reminder = try #require(posted.first { $0.kind == .reminder })
        #expect(reminder.text.contains(principle(h, week: 0).question))
        // A reminder in the thread of the announcement, never a public list of who has not posted.
        #expect(!reminder.text.contains("Priya") && !reminder.text.contains("Alex"))
        let nudged = posted.filter { $0.kind == .nudge }.map(\.destination)
        #expect(Set(nudged.map { "\($0)" }) == Set([OutboundMessage.Destination.direct(userID: "alex"), .direct(userID: "priya")].map { "\($0)" }))
        #expect(h.tick(at: "2027-01-06 12:30").queued.isEmpty)
    }

    @Test("no private messages on a platform without them: the reminder alone")
    func reminderWithoutDirectMessages() throws {
        var h = try Self.started(capabilities: .init(directMessages: false, threads: false, markup: .plain))
        h.tick(at: "2027-01-04 09:00")
        let posted = h.tick(at: "2027-01-06 12:00").queued
        #expect(posted.map(\.kind) == [.reminder])
        #expect(posted[0].destination == .channel)
    }

    @Test("a reply in the announcement's thread counts as an example; other threads do not")
    func threadReplies() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        let root = try #require(h.state.weeks.last?.announcementPlatformID)
        h.now = h.instant("2027-01-04 11:00")
        let ack = h.say("sam", "Jo stayed late to fix an order", name: "Sam", thread: root)
        #expect(ack.count == 1)
        #expect(ack[0].destination == .thread(rootID: root))
        #expect(h.say("sam", "lunch anyone?", name: "Sam", thread: "some-other-thread").isEmpty)
        #expect(h.say("sam", "plain channel chat", name: "Sam").isEmpty)
        let examples = h.state.examples.inWeek("2027-W01")
        #expect(examples.map(\.text) == ["Jo stayed late to fix an order"])
        #expect(examples[0].source == .threadReply)
    }

    @Test("Friday report-back: examples, who caught whom, counts, goals, follow-ups, ideas and next week")
    func summary() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 10:00")
        h.say("alex", "!goal add Reply time target 4 hours lower tolerance 10% owner @sam", name: "Alex")
        h.say("sam", "!example called a customer back early", name: "Sam")
        h.say("priya", "!caught @jo for calming an upset customer", name: "Priya")
        h.say("alex", "!caught @jo @priya fixed the card reader", name: "Alex")
        h.say("sam", "!goal 1 6", name: "Sam")
        h.say("jo", "!followup website shows old opening hours", name: "Jo")
        h.say("priya", "!idea text customers when the order is packed", name: "Priya")
        h.say("jo", "!means answering the question on the spot", name: "Jo")
        let summary = try #require(texts(h.tick(at: "2027-01-08 16:00").queued, kind: .summary).first)
        for expected in [
            "called a customer back early", "calming an upset customer", "fixed the card reader", "Jo", "Priya", "Sam",
            "Reply time", "website shows old opening hours", "text customers when the order is packed",
            "answering the question on the spot", principle(h, week: 1).title,
        ] {
            #expect(summary.contains(expected), "summary lacks \(expected)")
        }
        // Figures in public, people in private: the goal's line gives its figures, not its owner.
        let goalLine = try #require(summary.split(separator: "\n").first { $0.contains("Reply time") })
        #expect(goalLine.contains("6 hours against an aim of 4 hours") && goalLine.contains("off target"))
        #expect(!goalLine.contains("Sam"))
        #expect(h.state.jobs["summary:2027-W01"] == .done)
        #expect(h.tick(at: "2027-01-08 16:30").queued.isEmpty)
    }

    @Test("the next Monday moves on to the next principle")
    func movesOn() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.tick(at: "2027-01-08 16:00")
        let next = texts(h.tick(at: "2027-01-11 09:00").queued, kind: .announcement)
        #expect(next.count == 1)
        #expect(next[0].contains(principle(h, week: 1).title))
        #expect(h.state.weeks.map(\.index) == [0, 1])
    }

    @Test("every other Monday from week 3 looks back to the principle of two weeks before, with a skill and an example")
    func lookingBack() throws {
        var h = try Self.started(length: 4)
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 10:00")
        h.say("priya", "!caught @jo for calming an upset customer", name: "Priya")
        h.tick(at: "2027-01-08 16:00")
        let week2 = try #require(texts(h.tick(at: "2027-01-11 09:00").queued, kind: .announcement).first)
        #expect(!week2.contains("Looking back"))
        h.tick(at: "2027-01-15 16:00")
        let week3 = try #require(texts(h.tick(at: "2027-01-18 09:00").queued, kind: .announcement).first)
        let first = principle(h, week: 0)
        #expect(week3.contains("Looking back to week 1, \(first.title): is it still part of every day?"))
        #expect(week3.contains("- Keep practising: \(first.skills[3 % first.skills.count])"))
        #expect(week3.contains("- We saw it when Priya caught Jo: calming an upset customer"))
        h.tick(at: "2027-01-22 16:00")
        let week4 = try #require(texts(h.tick(at: "2027-01-25 09:00").queued, kind: .announcement).first)
        #expect(!week4.contains("Looking back"))
    }

    @Test("end of programme with two raters: no average, no overall and no change is shown, and the report says why")
    func endOfProgrammeFewRaters() throws {
        var h = try Self.started(length: 2, beforeStart: { h in
            let all = h.coach.catalogue.principles.count
            h.say("sam", "!rate all " + Array(repeating: "1", count: all).joined(separator: " "), name: "Sam")
            h.say("jo", "!rate all " + Array(repeating: "3", count: all).joined(separator: " "), name: "Jo")
        })
        let all = h.coach.catalogue.principles.count
        for day in ["2027-01-04 09:00", "2027-01-08 16:00", "2027-01-11 09:00", "2027-01-15 16:00", "2027-01-18 09:00"] {
            h.tick(at: day)
        }
        h.now = h.instant("2027-01-18 11:00")
        h.say("sam", "!rate all " + Array(repeating: "5", count: all).joined(separator: " "), name: "Sam")
        h.say("jo", "!rate all " + Array(repeating: "3", count: all).joined(separator: " "), name: "Jo")
        let report = try #require(texts(h.tick(at: "2027-01-22 16:00").queued, kind: .summary).first)
        #expect(report.contains("\(principle(h, week: 0).title): too few raters → too few raters"), "\(report)")
        #expect(!report.contains("Overall:") && !report.contains("Improved:") && !report.contains("2.0") && !report.contains("4.0"))
        #expect(report.contains("An average shows only where at least 3 people rated"))
    }

    @Test("end of programme: re-rating, a before/after report, then a new cycle")
    func endOfProgramme() throws {
        // The baseline is what the team rated before the start.
        var h = try Self.started(length: 2, beforeStart: { h in
            let all = h.coach.catalogue.principles.count
            h.say("sam", "!rate all " + Array(repeating: "1", count: all).joined(separator: " "), name: "Sam")
            h.say("jo", "!rate all " + Array(repeating: "3", count: all).joined(separator: " "), name: "Jo")
            h.say("alex", "!rate all " + Array(repeating: "5", count: all).joined(separator: " "), name: "Alex")
        })
        let all = h.coach.catalogue.principles.count
        for day in ["2027-01-04 09:00", "2027-01-08 16:00", "2027-01-11 09:00", "2027-01-15 16:00"] { h.tick(at: day) }
        let finish = h.tick(at: "2027-01-18 09:00").queued
        #expect(finish.count == 1)
        #expect(h.state.programme.phase == .finished)
        #expect(h.state.ratingRounds.last?.purpose == .rerate)
        h.now = h.instant("2027-01-18 11:00")
        h.say("sam", "!rate all " + Array(repeating: "5", count: all).joined(separator: " "), name: "Sam")
        h.say("jo", "!rate all " + Array(repeating: "3", count: all).joined(separator: " "), name: "Jo")
        h.say("alex", "!rate all " + Array(repeating: "5", count: all).joined(separator: " "), name: "Alex")
        let report = try #require(texts(h.tick(at: "2027-01-22 16:00").queued, kind: .summary).first)
        #expect(report.contains(principle(h, week: 0).title))
        // Before 1, 3, 5; after 5, 3, 5.
        #expect(report.contains("3.0 → 4.3 (+1.3)"), "\(report)")
        #expect(report.contains("Overall: 3.0 → 4.3"))
        #expect(!report.contains("too few raters"))
        #expect(h.tick(at: "2027-01-25 09:00").queued.isEmpty)
        let restarted = h.say("alex", "!cycle new", name: "Alex")
        #expect(!restarted.isEmpty)
        #expect(h.state.programme.cycle == 2)
        #expect(h.state.programme.phase == .setup)
        #expect(h.state.ratingRounds.last?.scores["sam"]?.values.allSatisfy { $0 == 5 } == true)
    }

    @Test("pause stops the week's posts; resume posts the missed Monday post without a late note")
    func pauseAndResume() throws {
        var h = try Self.started()
        h.now = h.instant("2027-01-03 18:00")
        h.say("alex", "!pause", name: "Alex")
        #expect(h.tick(at: "2027-01-04 09:00").queued.isEmpty)
        #expect(h.state.weeks.isEmpty)
        h.now = h.instant("2027-01-05 10:00")
        let resumed = h.say("alex", "!resume", name: "Alex")
        let announcement = try #require(resumed.first { $0.kind == .announcement })
        #expect(announcement.text.contains(principle(h, week: 0).title))
        #expect(h.state.jobs["announce:2027-W01"] == .done)
    }

    @Test("skip this week: the opened principle returns and runs next week")
    func skip() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        let first = principle(h, week: 0)
        h.now = h.instant("2027-01-05 10:00")
        let notice = h.say("alex", "!skip", name: "Alex")
        #expect(notice.contains { $0.destination == .channel })
        #expect(h.state.weeks.isEmpty)
        #expect(h.tick(at: "2027-01-08 16:00").queued.isEmpty)
        let next = texts(h.tick(at: "2027-01-11 09:00").queued, kind: .announcement)
        #expect(next.first?.contains(first.title) == true)
    }

    @Test("members may not use admin commands")
    func adminOnly() throws {
        var h = try Self.started()
        let refusal = h.say("sam", "!pause", name: "Sam")
        #expect(refusal.count == 1)
        #expect(!h.state.programme.paused)
        #expect(refusal[0].text.contains("pause"))
    }

    @Test("a holiday week rests; the principle waits for the next week")
    func holidayWeek() throws {
        var h = try Self.started(adjust: { $0.holidays = [HolidayRangeParsing.range("2027-01-11..2027-01-15")] })
        h.tick(at: "2027-01-04 09:00")
        h.tick(at: "2027-01-08 16:00")
        #expect(h.tick(at: "2027-01-11 09:00").queued.isEmpty)
        #expect(h.state.programme.skippedWeeks == ["2027-W02"])
        let later = texts(h.tick(at: "2027-01-18 09:00").queued, kind: .announcement)
        #expect(later.first?.contains(principle(h, week: 1).title) == true)
    }

    @Test("a holiday on Monday moves the announcement to Tuesday")
    func holidayMonday() throws {
        var h = try Self.started(adjust: { $0.holidays = [HolidayRangeParsing.range("2027-01-04")] })
        #expect(h.tick(at: "2027-01-04 09:00").queued.isEmpty)
        #expect(texts(h.tick(at: "2027-01-05 09:00").queued, kind: .announcement).count == 1)
    }

    @Test("DST: the Monday post is at 09:00 local on both sides of the spring change")
    func springForward() throws {
        var h = try Self.started("2027-03-22")
        #expect(texts(h.tick(at: "2027-03-22 09:00").queued, kind: .announcement).count == 1)
        let firstUTC = h.now
        h.tick(at: "2027-03-26 16:00")
        #expect(h.tick(at: "2027-03-29 08:59").queued.filter { $0.kind == .announcement }.isEmpty)
        #expect(texts(h.tick(at: "2027-03-29 09:00").queued, kind: .announcement).count == 1)
        // One hour less than a week of real time: the clocks went forward on Sunday 28 March.
        #expect(h.now.timeIntervalSince(firstUTC) == 7 * 86_400 - 3_600)
    }

    @Test("DST: the autumn change week keeps the Friday summary at 16:00 local")
    func fallBack() throws {
        var h = try Self.started("2026-10-19")
        h.tick(at: "2026-10-19 09:00")
        h.tick(at: "2026-10-23 16:00")
        h.tick(at: "2026-10-26 09:00")
        #expect(h.tick(at: "2026-10-30 15:59").queued.filter { $0.kind == .summary }.isEmpty)
        let posted = h.tick(at: "2026-10-30 16:00").queued
        #expect(texts(posted, kind: .summary).count == 1)
        let utc = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: h.now)
        #expect(utc.hour == 16)
    }

    /// A restart: the state goes through JSON as the store keeps it, and a new engine instance picks it up.
    static func restart(_ h: Harness) throws -> Harness {
        let data = try JSONCoding.encoder.encode(h.state)
        var fresh = Harness(coach: try Fixtures.coach { config in
            config.programme.suggestedLength = h.coach.config.programme.suggestedLength
            config.holidays = []
        }, at: "2027-01-01 00:00")
        fresh.state = try JSONCoding.decoder.decode(CoachState.self, from: data)
        fresh.now = h.now
        return fresh
    }

    @Test("restart after a missed Monday: the announcement posts late, once, and says so")
    func missedMonday() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-03 20:00")
        // Down from Sunday evening until Tuesday morning.
        var back = try Self.restart(h)
        let late = texts(back.tick(at: "2027-01-05 08:30").queued, kind: .announcement)
        #expect(late.count == 1)
        #expect(late[0].contains("Monday 09:00"))
        #expect(back.state.jobs["announce:2027-W01"] == .late)
        var again = try Self.restart(back)
        #expect(again.tick(at: "2027-01-05 08:31").queued.isEmpty)
    }

    @Test("no double post: a restart right after Monday's post posts nothing")
    func noDoublePost() throws {
        var h = try Self.started()
        #expect(texts(h.tick(at: "2027-01-04 09:00").queued, kind: .announcement).count == 1)
        var back = try Self.restart(h)
        #expect(back.tick(at: "2027-01-04 09:01").queued.isEmpty)
        #expect(back.tick(at: "2027-01-04 12:00").queued.isEmpty)
    }

    @Test("down for a whole Friday-to-Monday: last week's summary is skipped and logged, the new week goes on")
    func missedWeekend() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.tick(at: "2027-01-06 12:00")
        var back = try Self.restart(h)
        let outcome = back.tick(at: "2027-01-11 09:00")
        #expect(back.state.jobs["summary:2027-W01"] == .skipped)
        #expect(outcome.notes.contains { $0.level == .warning && $0.metadata["job"] == "summary:2027-W01" })
        #expect(texts(outcome.queued, kind: .announcement).first?.contains(principle(back, week: 1).title) == true)
        #expect(outcome.queued.filter { $0.kind == .summary }.isEmpty)
    }

    @Test("late start in the week: the reminder is skipped once the summary is due")
    func lateReminderSkipped() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-03 20:00")
        var back = try Self.restart(h)
        let posted = back.tick(at: "2027-01-08 17:00").queued
        #expect(posted.map(\.kind).filter { $0 != .nudge } == [.announcement, .summary])
        #expect(back.state.jobs["reminder:2027-W01"] == .skipped)
    }

    @Test("a duplicate message id is applied once")
    func duplicates() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        let message = InboundMessage(id: "same", senderID: "sam", senderName: "Sam", text: "!example once")
        _ = h.receive([message])
        _ = h.receive([message])
        #expect(h.state.examples.inWeek("2027-W01").count == 1)
    }
}

/// Builds holiday ranges through the config parser, the same path a config file takes.
enum HolidayRangeParsing {
    static func range(_ text: String) -> HolidayRange {
        let json = #"{"holidays": ["\#(text)"]}"#
        return try! CoachConfig(json: Array(json.utf8)).holidays[0]
    }
}

@Suite("Starting and resuming mid-week")
struct MidWeekStartTests {
    @Test("start now on a Thursday: the announcement at once, no echoing reminder, the summary on Friday")
    func startThursday() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-07 10:00")
        h.tick()
        let posted = h.say("alex", "!start now", name: "Alex")
        #expect(posted.map(\.kind) == [.reply, .announcement])
        #expect(!posted[1].text.contains("late"))
        #expect(h.state.jobs["reminder:2027-W01"] == .skipped)
        #expect(h.tick(at: "2027-01-08 16:00").queued.map(\.kind) == [.summary])
    }

    @Test("start now at the weekend means the coming Monday: no instant announcement and summary")
    func startSunday() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-10 18:00")
        h.tick()
        let posted = h.say("alex", "!start now", name: "Alex")
        #expect(posted.map(\.kind) == [.reply])
        #expect(h.state.programme.startDate == LocalDate("2027-01-11"))
        #expect(h.tick(at: "2027-01-11 09:00").queued.map(\.kind) == [.announcement])
    }

    @Test("resumed after the week's summary time: that week's principle moves to the next week")
    func resumeAfterSummaryTime() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-01 10:00")
        h.tick()
        h.say("alex", "!start 2027-01-04", name: "Alex")
        h.say("alex", "!pause", name: "Alex")
        h.now = h.instant("2027-01-09 10:00")
        let resumed = h.say("alex", "!resume", name: "Alex")
        #expect(resumed.map(\.kind) == [.reply])
        #expect(h.state.programme.skippedWeeks == ["2027-W01"])
        let monday = h.tick(at: "2027-01-11 09:00").queued
        let first = h.coach.catalogue.principle(id: h.state.programme.plan[0])!
        #expect(monday.first?.text.contains(first.title) == true)
    }
}

@Suite("Skipping before the start")
struct SkipBeforeStartTests {
    @Test("skip before the programme starts changes nothing and says why")
    func skipBeforeStart() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-05 10:00")
        h.tick()
        let reply = h.say("alex", "!skip", name: "Alex")
        #expect(reply.count == 1 && reply[0].kind == .reply)
        #expect(reply[0].text.contains("!start"))
        #expect(h.state.programme.skippedWeeks.isEmpty)
    }
}
