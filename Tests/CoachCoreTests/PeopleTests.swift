@testable import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// Shared by the feedback, training, record and monthly suites: a running programme and a clock that moves through
/// every wake-up, as the live loop does.
enum People {
    /// A six-week programme started on Monday 2027-01-04, set up the Wednesday before; admin Alex, members Sam, Jo,
    /// Priya.
    static func started(
        capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain), length: Int = 6
    ) throws -> Harness {
        try WeeklyCycleTests.started(length: length, capabilities: capabilities)
    }

    /// Runs every wake-up up to a local time, and returns everything queued on the way.
    @discardableResult
    static func advance(_ h: inout Harness, to text: String) -> [OutboundMessage] {
        let end = h.instant(text)
        var queued: [OutboundMessage] = []
        var next = h.coach.nextWakeUp(after: h.now, state: h.state)
        while next <= end {
            h.now = next
            queued += h.tick().queued
            next = h.coach.nextWakeUp(after: h.now, state: h.state)
        }
        h.now = end
        queued += h.tick().queued
        return queued
    }

    static func privates(_ messages: [OutboundMessage], to member: String) -> [OutboundMessage] {
        messages.filter { $0.destination == .direct(userID: member) }
    }

    static func summaries(_ messages: [OutboundMessage]) -> String {
        messages.filter { $0.kind == .summary }.map(\.text).joined(separator: "\n")
    }

    static func parse(_ text: String) -> ParseResult { CommandParser(botName: "coach").parse(text, addressed: false) }
}

@Suite("Customer feedback")
struct CustomerFeedbackTests {
    @Test("every form parses; wrong forms get the right form back", arguments: [
        ("!feedback nice", ParseProblem.badForm),
        ("!feedback complaint", .missingText),
        ("!feedback compliment", .missingText),
        ("!feedback complaint owner @sam", .missingText),
        ("!feedback 3", .badForm),
        ("!feedback 3 owner", .missingMention),
        ("!feedback 3 owner sam", .missingMention),
        ("!feedback 3 to @sam", .badForm),
    ])
    func wrongForms(_ text: String, _ problem: ParseProblem) {
        #expect(People.parse(text) == .malformed(command: "feedback", problem: problem))
    }

