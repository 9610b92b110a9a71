@testable import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// `retention.months`: what is older than the window goes, whole weeks at a time, and the weekly figures stay the
/// same; open work stays; ids are never handed out twice.
@Suite("Retention")
struct RetentionTests {
    static let seeds: [UInt64] = Array(1...25)

    @Test("over whole seeded programmes: the weeks' figures and history read the same after letting go, and nothing older remains", arguments: seeds)
    func wholeProgrammes(seed: UInt64) throws {
        var run = try ProgrammeRun(seed: seed)
        run.run()
        let full = run.state
        let now = run.now
        let calendar = run.calendar
        var kept = full
        let gone = Retention.letGo(&kept, months: 1, now: now, calendar: calendar)
        let say = { (what: String) in Issue.record("seed \(seed): \(what)") }

        let before = ProgrammeFigures(state: full, catalogue: run.coach.catalogue, config: run.coach.config, now: now)
        let after = ProgrammeFigures(state: kept, catalogue: run.coach.catalogue, config: run.coach.config, now: now)
        // Every weekly count stays. "Recognised so far this cycle" counts different people across weeks; who was
        // recognised in a week let go is gone, so after it the figure is a floor: never more than it was, never less
        // than the week let go had reached, and never falling from one week to the next.
        let tallied = Set(kept.retention.weeks.map(\.key))
        var floors: [Int: Int] = [:]
        for (old, new) in zip(before.weeks, after.weeks) {
            var same = new
            same.recognisedSoFar = old.recognisedSoFar
            if same != old { say("the figures of \(old.key) changed:\n\(old)\n\(new)") }
            if tallied.contains(old.key) {
                if new.recognisedSoFar != old.recognisedSoFar { say("\(old.key), let go, changed its recognised so far") }
            } else if new.recognisedSoFar > old.recognisedSoFar || new.recognisedSoFar < floors[old.cycle] ?? 0 {
                say("\(old.key): recognised so far \(new.recognisedSoFar), was \(old.recognisedSoFar)")
            }
            floors[old.cycle] = max(floors[old.cycle] ?? 0, new.recognisedSoFar)
        }
        if before.weeks.count != after.weeks.count { say("weeks went missing") }
        if before.recognition.shoutOuts != after.recognition.shoutOuts { say("the shout-outs' total changed") }
        if after.contributors > before.contributors || after.recognition.recognisedPeople > before.recognition.recognisedPeople {
            say("more people counted than there were")
        }
        // What `history` says, word for word.
        if Self.history(full, run) != Self.history(kept, run) { say("history reads differently") }

        // Nothing older than the window remains.
        let firstKept = calendar.adding(months: -1, to: calendar.localDate(of: now))
        let cutoff = calendar.startOfDay(firstKept)
        let expired = Set(full.weeks.filter { calendar.adding(days: 6, to: $0.monday) < firstKept }.map(\.key))
        for example in kept.examples.all {
            if let key = example.weekKey, expired.contains(key) { say("example \(example.id) of an expired week remains") }
            if example.at < cutoff, example.weekKey.map({ full.weeks.map(\.key).contains($0) }) != true {
                say("example \(example.id) from before the window remains")
            }
        }
        if kept.ideas.contains(where: { $0.at < cutoff }) { say("an old idea remains") }
        if kept.definitions.contains(where: { $0.at < cutoff }) { say("an old definition remains") }
        if kept.followUps.contains(where: { ($0.fixedAt ?? .distantFuture) < cutoff && $0.feedbackID == nil }) {
            say("an old closed follow-up remains")
        }
        // Open work and the complaints' follow-ups stay, as does the team's definition.
        let open = full.followUps.filter { $0.isOpen || $0.feedbackID != nil }.map(\.id)
        if open != kept.followUps.filter({ $0.isOpen || $0.feedbackID != nil }).map(\.id) { say("open work went") }
        if full.feedback.map(full.isOpenComplaint) != kept.feedback.map(kept.isOpenComplaint) { say("a complaint reopened") }
        if kept.teamDefinition != full.teamDefinition { say("the team's definition went") }
        if gone.examples != full.examples.all.count - kept.examples.all.count { say("LetGo miscounted the examples") }

        // The runtime's cheap question agrees: due before, not after.
        var config = run.coach.config
        config.retention.months = 1
        if Retention.isDue(full, config: config, now: now) == gone.isEmpty { say("isDue said \(!gone.isEmpty) wrongly") }
        if Retention.isDue(kept, config: config, now: now) { say("still due after letting go") }
        // Letting go again at the same moment finds nothing more.
        var again = kept
        if !Retention.letGo(&again, months: 1, now: now, calendar: calendar).isEmpty || again != kept {
            say("a second letting go at the same moment changed the state")
        }
        // Every run long enough let something go, so the test can fail.
        if full.weeks.count > 6 && gone.examples == 0 { say("nothing was let go from a long programme") }
    }

