@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// The rules that decide what a team receives over weeks: one private check-in a day, every example reported once,
/// everyone recognised named, dates that hold, a frozen baseline, and replies that keep what people typed.
@Suite("A team's weeks")
struct TeamLifeTests {
    /// A three-week programme starting Monday 2027-01-04, admins and members from the shipped config.
    static func started(
        length: Int = 3, holidays: [String] = [], beforeStart: (inout Harness) -> Void = { _ in }
    ) throws -> Harness {
        let coach = try Fixtures.coach { config in
            config.programme.suggestedLength = length
            // About the principles' weeks: week 0, the definition activity, has its own suite (DefinitionWeekTests).
            config.programme.openingWeek = false
            config.holidays = holidays.map { text in
                let parts = text.components(separatedBy: "..")
                return HolidayRange(first: LocalDate(parts[0])!, last: LocalDate(parts[parts.count - 1])!)
            }
        }
        var h = Harness(coach: coach, at: "2026-12-30 10:00")
        h.tick()
        beforeStart(&h)
        h.say("alex", "!start 2027-01-04", name: "Alex")
        return h
    }

    static func privates(_ messages: [OutboundMessage], to member: String) -> [OutboundMessage] {
        messages.filter { $0.destination == .direct(userID: member) }
    }

    // MARK: - One private message a day