    @Test("the forms read what was meant")
    func forms() throws {
        func form(_ text: String) -> (any CommandForm)? {
            guard case .command(let command) = People.parse(text) else { return nil }
            return command.form
        }
        #expect(form("!feedback") as? CustomerFeedback.List != nil)
        #expect(form("!feedback list") as? CustomerFeedback.List != nil)
        #expect(form("!complaints") as? CustomerFeedback.List != nil)
        #expect(form("!feedback compliment Loved the card") as? CustomerFeedback.Log
            == .init(kind: .compliment, text: "Loved the card", owner: nil))
        #expect(form("!feedback complaint Parcel late owner @sam") as? CustomerFeedback.Log
            == .init(kind: .complaint, text: "Parcel late", owner: "sam"))
        // Only a trailing `owner @name` names an owner; the complaint's own words may say "owner".
        #expect(form("!feedback complaint the owner was rude") as? CustomerFeedback.Log
            == .init(kind: .complaint, text: "the owner was rude", owner: nil))
        #expect(form("!complaint Parcel late") as? CustomerFeedback.Log == .init(kind: .complaint, text: "Parcel late", owner: nil))
        #expect(form("!compliment Quick reply") as? CustomerFeedback.Log == .init(kind: .compliment, text: "Quick reply", owner: nil))
        #expect(form("!feedback #4 owner @jo") as? CustomerFeedback.Assign == .init(id: 4, owner: "jo"))
        // A compliment's words are all text.
        #expect(form("!feedback compliment thanks to the owner @sam") as? CustomerFeedback.Log
            == .init(kind: .compliment, text: "thanks to the owner @sam", owner: nil))
    }

    @Test("a complaint becomes a follow-up with an owner in one step, or later; it is open until the follow-up is fixed")
    func complaintToFollowUp() throws {
        var h = try People.started()
        h.tick(at: "2027-01-04 09:00")
        let thanks = h.say("jo", "!feedback compliment Mrs Dube loved the handwritten card", name: "Jo")
        #expect(thanks[0].text.contains("compliment 1 is logged"))
        let logged = h.say("jo", "!feedback complaint The parcel came two days late owner @sam", name: "Jo")
        let item = try #require(h.state.followUps.last)
        #expect(item.feedbackID == 2 && item.ownerID == "sam" && item.text == "The parcel came two days late")
        #expect(logged[0].text.contains("Complaint 2 is logged") && logged[0].text.contains("follow-up \(item.id) is Sam's"))
        let bare = h.say("priya", "!complaint Nobody called back about the refund", name: "Priya")
        #expect(bare[0].text.contains("!feedback 3 owner @name"))
        #expect(h.state.followUps.count == 1)
        let assigned = h.say("alex", "!feedback 3 owner @priya", name: "Alex")
        #expect(assigned[0].text.contains("is Priya's"))
        #expect(h.state.followUps.last?.feedbackID == 3)
        // One follow-up per complaint; compliments are not followed up; an unknown number is named.
        #expect(h.say("jo", "!feedback 3 owner @jo", name: "Jo")[0].text.contains("already has its follow-up"))
        #expect(h.say("jo", "!feedback 1 owner @jo", name: "Jo")[0].text.contains("is a compliment"))
        #expect(h.say("jo", "!feedback 9 owner @jo", name: "Jo")[0].text.contains("There's no feedback 9"))
        #expect(h.state.followUps.count == 2)
        #expect(h.state.feedback.filter(h.state.isOpenComplaint).map(\.id) == [2, 3])
        h.say("sam", "!fixed \(item.id) resent by courier and refunded the postage", name: "Sam")
        #expect(h.state.feedback.filter(h.state.isOpenComplaint).map(\.id) == [3])
        // The follow-up list and the owner's check-in say which complaint a follow-up is for.
        #expect(h.say("sam", "!followups", name: "Sam")[0].text.contains("customer complaint 3"))
    }

    @Test("feedback on its own lists this week's entries and the complaints still open from before")
    func list() throws {
        var h = try People.started()
        h.tick(at: "2027-01-04 09:00")
        h.say("jo", "!complaint Wrong size sent", name: "Jo")
        h.say("jo", "!complaint Rude on the phone owner @sam", name: "Jo")
        h.say("sam", "!fixed 1 apologised and coached", name: "Sam")
        h.now = h.instant("2027-01-12 11:00")
        h.say("priya", "!compliment Fast delivery", name: "Priya")
        let list = h.say("alex", "!feedback", name: "Alex")[0].text
        #expect(list.contains("compliments 1 · complaints 0"))
        #expect(list.contains("Fast delivery"))
        #expect(list.contains("Complaints from earlier weeks still open"))
        #expect(list.contains("Wrong size sent") && list.contains("no owner yet"))
        #expect(!list.contains("Rude on the phone"), "a resolved complaint from an earlier week is not listed")
        var empty = try People.started()
        #expect(empty.say("sam", "!feedback", name: "Sam")[0].text.contains("No customer feedback this week"))
    }

    @Test("the report-back counts feedback once and lists complaints still open, not again as follow-ups")
    func reportBack() throws {
        var h = try People.started()
        h.tick(at: "2027-01-04 09:00")
        h.say("jo", "!compliment Loved the card", name: "Jo")
        h.say("jo", "!compliment Quick answer on the phone", name: "Jo")
        h.say("jo", "!complaint The parcel came late owner @sam", name: "Jo")
        h.say("priya", "!complaint Wrong size sent", name: "Priya")
        h.say("priya", "!complaint Waited on hold owner @jo", name: "Priya")
        h.say("jo", "!fixed 2 added a second person to the phones", name: "Jo")
        let friday = People.summaries(People.advance(&h, to: "2027-01-08 16:00"))
        #expect(friday.contains("Customer feedback since the last report-back: compliments 2 · complaints 3"))
        #expect(friday.contains("Complaints still open"))
        #expect(friday.contains("The parcel came late (2027-01-04; follow-up 1, Sam)"))
        #expect(friday.contains("Wrong size sent (2027-01-04; no owner yet"))
        #expect(!friday.contains("Waited on hold"), "a resolved complaint is not open")
        #expect(!friday.contains("Open follow-ups"), "a complaint's follow-up is listed once, under the complaint")
        let next = People.summaries(People.advance(&h, to: "2027-01-15 16:00"))
        #expect(!next.contains("Customer feedback since"), "feedback is counted in one report-back only")
        #expect(next.contains("Complaints still open"))
    }
}

