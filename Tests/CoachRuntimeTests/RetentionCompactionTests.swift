import CoachChat
import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging
import Testing

/// Retention where it happens: when the runtime compacts the state, inside a commit that outgrows the journal and on
/// the way out. A 12-week programme lived by the real loop (`coach simulate`) is carried on by a session with
/// `retention.months` set: afterwards no byte of what went is left in `state.json` or `journal.jsonl`, and the
/// weekly counts are those the full state gives.
@Suite("Retention at compaction", .timeLimit(.minutes(10)))
struct RetentionCompactionTests {
    struct Programme: Sendable {
        let setup: CoachSetup
        let directory: URL
        let state: CoachState
        let end: Date
    }

    static let programme = Task<Programme, any Error> {
        let directory = Fixtures.temporaryDirectory()
        let setup = try Fixtures.setup(state: directory)
        _ = try await Simulation(
            setup: setup, options: .init(weeks: 12, teamSize: 10, seed: 21, stateDirectory: directory),
            output: { _ in }, progress: { _ in }
        ).run()
        let state = try CoachSetup.inspectState(in: directory).state
        let calendar = TeamCalendar(timeZone: setup.config.team.timeZone)
        let finished = try #require(state.programme.finishedOn)
        return Programme(
            setup: setup, directory: directory, state: state, end: calendar.at(calendar.adding(days: 7, to: finished), hour: 9, minute: 0))
    }

    enum Path: String, CaseIterable {
        /// A commit whose journal line passes the compaction limit.
        case commit
        /// `compact()`, as a clean stop does.
        case stop
        /// A tick that finds something passed out of the window, with the journal far from full.
        case tick
    }

    @Test("after compaction nothing let go is left in the state folder's bytes, and the weekly counts are unchanged", arguments: Path.allCases)
    func compaction(path: Path) async throws {
        let programme = try await Self.programme.value
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(at: programme.directory, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let coach = try Fixtures.coach { $0.retention.months = 1 }
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let options = StoreOptions(
            compactAfterJournalBytes: path == .commit ? 1 : StoreOptions.defaultCompactionBytes, durable: false)
        let session = try CoachSession(coach: coach, directory: folder, options: options, logger: quiet)
        let journalFile = folder.appendingPathComponent("journal.jsonl")
        switch path {
        case .commit:
            // Compaction waits until the journal outgrows the snapshot: commit until it has compacted.
            var compacted = false
            for number in 1...1_000_000 {
                try await session.receive(PollBatch(messages: [], cursor: "c\(number)"), transport: "test", at: programme.end)
                if (try Data(contentsOf: journalFile)).isEmpty {
                    compacted = true
                    break
                }
            }
            #expect(compacted)
        case .stop:
            try await session.receive(PollBatch(messages: [], cursor: "after"), transport: "test", at: programme.end)
            #expect(!(try Data(contentsOf: journalFile)).isEmpty)
            try await session.compact()
        case .tick:
            try await session.receive(PollBatch(messages: [], cursor: "after"), transport: "test", at: programme.end)
            #expect(!(try Data(contentsOf: journalFile)).isEmpty)
            try await session.tick(at: programme.end)
            // Nothing more is due until the next week passes out of the window.
            #expect(!Retention.isDue(await session.state, config: coach.config, now: programme.end))
        }
        let live = await session.state
        await session.close()

        let full = programme.state
        let calendar = TeamCalendar(timeZone: coach.config.team.timeZone)
        let firstKept = calendar.adding(months: -1, to: calendar.localDate(of: programme.end))
        let cutoff = calendar.startOfDay(firstKept)
        let weekKeys = Set(full.weeks.map(\.key))
        let expired = Set(full.weeks.filter { calendar.adding(days: 6, to: $0.monday) < firstKept }.map(\.key))
        let goneExamples = full.examples.all.filter { example in
            example.weekKey.map { weekKeys.contains($0) ? expired.contains($0) : example.at < cutoff } ?? (example.at < cutoff)
        }
        let goneIdeas = full.ideas.filter { $0.at < cutoff }
        let goneDefinitions = full.definitions.filter { $0.at < cutoff }
        let goneFollowUps = full.followUps.filter { ($0.fixedAt ?? .distantFuture) < cutoff && $0.feedbackID == nil }
        #expect(goneExamples.count > 100 && !expired.isEmpty && !goneIdeas.isEmpty && !goneDefinitions.isEmpty)

        let snapshot = try Data(contentsOf: folder.appendingPathComponent("state.json"))
        let journal = try Data(contentsOf: folder.appendingPathComponent("journal.jsonl"))
        #expect(journal.isEmpty)
        let files = snapshot + journal
        // Each record as the store writes it: none is left.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        for example in goneExamples {
            #expect(files.range(of: try encoder.encode(example)) == nil, "example \(example.id) is still in the files")
        }
        // And their words, wherever they might hide, where nothing kept says the same.
        let kept = try CoachSetup.inspectState(in: folder).state
        #expect(kept == live)
        let keptTexts = kept.examples.all.map(\.text) + kept.ideas.map(\.text) + kept.definitions.map(\.text)
            + kept.followUps.flatMap { [$0.text, $0.resolution ?? ""] } + kept.feedback.map(\.text)
            + kept.agreedDefinitions.map(\.text) + kept.goals.flatMap { $0.history.map(\.note) + $0.actions.map(\.text) }
            + kept.trainings.compactMap { $0.outcome?.note } + kept.outbox.map(\.text)
        let goneTexts = Set(goneExamples.map(\.text) + goneIdeas.map(\.text) + goneDefinitions.map(\.text)
            + goneFollowUps.flatMap { [$0.text, $0.resolution ?? ""] })
            .filter { text in !text.isEmpty && !keptTexts.contains { $0.contains(text) } }
        #expect(goneTexts.count > 5, "the programme has words that only what went held")
        for text in goneTexts {
            #expect(files.range(of: try encoder.encode(text)) == nil, "\"\(text)\" is still in the files")
        }
        #expect(kept.retention.weeks.map(\.key).sorted() == expired.sorted())

        // The weekly counts, as history, the trends, the report and the exports read them.
        let before = ProgrammeFigures(state: full, catalogue: coach.catalogue, config: coach.config, now: programme.end)
        let after = ProgrammeFigures(state: kept, catalogue: coach.catalogue, config: coach.config, now: programme.end)
        #expect(before.weeks.count == after.weeks.count)
        for (old, new) in zip(before.weeks, after.weeks) {
            #expect(new.examples == old.examples && new.ownExamples == old.ownExamples && new.shoutOuts == old.shoutOuts
                && new.contributors == old.contributors && new.recognised == old.recognised, "\(old.key)")
            #expect(new.recognisedSoFar <= old.recognisedSoFar)
            if expired.contains(old.key) { #expect(new.recognisedSoFar == old.recognisedSoFar) }
        }
        #expect(after.recognition.shoutOuts == before.recognition.shoutOuts)

        // The bot starts from it and carries on.
        let (store, reopened) = try StateStore.open(
            directory: folder, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        store.close()
        #expect(reopened == live)
    }
}