    @Test("the property runs are long enough to let go of whole weeks in most seeds")
    func seedsLetGoOfWeeks() throws {
        var tallied = 0
        for seed in Self.seeds.prefix(10) {
            var run = try ProgrammeRun(seed: seed)
            run.run()
            var state = run.state
            tallied += Retention.letGo(&state, months: 1, now: run.now, calendar: run.calendar).weeksTallied
        }
        #expect(tallied > 10)
    }

    static func history(_ state: CoachState, _ run: ProgrammeRun) -> [String] {
        var harness = Harness(coach: run.coach, at: "2027-01-01 09:00")
        harness.state = state
        harness.now = run.now
        return harness.say(run.members[0].id, "!history").map(\.text)
    }

    @Test("ids are never given twice: an idea, a definition and a follow-up after letting go take new numbers")
    func idsAreNotReused() throws {
        let coach = try Fixtures.coach()
        var h = Harness(coach: coach, at: "2027-01-04 10:00")
        h.say("sam", "!idea A bell on the door")
        h.say("sam", "!idea Free water")
        h.say("sam", "!means listening before answering")
        h.say("sam", "!followup The till roll ran out")
        h.say("sam", "!fixed 1 ordered more")
        let year = h.instant("2028-01-04 10:00")
        var state = h.state
        let gone = Retention.letGo(&state, months: 6, now: year, calendar: coach.schedule.calendar)
        #expect(gone.ideas == 2 && gone.definitions == 1 && gone.followUps == 1)
        #expect(state.ideas.isEmpty && state.definitions.isEmpty && state.followUps.isEmpty)
        h.state = state
        h.now = year
        h.say("kim", "!idea Music in the morning")
        h.say("kim", "!means smiling at the door")
        h.say("kim", "!followup The door sticks")
        #expect(h.state.ideas.map(\.id) == [3])
        #expect(h.state.definitions.map(\.id) == [2])
        #expect(h.state.followUps.map(\.id) == [2])
        // An answer to the old number finds nothing, rather than the new idea.
        let reply = h.say("alex", "!idea answer 1 thanks")
        #expect(h.state.ideas.first?.answer == nil)
        #expect(!reply.isEmpty)
    }

