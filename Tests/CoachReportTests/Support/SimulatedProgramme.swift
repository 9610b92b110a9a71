import CoachCore
import CoachReport
import CoachRuntime
import CoachTestSupport
import Foundation

/// A whole programme lived by a scripted team through the real loop (`coach simulate`), kept in a state folder: what
/// the report and the exports are tried on. Simulated once per test process and shared, since a 12-week programme
/// for 40 people takes seconds.
struct SimulatedProgramme: Sendable {
    let setup: CoachSetup
    let state: CoachState
    let directory: URL
    /// A week after the re-rating week began: every report-back, the re-rating and the before/after are in.
    let end: Date

    static let twelveWeeks = Task<SimulatedProgramme, any Error> {
        try await simulate(weeks: 12, teamSize: 40, seed: 11)
    }

    static func simulate(weeks: Int, teamSize: Int, seed: UInt64) async throws -> SimulatedProgramme {
        let directory = Fixtures.temporaryDirectory()
        let setup = try Fixtures.setup(state: directory)
        _ = try await Simulation(
            setup: setup, options: .init(weeks: weeks, teamSize: teamSize, seed: seed, stateDirectory: directory),
            output: { _ in }, progress: { _ in }
        ).run()
        let state = try CoachSetup.inspectState(in: directory).state
        let calendar = TeamCalendar(timeZone: setup.config.team.timeZone)
        let finished = try require(state.programme.finishedOn, "end of programme")
        return SimulatedProgramme(
            setup: setup, state: state, directory: directory,
            end: calendar.at(calendar.adding(days: 7, to: finished), hour: 9, minute: 0))
    }
}

/// `#require` outside a test: a simulation that did not finish is a broken fixture, said plainly.
func require<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw FixtureError(what: what) }
    return value
}

struct FixtureError: Error, CustomStringConvertible {
    var what: String
    var description: String { "the simulated programme has no \(what)" }
}