@Suite("Training with an owner and a time")
struct TrainingTests {
    @Test("wrong forms get the right form back", arguments: [
        ("!training someday 15:00", ParseProblem.badDay),
        ("!training th 15:00", .badDay),
        ("!training thursday", .badTime),
        ("!training thursday 25:00", .badTime),
        ("!training thursday 3pm", .badTime),
        ("!training thursday 15:00 sam", .badForm),
        ("!training thursday 15:00 owner sam", .missingMention),
        ("!training thursday 15:00 owner", .missingMention),
    ])
    func wrongForms(_ text: String, _ problem: ParseProblem) {
        #expect(People.parse(text) == .malformed(command: "training", problem: problem))
    }

    @Test("the forms read what was meant")
    func forms() {
        func form(_ text: String) -> (any CommandForm)? {
            guard case .command(let command) = People.parse(text) else { return nil }
            return command.form
        }
        #expect(form("!training") as? Trainings.Show != nil)
        #expect(form("!training thu 9:30") as? Trainings.Schedule == .init(weekday: 5, hour: 9, minute: 30, owner: nil))
        #expect(form("!training Monday 15:00 owner @jo") as? Trainings.Schedule == .init(weekday: 2, hour: 15, minute: 0, owner: "jo"))
        #expect(form("!training sun 10:00") as? Trainings.Schedule == .init(weekday: 1, hour: 10, minute: 0, owner: nil))
        #expect(form("!trained") as? Trainings.Record == .init(held: true, note: "", attendees: []))
        #expect(form("!trained role-played calls @sam @jo, thanks") as? Trainings.Record
            == .init(held: true, note: "role-played calls thanks", attendees: ["sam", "jo"]))
        #expect(form("!trained no the shop was too busy") as? Trainings.Record
            == .init(held: false, note: "the shop was too busy", attendees: []))
    }

    @Test("an admin schedules this week's training; the owner is reminded on the day, asked the next working day, and records it")
    func scheduleRemindAskRecord() throws {
        var h = try People.started()
        People.advance(&h, to: "2027-01-04 09:30")
        // Members see what is scheduled, but only admins schedule.
        #expect(h.say("sam", "!training thursday 15:00", name: "Sam")[0].text.contains("that one is for admins"))
        let reply = h.say("alex", "!training thu 15:00 owner @sam", name: "Alex")[0].text
        let training = try #require(h.state.trainings.first)
        #expect(training.ownerID == "sam" && training.weekKey == "2027-W01")
        #expect(h.coach.localDate(training.at) == LocalDate("2027-01-07"))
        #expect(reply.contains("Week 1's training") && reply.contains("Thursday 15:00") && reply.contains("run by Sam"))
        #expect(reply.contains("Sam gets a reminder in their check-in on Thursday 10:00"))
        #expect(h.say("jo", "!training", name: "Jo")[0].text.contains("Thursday 15:00 (2027-01-07)"))
        // Nothing before the day; then one check-in with the reminder; the question the next working day.
        let early = People.privates(People.advance(&h, to: "2027-01-06 23:00"), to: "sam")
        #expect(!early.contains { $0.text.contains("running the training") })
        let thursday = People.privates(People.advance(&h, to: "2027-01-07 23:00"), to: "sam")
        #expect(thursday.count == 1)
        #expect(thursday[0].text.contains("You're running the training on Thursday 15:00"))
        // Before it has come, jo cannot record it; the owner can.
        let friday = People.privates(People.advance(&h, to: "2027-01-08 10:30"), to: "sam")
        #expect(friday.count == 1 && friday[0].text.contains("Did the training on Thursday 15:00"))
        #expect(h.say("jo", "!trained went well", name: "Jo")[0].text.contains("Sam's to run"))
        let recorded = h.say("sam", "!trained role-played the late-delivery call @jo @priya @sam", name: "Sam")[0].text
        #expect(recorded.contains("recorded as held, run by Sam and attended by Jo, Priya"))
        let outcome = try #require(h.state.trainings.first?.outcome)
        #expect(outcome.held && outcome.attendeeIDs == ["jo", "priya"] && outcome.note == "role-played the late-delivery call")
        // Listed in that week's report-back, and in no later one.
        let report = People.summaries(People.advance(&h, to: "2027-01-08 16:00"))
        #expect(report.contains("held, run by Sam, attended by Jo, Priya: role-played the late-delivery call"))
        #expect(People.privates(People.advance(&h, to: "2027-01-12 12:00"), to: "sam").allSatisfy { !$0.text.contains("training") })
        #expect(!People.summaries(People.advance(&h, to: "2027-01-15 16:00")).contains("role-played"))
        #expect(h.say("sam", "!trained again", name: "Sam")[0].text.contains("no training waiting"))
    }

    @Test("a training that did not happen is said plainly, without a name; one unanswered is 'not confirmed yet'")
    func didNotHappen() throws {
        var h = try People.started()
        People.advance(&h, to: "2027-01-04 09:30")
        h.say("alex", "!training wednesday 14:00", name: "Alex")
        People.advance(&h, to: "2027-01-07 11:00")
        h.say("alex", "!trained no the shop was too busy", name: "Alex")
        let report = People.summaries(People.advance(&h, to: "2027-01-08 16:00"))
        #expect(report.contains("Wednesday 14:00 (2027-01-06)"))
        #expect(report.contains("did not happen: the shop was too busy"))
        #expect(!report.contains("run by Alex"))
        // Next week nobody answers: the report-back says it is not confirmed, and the owner is asked again later.
        People.advance(&h, to: "2027-01-11 09:30")
        h.say("alex", "!training tue 11:00 owner @jo", name: "Alex")
        let asked = People.privates(People.advance(&h, to: "2027-01-13 10:30"), to: "jo").filter { $0.text.contains("Did the training") }
        #expect(asked.count == 1 && asked[0].text.contains("Did the training on Tuesday 11:00"))
        #expect(People.privates(People.advance(&h, to: "2027-01-14 10:30"), to: "jo").allSatisfy { !$0.text.contains("Did the training") },
            "asked every two days, not daily")
        #expect(People.privates(People.advance(&h, to: "2027-01-15 10:30"), to: "jo").contains { $0.text.contains("Did the training") })
        let next = People.summaries(People.advance(&h, to: "2027-01-15 16:00"))
        #expect(next.contains("Tuesday 11:00 (2027-01-12)") && next.contains("not confirmed yet"))
        #expect(!next.contains("Jo: not confirmed"))
    }

    @Test("scheduling again moves the week's training; before the start, paused or finished, it says why; after the report-back, next week's")
    func whichWeek() throws {
        var setup = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2026-12-30 10:00")
        setup.tick()
        #expect(setup.say("alex", "!training thu 15:00", name: "Alex")[0].text.contains("hasn't started yet"))
        var h = try People.started()
        // Started for next Monday: until then, the first week's training.
        h.say("alex", "!training friday 10:00", name: "Alex")
        #expect(h.state.trainings.first?.weekKey == "2027-W01")
        People.advance(&h, to: "2027-01-04 09:30")
        h.say("alex", "!training thursday 16:30 owner @priya", name: "Alex")
        #expect(h.state.trainings.count == 1, "rescheduled, not a second one")
        #expect(h.state.trainings[0].ownerID == "priya" && h.coach.describe(h.state.trainings[0].at) == "Thursday 16:30")
        // Once Friday's report-back is out, a training is for next week, the week's principle shown.
        People.advance(&h, to: "2027-01-08 17:00")
        let reply = h.say("alex", "!training mon 11:00", name: "Alex")[0].text
        #expect(h.state.trainings.last?.weekKey == "2027-W02")
        let principle = try #require(h.coach.catalogue.principle(id: h.state.programme.plan[1]))
        #expect(reply.contains("Week 2's training, \(principle.title)"))
        h.say("alex", "!pause", name: "Alex")
        #expect(h.say("alex", "!training mon 11:00", name: "Alex")[0].text.contains("is paused"))
    }

    @Test("a training before the check-in's time is reminded in the check-in before it")
    func earlyTraining() throws {
        var h = try People.started()
        People.advance(&h, to: "2027-01-04 09:30")
        #expect(h.say("alex", "!training wed 08:30 owner @jo", name: "Alex")[0].text.contains("check-in on Tuesday 10:00"))
        let tuesday = People.privates(People.advance(&h, to: "2027-01-05 23:00"), to: "jo")
        #expect(tuesday.count == 1 && tuesday[0].text.contains("You're running the training on Wednesday 08:30"))
        #expect(!People.privates(People.advance(&h, to: "2027-01-06 23:00"), to: "jo").contains { $0.text.contains("running the training") })
    }

    @Test("the reply says when the reminder comes, or that none can")
    func reminderPromise() throws {
        var h = try People.started()
        People.advance(&h, to: "2027-01-04 11:00")
        // Today's check-in has gone: nothing reminds Sam of a training this afternoon.
        #expect(h.say("alex", "!training mon 15:00 owner @sam", name: "Alex")[0].text.contains("No check-in of Sam's comes before it"))
        #expect(People.privates(People.advance(&h, to: "2027-01-04 23:00"), to: "sam").isEmpty)
        var quiet = try People.started(capabilities: .init(directMessages: false, threads: false, markup: .plain))
        People.advance(&quiet, to: "2027-01-04 09:30")
        #expect(quiet.say("alex", "!training thu 15:00 owner @sam", name: "Alex")[0].text.contains("can't message Sam privately here"))
    }

    @Test("reminders and questions come inside the day's one check-in, with everything else due")
    func oneCheckIn() throws {
        var h = try People.started()
        People.advance(&h, to: "2027-01-04 09:30")
        h.say("alex", "!goal add Reply time target 4 hours lower owner @sam", name: "Alex")
        h.say("sam", "!goal 1 9", name: "Sam")
        h.say("sam", "!followup the card reader drops out", name: "Sam")
        h.say("alex", "!training wed 15:00 owner @sam", name: "Alex")
        People.advance(&h, to: "2027-01-05 23:00")
        let wednesday = People.privates(People.advance(&h, to: "2027-01-06 23:00"), to: "sam")
        #expect(wednesday.count == 1)
        let digest = try #require(wednesday.first?.text)
        #expect(digest.contains("You haven't shared an example yet"))
        #expect(digest.contains("Follow-up 1"))
        #expect(digest.contains("You're running the training on Wednesday 15:00"))
    }
}

