@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

@Suite("Programme figures")
struct ProgrammeFiguresTests {
    /// Three weeks of a four-person team (Alex the admin, Sam, Jo, Priya), each step at a known time:
    ///
    /// - week 1 (from 2027-01-04): Sam's own example, Jo catches Sam, Alex catches Jo; a goal with an on-target and
    ///   an off-target reading, a corrective action, two follow-ups (one fixed in two days), two ideas;
    /// - week 2 (from 2027-01-11): Sam's own example, Sam catches Jo, and an example of Jo's deleted;
    /// - week 3 (from 2027-01-18) has just begun, and Priya is away until the 20th.
    static func threeWeeks(
        quietWeeks: Int = 2,
        capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain),
        _ adjust: (inout CoachConfig) -> Void = { _ in }
    ) throws -> Harness {
        var h = Harness(coach: try Fixtures.coach(capabilities: capabilities) {
            $0.holidays = []
            $0.programme.openingWeek = false
            $0.digest.quietWeeks = quietWeeks
            adjust(&$0)
        }, at: "2027-01-04 08:00")
        h.tick()
        for text in ["!rate 4 5", "!programme accept", "!start now",
            "!goal add Reply time target 4 hours lower tolerance 25% owner @sam", "!followup a loose shelf"]
        {
            h.say("alex", text, name: "Alex")
        }
        h.tick(at: "2027-01-04 09:00")
        h.now = h.instant("2027-01-04 11:00")
        h.say("sam", "!example called a customer back", name: "Sam")
        h.say("sam", "!goal 1 3", name: "Sam")
        h.now = h.instant("2027-01-05 11:00")
        h.say("jo", "!caught @sam stayed late for a delivery", name: "Jo")
        h.say("alex", "!caught @jo fixed the till", name: "Alex")
        h.say("sam", "!goal 1 6 short-staffed", name: "Sam")
        h.say("sam", "!goal action 1 a second person on the phones", name: "Sam")
        h.now = h.instant("2027-01-06 11:00")
        h.say("jo", "!followup the door sticks", name: "Jo")
        h.say("jo", "!idea a welcome card", name: "Jo")
        h.say("priya", "!idea coffee for waiting customers", name: "Priya")
        h.now = h.instant("2027-01-08 11:00")
        h.say("jo", "!fixed 3 planed it", name: "Jo")
        h.tick(at: "2027-01-08 16:00")
        h.tick(at: "2027-01-11 09:00")
        h.now = h.instant("2027-01-12 11:00")
        h.say("sam", "!example kept a promise", name: "Sam")
        h.say("sam", "!caught @jo calmed an angry caller", name: "Sam")
        h.say("jo", "!example this one goes", name: "Jo")
        h.say("jo", "!delete \(h.state.examples.nextID - 1)", name: "Jo")
        h.say("priya", "!away until 2027-01-20", name: "Priya")
        h.tick(at: "2027-01-15 16:00")
        h.tick(at: "2027-01-18 09:00")
        h.now = h.instant("2027-01-18 09:30")
        return h
    }

    static func figures(_ h: Harness) -> ProgrammeFigures {
        ProgrammeFigures(state: h.state, catalogue: h.coach.catalogue, config: h.coach.config, now: h.now)
    }

    @Test("each principle week: its principle and dates, examples, contributors, shout-outs and people recognised")
    func weeks() throws {
        let h = try Self.threeWeeks()
        let weeks = Self.figures(h).weeks
        #expect(weeks.map(\.number) == [1, 2, 3])
        #expect(weeks.map(\.monday.description) == ["2027-01-04", "2027-01-11", "2027-01-18"])
        #expect(weeks[0].lastDay.description == "2027-01-10")
        #expect(weeks[0].principle == h.coach.principle(id: weeks[0].principleID, h.state)?.title)
        #expect(weeks.map(\.examples) == [3, 2, 0])
        #expect(weeks.map(\.ownExamples) == [1, 1, 0])
        #expect(weeks.map(\.shoutOuts) == [2, 1, 0])
        #expect(weeks.map(\.contributors) == [3, 1, 0])
        #expect(weeks.map(\.recognised) == [2, 1, 0])
        #expect(weeks.map(\.recognisedSoFar) == [2, 2, 2])
        #expect(weeks.map(\.reportBack) == [.sent, .sent, .notYet])
        #expect(weeks[0].reportBackSentAt == h.instant("2027-01-08 16:00"))
        #expect(weeks[2].reportBackSentAt == nil)
    }

    @Test("recognition spread: how many were recognised, who gives, and the share of the most from one person")
    func recognition() throws {
        let spread = Self.figures(try Self.threeWeeks()).recognition
        #expect(spread.shoutOuts == 3)
        #expect(spread.recognisedPeople == 2)
        #expect(spread.memberCount == 4)
        #expect(spread.giverCount == 3)
        // Alphabetical, no counts: who gives, not a ranking.
        #expect(spread.givers == ["Alex", "Jo", "Sam"])
        #expect(spread.mostFromOnePerson == 1)
        #expect(spread.mostFromOnePersonPercent == 33)
    }

    @Test("quiet people: nobody recognised or sharing over the last N ended weeks and this one; the away are left out")
    func quiet() throws {
        let two = Self.figures(try Self.threeWeeks(quietWeeks: 2))
        #expect(two.quietListsReady)
        #expect(two.notSharing.isEmpty, "everyone not away shared in weeks 1-2")
        #expect(two.notRecognised.map(\.name) == ["Alex"])
        #expect(two.notRecognised[0].lastTime == nil)

        let one = Self.figures(try Self.threeWeeks(quietWeeks: 1))
        #expect(one.notSharing.map(\.name) == ["Alex", "Jo"], "Jo's only week-2 example was deleted; Priya is away")
        #expect(one.notSharing.map { $0.lastTime?.description } == ["2027-01-05", "2027-01-05"])
        #expect(one.notRecognised.map(\.name) == ["Alex", "Sam"])
        #expect(one.notRecognised[1].lastTime?.description == "2027-01-05")

        let three = Self.figures(try Self.threeWeeks(quietWeeks: 3))
        #expect(!three.quietListsReady, "two weeks have ended: too soon to call anyone quiet over three")
        #expect(three.notSharing.isEmpty && three.notRecognised.isEmpty)
    }

    @Test("a goal's every reading with its target, allowed gap and direction; off target by the latest")
    func goals() throws {
        let figures = Self.figures(try Self.threeWeeks())
        let goal = try #require(figures.goals.first)
        #expect(goal.kpi == "Reply time" && goal.unit == "hours" && goal.target == 4 && goal.allowedGap == 1)
        #expect(goal.direction == .lowerIsBetter)
        #expect(goal.owner == "Sam")
        #expect(goal.readings.map(\.value) == [3, 6])
        #expect(goal.readings.map(\.offTarget) == [false, true])
        #expect(goal.readings.map(\.date.description) == ["2027-01-04", "2027-01-05"])
        #expect(goal.offTarget)
        #expect(goal.openAction == "a second person on the phones")
        #expect(figures.goalsOffTarget.map(\.id) == [1])
    }

    @Test("follow-ups: open and closed, days to close, open too long, and corrective actions overdue")
    func followUps() throws {
        let figures = Self.figures(try Self.threeWeeks()).followUps
        #expect(figures.open == 2 && figures.closed == 1)
        #expect(figures.medianDaysToClose == 2)
        #expect(figures.averageDaysToClose == 2)
        #expect(figures.openTooLong.map(\.id) == [1])
        #expect(figures.openTooLong[0].daysOpen == 14)
        #expect(figures.overdueActions.map(\.id) == [2])
        #expect(figures.overdueActions[0].goalID == 1)
        #expect(figures.items.first { $0.id == 3 }?.daysToClose == 2)
    }

    @Test("ideas not yet answered")
    func ideas() throws {
        var h = try Self.threeWeeks()
        #expect(Self.figures(h).ideasNotAnswered.map(\.id) == [1, 2])
        h.state.apply(.ideaAnswered(id: 1, answer: IdeaAnswer(text: "from March", byID: "alex", at: h.now)))
        let figures = Self.figures(h)
        #expect(figures.ideasNotAnswered.map(\.author) == ["Priya"])
        #expect(figures.ideas[0].answer?.by == "Alex")
    }

    @Test("figures as of an earlier moment leave out what came after it")
    func asOfEarlier() throws {
        let h = try Self.threeWeeks()
        let earlier = ProgrammeFigures(
            state: h.state, catalogue: h.coach.catalogue, config: h.coach.config, now: h.instant("2027-01-05 12:00"))
        #expect(earlier.weeks.map(\.examples) == [3], "weeks that had not begun are not there yet")
        #expect(earlier.weeks[0].reportBack == .notYet && earlier.weeks[0].reportBackSentAt == nil)
        #expect(earlier.goals[0].readings.count == 2)
        #expect(earlier.followUps.items.map(\.id) == [1, 2])
        #expect(earlier.ideas.isEmpty)
    }

    @Test("one cycle, or every cycle")
    func cycles() throws {
        let h = try Self.threeWeeks()
        let figures = ProgrammeFigures(state: h.state, catalogue: h.coach.catalogue, config: h.coach.config, now: h.now, cycle: 2)
        #expect(figures.weeks.isEmpty)
        #expect(figures.recognition.shoutOuts == 0)
        #expect(!figures.quietListsReady)
    }
}
