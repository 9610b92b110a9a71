@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

@Suite("History: the weeks so far, and a report-back shown again")
struct HistoryTests {
    /// `ProgrammeFiguresTests.threeWeeks`, with week 3's report-back out too.
    static func afterWeekThree(capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain))
        throws -> Harness
    {
        var h = try ProgrammeFiguresTests.threeWeeks(capabilities: capabilities)
        h.tick(at: "2027-01-22 16:00")
        h.now = h.instant("2027-01-25 08:00")
        return h
    }

    @Test("history lists the cycle's weeks with their principle, figures and participation as sparklines")
    func list() throws {
        var h = try Self.afterWeekThree()
        let reply = try #require(h.say("sam", "!history", name: "Sam").first)
        #expect(reply.destination == .channel)
        let title = try #require(h.coach.principle(id: h.state.weeks[0].principleID, h.state)?.title)
        #expect(reply.text.contains("- Week 1, from 2027-01-04: \(title). Examples 3 · people who shared 3 · shout-outs 2"))
        #expect(reply.text.contains("Examples 2 · people who shared 1 · shout-outs 1"))
        #expect(reply.text.contains("Examples per week, weeks 1–3: █▆▁ (3 → 0)"))
        #expect(reply.text.contains("People who shared per week, weeks 1–3: █▃▁ (3 → 0)"))
        #expect(!reply.text.contains("still to come"), "every week listed has had its report-back")
        #expect(reply.text.contains("e.g. !history 3. I'll send it to you privately."), "the latest week reported")
    }

    @Test("the week under way is listed so far, and left out of the trends until its report-back")
    func weekUnderWay() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let reply = try #require(h.say("sam", "!history", name: "Sam").first).text
        #expect(reply.contains("shout-outs 0 (so far: its report-back is still to come)"))
        #expect(reply.contains("Examples per week, weeks 1–2: █▆ (3 → 2)"))
        #expect(reply.contains("e.g. !history 2."))
    }

    @Test("before the programme, history says there is none yet")
    func empty() throws {
        var h = Harness(coach: try Fixtures.coach(), at: "2027-01-04 08:00")
        h.tick()
        let reply = try #require(h.say("sam", "!history", name: "Sam").first)
        #expect(reply.text.hasPrefix("No programme weeks yet"))
    }

    @Test("history <week> asked in the channel goes privately to the asker; the channel hears only that")
    func privately() throws {
        var h = try Self.afterWeekThree()
        let sent = h.say("jo", "!history 1", name: "Jo")
        #expect(sent.count == 2)
        #expect(sent[0].destination == .direct(userID: "jo"))
        #expect(sent[0].text.hasPrefix("Shown again for you: the report-back of 2027-01-08"))
        #expect(sent[1].destination == .channel)
        #expect(sent[1].text.contains("sent you week 1's report-back privately"))
        // Asked privately, it is answered there, once.
        let direct = h.say("jo", "history 2", name: "Jo", direct: true)
        #expect(direct.count == 1 && direct[0].destination == .direct(userID: "jo"))
        #expect(direct[0].text.contains("Report-back, week 2 of 12"))
    }

    @Test("where there are no private messages, the report-back is shown again where it was asked")
    func noPrivateMessages() throws {
        var h = try Self.afterWeekThree(capabilities: .init(directMessages: false, threads: false, markup: .plain))
        let sent = h.say("jo", "!history 1", name: "Jo")
        #expect(sent.count == 1 && sent[0].destination == .channel)
        #expect(sent[0].text.contains("Report-back, week 1 of 12"))
    }

    @Test("shown again, a report-back reads as it went out, without the session's agenda or next week")
    func asItWentOut() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        // Week 3's report-back, as it went out to the channel (short enough to be one post).
        let original = try #require(h.tick(at: "2027-01-22 16:00").queued.first { $0.kind == .summary }).text
        let again = try #require(h.say("alex", "history 3", name: "Alex", direct: true).first).text
        let body = again.components(separatedBy: "\n").dropFirst(2)
        #expect(!body.isEmpty)
        let originalLines = Set(original.components(separatedBy: "\n"))
        for line in body where !line.isEmpty {
            #expect(originalLines.contains(line), "shown again but not in the original: \(line)")
        }
        #expect(original.contains("Report-back session"))
        #expect(!again.contains("Report-back session"))
        #expect(original.contains("Next week's principle"))
        #expect(!again.contains("Next week's principle"))
    }

    @Test("shown again later: what came after is left out, what was deleted is gone, what was open then shows open")
    func asItStoodThen() throws {
        var h = try Self.afterWeekThree()
        // After week 3's report-back: a weekend example (late for week 3, so in week 4's report-back); then in week
        // 4 a new reading, follow-up 1 fixed, and an example of week 1 deleted.
        h.now = h.instant("2027-01-23 12:00")
        h.say("priya", "!example a weekend delivery", name: "Priya")
        h.tick(at: "2027-01-25 09:00")
        h.now = h.instant("2027-01-27 12:00")
        h.say("sam", "!goal 1 2.5", name: "Sam")
        h.say("alex", "!fixed 1 screwed it back", name: "Alex")
        let samsFirst = try #require(h.state.examples.all.first { $0.text == "called a customer back" })
        h.say("sam", "!delete \(samsFirst.id)", name: "Sam")
        h.tick(at: "2027-01-29 16:00")
        let week1 = try #require(h.say("alex", "history 1", name: "Alex", direct: true).first).text
        #expect(week1.contains("- Jo → Sam: stayed late for a delivery"))
        #expect(!week1.contains("called a customer back"), "deleted since")
        #expect(week1.contains("6 hours against an aim of 4 hours: (!) off target"))
        #expect(!week1.contains("2.5"), "a reading posted since")
        #expect(week1.contains("- 1: a loose shelf (Alex, since 2027-01-04)"), "follow-up 1 was open then")
        #expect(week1.contains("Readings: ▁█ (3 → 6); aim 4 hours, down is good"))
        let week3 = try #require(h.say("alex", "history 3", name: "Alex", direct: true).first).text
        #expect(!week3.contains("a weekend delivery"), "shared after it went out")
        // Week 1's example deleted since no longer counts, there or in the trend.
        #expect(week3.contains("Examples per week, weeks 1–3: ██▁ (2 → 0)"))
        // The weekend example was counted in week 4's report-back, as a late one, and shows there again.
        let week4 = try #require(h.say("alex", "history 4", name: "Alex", direct: true).first).text
        #expect(week4.contains("- Priya: a weekend delivery (late for week 3)"))
        #expect(week4.contains("Examples per week, weeks 1–4"))
        #expect(week4.contains("Readings: ▂█▁ (3 → 2.5)"))
    }

    @Test("a week whose report-back has not gone out, was missed, or went out before records were kept says so")
    func nothingToShowAgain() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let notYet = try #require(h.say("sam", "!history 3", name: "Sam").first)
        #expect(notYet.text.contains("Week 3 (") && notYet.text.contains("hasn't had its report-back yet: it's due Friday 16:00"))
        #expect(notYet.destination == .channel)
        h.state.apply(.jobRecorded(key: ProgrammeSchedule.jobKey(.summary, h.state.weeks[2].key), outcome: .skipped))
        #expect(try #require(h.say("sam", "!history 3", name: "Sam").first).text.contains("had no report-back"))
        h.state.reportBacks.removeFirst()
        #expect(try #require(h.say("sam", "!history 1", name: "Sam").first).text.contains("before I kept a record"))
        #expect(try #require(h.say("sam", "!history 9", name: "Sam").first).text.contains("There's no programme week 9"))
    }

    @Test("a wrong form gets the right one", arguments: ["!history x", "!history 1 2", "!history week"])
    func usage(_ text: String) throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let reply = try #require(h.say("sam", text, name: "Sam").first).text
        #expect(reply.contains("How to use !history:"))
        #expect(reply.contains("!history <week>"))
    }

    @Test("history week 2 reads like history 2, and week 0 names the opening week")
    func weekWord() throws {
        var h = try Self.afterWeekThree()
        let a = h.say("alex", "history week 2", name: "Alex", direct: true).first?.text
        let b = h.say("alex", "history 2", name: "Alex", direct: true).first?.text
        #expect(a != nil && a == b)
        #expect(try #require(h.say("alex", "!history 0", name: "Alex").first).text.contains("There's no programme week 0"))
    }
}