@Suite("Appraisal record")
struct PersonRecordTests {
    @Test("wrong forms get the right form back", arguments: [
        ("!record", ParseProblem.missingMention),
        ("!record sam", .missingMention),
        ("!record @sam fortnight", .badPeriod),
        ("!record @sam since", .badPeriod),
        ("!record @sam since 2026-13-01", .badPeriod),
        ("!record @sam 2026-1", .badPeriod),
    ])
    func wrongForms(_ text: String, _ problem: ParseProblem) {
        #expect(People.parse(text) == .malformed(command: "record", problem: problem))
    }

    @Test("periods are whole months back from this one, or a month, or since a date")
    func periods() throws {
        let calendar = TeamCalendar(timeZone: TimeZone(identifier: "Europe/London")!)
        let now = calendar.at(LocalDate("2027-01-15")!, hour: 12, minute: 0)
        func dates(_ words: String) -> (String?, String)? {
            guard let period = Period.parse(words.split(separator: " ").map(String.init)[...]),
                let span = period.span(now: now, calendar)
            else { return nil }
            return (span.first?.description, span.last.description)
        }
        #expect(dates("")! == ("2027-01-01", "2027-01-15"))
        #expect(dates("month")! == ("2027-01-01", "2027-01-15"))
        #expect(dates("last-month")! == ("2026-12-01", "2026-12-31"))
        #expect(dates("last month")! == ("2026-12-01", "2026-12-31"))
        #expect(dates("quarter")! == ("2026-11-01", "2027-01-15"))
        #expect(dates("year")! == ("2026-02-01", "2027-01-15"))
        #expect(dates("all")! == (nil, "2027-01-15"))
        #expect(dates("2026-02")! == ("2026-02-01", "2026-02-28"))
        #expect(dates("since 2026-09-01")! == ("2026-09-01", "2027-01-15"))
        #expect(dates("2027-02") == nil, "a month still to come")
        #expect(dates("since 2027-01-16") == nil, "a start still to come")
        let lastMonth = try #require(Period.lastMonth.span(now: now, calendar))
        #expect(lastMonth.contains(calendar.at(LocalDate("2026-12-31")!, hour: 23, minute: 59)))
        #expect(!lastMonth.contains(calendar.startOfDay(LocalDate("2027-01-01")!)))
    }

