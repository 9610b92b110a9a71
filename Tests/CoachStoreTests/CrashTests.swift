import Foundation
import Testing

@testable import CoachStore

/// Each test commits batches 1...3, then commits batch 4 with a crash point armed and a journal limit so low that the
/// commit also compacts. After reopening, the state must be exactly the old one (1...3) or the new one (1...4).
@Suite("JournalStore: simulated crashes")
struct CrashTests {
    /// Returns the state after reopening, checking on the way that the crash left no trace a restart trips over.
    private func crashAndReopen(at point: CrashPoint, in directory: URL) throws -> (state: Tally, lastSeq: Int) {
        try commitBatches(1...3, in: directory)
        var (store, state) = try openTally(directory, options: .init(compactAfterJournalBytes: 1, crashPoint: point))
        let error = #expect(throws: SimulatedCrash.self) { try record(batch(4), in: store, state: &state) }
        #expect(error?.point == point)
        // The crashed store must not write on top of whatever the crash left.
        #expect(throws: StoreError.self) { try store.commit(batch(5), state: state) }
        store.close()

        var reopened = try openTally(directory)
        let loaded = reopened.state
        let lastSeq = reopened.store.lastSeq
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!leftovers.contains { $0.hasSuffix(".tmp") }, "stale temp files removed on open")

        // Life goes on: one more commit and a reopen land exactly where they should.
        try record(batch(5), in: reopened.store, state: &reopened.state)
        reopened.store.close()
        let after = try openTally(directory)
        defer { after.store.close() }
        #expect(after.state == reopened.state)
        #expect(after.store.lastSeq == lastSeq + 1)
        return (loaded, lastSeq)
    }

    @Test("every crash point leaves exactly the old or the new state", arguments: CrashPoint.all)
    func crashPoint(_ point: CrashPoint) throws {
        try withTemporaryDirectory { directory in
            let (state, lastSeq) = try crashAndReopen(at: point, in: directory)
            let old = try expectedTally(1...3)
            let new = try expectedTally(1...4)
            #expect(state == old || state == new)
            switch point {
            case .midJournalLine(let bytes) where bytes < 80:
                // Every line here is longer than 80 bytes, so the cut line is incomplete and the commit never was.
                #expect(state == old)
                #expect(lastSeq == 3)
            default:
                // The line was written in full (compaction only starts after that), so the commit survives.
                #expect(state == new)
                #expect(lastSeq == 4)
            }
        }
    }

    @Test("a journal line cut at any byte is either dropped whole or kept whole")
    func cutAtEveryByte() throws {
        // Measure the line batch 4 produces, then cut it at every position including "all but the newline".
        let lineLength = try withTemporaryDirectory { directory in
            var (store, state) = try openTally(directory)
            defer { store.close() }
            for n in 1...3 { try record(batch(n), in: store, state: &state) }
            let before = store.journalBytes
            try record(batch(4), in: store, state: &state)
            return store.journalBytes - before
        }
        #expect(lineLength > 80)
        for cut in 0...lineLength {
            try withTemporaryDirectory { directory in
                let (state, lastSeq) = try crashAndReopen(at: .midJournalLine(bytes: cut), in: directory)
                let complete = cut == lineLength
                #expect(state == (try expectedTally(complete ? 1...4 : 1...3)), "cut at \(cut)")
                #expect(lastSeq == (complete ? 4 : 3), "cut at \(cut)")
            }
        }
    }

    @Test("a crash inside a standalone compact() keeps the state and the files loadable")
    func crashInCompact() throws {
        for point in CrashPoint.all where !isCommitPoint(point) {
            try withTemporaryDirectory { directory in
                let committed = try commitBatches(1...3, in: directory)
                let (store, state) = try openTally(directory, options: .init(crashPoint: point))
                #expect(throws: SimulatedCrash.self) { try store.compact(state: state) }
                store.close()
                let reopened = try openTally(directory)
                defer { reopened.store.close() }
                #expect(reopened.state == committed, "\(point)")
                #expect(reopened.store.lastSeq == 3, "\(point)")
            }
        }
    }

    private func isCommitPoint(_ point: CrashPoint) -> Bool {
        switch point {
        case .midJournalLine, .afterJournalWrite: true
        default: false
        }
    }
}
