@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

@Suite("The manager's weekly digest")
struct ManagerDigestTests {
    static let header = "your weekly digest as a manager"

    /// What went to each person privately in one step, by member id.
    static func direct(_ messages: [OutboundMessage]) -> [String: [OutboundMessage]] {
        var byMember: [String: [OutboundMessage]] = [:]
        for message in messages {
            if case .direct(let id) = message.destination { byMember[id, default: []].append(message) }
        }
        return byMember
    }

    @Test("on its day each admin gets one private message, the check-in and the digest together; never the channel")
    func onItsDay() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let sent = h.tick(at: "2027-01-18 10:00").queued
        let toAlex = try #require(Self.direct(sent)["alex"])
        #expect(toAlex.count == 1)
        let digest = toAlex[0].text
        #expect(toAlex[0].kind == .nudge)
        #expect(digest.hasPrefix("Hi Alex, your check-in for today, then \(Self.header), private to you:"))
        #expect(digest.contains("- Follow-up 1: \"a loose shelf\""), "the check-in's own item comes first")
        #expect(Self.direct(sent)["sam"]?.first?.text.contains(Self.header) == false, "members get their check-in only")
        #expect(!sent.contains { $0.destination == .channel && $0.text.contains("weekly digest") })
        #expect(h.state.jobs[ManagerDigest.jobKey("2027-W03")] == .done)