    /// Sam's December and January: examples, shout-outs both ways, a follow-up, a complaint, a goal, trainings.
    static func history() throws -> Harness {
        var h = try WeeklyCycleTests.started("2026-12-07", length: 8)
        People.advance(&h, to: "2026-12-07 09:30")
        h.say("sam", "!example called a customer back within the hour", name: "Sam")
        h.say("jo", "!caught @sam for calming an upset customer", name: "Jo")
        h.say("alex", "!training thu 15:00 owner @sam", name: "Alex")
        h.say("alex", "!goal add Reply time target 4 hours lower owner @sam", name: "Alex")
        h.say("sam", "!goal 1 6", name: "Sam")
        People.advance(&h, to: "2026-12-10 16:00")
        h.say("sam", "!trained role-played refunds @jo", name: "Sam")
        People.advance(&h, to: "2027-01-05 11:00")
        h.say("sam", "!caught @priya for a tidy shop floor", name: "Sam")
        h.say("priya", "!caught @sam for staying late", name: "Priya")
        h.say("jo", "!complaint Parcel lost owner @sam", name: "Jo")
        h.say("sam", "!fixed 1 found it at the depot and delivered it", name: "Sam")
        h.say("sam", "!goal 1 3.5", name: "Sam")
        h.say("sam", "!goal 1 3", name: "Sam")
        return h
    }

