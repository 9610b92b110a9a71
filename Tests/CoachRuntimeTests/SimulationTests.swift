import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

@Suite("Simulation")
struct SimulationTests {
    static func transcript(seed: UInt64, weeks: Int = 3, team: Int = 5) async throws -> (String, Simulation.Summary, [String]) {
        let lines = Printed()
        let progress = Printed()
        let simulation = try Simulation(
            setup: try Fixtures.setup(), options: .init(weeks: weeks, teamSize: team, seed: seed),
            output: { lines.append($0) }, progress: { progress.append($0) })
        let summary = try await simulation.run()
        return (lines.text, summary, progress.text.split(separator: "\n").map(String.init))
    }

    /// The transcript changed once when the simulation moved onto the real loop (members now act on Mondays: the old
    /// driver planned each Monday before that Monday's tick had opened the week). From then on it is deterministic.
    @Test("the same seed gives the same transcript; another seed another one")
    func deterministic() async throws {
        let (first, summary, progress) = try await Self.transcript(seed: 42)
        let (second, _, _) = try await Self.transcript(seed: 42)
        let (other, _, _) = try await Self.transcript(seed: 43)
        #expect(first == second)
        #expect(first != other)
        #expect(summary.finished)
        #expect(summary.examples > 0)
        // Week 0, the three principle weeks and the re-rating week.
        #expect(progress.count == 5)
        #expect(progress.first?.contains("week 0 of 3") == true)
    }

    @Test("a full programme: every week announced and summarised, goals nudged, trainings run, ending with the before/after report")
    func fullProgramme() async throws {
        let (text, summary, _) = try await Self.transcript(seed: 7, weeks: 3, team: 6)
        let setup = try Fixtures.setup()
        #expect(summary.finished)
        #expect(summary.messagesFromTeam > 30)
        // Every scripted action is visible: ratings, votes, week 0's definition, examples, shout-outs, goal updates,
        // customer feedback, the week's training and how it went, and an appraisal record.
        for fragment in [
            "!rate all", "!example", "!caught @", "!goal ", "(privately to", "(in thread)", "!vote ", "Everyone has rated",
            "Week 0, before our 3 principles", "!means ", "!means agree ", "(Our definition: Customer Service means",
            "!feedback complaint", "!training ", "!trained ", "recorded as held", "!record @", "Record for ",
            "!timezone Asia/Kolkata", "your time zone is Asia/Kolkata",
        ] {
            #expect(text.contains(fragment), "transcript lacks \(fragment)")
        }
        #expect(text.contains(setup.config.team.botName))
        #expect(text.hasPrefix("[2026-12-30 Wednesday 09:00]"))
        // Sam works in New York and Jo in Kolkata: their check-ins come at 10:00 there, 15:00 and 04:30 in London (the
        // transcript's time), and nobody else's at those times.
        let posts = text.components(separatedBy: "\n[")
        for (name, time) in [("Sam", "15:00]"), ("Jo", "04:30]"), ("Priya", "10:00]")] {
            let checkIns = posts.filter { $0.contains("coach (privately to \(name)):") && $0.contains("your check-in for today") }
            #expect(!checkIns.isEmpty, "\(name) had no check-in")
            #expect(checkIns.allSatisfy { $0.contains(time) }, "\(name): \(checkIns.map { $0.prefix(40) })")
        }
    }
}

extension SimulationTests {
    @Test("across a month's end: the channel's goal review, figures only, and the admin's reward prompt in their check-in")
    func monthEnd() async throws {
        let (text, summary, _) = try await Self.transcript(seed: 3, weeks: 5, team: 5)
        #expect(summary.finished)
        let posts = text.components(separatedBy: "\n[")
        let review = try #require(posts.first { $0.contains("Monthly goal review, 2027-01") })
        #expect(review.contains("coach:"), "the review goes to the channel")
        let prompt = try #require(posts.first { $0.contains("who did well in 2027-01") })
        #expect(prompt.contains("coach (privately to Alex)"))
        #expect(posts.filter { $0.contains("who did well in") }.count == 1)
    }
}

@Suite("Simulation through the real loop")
struct SimulationLoopTests {
    @Test("it runs the bot's own loop: the state folder ends as a clean stop leaves it, and loads back as the run ended")
    func realLoop() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let simulation = try Simulation(
            setup: try Fixtures.setup(), options: .init(weeks: 2, teamSize: 4, seed: 5, stateDirectory: dir),
            output: { _ in }, progress: { _ in })
        let summary = try await simulation.run()
        #expect(summary.finished)
        // BotService compacts on its way out: a fresh snapshot and an empty journal, as after `coach run` stops.
        let journal = try Data(contentsOf: dir.appendingPathComponent("journal.jsonl"))
        #expect(journal.isEmpty)
        let state = try BotServiceTests.reopen(dir)
        #expect(state.examples.liveCount == summary.examples)
        #expect(state.outbox.isEmpty, "every message the bot queued was delivered through the loop")
        #expect(state.installID != nil, "the loop installed the state, as a live start does")
        #expect(state.cursors["simulation"] == "\(summary.messagesFromTeam)")
    }

    @Test("a folder that already holds a state is refused, so a run depends only on its seed")
    func occupiedFolder() async throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = Simulation.Options(weeks: 1, teamSize: 2, seed: 1, stateDirectory: dir)
        _ = try await Simulation(setup: try Fixtures.setup(), options: options, output: { _ in }, progress: { _ in }).run()
        await #expect(throws: SetupError.self) {
            _ = try await Simulation(setup: try Fixtures.setup(), options: options, output: { _ in }, progress: { _ in }).run()
        }
    }
}