        #expect(digest.contains("We're in week 3:"))
        #expect(digest.contains("Examples per week, weeks 1–2: █▆ (3 → 2)"), "up to the last week reported, not the one begun")
        #expect(digest.contains("Not recognised in the last 2 weeks or this week so far"))
        #expect(digest.contains("- Alex, not yet this cycle"))
        #expect(!digest.contains("- Priya"), "away people are resting, not quiet")
        #expect(digest.contains("- 2 of 4 of us recognised, in 3 shout-outs."))
        #expect(digest.contains("- Given by 3: Alex, Jo, Sam."), "alphabetical, and no counts: not a leaderboard")
        #expect(digest.contains("the most from one person is 1 of 3 (33%)"))
        #expect(digest.contains("Follow-ups open longer than 7 days:\n- 1: a loose shelf (Alex, open 14 days)"))
        #expect(digest.contains("Corrective actions overdue (open longer than 7 days):\n- Goal 1, Reply time: a second person on the phones (Sam, follow-up 2, open 13 days)"))
        #expect(digest.contains("Ideas waiting for an answer (2), oldest first:\n- 1: a welcome card (Jo, 2027-01-06)"))
        #expect(digest.contains("- Goal 1, Reply time (Sam): 6 hours against an aim of 4 hours; action under way: a second person on the phones"))
        #expect(digest.contains("  Readings: ▁█ (3 → 6); aim 4 hours, down is good"))
        #expect(!digest.contains("Nothing needs you this week"))
    }

    @Test("one week and one day read as such")
    func singular() throws {
        var h = try ProgrammeFiguresTests.threeWeeks(quietWeeks: 1) { $0.digest.followUpDays = 1 }
        let digest = try #require(h.say("alex", "digest", name: "Alex", direct: true).first).text
        #expect(digest.contains("Not recognised last week or this week so far"))
        #expect(digest.contains("Shared no example last week or this week so far"))
        #expect(digest.contains("Follow-ups open longer than a day:"))
        #expect(digest.contains("Corrective actions overdue (open longer than a day):"))
    }

    @Test("at most one a week: later check-ins that week carry no digest, and the next week brings the next")
    func onceAWeek() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        h.tick(at: "2027-01-18 10:00")
        for time in ["2027-01-18 15:00", "2027-01-19 10:00", "2027-01-20 10:00", "2027-01-22 16:00"] {
            #expect(!h.tick(at: time).queued.contains { $0.text.contains(Self.header) }, "\(time)")
        }
        let next = h.tick(at: "2027-01-25 10:00").queued.filter { $0.text.contains(Self.header) }
        #expect(next.count == 1 && next[0].destination == .direct(userID: "alex"))
    }

    @Test("with a later time, members' check-ins go at the usual time and each admin's with the digest, once that day")
    func laterTime() throws {
        var h = try ProgrammeFiguresTests.threeWeeks { $0.digest.time = DailyTime(hour: 15, minute: 0) }
        let morning = Self.direct(h.tick(at: "2027-01-18 10:00").queued)
        #expect(morning["sam"] != nil && morning["alex"] == nil)
        let afternoon = Self.direct(h.tick(at: "2027-01-18 15:00").queued)
        #expect(afternoon["alex"]?.count == 1 && afternoon["sam"] == nil)
        #expect(afternoon["alex"]?.first?.text.contains("- Follow-up 1:") == true)
        // What a training's reminder promises follows the same time: an admin's check-in that day is at 15:00.
        let coach = h.coach
        var state = h.state
        let (adminsCheckIn, membersCheckIn) = (h.instant("2027-01-25 15:00"), h.instant("2027-01-25 10:00"))
        _ = coach.transact(&state, at: h.now) { tx in
            let monday = LocalDate(year: 2027, month: 1, day: 25)
            #expect(DailyDigest.checkInDue(for: "alex", on: monday, in: tx.calendar, tx) == adminsCheckIn)
            #expect(DailyDigest.checkInDue(for: "sam", on: monday, in: tx.calendar, tx) == membersCheckIn)
        }
        #expect(h.coach.schedule.nextWakeUp(after: h.instant("2027-01-25 10:00")) == h.instant("2027-01-25 15:00"))
    }

    @Test("what a training's reminder promises follows an admin's later check-in on the digest's day")
    func trainingReminderPromise() throws {
        func reply(_ owner: String, digestAt hour: Int) throws -> String {
            var h = try ProgrammeFiguresTests.threeWeeks { $0.digest.time = DailyTime(hour: hour, minute: 0) }
            h.tick(at: "2027-01-22 16:00")
            h.now = h.instant("2027-01-22 17:00")
            return try #require(h.say("alex", "!training monday 14:00 owner @\(owner)", name: "Alex").first).text
        }
        #expect(try reply("alex", digestAt: 10).contains("Alex gets a reminder in their check-in on Monday 10:00"))
        #expect(try reply("alex", digestAt: 15).contains("No check-in of Alex's comes before it"))
        #expect(try reply("sam", digestAt: 15).contains("Sam gets a reminder in their check-in on Monday 10:00"))
    }

    @Test("on a holiday, or a day off, the digest moves to the next open day of the week")
    func movesOffDaysOff() throws {
        var h = try ProgrammeFiguresTests.threeWeeks {
            $0.holidays = [HolidayRange(first: LocalDate(year: 2027, month: 1, day: 18), last: LocalDate(year: 2027, month: 1, day: 18))]
        }
        #expect(h.tick(at: "2027-01-18 10:00").queued.filter { $0.text.contains(Self.header) }.isEmpty)
        #expect(h.tick(at: "2027-01-19 10:00").queued.filter { $0.text.contains(Self.header) }.count == 1)
        let saturday = try Fixtures.coach { $0.digest.day = 7 }.schedule
        let monday = LocalDate(year: 2027, month: 1, day: 18)
        #expect(saturday.digestDue(monday: monday) == Harness.instant("2027-01-22 10:00", try Fixtures.coach()),
            "no open day after Saturday: the last one before it")
        #expect(try Fixtures.coach { $0.digest.enabled = false }.schedule.digestDue(monday: monday) == nil)
    }

    @Test("an admin away gets none that week; switched off, nobody gets one")
    func awayOrOff() throws {
        var away = try ProgrammeFiguresTests.threeWeeks()
        away.say("alex", "!away until 2027-01-19", name: "Alex")
        for time in ["2027-01-18 10:00", "2027-01-20 10:00", "2027-01-22 10:00"] {
            #expect(!away.tick(at: time).queued.contains { $0.text.contains(Self.header) })
        }
        var off = try ProgrammeFiguresTests.threeWeeks { $0.digest.enabled = false }
        let sent = Self.direct(off.tick(at: "2027-01-18 10:00").queued)
        #expect(sent["alex"]?.first?.text.hasPrefix("Hi Alex, your check-in for today:") == true)
        #expect(sent["alex"]?.first?.text.contains(Self.header) == false)
    }

    @Test("missed on its day, it goes with the admin's next check-in that week, once")
    func missedDay() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let tuesday = h.tick(at: "2027-01-19 11:00").queued
        #expect(Self.direct(tuesday)["alex"]?.count == 1)
        #expect(Self.direct(tuesday)["alex"]?.first?.text.contains(Self.header) == true)
        #expect(!h.tick(at: "2027-01-20 10:00").queued.contains { $0.text.contains(Self.header) })
        // A whole week missed is not made up: the next week has its own.
        var late = try ProgrammeFiguresTests.threeWeeks()
        let next = late.tick(at: "2027-01-25 10:00").queued.filter { $0.text.contains(Self.header) }
        #expect(next.count == 1)
        #expect(late.state.jobs[ManagerDigest.jobKey("2027-W03")] == nil)
    }

    @Test("where there are no private messages it is not sent, the log says why, and digest says so in the channel")
    func noPrivateMessages() throws {
        var h = try ProgrammeFiguresTests.threeWeeks(capabilities: .init(directMessages: false, threads: false, markup: .plain))
        let outcome = h.tick(at: "2027-01-18 10:00")
        #expect(!outcome.queued.contains { $0.text.contains(Self.header) })
        #expect(outcome.notes.contains { $0.message.contains("manager digest not sent") })
        #expect(h.state.jobs[ManagerDigest.jobKey("2027-W03")] == .skipped)
        let reply = h.say("alex", "!digest", name: "Alex")
        #expect(reply.count == 1 && reply[0].destination == .channel)
        #expect(reply[0].text.contains("stays out of the channel"))
        #expect(!reply[0].text.contains("Not recognised"))
    }

    @Test("digest on request: privately, for admins only")
    func onRequest() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let inChannel = h.say("alex", "!digest", name: "Alex")
        #expect(inChannel.count == 2)
        #expect(inChannel[0].destination == .direct(userID: "alex") && inChannel[0].kind == .reply)
        #expect(inChannel[0].text.hasPrefix("Hi Alex, \(Self.header), private to you."))
        #expect(inChannel[1].destination == .channel && inChannel[1].text.contains("sent you the digest privately"))
        let direct = h.say("alex", "digest", name: "Alex", direct: true)
        #expect(direct.count == 1 && direct[0].destination == .direct(userID: "alex"))
        let member = try #require(h.say("sam", "!digest", name: "Sam").first)
        #expect(member.text.contains("that one is for admins"))
        #expect(try #require(h.say("alex", "!digest now", name: "Alex").first).text.contains("How to use !digest"))
    }

    @Test("in a programme's first week there is nothing to look back on yet")
    func firstWeek() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-04 08:00")
        h.tick()
        for text in ["!rate 4 5", "!programme accept", "!start now"] { h.say("alex", text, name: "Alex") }
        #expect(!h.tick(at: "2027-01-04 10:00").queued.contains { $0.text.contains(Self.header) })
        #expect(h.state.jobs[ManagerDigest.jobKey("2027-W01")] == .skipped)
    }

    @Test("all clear says so")
    func allClear() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        for text in ["!fixed 1 done", "!fixed 2 done", "!idea answer 1 yes", "!idea answer 2 yes", "!goal 1 3"] {
            h.say("alex", text, name: "Alex")
        }
        h.say("jo", "!caught @alex @priya thanks", name: "Jo")
        let digest = try #require(h.say("alex", "digest", name: "Alex", direct: true).first).text
        #expect(digest.contains("Nothing needs you this week"), "\(digest)")
        #expect(digest.contains("- nobody: everyone here was caught doing something right."))
    }

    @Test("admins answer ideas; members cannot, and an idea that starts with the word stays an idea")
    func answeringIdeas() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let answered = try #require(h.say("alex", "!idea answer 1 Yes, from March", name: "Alex").first).text
        #expect(answered.contains("idea 1 (Jo: a welcome card) now has your answer: Yes, from March"))
        #expect(answered.contains("Ideas still waiting for an answer: 1."))
        #expect(h.state.ideas[0].answer?.text == "Yes, from March")
        #expect(try #require(h.say("sam", "!idea answer 2 no", name: "Sam").first).text.contains("that one is for admins"))
        #expect(try #require(h.say("alex", "!idea answer 9 no", name: "Alex").first).text.contains("There's no idea 9"))
        #expect(try #require(h.say("alex", "!idea answer 2", name: "Alex").first).text.contains("How to use !idea"))
        h.say("sam", "!idea answer the phone by the third ring", name: "Sam")
        #expect(h.state.ideas.last?.text == "answer the phone by the third ring")
        let list = try #require(h.say("sam", "!ideas", name: "Sam").first).text
        #expect(list.contains("- 1. a welcome card (Jo). Answer from Alex: Yes, from March"))
    }
}
