@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// Week 0: seed 004's definition activity as the programme's opening week.
@Suite("Week 0, the definition activity")
struct DefinitionWeekTests {
    /// A two-principle programme with its opening week, started on Monday 2027-01-04 by the shipped config's admin.
    static func started(length: Int = 2, adjust: (inout CoachConfig) -> Void = { _ in }) throws -> Harness {
        let coach = try Fixtures.coach { config in
            config.programme.suggestedLength = length
            config.holidays = []
            adjust(&config)
        }
        var h = Harness(coach: coach, at: "2026-12-30 10:00")
        h.tick()
        h.say("alex", "!start 2027-01-04", name: "Alex")
        return h
    }

    static func texts(_ messages: [OutboundMessage], kind: OutboundMessage.Kind) -> [String] {
        messages.filter { $0.kind == kind }.map(\.text)
    }

    @Test("the suggested plan opens with week 0, and week 1 is the first principle")
    func planOpensWithWeekZero() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-04 08:00")
        h.tick()
        let shown = h.say("alex", "!programme", name: "Alex")[0].text
        #expect(shown.contains("- Week 0: Define what customer service means to us (our opening week"))
        #expect(shown.contains("- Week 1: "))
        #expect(!shown.contains("- Week 13: "), "twelve principles after week 0")
        let started = h.say("alex", "!start 2027-01-11", name: "Alex")[0].text
        #expect(started.contains("runs for 12 weeks after an opening week 0"))
        #expect(started.contains("- Week 0, from 2027-01-11: Define what customer service means to us"))
        #expect(h.state.programme.plan.first == DefinitionWeek.principleID)
        #expect(h.state.programme.plan.count == 13)
    }

    @Test("Monday asks everyone to finish the sentence; answers are acknowledged and counted midweek")
    func mondayAndMidweek() throws {
        var h = try Self.started()
        let monday = try #require(Self.texts(h.tick(at: "2027-01-04 09:00").queued, kind: .announcement).first)
        #expect(monday.contains("Week 0, before our 2 principles: Define what customer service means to us"))
        #expect(monday.contains("!means followed by your ending"))
        #expect(!monday.contains("Principle of the week"))
        h.now = h.instant("2027-01-05 11:00")
        let ack = h.say("sam", "!means Customer service means: following up on every promise", name: "Sam")[0].text
        #expect(ack.contains("\"following up on every promise\""), "the sentence's start is not repeated")
        #expect(ack.contains("At the end-of-week report-back we'll look at them together"))
        h.say("jo", "!means answering the question on the spot", name: "Jo")
        let reminder = try #require(Self.texts(h.tick(at: "2027-01-06 12:00").queued, kind: .reminder).first)
        #expect(reminder.contains("Finished \"Customer Service means...\" so far: 2 of us."))
    }

    @Test("the reminder day's check-in asks only those who have not answered, and asks for the sentence, not an example")
    func digestAsksForTheSentence() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 11:00")
        h.say("sam", "!means following up on every promise", name: "Sam")
        let digests = h.tick(at: "2027-01-06 10:00").queued.filter { $0.kind == .nudge }
        let to = Set(digests.compactMap { message -> String? in
            if case .direct(let id) = message.destination { return id }
            return nil
        })
        #expect(to == ["alex", "jo", "priya"])
        for digest in digests {
            #expect(digest.text.contains("How would you finish \"Customer Service means...\"?"))
            #expect(!digest.text.contains("You haven't shared an example yet"))
        }
    }

    @Test("Friday lists the numbered answers and how to agree; the admin is asked once in a check-in; agreeing merges answers")
    func fridayAndAgreement() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 11:00")
        h.say("sam", "!means following up on every promise", name: "Sam")
        h.say("jo", "!means answering the question on the spot", name: "Jo")
        h.say("priya", "!means a smile", name: "Priya")
        let friday = try #require(Self.texts(h.tick(at: "2027-01-08 16:00").queued, kind: .summary).first)
        #expect(friday.contains("Report-back, week 0: Define what customer service means to us"))
        #expect(friday.contains("Customer Service means... (answers: 3)"))
        #expect(friday.contains("1. following up on every promise (Sam)"))
        #expect(friday.contains("3. a smile (Priya)"))
        #expect(friday.contains("!means agree followed by one number"))
        #expect(friday.contains("Next week's principle:"))

        // Not agreed by Monday: the admin's check-in asks, once.
        let mondayNudges = h.tick(at: "2027-01-11 10:00").queued.filter { $0.kind == .nudge }
        let admin = try #require(mondayNudges.first { $0.destination == .direct(userID: "alex") })
        #expect(admin.text.contains("The team gave 3 answers to \"Customer Service means...\" but no definition is agreed yet"))
        #expect(!mondayNudges.contains { $0.destination != .direct(userID: "alex") && $0.text.contains("no definition is agreed") })
        let tuesday = h.tick(at: "2027-01-12 10:00").queued
        #expect(!tuesday.contains { $0.text.contains("no definition is agreed") })

        h.now = h.instant("2027-01-12 11:00")
        let agreed = h.say("alex", "!means agree 1 2", name: "Alex")[0].text
        #expect(agreed.contains("Customer Service means following up on every promise; answering the question on the spot"))
        #expect(agreed.contains("Put together from what Sam, Jo wrote"))
        #expect(h.state.teamDefinition?.fromIDs == [1, 2])
        #expect(h.state.teamDefinition?.cycle == 1)

        // It heads the next Monday post and the report-back.
        let week2 = try #require(Self.texts(h.tick(at: "2027-01-18 09:00").queued, kind: .announcement).first)
        #expect(week2.contains("Principle of the week, week 2 of 2:"))
        #expect(week2.contains("(Our definition: Customer Service means following up on every promise; answering the question on the spot)"))
        let report = try #require(Self.texts(h.tick(at: "2027-01-22 16:00").queued, kind: .summary).first)
        #expect(report.contains("(Our definition: Customer Service means following up"))
    }

    @Test("an admin can choose one answer or write the definition; a member's 'means agree …' is simply their answer")
    func agreeForms() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 11:00")
        h.say("sam", "!means following up on every promise", name: "Sam")
        let member = h.say("jo", "!means agree to what the customer needs, then deliver it", name: "Jo")[0].text
        #expect(member.contains("\"agree to what the customer needs, then deliver it\""))
        #expect(h.state.teamDefinition == nil)
        #expect(h.say("alex", "!means agree 9", name: "Alex")[0].text.contains("There's no answer 9"))
        #expect(h.say("alex", "!means agree", name: "Alex")[0].text.contains("!means"), "the right form comes back")
        h.say("alex", "!means agree 2", name: "Alex")
        #expect(h.state.teamDefinition?.text == "agree to what the customer needs, then deliver it")
        let rewritten = h.say("alex", "!means agree Customer service means: keeping every promise we make", name: "Alex")[0].text
        #expect(rewritten.contains("Our definition from now on:\nCustomer Service means keeping every promise we make"))
        #expect(h.state.agreedDefinitions.count == 2)
        let list = h.say("sam", "!definitions", name: "Sam")[0].text
        #expect(list.hasPrefix("Our definition: Customer Service means keeping every promise we make"))
        #expect(list.contains("1. following up on every promise (Sam)"))
        #expect(!list.contains("!means agree"), "agreeing is for admins, so members are not told how")
    }

    @Test("a training scheduled after week 0 is for week 1, the first principle, and says so")
    func trainingWeekNumber() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 11:00")
        #expect(h.say("alex", "!training thursday 15:00", name: "Alex")[0].text.hasPrefix("Week 0's training"))
        h.tick(at: "2027-01-08 16:00")
        h.now = h.instant("2027-01-11 09:30")
        h.tick()
        #expect(h.say("alex", "!training wednesday 15:00", name: "Alex")[0].text.hasPrefix("Week 1's training"))
    }

    @Test("examples week 0 shows the opening week's examples")
    func examplesWeekZero() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 11:00")
        h.say("sam", "!example wrote our phone number on every receipt", name: "Sam")
        h.tick(at: "2027-01-11 09:00")
        let shown = h.say("sam", "!examples week 0", name: "Sam")[0].text
        #expect(shown.contains("Week 0's examples (1)"))
        #expect(shown.contains("wrote our phone number on every receipt"))
    }

    @Test("a new cycle runs week 0 again with its own answers, showing last time's definition until a new one is agreed")
    func rerunAtNewCycle() throws {
        var h = try Self.started(length: 1)
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-05 11:00")
        h.say("sam", "!means following up on every promise", name: "Sam")
        h.say("alex", "!means agree 1", name: "Alex")
        for day in ["2027-01-08 16:00", "2027-01-11 09:00", "2027-01-15 16:00", "2027-01-18 09:00", "2027-01-22 16:00"] {
            h.tick(at: day)
        }
        #expect(h.state.programme.phase == .finished)
        h.now = h.instant("2027-01-25 08:00")
        h.say("alex", "!cycle new", name: "Alex")
        h.say("alex", "!start 2027-02-01", name: "Alex")
        #expect(h.state.programme.plan.first == DefinitionWeek.principleID)
        let monday = try #require(Self.texts(h.tick(at: "2027-02-01 09:00").queued, kind: .announcement).first)
        #expect(monday.contains("Week 0, before our 1 principles"))
        #expect(monday.contains("Last time we agreed: Customer Service means following up on every promise"))
        h.now = h.instant("2027-02-02 11:00")
        let ack = h.say("jo", "!means listening first", name: "Jo")[0].text
        #expect(ack.contains("That makes 1."), "this cycle's answers only")
        let friday = try #require(Self.texts(h.tick(at: "2027-02-05 16:00").queued, kind: .summary).first)
        #expect(friday.contains("(answers: 1)"))
        #expect(friday.contains("2. listening first (Jo)"))
        #expect(!friday.contains("1. following up on every promise"), "last cycle's answers are not this cycle's")
        #expect(friday.contains("Until we agree a new one, our definition stays: Customer Service means following up on every promise"))
    }

    @Test("with programme.openingWeek off, the plan starts with the first principle as week 1")
    func openingWeekOff() throws {
        var h = try Self.started { $0.programme.openingWeek = false }
        #expect(h.state.programme.plan.first != DefinitionWeek.principleID)
        let monday = try #require(Self.texts(h.tick(at: "2027-01-04 09:00").queued, kind: .announcement).first)
        #expect(monday.hasPrefix("Principle of the week, week 1 of 2:"))
    }

    @Test("the definition principle placed later by an admin is an ordinary week")
    func movedIsOrdinary() throws {
        var h = Harness(coach: try Fixtures.coach {
            $0.holidays = []
            $0.programme.suggestedLength = 2
        }, at: "2027-01-04 08:00")
        h.tick()
        h.say("alex", "!programme accept", name: "Alex")
        h.say("alex", "!programme move \(DefinitionWeek.principleID) to 2", name: "Alex")
        #expect(h.state.programme.plan.last == DefinitionWeek.principleID)
        #expect(Plan.firstNumber(h.state.programme.plan) == 1)
        h.say("alex", "!start now", name: "Alex")
        let monday = try #require(Self.texts(h.tick(at: "2027-01-04 09:00").queued, kind: .announcement).first)
        #expect(monday.hasPrefix("Principle of the week, week 1 of 3:"))
        #expect(h.state.weeks.first.map { h.state.number(of: $0) } == 1)
    }
}