    @Test("an open follow-up stays however old; a closed one goes; a week straddling the window's start stays whole")
    func openWorkAndWholeWeeks() throws {
        let calendar = TeamCalendar(timeZone: TimeZone(identifier: "Europe/London")!)
        var state = CoachState()
        let monday = LocalDate(year: 2027, month: 1, day: 4)
        let old = calendar.at(monday, hour: 10, minute: 0)
        state.apply(.followUpOpened(FollowUp(id: 1, text: "open", ownerID: "sam", openedAt: old)))
        state.apply(.followUpOpened(FollowUp(id: 2, text: "closed", ownerID: "sam", openedAt: old)))
        state.apply(.followUpFixed(id: 2, resolution: "done", at: old.addingTimeInterval(3600)))
        for (index, offset) in [0, 7].enumerated() {
            let start = calendar.adding(days: offset, to: monday)
            let week = ProgrammeWeek(
                key: calendar.weekKey(monday: start), monday: start, cycle: 1, index: index, principleID: "listen")
            state.apply(.weekOpened(week))
            for day in 0..<5 {
                let at = calendar.at(calendar.adding(days: day, to: start), hour: 12, minute: 0)
                state.apply(.exampleAdded(Example(
                    id: state.examples.nextID, weekKey: week.key, principleID: "listen", reporterID: "sam",
                    caughtIDs: day.isMultiple(of: 2) ? ["kim"] : [], text: "w\(index) d\(day)", at: at, source: .command)))
            }
        }
        // A window starting on the second week's Wednesday: its first days are older, but the week is not over.
        let now = calendar.at(LocalDate(year: 2027, month: 2, day: 13), hour: 9, minute: 0)
        let before = ProgrammeFigures.weeks(state.weeks, state: state, titles: [:], calendar: calendar, now: now)
        let gone = Retention.letGo(&state, months: 1, now: now, calendar: calendar)
        #expect(gone.examples == 5 && gone.weeksTallied == 1 && gone.followUps == 1)
        #expect(state.examples.all.map(\.text) == (0..<5).map { "w1 d\($0)" })
        #expect(state.followUps.map(\.id) == [1])
        #expect(state.retention.weeks.map(\.key) == [state.weeks[0].key])
        #expect(ProgrammeFigures.weeks(state.weeks, state: state, titles: [:], calendar: calendar, now: now) == before)
        #expect(state.retention.letGoBefore == LocalDate(year: 2027, month: 1, day: 13))
    }

    @Test("history <week> of a week let go says so, with the counts kept, instead of an empty report-back")
    func historyOfAWeekLetGo() throws {
        var run = try ProgrammeRun(seed: 3)
        run.run()
        var state = run.state
        Retention.letGo(&state, months: 1, now: run.now, calendar: run.calendar)
        let tally = try #require(state.retention.weeks.first { $0.cycle == History.cycle(state) })
        let week = try #require(state.weeks.first { $0.key == tally.key && $0.cycle == tally.cycle })
        let coach = try Fixtures.coach { $0.retention.months = 1; $0.members = run.coach.config.members }
        var h = Harness(coach: coach, at: "2027-01-01 09:00")
        h.state = state
        h.now = run.now
        let reply = h.say(run.members[0].id, "!history \(state.number(of: week))", direct: true).map(\.text).joined()
        #expect(reply.contains("let go"), "\(reply)")
        #expect(reply.contains("\(tally.examples) examples from \(tally.contributors) people"), "\(reply)")
        #expect(reply.contains("1 months"))
    }

    @Test("retention.months: off by default, 1 to 120 accepted, anything else refused with the fix")
    func config() throws {
        #expect(CoachConfig().retention.months == nil)
        #expect(try CoachConfig(json: Array(#"{"retention": {"months": 12}}"#.utf8)).retention.months == 12)
        for bad in ["0", "121", "-3", "1.5", "\"twelve\""] {
            #expect(throws: ConfigError.self) { try CoachConfig(json: Array(#"{"retention": {"months": \#(bad)}}"#.utf8)) }
        }
        do {
            _ = try CoachConfig(json: Array(#"{"retention": {"months": 0}}"#.utf8))
        } catch {
            #expect("\(error)".contains("retention.months") && "\(error)".contains("use 1 to 120 months"))
        }
        let (_, unknown) = try CoachConfig.reading(json: Array(#"{"retention": {"month": 12}}"#.utf8))
        #expect(unknown.map(\.unknownFieldPath) == ["retention.month"])
        #expect("\(unknown)".contains("retention.months"))
    }
}