    @Test("the record counts each part over the period, and goes to the admin privately")
    func record() throws {
        var h = try Self.history()
        let sent = h.say("alex", "!record @sam", name: "Alex")
        #expect(sent.count == 2)
        let record = try #require(sent.first { $0.destination == .direct(userID: "alex") }).text
        let notice = try #require(sent.first { $0.destination == .channel }).text
        #expect(notice.contains("sent Sam's record to you privately"))
        #expect(!notice.contains("staying late"))
        #expect(record.contains("Record for Sam, 2027-01-01 to 2027-01-05 (this month so far)"))
        #expect(record.contains("Examples shared: 1. Everything Sam posted about living the week's principle: 0 of their own work, 1 shout-outs"))
        #expect(record.contains("Shout-outs received: 1, given by 1 of the team"))
        #expect(record.contains("Follow-ups closed: 1."))
        #expect(record.contains("Customer complaints followed up: 1 resolved"))
        #expect(record.contains("Trainings: ran 0, attended 0"))
        #expect(record.contains("Goal 1, Reply time: from 3.5 to 3 hours against an aim of 4 hours, on target (figures posted: 2)"))
        #expect(record.contains("found it at the depot"))
        #expect(!record.contains("calming an upset customer"), "December is outside this month")

        let december = h.say("alex", "!record @sam last-month", name: "Alex", direct: true)
        #expect(december.count == 1 && december[0].destination == .direct(userID: "alex"))
        let text = december[0].text
        #expect(text.contains("2026-12-01 to 2026-12-31 (last month)"))
        #expect(text.contains("Examples shared: 1. Everything Sam posted about living the week's principle: 1 of their own work, 0 shout-outs"))
        #expect(text.contains("calming an upset customer"))
        #expect(text.contains("Trainings: ran 1, attended 0"))
        #expect(text.contains("role-played refunds"))
        #expect(text.contains("Goal 1, Reply time: 6 hours against an aim of 4 hours, (!) off target (figures posted: 1)"))
        let jo = h.say("alex", "!record @jo 2026-12", name: "Alex", direct: true)[0].text
        #expect(jo.contains("Trainings: ran 0, attended 1"))
        #expect(jo.contains("run by Sam"))
        let all = h.say("alex", "!record @sam all", name: "Alex", direct: true)[0].text
        #expect(all.contains("everything up to 2027-01-05") && all.contains("Shout-outs received: 2, given by 2 of the team"))
        let since = h.say("alex", "!record @sam since 2027-01-05", name: "Alex", direct: true)[0].text
        #expect(since.contains("Follow-ups closed: 1."))
        let nothing = h.say("alex", "!record @priya 2026-11", name: "Alex", direct: true)[0].text
        #expect(nothing.contains("Nothing is recorded for Priya"))
        #expect(h.say("alex", "!record @sam 2027-03", name: "Alex")[0].text.contains("couldn't read that period"))
        #expect(h.say("jo", "!record @sam", name: "Jo")[0].text.contains("that one is for admins"))
    }

