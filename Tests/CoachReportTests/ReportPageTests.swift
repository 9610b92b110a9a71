import CoachCore
@testable import CoachReport
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// The HTML report from a simulated 12-week programme of 40 people: every section, chart and table is there, each
/// chart's numbers are its table's numbers and the figures', member text is escaped, and the page can fetch nothing.
@Suite("Report page", .timeLimit(.minutes(10)))
struct ReportPageTests {
    static func programme() async throws -> SimulatedProgramme { try await SimulatedProgramme.twelveWeeks.value }

    static func page(_ programme: SimulatedProgramme) throws -> (view: ReportPageView, html: String) {
        let record = ProgrammeRecord(
            state: programme.state, config: programme.setup.config, catalogue: programme.setup.catalogue,
            now: programme.end)
        let prompts = try programme.setup.prompts(for: .html)
        let html = try ReportRenderer(setup: programme.setup).html(state: programme.state, at: programme.end)
        return (ReportPage.view(record, prompts: prompts), html)
    }

    @Test("every section, every chart with its text alternative and its table, the CSP, and no script")
    func structure() async throws {
        let programme = try await Self.programme()
        let (view, html) = try Self.page(programme)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains(
            #"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"#))
        #expect(html.contains("@page { size: A4"))
        for section in ["participation", "recognition", "ratings", "goals", "followups", "ideas", "timeline"] {
            #expect(html.contains("<section id=\"\(section)\">"), "no section \(section)")
        }
        // Ratings, participation, recognition, and one per goal with readings.
        let goalsWithReadings = view.goals.filter(\.hasReadings).count
        #expect(goalsWithReadings == 3)
        let charts = HTMLScan.elements("svg", in: html)
        #expect(charts.count == 3 + goalsWithReadings)
        for chart in charts {
            #expect(chart.contains(#"role="img""#))
            let labels = try #require(HTMLScan.attribute("aria-labelledby", in: chart))
            for id in labels.split(separator: " ") {
                #expect(chart.contains("id=\"\(id)\""), "the chart's label \(id) is missing")
            }
            #expect(chart.contains("<title id=") && chart.contains("<desc id="))
        }
        // Each chart is followed by the table of its numbers, before the next chart.
        for (index, piece) in html.components(separatedBy: "<svg ").dropFirst().enumerated() {
            #expect(piece.contains("<table>"), "chart \(index + 1) has no table after it")
        }
        #expect(!html.lowercased().contains("<script"))
        #expect(HTMLScan.externalReferences(in: html).isEmpty)
        #expect(view.weeks.count == 13 && view.weeks.first?.opening == true)
        #expect(html.components(separatedBy: "<article class=\"week-card\"").count - 1 == 13)
    }

    @Test("the participation chart's points, its table and the figures are the same numbers, week by week")
    func participationNumbers() async throws {
        let programme = try await Self.programme()
        let (view, html) = try Self.page(programme)
        let section = try #require(view.participation)
        // Counted here from the state, independently of the figures.
        let weeks = programme.state.weeks.filter { $0.principleID != DefinitionWeek.principleID }
        let examples = weeks.map { week in programme.state.examples.inWeek(week.key).filter { $0.at <= programme.end } }
        #expect(section.examples.dots.map(\.value) == examples.map { String($0.count) })
        #expect(section.contributors.dots.map(\.value) == examples.map { String(Set($0.map(\.reporterID)).count) })
        #expect(section.rows.map(\.examples) == examples.map(\.count))
        #expect(section.rows.map(\.contributors) == examples.map { Set($0.map(\.reporterID)).count })
        #expect(section.rows.map(\.shoutOuts) == examples.map { $0.filter { !$0.caughtIDs.isEmpty }.count })
        // The page's table holds them in that order.
        let table = try #require(HTMLScan.section("participation", in: html).flatMap { HTMLScan.elements("table", in: $0).first })
        let cells = HTMLScan.rows(of: table)
        #expect(cells.map { $0[2] } == examples.map { String($0.count) })
        #expect(cells.map { $0[0] } == section.rows.map { String($0.number) })
        // The dots climb with their values: a bigger count is higher up the canvas.
        let dots = section.examples.dots
        for (a, b) in zip(dots, dots.dropFirst()) where Int(a.value)! < Int(b.value)! {
            #expect(Double(a.y)! > Double(b.y)!)
        }
    }

    @Test("recognition spread: per week and so far, the table, the chart and a count from the state agree")
    func recognitionNumbers() async throws {
        let programme = try await Self.programme()
        let (view, _) = try Self.page(programme)
        let section = try #require(view.recognition)
        var soFar = Set<String>()
        var expected: [(Int, Int)] = []
        for week in programme.state.weeks {
            let caught = Set(programme.state.examples.inWeek(week.key).flatMap(\.caughtIDs))
            soFar.formUnion(caught)
            if week.principleID != DefinitionWeek.principleID { expected.append((caught.count, soFar.count)) }
        }
        #expect(section.rows.map(\.thisWeek) == expected.map(\.0))
        #expect(section.rows.map(\.soFar) == expected.map(\.1))
        #expect(section.thisWeek.dots.map(\.value) == expected.map { String($0.0) })
        #expect(section.soFar.dots.map(\.value) == expected.map { String($0.1) })
        #expect(section.team.value == "40" && section.memberCount == 40)
        #expect(section.recognisedSoFar == soFar.count)
    }

    @Test("ratings: each bar is its table's average, averages of too few raters are left out, the examples each drew")
    func ratingNumbers() async throws {
        let programme = try await Self.programme()
        let (view, _) = try Self.page(programme)
        let ratings = try #require(view.ratings)
        #expect(ratings.hasAfter && ratings.beforeRaters == 40 && ratings.afterRaters >= 30)
        #expect(ratings.rows.count == 12)
        for (row, bars) in zip(ratings.rows, ratings.chart.rows) {
            #expect(bars.title == row.title)
            #expect(bars.before?.value == row.before)
            #expect(bars.after?.value == row.after)
            // Bars grow with their averages on the 0-5 scale.
            if let before = row.before, let bar = bars.before {
                let width = Double(bar.box.width)!
                let plot = ChartLayout.plot(height: 1)
                #expect(abs(width - Double(before)! / 5 * plot.width) < 0.1)
            }
        }
        // Every principle of the plan drew its week's examples.
        let state = programme.state
        for row in ratings.rows {
            let week = try #require(state.weeks.first { programme.setup.catalogue.principle(id: $0.principleID)?.title == row.title })
            #expect(row.examples == state.examples.inWeek(week.key).count)
            #expect(row.weeks.map(\.key) == [week.key])
        }
        // A team that asks for more raters than rated sees no averages, in the chart, the table and the page.
        var strict = programme.setup
        strict.config.ratings.minRaters = 41
        let html = try ReportRenderer(setup: strict).html(state: state, at: programme.end)
        let record = ProgrammeRecord(state: state, config: strict.config, catalogue: strict.catalogue, now: programme.end)
        let hidden = try #require(ReportPage.ratings(record))
        #expect(hidden.rows.allSatisfy { $0.before == nil && $0.after == nil && $0.beforeAgreement == nil })
        #expect(hidden.chart.rows.allSatisfy { $0.hidden && $0.before == nil })
        #expect(hidden.anyHidden)
        #expect(html.contains("fewer than 41 people rated that principle"))
    }

    @Test("goals: every reading in the chart and the table, off-target ones marked, the weeks along the time axis")
    func goalNumbers() async throws {
        let programme = try await Self.programme()
        let (view, html) = try Self.page(programme)
        let calendar = TeamCalendar(timeZone: programme.setup.config.team.timeZone)
        for (goal, section) in zip(programme.state.goals, view.goals) {
            let readings = goal.history.filter { $0.at <= programme.end }
            let chart = try #require(section.chart)
            #expect(chart.readings.dots.map(\.value) == readings.map { Coach.format($0.value) })
            #expect(chart.readings.dots.map(\.off) == readings.map { goal.deviates($0.value) })
            #expect(section.readings.map(\.value) == readings.map { Coach.format($0.value) })
            #expect(section.readings.map(\.off) == readings.map { goal.deviates($0.value) })
            #expect(section.offCount == readings.filter { goal.deviates($0.value) }.count)
            // Each reading names the principle of the week it fell in.
            for (reading, row) in zip(readings, section.readings) {
                let day = calendar.localDate(of: reading.at)
                let week = programme.state.weeks.last { $0.monday <= day && day <= calendar.adding(days: 6, to: $0.monday) }
                #expect(row.principle == week.map { programme.setup.catalogue.principle(id: $0.principleID)?.title ?? "" })
            }
            // The weeks marked are those that began between the first and last readings (and a little around).
            let first = try #require(readings.first?.at)
            let last = try #require(readings.last?.at)
            let inside = programme.state.weeks.filter {
                let monday = calendar.startOfDay($0.monday)
                return monday >= first && monday <= last
            }
            #expect(chart.weeks.count >= inside.count && chart.weeks.count <= inside.count + 2)
            // The target line sits inside the band.
            let band = try #require(chart.band)
            let target = Double(chart.target.y)!
            #expect(target >= Double(band.y)! && target <= Double(band.y)! + Double(band.height)!)
            #expect(html.contains("<caption>Goal \(goal.id), \(goal.kpi) (\(goal.unit)): every reading</caption>"))
        }
        #expect(view.hasGoalWeeks)
    }

    @Test("follow-ups: open and closed as the state has them, with the days each took")
    func followUpNumbers() async throws {
        let programme = try await Self.programme()
        let (view, _) = try Self.page(programme)
        let calendar = TeamCalendar(timeZone: programme.setup.config.team.timeZone)
        let items = programme.state.followUps.filter { $0.openedAt <= programme.end }
        let closed = items.filter { $0.fixedAt.map { $0 <= programme.end } ?? false }
        #expect(view.followUps.closedCount == closed.count)
        #expect(view.followUps.openCount == items.count - closed.count)
        for row in view.followUps.closed {
            let item = try #require(items.first { $0.id == row.id })
            let days = calendar.days(from: calendar.localDate(of: item.openedAt), to: calendar.localDate(of: item.fixedAt!))
            #expect(row.days == days)
            #expect(row.resolution == item.resolution)
        }
        #expect(view.followUps.closed.contains { $0.kind == .correctiveAction })
        #expect(view.followUps.closed.contains { $0.kind == .complaint })
    }

    @Test("member text is escaped: tags, quotes and ampersands show as typed and never become markup")
    func escaping() async throws {
        let programme = try await Self.programme()
        var state = programme.state
        let hostile = #"<script>alert("x")</script> & <img src=x onerror=alert(1)> "quoted" 'single'"#
        state.members["u2"]?.name = #"Eve "<b>" <script>"#
        let week = try #require(state.weeks.last)
        state.examples.append(Example(
            id: state.examples.nextID, weekKey: week.key, principleID: week.principleID, reporterID: "u2",
            caughtIDs: ["u3"], text: hostile, at: calendar(programme).at(week.monday, hour: 10, minute: 0), source: .caught))
        state.ideas.append(Idea(id: 999, text: hostile, authorID: "u2", at: programme.end.addingTimeInterval(-60), weekKey: nil))
        state.goals[0].kpi = #"Reply "time" <i>"#
        let html = try ReportRenderer(setup: programme.setup).html(state: state, at: programme.end)
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>") && !html.contains("<i>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("Eve &quot;&lt;b&gt;&quot; &lt;script&gt;"))
        // Inside an attribute too: the goal's name is in the chart's title and its table's caption.
        #expect(html.contains("Goal 1, Reply &quot;time&quot; &lt;i&gt;"))
        #expect(HTMLScan.externalReferences(in: html).isEmpty)
    }

