import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation

/// A whole programme lived by a scripted team through the real loop (`coach simulate`), kept in a state folder: what
/// backups are taken of. Simulated once per test process and shared; each test copies the folder before touching it.
struct SimulatedTeamState: Sendable {
    let setup: CoachSetup
    let directory: URL
    let state: CoachState
    /// A week after the re-rating week began: the programme is over.
    let end: Date

    static let twelveWeeks = Task<SimulatedTeamState, any Error> {
        let directory = Fixtures.temporaryDirectory()
        let setup = try Fixtures.setup(state: directory)
        _ = try await Simulation(
            setup: setup, options: .init(weeks: 12, teamSize: 12, seed: 5, stateDirectory: directory),
            output: { _ in }, progress: { _ in }
        ).run()
        let state = try CoachSetup.inspectState(in: directory).state
        let calendar = TeamCalendar(timeZone: setup.config.team.timeZone)
        guard let finished = state.programme.finishedOn else { throw FixtureProblem("the simulation did not finish") }
        return SimulatedTeamState(
            setup: setup, directory: directory, state: state,
            end: calendar.at(calendar.adding(days: 7, to: finished), hour: 9, minute: 0))
    }

    /// A copy of the state folder, in a folder of its own (`<new folder>/state`), for a test to change.
    func copy() throws -> URL {
        let parent = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let copy = parent.appendingPathComponent("state")
        try FileManager.default.copyItem(at: directory, to: copy)
        return copy
    }
}

struct FixtureProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Folder {
    /// Every file in a folder, with its bytes, to compare before and after.
    static func contents(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    /// A new folder beside nothing, for backups and scratch files.
    static func make() throws -> URL {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A state folder holding a small state of its own, committed as the bot commits, with `token` in a member's
    /// name and an example's text, so a test can look for it byte by byte.
    static func smallState(token: String) throws -> URL {
        let state = try make().appendingPathComponent("state")
        let (store, _) = try StateStore.open(
            directory: state, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        defer { store.close() }
        let events: [StateEvent] = [
            .memberSeen(id: "kim", name: "Kim \(token)"),
            .exampleAdded(Example(
                id: 1, weekKey: nil, principleID: nil, reporterID: "kim", caughtIDs: [], text: "Stayed late \(token)",
                at: Date(timeIntervalSince1970: 1_800_000_000), source: .command)),
        ]
        var current = CoachState()
        for event in events { current.apply(event) }
        try store.commit(events, state: current)
        // A snapshot and a journal line after it, as a bot that has run a while leaves its folder.
        try store.compact(state: current)
        current.apply(.installed(id: token))
        try store.commit([.installed(id: token)], state: current)
        return state
    }

    static func contains(_ token: String, anywhereIn folder: URL) throws -> Bool {
        let needle = Data(token.utf8)
        return try contents(folder).values.contains { $0.range(of: needle) != nil }
    }
}

/// Where a state went, seen from the tests.
extension CoachSetup {
    func with(state directory: URL) -> CoachSetup {
        var copy = self
        copy.stateDirectory = directory
        return copy
    }
}