    @Test("without private messages the record is never shown in the channel")
    func noPrivateMessages() throws {
        var h = try People.started(capabilities: .init(directMessages: false, threads: false, markup: .plain))
        h.say("sam", "!example one", name: "Sam")
        let sent = h.say("alex", "!record @sam", name: "Alex")
        #expect(sent.count == 1 && sent[0].destination == .channel)
        #expect(sent[0].text.contains("won't show Sam's record in the channel"))
        #expect(!sent[0].text.contains("Examples shared"))
    }
}

@Suite("Monthly posts")
struct MonthlyPostsTests {
    /// A programme running through January into February, with a goal, recognition, a closed follow-up and a
    /// training in January.
    static func january() throws -> Harness {
        var h = try People.started()
        People.advance(&h, to: "2027-01-04 09:30")
        h.say("alex", "!goal add Reply time target 4 hours lower owner @sam", name: "Alex")
        h.say("alex", "!goal add Orders right target 98 % higher tolerance 1 owner @jo", name: "Alex")
        h.say("sam", "!goal 1 6", name: "Sam")
        h.say("jo", "!caught @sam for calming an upset customer", name: "Jo")
        h.say("priya", "!caught @sam for staying late", name: "Priya")
        h.say("sam", "!example rebooked a delivery", name: "Sam")
        h.say("jo", "!followup the card reader drops out", name: "Jo")
        h.say("alex", "!training thu 15:00 owner @priya", name: "Alex")
        People.advance(&h, to: "2027-01-08 11:00")
        h.say("priya", "!trained role-played the calls @sam", name: "Priya")
        h.say("jo", "!fixed 1 new cable", name: "Jo")
        People.advance(&h, to: "2027-01-20 11:00")
        h.say("sam", "!goal 1 3.5", name: "Sam")
        return h
    }