    @Test("a state with no programme yet renders every section with its empty wording, and nothing dated after now")
    func emptyAndEarly() async throws {
        let setup = try Fixtures.setup()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let html = try ReportRenderer(setup: setup).html(state: CoachState(), at: now)
        #expect(html.contains("No programme week has started yet"))
        #expect(html.contains("Nobody has rated the principles yet"))
        #expect(html.contains("No goals yet"))
        #expect(HTMLScan.elements("svg", in: html).isEmpty)
        // The simulated programme as it stood after its fourth week: later examples and readings are left out.
        let programme = try await Self.programme()
        let calendar = calendar(programme)
        let early = calendar.at(calendar.adding(days: 4, to: programme.state.weeks[4].monday), hour: 20, minute: 0)
        let record = ProgrammeRecord(
            state: programme.state, config: programme.setup.config, catalogue: programme.setup.catalogue, now: early)
        let view = ReportPage.view(record, prompts: try programme.setup.prompts(for: .html))
        #expect(view.weeks.count == 5)
        #expect(view.goals.allSatisfy { $0.readings.allSatisfy { LocalDate($0.day)! <= calendar.localDate(of: early) } })
    }

    @Test("a broken report template stops the renderer (and the bot, which compiles the same templates) naming its file")
    func brokenTemplate() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("Prompts")
        try FileManager.default.copyItem(at: Fixtures.projectRoot.appendingPathComponent("Prompts"), to: prompts)
        try Data("{{#ratings}}unclosed".utf8).write(to: prompts.appendingPathComponent("report/ratings.mustache"))
        let setup = try CoachSetup.load(
            configPath: Fixtures.projectRoot.appendingPathComponent("Config/coach.json").path, promptsPath: prompts.path,
            stateOverride: folder.appendingPathComponent("state").path)
        #expect(setup.templates["report/ratings"] == "{{#ratings}}unclosed")
        do {
            _ = try ReportRenderer(setup: setup)
            Issue.record("a broken report template compiled")
        } catch {
            #expect("\(error)".contains("Prompts/report/ratings.mustache cannot be used"))
        }
        #expect(throws: ConfigError.self) { try setup.prompts(for: .plain) }
    }

    func calendar(_ programme: SimulatedProgramme) -> TeamCalendar {
        TeamCalendar(timeZone: programme.setup.config.team.timeZone)
    }
}
