@testable import CoachBackup
import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Testing

/// `coach backup` and `coach restore` on real state folders: a backup taken while the store commits restores to a
/// state the bot really had; a whole programme goes round the trip unchanged; anything that is not a whole, sound
/// backup of a version this build reads is refused with the file named, and the state folder is left byte for byte.
@Suite("Backup and restore", .timeLimit(.minutes(10)))
struct BackupTests {
    static let now = Date(timeIntervalSince1970: 1_807_000_000)

    static func backup(_ state: URL, to file: URL) throws -> StateBackup.Written {
        try StateBackup.write(stateDirectory: state, to: file, team: "Corner Bakery", appVersion: "9.9.9", at: now)
    }

    @Test("a 12-week programme goes round the trip: restored into a new folder and over another state, it is the same state")
    func roundTrip() async throws {
        let programme = try await SimulatedTeamState.twelveWeeks.value
        let source = try programme.copy()
        let backups = try Folder.make()
        let file = backups.appendingPathComponent("programme.coachbackup")
        let before = try Folder.contents(source)
        let written = try Self.backup(source, to: file)
        // Read only: the state folder is as it was.
        #expect(try Folder.contents(source) == before)
        #expect(written.header.counts == BackupCounts(programme.state))
        #expect(written.header.counts.examples > 100 && written.header.counts.weeks >= 12)
        #expect(written.header.schemaVersion == CoachState.schemaVersion && written.header.appVersion == "9.9.9")
        #expect(written.fileBytes == (try Data(contentsOf: file)).count)
        // Compressed: a good deal smaller than the state it holds.
        #expect(written.fileBytes * 3 < written.header.payload.bytes)
        // Owner-only, like the state.
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Into a folder that does not exist yet: nothing to keep aside.
        let fresh = try Folder.make().appendingPathComponent("state")
        let restored = try StateBackup.restore(file, into: fresh, at: Self.now)
        #expect(restored.replaced.asideFolder == nil && restored.replaced.movedFiles.isEmpty)
        #expect(try CoachSetup.inspectState(in: fresh).state == programme.state)

        // Over another team's state: that state goes aside, whole, and nothing of it stays in the folder.
        let token = "zq\(UInt32.random(in: 0...UInt32.max))x"
        let other = try Folder.smallState(token: token)
        let replacedFiles = try Folder.contents(other)
        let over = try StateBackup.restore(file, into: other, at: Self.now)
        let aside = try #require(over.replaced.asideFolder)
        #expect(aside.deletingLastPathComponent().path == other.deletingLastPathComponent().path)
        #expect(aside.lastPathComponent == "state.replaced-20270406T082640Z")
        #expect(Set(over.replaced.movedFiles) == ["state.json", "journal.jsonl"])
        for (name, bytes) in try Folder.contents(aside) { #expect(replacedFiles[name] == bytes, "\(name) kept aside as it was") }
        #expect(try !Folder.contains(token, anywhereIn: other))
        #expect(try Folder.contains(token, anywhereIn: aside))
        let folder = try Folder.contents(other)
        #expect(Set(folder.keys) == ["state.lock", "state.json", "journal.jsonl"] && folder["journal.jsonl"] == Data())
        #expect(try CoachSetup.inspectState(in: other).state == programme.state)

        // The bot opens it and carries on: the journal continues after the restored snapshot.
        let (store, state) = try StateStore.open(
            directory: other, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        #expect(state == programme.state)
        #expect(store.lastSeq == over.replaced.seq && over.replaced.seq == written.header.seq)
        var next = state
        next.apply(.installed(id: "after-restore"))
        try store.commit([.installed(id: "after-restore")], state: next)
        store.close()
        #expect(try CoachSetup.inspectState(in: other).state == next)

        // A second restore the same second keeps the first one's aside folder and makes another beside it.
        let again = try StateBackup.restore(file, into: other, at: Self.now)
        #expect(again.replaced.asideFolder?.lastPathComponent == "state.replaced-20270406T082640Z-2")
        // Past every seq the replaced files held, so none of their journal lines could be replayed onto it.
        #expect(again.replaced.seq == over.replaced.seq + 2)
    }

    @Test("backups taken while the store commits and compacts restore to states the bot had, each at its seq")
    func burstOfCommits() async throws {
        let parent = try Folder.make()
        let folder = parent.appendingPathComponent("state")
        let backups = parent.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        let recorder = Recorder()
        // A signal per backup taken, dropped when nobody waits: the committer waits for one taken after it asked.
        let (taken, signal) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(0))
        let commits = 240
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { recorder.finish() }
                // Compacting every few commits, so backups also meet a snapshot being replaced.
                let (store, start) = try StateStore.open(
                    directory: folder, schemaVersion: CoachState.schemaVersion,
                    options: StoreOptions(compactAfterJournalBytes: 2_048, durable: false),
                    initial: { CoachState() }, apply: { $0.apply($1) })
                defer { store.close() }
                var state = start
                recorder.record(seq: store.lastSeq, state)
                var waits = taken.makeAsyncIterator()
                for i in 1...commits {
                    let events = Self.events(i)
                    for event in events { state.apply(event) }
                    try store.commit(events, state: state)
                    recorder.record(seq: store.lastSeq, state)
                    // Every 20 commits the burst waits for two backups: the second began after the first ended, so
                    // while the burst stood still here. Backups are spread over the burst, one at each of these seqs.
                    if i % 20 == 0 {
                        _ = await waits.next()
                        _ = await waits.next()
                    }
                }
            }
            group.addTask {
                var number = 0
                while !recorder.finished {
                    number += 1
                    let file = backups.appendingPathComponent("\(number).coachbackup")
                    do {
                        _ = try Self.backup(folder, to: file)
                    } catch BackupError.noState {
                        // Before the first commit.
                        continue
                    }
                    signal.yield(number)
                }
                signal.finish()
            }
            try await group.waitForAll()
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: backups.path).sorted()
        var seqs = Set<Int>()
        for name in files {
            let file = backups.appendingPathComponent(name)
            let checked = try StateBackup.check(file)
            let had = try #require(recorder.state(at: checked.seq), "\(name) holds seq \(checked.seq), which was committed")
            #expect(checked.state == had, "\(name): the state at seq \(checked.seq) as committed")
            seqs.insert(checked.seq)
        }
        // Taken all through the burst, not only at its end, and in between its pauses too.
        #expect(seqs.isSuperset(of: stride(from: 20, through: commits, by: 20)))
        #expect(files.count >= 2 * (commits / 20))
        // And restored, each is that state again.
        for name in files.prefix(12) {
            let file = backups.appendingPathComponent(name)
            let target = parent.appendingPathComponent("restored-\(name)")
            let restored = try StateBackup.restore(file, into: target, at: Self.now)
            #expect(try CoachSetup.inspectState(in: target).state == recorder.state(at: restored.header.seq))
        }
    }

    @Test("each step of a restore leaves a folder that loads one whole state, or is refused: never a mixture")
    func stepsOfARestore() throws {
        // The replaced state: a snapshot at seq 2, then journal lines 3 to 5.
        let old = try Folder.make().appendingPathComponent("state")
        let (store, _) = try StateStore.open(
            directory: old, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        var oldState = CoachState()
        for i in 1...5 {
            let events = Self.events(i)
            for event in events { oldState.apply(event) }
            try store.commit(events, state: oldState)
            if i == 2 { try store.compact(state: oldState) }
        }
        store.close()
        let oldJournal = try Data(contentsOf: old.appendingPathComponent("journal.jsonl"))
        var newState = CoachState()
        for i in 100...103 { for event in Self.events(i) { newState.apply(event) } }
        // What replaceState writes: a seq past every seq the old files hold.
        let newSnapshot = try StateStore.snapshotDocument(state: newState, seq: 6, schemaVersion: CoachState.schemaVersion)
        let step = try Folder.make().appendingPathComponent("state")
        try FileManager.default.createDirectory(at: step, withIntermediateDirectories: true)

        // The old snapshot moved aside, the new one not in yet: the old journal alone lacks its start, and is refused.
        try oldJournal.write(to: step.appendingPathComponent("journal.jsonl"))
        #expect(throws: StoreError.self) { try CoachSetup.inspectState(in: step) }
        // The new snapshot in place, the old journal not yet moved: its lines are folded in already, so skipped.
        try newSnapshot.write(to: step.appendingPathComponent("state.json"))
        let mixed = try CoachSetup.inspectState(in: step)
        #expect(mixed.state == newState && mixed.report.skippedLines == 3 && mixed.report.replayedLines == 0)
        // Done: the new snapshot and an empty journal.
        try Data().write(to: step.appendingPathComponent("journal.jsonl"))
        #expect(try CoachSetup.inspectState(in: step).state == newState)
        // And replaceState itself gives the new snapshot that seq.
        let replaced = try StateStore.replaceState(
            in: old, with: newState, seq: 1, schemaVersion: CoachState.schemaVersion,
            keepingReplacedIn: old.deletingLastPathComponent().appendingPathComponent("aside"))
        #expect(replaced.seq == 6)
        #expect(try Data(contentsOf: old.appendingPathComponent("state.json")) == newSnapshot)
    }

    /// Commit `i` of the burst: a new member now and then, an example (a shout-out every third), an idea now and then.
    static func events(_ i: Int) -> [StateEvent] {
        let at = Date(timeIntervalSince1970: 1_800_000_000 + Double(i) * 60)
        var events: [StateEvent] = []
        if i % 7 == 1 { events.append(.memberSeen(id: "m\(i)", name: "Member \(i)")) }
        events.append(.exampleAdded(Example(
            id: i, weekKey: nil, principleID: nil, reporterID: "m1", caughtIDs: i % 3 == 0 ? ["m\(i - 2)"] : [],
            text: "Example \(i): helped a customer find the right size, then walked them to the till", at: at,
            source: i % 3 == 0 ? .caught : .command)))
        if i % 11 == 0 { events.append(.ideaAdded(Idea(id: i / 11, text: "Idea \(i)", authorID: "m1", at: at, weekKey: nil))) }
        return events
    }
}

/// Every state the burst committed, by seq, shared between its two tasks.
final class Recorder: @unchecked Sendable {
    // @unchecked: everything is guarded by `lock`.
    private let lock = NSLock()
    private var states: [Int: CoachState] = [:]
    private var done = false

    func record(seq: Int, _ state: CoachState) { lock.withLock { states[seq] = state } }
    func state(at seq: Int) -> CoachState? { lock.withLock { states[seq] } }
    func finish() { lock.withLock { done = true } }
    var finished: Bool { lock.withLock { done } }
}