    @Test("the first working day of the month: admins' reward prompt inside their check-in, the goal review in the channel")
    func firstWorkingDay() throws {
        var h = try Self.january()
        People.advance(&h, to: "2027-01-29 23:00")
        #expect(h.state.jobs["monthly:2027-01"] == nil)
        // Monday 2027-02-01; Alex also runs a training that day: still one private message.
        h.now = h.instant("2027-02-01 09:30")
        h.tick()
        h.say("alex", "!training mon 15:00", name: "Alex")
        let day = People.advance(&h, to: "2027-02-01 23:00")
        #expect(h.state.jobs["monthly:2027-01"] == .done)
        let alex = People.privates(day, to: "alex")
        #expect(alex.count == 1)
        let prompt = try #require(alex.first?.text)
        #expect(prompt.contains("who did well in 2027-01"))
        #expect(prompt.contains("Recognised by colleagues (shout-outs): Sam 2"))
        #expect(prompt.contains("Follow-ups closed: Jo 1"))
        #expect(prompt.contains("Trainings run: Priya 1"))
        #expect(prompt.contains("You're running the training on Monday 15:00"))
        let ideas = h.coach.prompts.rewardIdeas
        #expect(ideas.filter { prompt.contains($0) }.count == RewardPrompt.ideasShown)
        for member in ["sam", "jo", "priya"] {
            #expect(People.privates(day, to: member).allSatisfy { !$0.text.contains("who did well") })
        }
        let review = try #require(day.first { $0.destination == .channel && $0.text.contains("Monthly goal review") }).text
        #expect(review.contains("Monthly goal review, 2027-01"))
        #expect(review.contains("Goal 1, Reply time: from 6 to 3.5 hours against an aim of 4 hours, on target (figures posted: 2)"))
        #expect(review.contains("Goal 2, Orders right: no figure in the period"))
        #expect(review.contains("On target: 1 · Off target: 0 · No figure this month: 1"))
        for name in ["Alex", "Sam", "Jo", "Priya"] { #expect(!review.contains(name), "the review names \(name)") }
        // Never twice, not after a restart either, and not on the next working day.
        var back = try WeeklyCycleTests.restart(h)
        let later = People.advance(&back, to: "2027-02-03 23:00")
        #expect(!later.contains { $0.text.contains("Monthly goal review") || $0.text.contains("who did well") })
    }

    @Test("a month missed on its first working day goes with the next check-in of that month, once")
    func missedFirstDay() throws {
        var h = try Self.january()
        People.advance(&h, to: "2027-01-29 23:00")
        // Down all of Monday 1 February.
        h.now = h.instant("2027-02-02 10:05")
        let tuesday = h.tick().queued
        #expect(tuesday.filter { $0.text.contains("Monthly goal review") }.count == 1)
        #expect(People.privates(tuesday, to: "alex").count == 1)
        #expect(People.advance(&h, to: "2027-02-05 23:00").allSatisfy { !$0.text.contains("Monthly goal review") })
    }

    @Test("nothing monthly before the programme has run; no channel review without goals")
    func notBeforeTheProgramme() throws {
        var idle = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2026-12-30 10:00")
        idle.tick()
        idle.say("alex", "!goal add CSAT target 90 owner @jo", name: "Alex")
        let february = People.advance(&idle, to: "2027-02-01 23:00")
        #expect(!february.contains { $0.text.contains("Monthly goal review") || $0.text.contains("who did well") })
        #expect(idle.state.jobs.keys.allSatisfy { !$0.hasPrefix("monthly:") })

        // Started in January, with no goals: the reward prompt, but no channel review.
        var h = try People.started()
        People.advance(&h, to: "2027-01-05 11:00")
        h.say("jo", "!caught @sam for calming an upset customer", name: "Jo")
        let day = People.advance(&h, to: "2027-02-01 23:00")
        #expect(!day.contains { $0.text.contains("Monthly goal review") })
        #expect(People.privates(day, to: "alex").contains { $0.text.contains("Recognised by colleagues (shout-outs): Sam 1") })
        #expect(h.state.jobs["monthly:2027-01"] == .done)
    }

    @Test("the reward ideas come from Prompts/reward-ideas.json; a bad file stops the bot at start")
    func rewardIdeasFile() throws {
        let setup = try Fixtures.setup()
        let prompts = try setup.prompts(for: .plain)
        #expect(prompts.rewardIdeas.count >= 6)
        for bad in [#"{"schema":1,"ideas":[]}"#, #"{"schema":1,"ideas":["  "]}"#, "not json", #"{"schema":9,"ideas":["a"]}"#] {
            #expect(throws: ConfigError.self) {
                try PromptBook(markup: .plain, templates: setup.templates, commandHelpJSON: setup.commandHelp, rewardIdeasJSON: Array(bad.utf8))
            }
        }
        do {
            _ = try PromptBook(markup: .plain, templates: setup.templates, commandHelpJSON: setup.commandHelp, rewardIdeasJSON: [])
        } catch {
            #expect(error.description.contains("Prompts/reward-ideas.json"))
        }
    }

    @Test("a deployment without Prompts/reward-ideas.json does not start, and says which file")
    func missingRewardIdeas() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("Prompts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.projectRoot.appendingPathComponent("Prompts"), to: prompts)
        try FileManager.default.removeItem(at: prompts.appendingPathComponent("reward-ideas.json"))
        do {
            _ = try CoachSetup.load(
                configPath: Fixtures.projectRoot.appendingPathComponent("Config/coach.json").path, promptsPath: prompts.path,
                stateOverride: folder.appendingPathComponent("state").path)
            Issue.record("a setup without reward ideas loaded")
        } catch {
            #expect(error.description.contains("reward-ideas.json"))
        }
    }

    @Test("only the top few of each figure are named, ties with the last included")
    func standouts() throws {
        var h = try People.started()
        People.advance(&h, to: "2027-01-05 11:00")
        for (who, count) in [("sam", 3), ("jo", 2), ("priya", 1), ("alex", 1)] {
            for i in 0..<count { h.say(who, "!example number \(i)", name: who.capitalized) }
        }
        let prompt = try #require(People.privates(People.advance(&h, to: "2027-02-01 23:00"), to: "alex").last).text
        #expect(prompt.contains("Examples shared: Sam 3, Jo 2, Alex 1, Priya 1"))
    }
}
