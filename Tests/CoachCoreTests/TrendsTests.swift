@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

@Suite("Trends: sparklines in the report-back, in every markup")
struct TrendsTests {
    @Test("counts are drawn from zero, so a small change looks small")
    func fromZero() throws {
        #expect(Sparkline.blocks([0, 3, 6, 9], scale: .fromZero) == "▁▃▆█")
        #expect(Sparkline.blocks([8, 9], scale: .fromZero) == "▇█")
        #expect(Sparkline.blocks([0, 0, 0], scale: .fromZero) == "▁▁▁")
        #expect(Sparkline.blocks([4, 4], scale: .fromZero) == "██")
    }

    @Test("a goal's readings are drawn from the lowest to the highest, so their movement shows")
    func lowestToHighest() throws {
        #expect(Sparkline.blocks([3.5, 4, 4.5], scale: .lowestToHighest) == "▁▅█")
        #expect(Sparkline.blocks([90, 82, 86], scale: .lowestToHighest) == "█▁▅")
        #expect(Sparkline.blocks([5, 5], scale: .lowestToHighest) == "▄▄", "no movement: mid height")
    }

    @Test("one value is no trend; a long run is cut to the latest, and says so")
    func lengths() throws {
        #expect(Sparkline([3], scale: .fromZero) == nil)
        let line = try #require(Sparkline([2, 4], scale: .fromZero))
        #expect(line.blocks == "▅█" && line.first == "2" && line.last == "4" && !line.cut)
        let long = try #require(Sparkline((1...30).map(Double.init), scale: .fromZero))
        #expect(long.blocks.count == Sparkline.longest)
        #expect(long.shown == 24 && long.total == 30 && long.cut)
        #expect(long.first == "7" && long.last == "30")
        #expect(try #require(Sparkline([2.5, 3.25], scale: .lowestToHighest)).last == "3.25")
    }

    @Test("participation leaves out week 0, which asks for a sentence rather than examples")
    func participationWithoutTheOpeningWeek() throws {
        func week(_ number: Int, _ examples: Int, opening: Bool = false) -> WeekFigures {
            WeekFigures(
                key: "2027-W0\(number)", cycle: 1, number: number, opening: opening, principleID: "p", principle: "P",
                monday: LocalDate(year: 2027, month: 1, day: 4), lastDay: LocalDate(year: 2027, month: 1, day: 10),
                examples: examples, ownExamples: examples, shoutOuts: 0, contributors: examples, recognised: 0,
                recognisedSoFar: 0, reportBack: .sent, reportBackSentAt: nil)
        }
        let trend = try #require(ParticipationTrend([week(0, 0, opening: true), week(1, 2), week(2, 4)]))
        #expect(trend.firstWeek == 1 && trend.lastWeek == 2)
        #expect(trend.examples.blocks == "▅█")
        #expect(ParticipationTrend([week(0, 0, opening: true), week(1, 2)]) == nil)
    }

    /// The blocks are plain characters in every markup: nothing escapes them, while a member's text around them is
    /// still escaped by the platform's rules.
    @Test("the report-back's trends read the same in every markup", arguments: Markup.allCases)
    func inEveryMarkup(_ markup: Markup) throws {
        var h = try ProgrammeFiguresTests.threeWeeks(capabilities: .init(directMessages: true, threads: false, markup: markup))
        let hostile = "<b>*so* _kind_</b> [x](y) @here & more"
        h.now = h.instant("2027-01-19 11:00")
        h.say("sam", "!example \(hostile)", name: "Sam")
        h.say("sam", "!goal 1 2.5", name: "Sam")
        let report = h.tick(at: "2027-01-22 16:00").queued.filter { $0.kind == .summary }.map(\.text).joined(separator: "\n")
        #expect(report.contains("Examples per week, weeks 1–3: █▆▃ (3 → 1)"), "\(markup): \(report)")
        #expect(report.contains("People who shared per week, weeks 1–3: █▃▃ (3 → 1)"))
        #expect(report.contains("Readings: ▂█▁ (3 → \(markup.escape("2.5"))); aim 4 hours, down is good"), "\(markup): \(report)")
        #expect(report.contains(markup.escape(hostile)))
        if markup != .plain { #expect(!report.contains(hostile), "\(markup) left a member's markup unescaped") }
        for line in report.split(separator: "\n") where line.contains("▁") || line.contains("█") {
            #expect(!line.contains("\\▁") && !line.contains("\\█") && !line.unicodeScalars.contains("\u{2060}"))
        }
    }

    @Test("the goals list shows each goal's readings as a sparkline with its aim and direction")
    func goalsList() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let reply = try #require(h.say("jo", "!goals", name: "Jo").first).text
        #expect(reply.contains("  Readings: ▁█ (3 → 6); aim 4 hours, down is good"))
    }

    @Test("a long report-back's headline carries the trends too")
    func headline() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        h.now = h.instant("2027-01-19 11:00")
        for i in 1...30 { h.say("jo", "!example a long example to make the report-back long, number \(i) of thirty", name: "Jo") }
        let posts = h.tick(at: "2027-01-22 16:00").queued.filter { $0.kind == .summary }
        #expect(posts.count == 2)
        #expect(posts[0].text.contains("The full report-back, with every example, is in the thread."))
        #expect(posts[0].text.contains("Examples per week, weeks 1–3: ▂▁█ (3 → 30)"))
        #expect(!posts[1].text.contains("Examples per week"), "the thread holds the lists, not the trends again")
    }
}
