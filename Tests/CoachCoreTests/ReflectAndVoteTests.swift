@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// Seed 000's first steps: a light first rating (its thirteen), reflecting on the scores together, and choosing the
/// principles together before the plan is accepted.
@Suite("Rate, reflect and choose together")
struct ReflectAndVoteTests {
    static func harness(_ adjust: @escaping (inout CoachConfig) -> Void = { _ in }) throws -> Harness {
        var h = Harness(coach: try Fixtures.coach {
            $0.holidays = []
            adjust(&$0)
        }, at: "2027-01-06 10:00")
        h.tick()
        return h
    }

    static func core(_ h: Harness) -> [Principle] { h.coach.catalogue.corePrinciples }

    /// `rate all` with the same score for each of the thirteen, except those given.
    static func rateCore(_ h: inout Harness, _ who: String, _ score: Int = 3, except: [Int: Int] = [:]) {
        let scores = (0..<core(h).count).map { except[$0] ?? score }
        h.say(who, "!rate all " + scores.map(String.init).joined(separator: " "), name: who.capitalized)
    }

    @Test("the first rating asks about seed 000's thirteen; the other principles can be rated by number or added by an admin")
    func lightStart() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-06 10:00")
        let intro = try #require(h.tick().queued.first?.text)
        let core = Self.core(h)
        #expect(core.count == 13)
        #expect(intro.contains("How well do we live each of these 13 principles today?"))
        #expect(intro.contains("The other \(h.coach.catalogue.principles.count - 13) are in !principles"))
        #expect(intro.contains("week 0"))
        #expect(!intro.contains(h.coach.catalogue.principles[20].title), "a principle outside the thirteen is not listed")
        #expect(h.state.ratingRounds.last?.principleIDs == core.map(\.id))

        let prompt = h.say("sam", "!rate", name: "Sam")[0].text
        #expect(prompt.contains("(13 of 13 still to rate)"))
        Self.rateCore(&h, "sam")
        #expect(h.state.ratingRounds.last?.scores["sam"]?.count == 13)
        #expect(h.say("sam", "!rate", name: "Sam")[0].text.contains("You've rated all 13 principles"))

