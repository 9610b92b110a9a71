import Foundation
import Testing

@testable import CoachStore

@Suite("JournalStore: commits, compaction, lock")
struct JournalStoreTests {
    @Test("open, commit, close and reopen gives the same state; seq keeps increasing")
    func roundTrip() throws {
        try withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("state")  // open must create it
            var (store, state) = try openTally(directory)
            #expect(state == Tally())
            for n in 1...3 { try record(batch(n), in: store, state: &state) }
            #expect(store.lastSeq == 3)
            store.close()

            var reopened = try openTally(directory)
            #expect(reopened.state == state)
            #expect(reopened.state == (try expectedTally(1...3)))
            #expect(reopened.store.lastSeq == 3)
            #expect(reopened.store.openReport.replayedLines == 3)
            try record(batch(4), in: reopened.store, state: &reopened.state)
            reopened.store.close()

            #expect(try journalSeqs(in: directory) == [1, 2, 3, 4])
            let third = try openTally(directory)
            defer { third.store.close() }
            #expect(third.state == (try expectedTally(1...4)))
            #expect(third.store.lastSeq == 4)
        }
    }

    @Test("an empty batch writes nothing")
    func emptyBatch() throws {
        try withTemporaryDirectory { directory in
            let (store, state) = try openTally(directory)
            defer { store.close() }
            try store.commit([], state: state)
            #expect(store.lastSeq == 0)
            #expect(store.journalBytes == 0)
            #expect(try Data(contentsOf: directory.journalFile).isEmpty)
        }
    }

    @Test("a commit below the limit writes only the journal, one line, whatever the snapshot's size")
    func commitTouchesOnlyTheJournal() throws {
        try withTemporaryDirectory { root in
            // The same batch is committed on top of a small and a large state; the journal must grow by the same
            // number of bytes and the snapshot must not be touched, so commit cost cannot depend on history.
            var growth: [Int] = []
            for noteCount in [10, 20_000] {
                let directory = root.appendingPathComponent("notes-\(noteCount)")
                var (store, state) = try openTally(directory)
                try record((0..<noteCount).map { .note("example \($0)") }, in: store, state: &state)
                try store.compact(state: state)
                let snapshotBefore = try Data(contentsOf: directory.snapshotFile)
                let inodeBefore = try inode(of: directory.snapshotFile)
                let journalBefore = store.journalBytes
                #expect(journalBefore == 0)

                try record(batch(1), in: store, state: &state)

                #expect(try Data(contentsOf: directory.snapshotFile) == snapshotBefore)
                #expect(try inode(of: directory.snapshotFile) == inodeBefore)
                #expect(try journalLines(in: directory).count == 1)
                #expect(try Data(contentsOf: directory.journalFile).count == store.journalBytes)
                growth.append(store.journalBytes - journalBefore)
                store.close()
                #expect(try openTally(directory).state == state)
            }
            #expect(growth[0] == growth[1])
        }
    }

    @Test("passing the journal limit and the snapshot's size compacts; reopening gives the same state and a short journal")
    func compaction() throws {
        try withTemporaryDirectory { directory in
            let limit = 400
            let options = StoreOptions(compactAfterJournalBytes: limit)
            var (store, state) = try openTally(directory, options: options)
            var compactions = 0
            var journalled = 0
            var rewritten = 0
            for n in 1...40 {
                let before = store.journalBytes
                let snapshotBefore = store.snapshotBytes
                try record(batch(n), in: store, state: &state)
                let threshold = max(limit, snapshotBefore)
                if store.journalBytes < before {
                    compactions += 1
                    // Not early: the journal was within one small line of outgrowing both the floor and the snapshot.
                    #expect(before > threshold - 200)
                    rewritten += store.snapshotBytes
                } else {
                    // Not late: without a compaction the journal never stands above the threshold.
                    #expect(store.journalBytes <= threshold)
                    journalled += store.journalBytes - before
                }
            }
            #expect(compactions >= 3)
            #expect(store.lastSeq == 40)
            // Rewriting snapshots costs no more bytes than were journalled (plus the first floor's worth).
            #expect(rewritten <= journalled + store.snapshotBytes + limit)
            let limitNow = max(limit, store.snapshotBytes)
            store.close()

            let journalSize = try Data(contentsOf: directory.journalFile).count
            #expect(journalSize <= limitNow + 200)
            let reopened = try openTally(directory, options: options)
            defer { reopened.store.close() }
            #expect(reopened.state == (try expectedTally(1...40)))
            #expect(reopened.store.lastSeq == 40)
            #expect(reopened.store.openReport.snapshotSeq + reopened.store.openReport.replayedLines == 40)
            #expect(reopened.store.journalBytes == journalSize)
        }
    }

    @Test("journal lines the snapshot already holds are skipped (crash between snapshot and journal reset)")
    func skipsLinesAlreadyInSnapshot() throws {
        try withTemporaryDirectory { directory in
            var (store, state) = try openTally(directory)
            for n in 1...5 { try record(batch(n), in: store, state: &state) }
            let oldJournal = try Data(contentsOf: directory.journalFile)
            try store.compact(state: state)
            store.close()
            // Put back the pre-compaction journal, as if the crash hit right after the snapshot rename.
            try oldJournal.write(to: directory.journalFile)

            var reopened = try openTally(directory)
            #expect(reopened.state == (try expectedTally(1...5)))
            #expect(reopened.store.openReport.snapshotSeq == 5)
            #expect(reopened.store.openReport.skippedLines == 5)
            #expect(reopened.store.openReport.replayedLines == 0)
            try record(batch(6), in: reopened.store, state: &reopened.state)
            reopened.store.close()

            #expect(try journalSeqs(in: directory) == [1, 2, 3, 4, 5, 6])
            let third = try openTally(directory)
            defer { third.store.close() }
            #expect(third.state == (try expectedTally(1...6)))
            #expect(third.store.openReport.skippedLines == 5)
            #expect(third.store.openReport.replayedLines == 1)
        }
    }

    @Test("files from an older schema load, and new lines carry the current schema")
    func olderSchemaLoads() throws {
        try withTemporaryDirectory { directory in
            var (store, state) = try openTally(directory, schema: 1)
            try record(batch(1), in: store, state: &state)
            try store.compact(state: state)
            try record(batch(2), in: store, state: &state)
            store.close()

            var reopened = try openTally(directory, schema: 2)
            #expect(reopened.state == (try expectedTally(1...2)))
            #expect(reopened.store.openReport.snapshotSchema == 1)
            try record(batch(3), in: reopened.store, state: &reopened.state)
            reopened.store.close()
            let last = try #require(try journalLines(in: directory).last)
            let object = try #require(try JSONSerialization.jsonObject(with: last) as? [String: Any])
            #expect(object["schema"] as? Int == 2)
        }
    }

    @Test("snapshot and journal lines have the documented shape and no timestamp")
    func fileFormat() throws {
        try withTemporaryDirectory { directory in
            var (store, state) = try openTally(directory, schema: 4)
            try record(batch(1), in: store, state: &state)
            try store.compact(state: state)
            try record(batch(2), in: store, state: &state)
            store.close()
            let snapshot = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: directory.snapshotFile)) as? [String: Any])
            #expect(Set(snapshot.keys) == ["schema", "seq", "state"])
            #expect(snapshot["schema"] as? Int == 4)
            #expect(snapshot["seq"] as? Int == 1)
            let line = try #require(try journalLines(in: directory).first)
            let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
            #expect(Set(object.keys) == ["schema", "seq", "events"])
            #expect(object["seq"] as? Int == 2)
            #expect(String(decoding: line, as: UTF8.self).contains("2023-11-14T22:15:20Z"))  // iso8601 dates
        }
    }

    @Test("a second open of the same directory, even in this process, is refused until the first closes")
    func lock() throws {
        try withTemporaryDirectory { directory in
            let first = try openTally(directory)
            let error = #expect(throws: StoreError.self) { try openTally(directory) }
            guard case .locked(let lockedDirectory, let holder)? = error else {
                Issue.record("expected .locked, got \(String(describing: error))")
                return
            }
            #expect(lockedDirectory == directory.path)
            #expect(holder == getpid())
            #expect(error?.description.contains("pid \(getpid())") == true)
            first.store.close()

            let second = try openTally(directory)
            second.store.close()
        }
    }

    @Test("a batch that cannot be encoded writes nothing and leaves the store usable")
    func unencodableBatch() throws {
        try withTemporaryDirectory { directory in
            var (store, state) = try openTally(directory)
            try record(batch(1), in: store, state: &state)
            let journal = try Data(contentsOf: directory.journalFile)
            let error = #expect(throws: StoreError.self) { try store.commit([.score(.nan)], state: state) }
            guard case .unencodable(let path, _)? = error else {
                Issue.record("expected .unencodable, got \(String(describing: error))")
                return
            }
            #expect(path == directory.journalFile.path)
            #expect(try Data(contentsOf: directory.journalFile) == journal)
            try record(batch(2), in: store, state: &state)
            #expect(store.lastSeq == 2)
            store.close()
            #expect(try openTally(directory).state == (try expectedTally(1...2)))
        }
    }

    @Test("a closed store refuses commits instead of writing without the lock")
    func closedStoreRefusesWrites() throws {
        try withTemporaryDirectory { directory in
            let (store, state) = try openTally(directory)
            store.close()
            store.close()  // harmless twice
            #expect(throws: StoreError.self) { try store.commit(batch(1), state: state) }
            #expect(throws: StoreError.self) { try store.compact(state: state) }
        }
    }
}
