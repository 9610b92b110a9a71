@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// Seed 000's steps 5 and 6 as the team's own: the skills to develop and the training to match, for any principle.
@Suite("The team's own skills and training")
struct TeamStepsTests {
    static func harness() throws -> Harness {
        var h = Harness(coach: try Fixtures.coach {
            $0.holidays = []
            $0.programme.openingWeek = false
        }, at: "2027-01-06 10:00")
        h.tick()
        return h
    }

    @Test("an admin replaces a catalogue principle's skills and training for this team; the Monday post shows them; reset restores them")
    func replaceCatalogueWording() throws {
        var h = try Self.harness()
        let p = h.coach.catalogue.principles[6]
        let reply = h.say("alex", "!principle 7 skills Write the promise down; Say when you will call back", name: "Alex")[0].text
        #expect(reply.contains("principle 7 has the team's own skills to practise (for this team only; !principle 7 skills reset restores the catalogue's)"))
        #expect(reply.contains("- Write the promise down\n- Say when you will call back"))
        h.say("alex", "!principle 7 training Ten minutes on Monday: each names a promise made last week", name: "Alex")
        h.say("alex", "!principle 7 manager Make the call-back list visible to all", name: "Alex")
        h.say("alex", "!principle 7 question Which promise did you keep this week?", name: "Alex")
        let shown = h.say("sam", "!principle 7", name: "Sam")[0].text
        #expect(shown.contains("- Write the promise down"))
        #expect(!shown.contains(p.skills[0]), "the catalogue's skills are replaced, not added to")
        #expect(shown.contains("Ten minutes on Monday"))
        #expect(shown.contains("- Make the call-back list visible to all"))

        h.say("alex", "!programme accept", name: "Alex")
        h.say("alex", "!programme move 7 to 1", name: "Alex")
        h.say("alex", "!start 2027-01-11", name: "Alex")
        let monday = try #require(h.tick(at: "2027-01-11 09:00").queued.first { $0.kind == .announcement }?.text)
        #expect(monday.contains("- Say when you will call back"))
        #expect(monday.contains("Which promise did you keep this week?"))
        #expect(monday.contains(p.challenge), "parts not replaced keep the catalogue's wording")

        h.say("alex", "!principle 7 skills reset", name: "Alex")
        #expect(h.say("sam", "!principle 7", name: "Sam")[0].text.contains(p.skills[0]))
        #expect(h.state.principleDetails[p.id]?[.skills] == nil)
        #expect(h.state.principleDetails[p.id]?[.training] != nil)
    }

    @Test("a member cannot change a principle; wrong forms get the right one")
    func accessAndForms() throws {
        var h = try Self.harness()
        #expect(h.say("sam", "!principle 7 skills Smile", name: "Sam")[0].text.contains("admin"))
        #expect(h.state.principleDetails.isEmpty)
        #expect(h.say("alex", "!principle 7 colour blue", name: "Alex")[0].text.contains("!principle <n> skills"))
        #expect(h.say("alex", "!principle 7 challenge", name: "Alex")[0].text.contains("!principle"))
        #expect(h.say("alex", "!principle 99 skills x", name: "Alex")[0].text.contains("couldn't find the principle"))
    }

    @Test("principle new asks for the team's steps 5 and 6, and each answer says what is still missing")
    func newPrincipleAsks() throws {
        var h = try Self.harness()
        let added = h.say("alex", "!principle new Answer by the third ring: customers notice how long they wait", name: "Alex")[0].text
        let number = h.coach.catalogue.principles.count + 1
        for part in ["skills", "manager", "training", "challenge", "question"] {
            #expect(added.contains("!principle \(number) \(part) "), "asks for \(part)")
        }
        let first = h.say("alex", "!principle \(number) skills Pick up by the third ring; Smile as you answer", name: "Alex")[0].text
        #expect(first.contains("Still to give it: training (!principle \(number) training ...), challenge"))
        h.say("alex", "!principle \(number) training Practise the greeting in pairs", name: "Alex")
        h.say("alex", "!principle \(number) challenge Count the rings on every call today", name: "Alex")
        let last = h.say("alex", "!principle \(number) question How quickly did we answer this week?", name: "Alex")[0].text
        #expect(!last.contains("Still to give it"))
        let shown = h.say("sam", "!principle \(number)", name: "Sam")[0].text
        #expect(shown.contains("Pick up by the third ring") && shown.contains("Practise the greeting in pairs"))
    }

    @Test("a hand-written state keeps the team's wording after a restart")
    func survivesRoundTrip() throws {
        var h = try Self.harness()
        h.say("alex", "!principle 7 skills Write the promise down", name: "Alex")
        let data = try JSONEncoder().encode(h.state)
        let decoded = try JSONDecoder().decode(CoachState.self, from: data)
        #expect(decoded.principleDetails == h.state.principleDetails)
        #expect(String(decoding: data, as: UTF8.self).contains("\"principleDetails\":{\"deliver-what-you-promise\":{\"skills\":"))
    }
}