        // Any principle may be rated by its number; an admin puts one in everyone's rating.
        h.say("sam", "!rate 21 1", name: "Sam")
        #expect(h.state.ratingRounds.last?.scores["sam"]?[h.coach.catalogue.principles[20].id] == 1)
        #expect(h.say("sam", "!rate add 24", name: "Sam")[0].text.contains("admin"))
        let added = h.say("alex", "!rate add 24 3", name: "Alex")[0].text
        #expect(added.contains("- 24. \(h.coach.catalogue.principles[23].title)"))
        #expect(added.contains("1 of the principles you named were already in it"))
        #expect(added.contains("now asks about 14 principles"))
        #expect(h.say("sam", "!rate", name: "Sam")[0].text.contains("24. \(h.coach.catalogue.principles[23].title)"))
        #expect(h.say("alex", "!rate add 99", name: "Alex")[0].text.contains("couldn't find the principle"))
    }

    @Test("a principle of the team's own joins the first rating")
    func teamPrincipleJoins() throws {
        var h = try Self.harness()
        h.say("alex", "!principle new Answer the phone by the third ring: customers notice", name: "Alex")
        let asked = try #require(h.state.ratingRounds.last?.principleIDs)
        #expect(asked.count == 14)
        #expect(asked.last == h.state.teamPrinciples.first?.id)
    }

    @Test("with programme.firstRating all, the first rating asks about every principle")
    func firstRatingAll() throws {
        let h = try Self.harness { $0.programme.firstRating = .all }
        #expect(h.state.ratingRounds.last?.principleIDs == nil)
        #expect(Ratings.asked(Transaction.probe(h)).count == h.coach.catalogue.principles.count)
    }

    @Test("once everyone has rated, the scores go to the channel with questions to reflect on, once")
    func reflectWhenComplete() throws {
        var h = try Self.harness()
        Self.rateCore(&h, "alex")
        Self.rateCore(&h, "sam", except: [2: 1])
        #expect(!h.state.outbox.isEmpty || true)
        let third = h.say("jo", "!rate all " + Array(repeating: "3", count: 13).joined(separator: " "), name: "Jo")
        #expect(!third.contains { $0.destination == .channel && $0.kind == .notice }, "not everyone has rated yet")
        let last = h.say("priya", "!rate all " + Array(repeating: "1", count: 13).joined(separator: " "), name: "Priya")
        let shared = try #require(last.first { $0.destination == .channel && $0.kind == .notice }?.text)
        #expect(shared.contains("Everyone has rated: here is where we start"))
        #expect(shared.contains("Where does it depend on who's on shift"))
        #expect(shared.contains("Vote for up to 3"))
        #expect(shared.contains("how far our views agree"))
        #expect(!shared.localizedCaseInsensitiveContains("consistent,"), "agreement is not called consistency")
        #expect(h.state.jobs["reflect:1"] == .done)
        // A later change of score posts nothing more.
        let again = h.say("priya", "!rate 1 3", name: "Priya")
        #expect(!again.contains { $0.destination == .channel && $0.kind == .notice })
    }

    @Test("an admin can share the scores before everyone has rated; a member cannot")
    func shareOnRequest() throws {
        var h = try Self.harness()
        #expect(h.say("alex", "!scores share", name: "Alex")[0].text.contains("Nobody has rated"))
        Self.rateCore(&h, "sam")
        #expect(h.say("sam", "!scores share", name: "Sam")[0].text.contains("admin"))
        let shared = h.say("alex", "!scores share", name: "Alex")
        #expect(shared.contains { $0.text.contains("1 of 4 of us have rated so far") })
        #expect(h.say("alex", "!scores shout", name: "Alex")[0].text.contains("!scores share"), "a wrong form gets the right one")
    }

    @Test("a principle everyone rates 1 reads as agreed, low and consistently so, never as 'consistent' service")
    func agreementIsNotConsistency() throws {
        var h = try Self.harness()
        for who in ["alex", "sam", "jo"] { Self.rateCore(&h, who, 5, except: [2: 1]) }
        let scores = h.say("sam", "!scores", name: "Sam")[0].text
        let line = try #require(scores.split(separator: "\n").first { $0.contains(Self.core(h)[2].title) })
        #expect(line.contains("1.0, rated by 3, 100% gave the same score"))
        #expect(!scores.localizedCaseInsensitiveContains("consistent,"))
        #expect(scores.contains("how consistently we live the principle"))
    }

    @Test("ratings.minRaters: an average and its agreement show only once that many have rated, in scores and shared scores")
    func fewRatersHideTheAverage() throws {
        var h = try Self.harness()
        Self.rateCore(&h, "sam", 5, except: [2: 1])
        Self.rateCore(&h, "jo", 3, except: [2: 1])
        let title = Self.core(h)[2].title
        let scores = h.say("sam", "!scores", name: "Sam")[0].text
        let line = try #require(scores.split(separator: "\n").first { $0.contains(title) })
        #expect(line.contains("rated by 2, the average shows once 3 have rated it"), "\(line)")
        #expect(!line.contains("1.0") && !line.contains("gave the same score"), "\(line)")
        #expect(scores.contains("so nobody's own score can be worked out"))
        let shared = try #require(h.say("alex", "!scores share", name: "Alex").first { $0.destination == .channel }?.text)
        #expect(shared.contains("rated by 2, the average shows once 3 have rated it"))
        #expect(!shared.contains("4.0"), "two raters' average would give each one's score away")
        #expect(shared.contains("so nobody's own score can be worked out"))
        // The third rater brings the averages out.
        Self.rateCore(&h, "alex", 5, except: [2: 1])
        let after = h.say("sam", "!scores", name: "Sam")[0].text
        let shown = try #require(after.split(separator: "\n").first { $0.contains(title) })
        #expect(shown.contains("1.0, rated by 3, 100% gave the same score"), "\(shown)")
        #expect(!after.contains("so nobody's own score can be worked out"))
    }

    @Test("a small team lowers ratings.minRaters to 1 and sees every average, with one view so far")
    func minRatersLowered() throws {
        var h = try Self.harness { $0.ratings.minRaters = 1 }
        Self.rateCore(&h, "sam", 5)
        let scores = h.say("sam", "!scores", name: "Sam")[0].text
        #expect(scores.contains("5.0, one view so far"), "\(scores)")
        #expect(!scores.contains("the average shows once"))
    }

    @Test("members vote for up to three; the suggestion weighs the votes; votes close when the plan is accepted")
    func votes() throws {
        var h = try Self.harness { $0.programme.suggestedLength = 3 }
        let core = Self.core(h)
        // Principle 13 ties with ten others at 3 and comes last of them, so the scores alone leave it out of a
        // three-week plan.
        for who in ["alex", "sam", "jo", "priya"] { Self.rateCore(&h, who, 3, except: [0: 1]) }
        let before = RatingReport(Transaction.probe(h)).suggestedPlan()
        #expect(!before.contains(core[12].id))
        #expect(h.say("sam", "!vote 1 2 3 4", name: "Sam")[0].text.contains("!vote <principle>"), "four votes get the right form")
        #expect(h.say("sam", "!vote 99", name: "Sam")[0].text.contains("couldn't find the principle"))
        let saved = h.say("sam", "!vote 13 2", name: "Sam")[0].text
        #expect(saved.contains("You voted for: 13. \(core[12].title); 2. \(core[1].title)"))
        h.say("jo", "!vote 13", name: "Jo")
        h.say("priya", "!vote 13", name: "Priya")
        let tally = h.say("alex", "!votes", name: "Alex")[0].text
        #expect(tally.contains("- \(core[12].title) (13): 3"))
        #expect(tally.contains("from 3 of us"))
        let after = RatingReport(Transaction.probe(h)).suggestedPlan()
        #expect(after.prefix(3) == [DefinitionWeek.principleID, core[0].id, core[12].id],
            "everyone who voted chose it: it ranks as though rated two points lower, level with principle 1")
        #expect(h.say("sam", "!scores", name: "Sam")[0].text.contains("· votes: 3"))
        h.say("sam", "!vote none", name: "Sam")
        #expect(h.state.programme.votes["sam"] == nil)
        h.say("alex", "!programme accept", name: "Alex")
        let closed = h.say("jo", "!vote 4", name: "Jo")[0].text
        #expect(closed.contains("voting has closed"))
        #expect(h.state.programme.votes["jo"] == [core[12].id])
    }

    @Test("the re-rating asks about what the baseline asked and every principle the plan ran")
    func rerateCoversThePlan() throws {
        var h = try Self.harness { $0.programme.suggestedLength = 1 }
        let extra = h.coach.catalogue.principles[25]
        h.say("alex", "!programme accept", name: "Alex")
        h.say("alex", "!programme add \(extra.id)", name: "Alex")
        h.say("alex", "!start 2027-01-11", name: "Alex")
        for day in ["2027-01-11 09:00", "2027-01-18 09:00", "2027-01-25 09:00", "2027-02-01 09:00"] { h.tick(at: day) }
        #expect(h.state.programme.phase == .finished)
        let rerate = try #require(h.state.ratingRounds.last)
        #expect(rerate.purpose == .rerate)
        let asked = try #require(rerate.principleIDs)
        #expect(asked.count == 14 && asked.last == extra.id)
        #expect(!asked.contains(DefinitionWeek.principleID), "week 0 is an activity, not rated")
    }
}

extension Transaction {
    /// A read-only transaction on a harness's state, for tests that ask what the engine would decide now.
    static func probe(_ h: Harness) -> Transaction {
        let monday = h.coach.calendar.monday(containing: h.now)
        return Transaction(
            coach: h.coach, state: h.state, now: h.now, weekMonday: monday, weekKey: h.coach.calendar.weekKey(monday: monday))
    }
}
