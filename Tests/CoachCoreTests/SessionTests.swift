@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// Seed 000's step 8: "at the end of the week hold a 'report back' session where everyone reports".
@Suite("The report-back session")
struct SessionTests {
    static func started(session: String? = nil, capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain)) throws -> Harness {
        let coach = try Fixtures.coach(capabilities: capabilities) { config in
            config.programme.suggestedLength = 2
            config.programme.openingWeek = false
            config.holidays = []
            if let session { config.schedule.weekly[.session] = try! WeeklyTime(parsing: session, field: "schedule.session") }
        }
        var h = Harness(coach: coach, at: "2026-12-30 10:00")
        h.tick()
        h.say("alex", "!start 2027-01-04", name: "Alex")
        h.tick(at: "2027-01-04 09:00")
        return h
    }

    @Test("the report-back carries a ten-minute agenda: shout-outs read out, one example each, one thing to keep, one to change")
    func agendaInTheReportBack() throws {
        var h = try Self.started()
        h.now = h.instant("2027-01-05 10:00")
        h.say("sam", "!caught @jo kept a queue of six calm and moving", name: "Sam")
        let report = try #require(h.tick(at: "2027-01-08 16:00").queued.first { $0.kind == .summary }?.text)
        let agenda = try #require(report.range(of: "Report-back session: ten minutes, standing up"))
        #expect(report.range(of: "Caught doing something right:").map { $0.lowerBound < agenda.lowerBound } == true)
        for item in [
            "1. (2 min) Read out this week's shout-outs above.", "2. (4 min) Round the room: each of us gives one example of",
            "3. (2 min) Each of us: one thing to keep doing.", "4. (2 min) Each of us: one thing to change.",
        ] {
            #expect(report.contains(item), "agenda lacks \(item)")
        }
        #expect(h.state.jobs["session:2027-W01"] == .skipped, "no session time: nothing posted ahead")
    }

    @Test("a long report-back puts the agenda in its headline, pointing at the shout-outs in the thread")
    func agendaInTheHeadline() throws {
        var h = try Self.started()
        h.now = h.instant("2027-01-05 10:00")
        for i in 0..<30 { h.say(i % 2 == 0 ? "sam" : "priya", "!caught @jo helped customer number \(i) find the right size in the stockroom", name: i % 2 == 0 ? "Sam" : "Priya") }
        let posts = h.tick(at: "2027-01-08 16:00").queued.filter { $0.kind == .summary }
        #expect(posts.count == 2)
        #expect(posts[0].text.contains("Read out this week's shout-outs, in the thread below."))
        #expect(!posts[1].text.contains("Report-back session"), "the thread holds the lists, not the agenda again")
    }

    @Test("with schedule.session, the agenda and the shout-outs go out ahead of the meeting, once, and the report-back leaves it out")
    func sessionPostedAhead() throws {
        var h = try Self.started(session: "friday 15:30")
        h.now = h.instant("2027-01-05 10:00")
        h.say("sam", "!caught @jo kept a queue of six calm and moving", name: "Sam")
        h.say("jo", "!example rang a customer back the same hour", name: "Jo")
        h.tick(at: "2027-01-06 12:00")
        #expect(h.tick(at: "2027-01-08 15:29").queued.isEmpty)
        let session = try #require(h.tick(at: "2027-01-08 15:30").queued.first?.text)
        #expect(session.hasPrefix("Time for our report-back on week 1:"))
        #expect(session.contains("1. (2 min) Read out this week's shout-outs below."))
        #expect(session.contains("- Sam → Jo: kept a queue of six calm and moving"))
        #expect(session.contains("they count in this week's report-back"))
        #expect(!session.contains("rang a customer back"), "own examples are for the round, not read out")
        #expect(h.state.jobs["session:2027-W01"] == .done)
        #expect(h.tick(at: "2027-01-08 15:45").queued.isEmpty)
        let report = try #require(h.tick(at: "2027-01-08 16:00").queued.first { $0.kind == .summary }?.text)
        #expect(!report.contains("Report-back session"))
    }

    @Test("a session time out of order with the week's posts is refused, naming the order")
    func sessionOrder() throws {
        let json = #"{"schedule": {"session": "saturday 10:00"}}"#
        do {
            _ = try CoachConfig(json: Array(json.utf8))
            Issue.record("a session after the summary was accepted")
        } catch {
            #expect(error.description.contains("announce, reminder, session, summary"))
        }
    }

    @Test("a session on a holiday moves to the open day before, like the report-back")
    func sessionOnHoliday() throws {
        let coach = try Fixtures.coach { config in
            config.schedule.weekly[.session] = WeeklyTime(weekday: 6, hour: 15, minute: 30)
            config.holidays = [HolidayRange(first: LocalDate("2027-01-08")!, last: LocalDate("2027-01-08")!)]
        }
        let due = try #require(coach.schedule.due(.session, monday: LocalDate("2027-01-04")!))
        #expect(coach.calendar.localDate(of: due) == LocalDate("2027-01-07"))
    }
}
