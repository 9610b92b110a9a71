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

    @Test("the same seed gives the same transcript; another seed another one")
    func deterministic() async throws {
        let (first, summary, progress) = try await Self.transcript(seed: 42)
        let (second, _, _) = try await Self.transcript(seed: 42)
        let (other, _, _) = try await Self.transcript(seed: 43)
        #expect(first == second)
        #expect(first != other)
        #expect(summary.finished)
        #expect(summary.examples > 0)
        #expect(progress.count == 4)
    }

    @Test("a full programme: every week announced and summarised, goals nudged, ending with the before/after report")
    func fullProgramme() async throws {
        let (text, summary, _) = try await Self.transcript(seed: 7, weeks: 3, team: 6)
        let setup = try Fixtures.setup()
        #expect(summary.finished)
        #expect(summary.messagesFromTeam > 30)
        // Every scripted action is visible: ratings, examples, shout-outs, goal updates.
        for fragment in ["!rate all", "!example", "!caught @", "!goal ", "(privately to", "(in thread)"] {
            #expect(text.contains(fragment), "transcript lacks \(fragment)")
        }
        #expect(text.contains(setup.config.team.botName))
        #expect(text.hasPrefix("[2026-12-30 Wednesday 09:00]"))
    }
}
