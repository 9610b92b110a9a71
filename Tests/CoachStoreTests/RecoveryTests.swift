import Foundation
import Testing

@testable import CoachStore

@Suite("JournalStore: torn lines, corruption, newer schemas")
struct RecoveryTests {
    /// What a crash in the middle of an append can leave after the last complete line.
    enum TornTail: CaseIterable, Sendable {
        case cutMidLine, wholeLineWithoutNewline, zeroFilledBlock, garbageLine

        var bytes: String {
            switch self {
            case .cutMidLine: #"{"schema":1,"se"#
            // Whole JSON but no newline: the write never finished, so the commit never returned.
            case .wholeLineWithoutNewline: #"{"schema":1,"seq":4,"events":[]}"#
            // What a power cut can leave when the size reached the disk but the data did not.
            case .zeroFilledBlock: "\u{0}\u{0}\u{0}\u{0}\n"
            case .garbageLine: "not json at all\n"
            }
        }
    }

    @Test(
        "a torn last journal line is dropped and cut off; the state is the last complete commit",
        arguments: TornTail.allCases
    )
    func tornLastLine(_ torn: TornTail) throws {
        let tail = torn.bytes
        try withTemporaryDirectory { directory in
            try commitBatches(1...3, in: directory)
            let committed = try Data(contentsOf: directory.journalFile)
            try append(tail, to: directory.journalFile)

            var (store, state) = try openTally(directory)
            #expect(state == (try expectedTally(1...3)))
            #expect(store.openReport.droppedTornBytes == tail.utf8.count)
            #expect(try Data(contentsOf: directory.journalFile) == committed)
            #expect(store.journalBytes == committed.count)
            try record(batch(4), in: store, state: &state)
            store.close()

            let reopened = try openTally(directory)
            defer { reopened.store.close() }
            #expect(reopened.state == (try expectedTally(1...4)))
            #expect(reopened.store.openReport.droppedTornBytes == 0)
        }
    }

    /// Ways a journal of three commits can be damaged that a crash cannot explain.
    enum JournalDamage: CaseIterable, Sendable {
        case garbageInTheMiddle, blankLineInTheMiddle, wrongShapeLastLine, seqGoesBackwards, seqSkipsACommit

        func apply(to lines: [String]) -> [String] {
            switch self {
            case .garbageInTheMiddle: [lines[0], "garbage", lines[1], lines[2]]
            case .blankLineInTheMiddle: [lines[0], "", lines[1], lines[2]]
            case .wrongShapeLastLine: lines + [#"{"hello":1}"#]  // valid JSON, so not a torn write
            case .seqGoesBackwards: [lines[0], lines[1], lines[0], lines[2]]
            case .seqSkipsACommit: [lines[0], lines[2]]
            }
        }

        var badLine: Int {
            switch self {
            case .garbageInTheMiddle, .blankLineInTheMiddle, .seqSkipsACommit: 2
            case .seqGoesBackwards: 3
            case .wrongShapeLastLine: 4
            }
        }
    }

    @Test(
        "damage anywhere but a torn last line throws corruptJournal and changes no file",
        arguments: JournalDamage.allCases
    )
    func corruptJournal(_ damage: JournalDamage) throws {
        try withTemporaryDirectory { directory in
            try commitBatches(1...3, in: directory)
            let lines = try journalLines(in: directory).map { String(decoding: $0, as: UTF8.self) }
            try Data(damage.apply(to: lines).map { $0 + "\n" }.joined().utf8).write(to: directory.journalFile)
            // A stale temp file must survive too: a failed open touches nothing.
            try Data("half a snapshot".utf8).write(to: directory.appendingPathComponent("state.json.tmp"))
            let before = try filesExceptLock(in: directory)

            let error = #expect(throws: StoreError.self) { try openTally(directory) }
            guard case .corruptJournal(let path, let line, _)? = error else {
                Issue.record("expected .corruptJournal, got \(String(describing: error))")
                return
            }
            #expect(path == directory.journalFile.path)
            #expect(line == damage.badLine)
            #expect(try filesExceptLock(in: directory) == before)
        }
    }

    @Test("an undecodable snapshot throws corruptSnapshot and changes no file")
    func corruptSnapshot() throws {
        try withTemporaryDirectory { directory in
            try commitBatches(1...2, in: directory)
            for damaged in ["{not json", #"{"schema":1,"seq":2,"state":{"count":"many"}}"#, ""] {
                try Data(damaged.utf8).write(to: directory.snapshotFile)
                let before = try filesExceptLock(in: directory)
                let error = #expect(throws: StoreError.self) { try openTally(directory) }
                guard case .corruptSnapshot(let path, _)? = error else {
                    Issue.record("expected .corruptSnapshot, got \(String(describing: error))")
                    return
                }
                #expect(path == directory.snapshotFile.path)
                #expect(try filesExceptLock(in: directory) == before)
            }
        }
    }

    @Test("a snapshot from a newer schema throws newerSchema and changes no file")
    func newerSnapshot() throws {
        try withTemporaryDirectory { directory in
            var (store, state) = try openTally(directory, schema: 3)
            try record(batch(1), in: store, state: &state)
            try store.compact(state: state)
            store.close()
            // A newer build may have changed the state's shape so much that it no longer decodes here.
            let newer = #"{"schema":3,"seq":1,"state":{"renamed":true}}"#
            for snapshot in [try Data(contentsOf: directory.snapshotFile), Data(newer.utf8)] {
                try snapshot.write(to: directory.snapshotFile)
                let before = try filesExceptLock(in: directory)
                let error = #expect(throws: StoreError.self) { try openTally(directory, schema: 2) }
                #expect(error == .newerSchema(path: directory.snapshotFile.path, found: 3, supported: 2))
                #expect(try filesExceptLock(in: directory) == before)
            }
        }
    }

    @Test("a journal line from a newer schema throws newerSchema and changes no file, even as the last line")
    func newerJournalLine() throws {
        try withTemporaryDirectory { directory in
            try commitBatches(1...2, in: directory)
            try append(#"{"schema":3,"seq":3,"events":[{"unknownEvent":{}}]}"# + "\n", to: directory.journalFile)
            let before = try filesExceptLock(in: directory)
            let error = #expect(throws: StoreError.self) { try openTally(directory, schema: 2) }
            #expect(error == .newerSchema(path: directory.journalFile.path, found: 3, supported: 2))
            #expect(try filesExceptLock(in: directory) == before)
        }
    }

    @Test("apply throwing during replay throws applyFailed with the line and changes no file")
    func applyFailsDuringReplay() throws {
        try withTemporaryDirectory { directory in
            try commitBatches(1...3, in: directory)
            let before = try filesExceptLock(in: directory)
            let error = #expect(throws: StoreError.self) {
                try openTally(directory) { state, event in
                    if event == .note("batch 2") { throw RefusedEvent() }
                    try applyTally(&state, event)
                }
            }
            #expect(error == .applyFailed(path: directory.journalFile.path, line: 2, reason: "refused on purpose"))
            #expect(try filesExceptLock(in: directory) == before)
        }
    }
}