    @Test("the day's nudges come as one digest: no example yet, an open follow-up and a goal off target")
    func oneDigest() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.say("alex", "!goal add Reply time target 4 hours lower owner @sam", name: "Alex")
        h.say("sam", "!goal 1 9", name: "Sam")
        h.say("sam", "!followup the card reader drops out", name: "Sam")
        // Wednesday is the reminder's day; Sam has shared nothing this week.
        let wednesday = Self.privates(h.tick(at: "2027-01-06 10:00").queued, to: "sam")
        #expect(wednesday.count == 1)
        let digest = try #require(wednesday.first?.text)
        #expect(digest.contains("You haven't shared an example yet"))
        #expect(digest.contains("Goal 1, Reply time, is off target"))
        #expect(digest.contains("Follow-up 1"))
        #expect(Self.privates(h.tick(at: "2027-01-06 15:00").queued, to: "sam").isEmpty, "nothing more privately that day")
        // Thursday: the follow-up is not due again for two days, the action request neither.
        #expect(Self.privates(h.tick(at: "2027-01-07 10:00").queued, to: "sam").isEmpty)
    }

    @Test("no new corrective action is asked for while one is open; after it is fixed, a new figure off target asks again")
    func noActionWhileOneIsOpen() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.say("alex", "!goal add Reply time target 4 hours lower owner @sam", name: "Alex")
        h.say("sam", "!goal 1 9", name: "Sam")
        h.say("sam", "!goal action 1 a second person on the phones", name: "Sam")
        h.now = h.instant("2027-01-05 09:00")
        h.say("sam", "!goal 1 8", name: "Sam")
        for day in ["2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-01-11"] {
            for message in Self.privates(h.tick(at: "\(day) 10:00").queued, to: "sam") {
                #expect(!message.text.contains("bring it back"), "asked for an action on \(day) while one is open")
            }
        }
        h.now = h.instant("2027-01-11 11:00")
        h.say("sam", "!fixed 1 the rota has two people at lunchtime", name: "Sam")
        h.say("sam", "!goal 1 7", name: "Sam")
        let asked = Self.privates(h.tick(at: "2027-01-12 10:00").queued, to: "sam").first?.text ?? ""
        #expect(asked.contains("bring it back"))
    }

    @Test("a goal with no figure yet is asked for its first figure, not told it is stale")
    func firstFigure() throws {
        var h = try Self.started()
        h.say("alex", "!goal add CSAT target 90% owner @jo", name: "Alex")
        let digest = Self.privates(h.tick(at: "2027-01-07 10:00").queued, to: "jo").first?.text ?? ""
        #expect(digest.contains("has no figure yet"))
        #expect(!digest.contains("hasn't had an update"))
    }

    @Test("where the platform has no private messages, nobody is nudged by name in the channel")
    func noDirectMessagesNoNudges() throws {
        let coach = try Fixtures.coach(capabilities: .init(directMessages: false, threads: false, markup: .plain)) {
            $0.holidays = []
        }
        var h = Harness(coach: coach, at: "2026-12-30 10:00")
        h.tick()
        h.say("alex", "!start 2027-01-04", name: "Alex")
        h.say("alex", "!goal add CSAT target 90% owner @jo", name: "Alex")
        for day in ["2027-01-06", "2027-01-07", "2027-01-08"] {
            for message in h.tick(at: "\(day) 10:00").queued {
                #expect(message.kind != .nudge, "a nudge in the channel: \(message.text)")
            }
        }
    }

    // MARK: - Every example reported once

    @Test("an example after Friday's report-back goes in the next one, marked late, and the reply says so")
    func lateExample() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.say("sam", "!example kept a promise on Monday", name: "Sam")
        let first = h.tick(at: "2027-01-08 16:00").queued.filter { $0.kind == .summary }.map(\.text).joined()
        #expect(first.contains("kept a promise on Monday"))
        h.now = h.instant("2027-01-09 11:00")
        let ack = h.say("jo", "!example rebooked a delivery on Saturday", name: "Jo").first?.text ?? ""
        #expect(ack.contains("goes in next week's, marked as late"))
        let second = h.tick(at: "2027-01-15 16:00").queued.filter { $0.kind == .summary }.map(\.text).joined()
        #expect(second.contains("rebooked a delivery on Saturday (late for week 1)"))
        #expect(!second.contains("kept a promise on Monday"), "reported twice")
    }

    @Test("an example shared before the start is in the first report-back")
    func beforeStart() throws {
        var h = try Self.started(beforeStart: { h in
            let ack = h.say("sam", "!example greeted a regular by name", name: "Sam").first?.text ?? ""
            #expect(ack.contains("goes in the first report-back"))
        })
        h.tick(at: "2027-01-04 09:00")
        let report = h.tick(at: "2027-01-08 16:00").queued.filter { $0.kind == .summary }.map(\.text).joined()
        #expect(report.contains("greeted a regular by name (shared between programme weeks)"))
    }

    // MARK: - The report-back

    @Test("a long report-back is a headline naming everyone recognised, with the full lists in its thread")
    func headlineAndThread() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        let names = (1...30).map { "Person\($0)" }
        for (i, name) in names.enumerated() {
            h.say("p\(i)", "!example a long enough example to make this report-back run well past a screen of text \(i)", name: name)
        }
        for (i, name) in names.enumerated() where i > 0 {
            h.say("p\(i - 1)", "!caught @\(name) for helping a customer find what they came for", name: names[i - 1])
        }
        let posts = h.tick(at: "2027-01-08 16:00").queued.filter { $0.kind == .summary }
        #expect(posts.count == 2)
        let headline = try #require(posts.first)
        #expect(headline.destination == .channel && headline.threadUnder == nil)
        #expect(headline.text.contains("in the thread"))
        for name in names.dropFirst() { #expect(headline.text.contains(name), "\(name) is not named in the headline") }
        let lists = try #require(posts.last)
        #expect(lists.threadUnder == headline.id)
        // The harness delivered the headline as "p-<id>": its lists went into that thread.
        #expect(!h.state.outbox.contains { $0.threadUnder != nil })
        #expect(lists.text.contains("Caught doing something right"))
        #expect(headline.text.count < 1_500 && lists.text.count > 1_500)
    }

    @Test("the counts add up: examples are own plus shout-outs, and shout-outs count posts, not people")
    func countsAddUp() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        h.say("sam", "!caught @jo @priya for sorting the big order together", name: "Sam")
        h.say("jo", "!caught @sam for staying late", name: "Jo")
        h.say("priya", "!example rebooked a delivery", name: "Priya")
        let report = h.tick(at: "2027-01-08 16:00").queued.first { $0.kind == .summary }?.text ?? ""
        #expect(report.contains("Examples: 3 (1 own, 2 shout-outs)"))
        #expect(report.contains("Jo") && report.contains("Priya") && report.contains("Sam"))
    }

    @Test("the Friday before a holiday week says the programme rests, and when it carries on with which principle")
    func holidayNextWeek() throws {
        var h = try Self.started(holidays: ["2027-01-11..2027-01-15"])
        h.tick(at: "2027-01-04 09:00")
        let plan = h.say("sam", "!programme", name: "Sam").first?.text ?? ""
        #expect(plan.contains("Week 2, from 2027-01-18"), "the plan passes over the holiday week: \(plan)")
        let report = h.tick(at: "2027-01-08 16:00").queued.first { $0.kind == .summary }?.text ?? ""
        #expect(report.contains("Next week is a holiday week"))
        #expect(report.contains("We carry on in the week of 2027-01-18 with"))
        let second = h.state.programme.plan[1]
        #expect(h.tick(at: "2027-01-18 09:00").queued.first { $0.kind == .announcement }?.text
            .contains(h.coach.catalogue.principle(id: second)?.title ?? "?") == true)
    }

    // MARK: - Ratings

    @Test("the baseline is frozen at the start: a rating during the programme is kept for the re-rating, and says so")
    func frozenBaseline() throws {
        var h = try Self.started(beforeStart: { h in
            h.say("sam", "!rate 4 1", name: "Sam")
        })
        h.tick(at: "2027-01-04 09:00")
        let reply = h.say("sam", "!rate 4 5", name: "Sam").first?.text ?? ""
        #expect(reply.contains("kept these for the re-rating"))
        let baseline = h.state.ratingRounds.last { $0.purpose == .baseline }
        #expect(baseline?.scores["sam"]?.values.first == 1, "the starting score moved")
        #expect(h.state.ratingRounds.last?.purpose == .rerate)
    }

    @Test("a change is the difference of the values shown, rounded the same way every time")
    func deltasFromShownValues() {
        #expect(RatingReport.roundedForShow(3.25) == 3.3)
        #expect(RatingReport.roundedForShow(3.75) == 3.8)
        #expect(RatingReport.format(3.25) == "3.3" && RatingReport.format(3.75) == "3.8")
        #expect(RatingReport.roundedForShow(RatingReport.roundedForShow(3.9) - RatingReport.roundedForShow(3.25)) == 0.6)
    }

    @Test("rate shows five at a time and rate next fills them in order")
    func shortRounds() throws {
        var h = try Self.started()
        let prompt = h.say("jo", "!rate", name: "Jo").first?.text ?? ""
        let first5 = h.coach.catalogue.principles.prefix(5).map(\.title)
        for title in first5 { #expect(prompt.contains(title)) }
        #expect(!prompt.contains(h.coach.catalogue.principles[5].title))
        let ack = h.say("jo", "!rate next 3 5 1 3 3", name: "Jo").first?.text ?? ""
        #expect(ack.contains(h.coach.catalogue.principles[5].title), "the next round follows")
        let mine = h.state.ratingRounds.last?.scores["jo"] ?? [:]
        #expect(h.coach.catalogue.principles.prefix(5).map { mine[$0.id] } == [3, 5, 1, 3, 3])
    }

    // MARK: - Replies that keep what people typed

    @Test("a near miss offers the command with the text kept, and yes saves it; a late yes does not")
    func nearMiss() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        let offer = h.say("sam", "!exmaple Helped a customer find the right size", name: "Sam").first?.text ?? ""
        #expect(offer.contains("Did you mean !example Helped a customer find the right size? Reply yes to save it."))
        h.say("sam", "yes", name: "Sam")
        #expect(h.state.examples.all.last?.text == "Helped a customer find the right size")
        h.say("jo", "!exmaple called back on time", name: "Jo")
        h.now = h.instant("2027-01-04 11:00")
        let late = h.say("jo", "!yes", name: "Jo").first?.text ?? ""
        #expect(late.contains("that was a while ago"))
        #expect(h.state.examples.all.count == 1)
    }

    @Test("a text that is too long is told the limit and its length")
    func lengthRefusal() throws {
        var h = try Self.started()
        let reply = h.say("sam", "!example " + String(repeating: "a", count: 1_200), name: "Sam").first?.text ?? ""
        #expect(reply.contains("1200 characters, and the most is 1000"))
    }

    @Test("one character carrying 20,000 accents is refused with the scalar limit named, and nothing is stored")
    func scalarRefusal() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        let giant = "a" + String(repeating: "\u{301}", count: 20_000)
        let before = h.state
        let reply = h.say("sam", "!means " + giant, name: "Sam").first?.text ?? ""
        #expect(reply.contains("20001 Unicode code points"), "\(reply)")
        #expect(reply.contains("the most is 4000"))
        let example = h.say("sam", "!example " + giant, name: "Sam").first?.text ?? ""
        #expect(example.contains("the most is 4000"))
        // The same limits hold for a reply in the announcement's thread, which is an example too.
        let root = try #require(h.state.weeks.last?.announcementPlatformID)
        let threaded = h.say("sam", "great " + giant, name: "Sam", thread: root).first?.text ?? ""
        #expect(threaded.contains("the most is 4000"))
        let long = h.say("sam", String(repeating: "b", count: 1_001), name: "Sam", thread: root).first?.text ?? ""
        #expect(long.contains("1001 characters, and the most is 1000"))
        #expect(h.state.examples.all.count == before.examples.all.count)
        #expect(h.state.definitions == before.definitions)
    }

    @Test("examples all pages, and examples week N shows an earlier week")
    func examplePages() throws {
        var h = try Self.started()
        h.tick(at: "2027-01-04 09:00")
        for i in 1...45 { h.say("sam", "!example number \(i)", name: "Sam") }
        let first = h.say("jo", "!examples all", name: "Jo").first?.text ?? ""
        #expect(first.contains("(45; page 1 of 3)") && first.contains("More: !examples all 2"))
        let third = h.say("jo", "!examples all 3", name: "Jo").first?.text ?? ""
        #expect(third.contains("number 45") && !third.contains("More:"))
        h.tick(at: "2027-01-11 09:00")
        let earlier = h.say("jo", "!examples week 1", name: "Jo").first?.text ?? ""
        #expect(earlier.contains("Week 1's examples (45; page 1 of 3)"))
        let missing = h.say("jo", "!examples week 9", name: "Jo").first?.text ?? ""
        #expect(missing.contains("no programme week 9"))
    }

    @Test("the config's roster names people, whatever the platform calls them")
    func rosterNames() throws {
        var h = try Self.started()
        let reply = h.say("sam", "!status", name: "sam_b").first?.text ?? ""
        #expect(h.state.members["sam"]?.name == "Sam")
        #expect(!reply.contains("sam_b"))
    }
}
