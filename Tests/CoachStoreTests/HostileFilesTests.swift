#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

@testable import CoachStore

/// State folders edited or booby-trapped by hand: numbers the store cannot carry on from, and links that would make
/// it write somewhere else. Each is refused with a message naming the file, and nothing is written anywhere.
@Suite("Hostile state files")
struct HostileFilesTests {
    // MARK: - Sequence numbers

    @Test("a snapshot seq of Int.max is damage, not a trap on the first commit")
    func hugeSnapshotSeq() throws {
        try withTemporaryDirectory { directory in
            try Data(#"{"schema":1,"seq":9223372036854775807,"state":{"count":1,"notes":[],"score":0}}"#.utf8)
                .write(to: directory.snapshotFile)
            let before = try filesExceptLock(in: directory)
            let error = #expect(throws: StoreError.self) { try openTally(directory) }
            guard case .corruptSnapshot(let path, let reason)? = error else {
                Issue.record("expected corruptSnapshot, got \(String(describing: error))")
                return
            }
            #expect(path == directory.snapshotFile.path)
            #expect(reason.contains("9223372036854775807"))
            #expect(try filesExceptLock(in: directory) == before)
            #expect(throws: StoreError.corruptSnapshot(path: path, reason: reason)) {
                try TallyStore.inspect(directory: directory, schemaVersion: 1, initial: { Tally() }, apply: applyTally)
            }
        }
    }

    @Test("a journal line whose seq is beyond 2^53 is damage at its line")
    func hugeJournalSeq() throws {
        try withTemporaryDirectory { directory in
            try commitBatches(1...2, in: directory)
            try append(#"{"schema":1,"seq":9223372036854775807,"events":[{"add":{"_0":1}}]}"# + "\n", to: directory.journalFile)
            let before = try filesExceptLock(in: directory)
            let error = #expect(throws: StoreError.self) { try openTally(directory) }
            guard case .corruptJournal(let path, let line, let reason)? = error else {
                Issue.record("expected corruptJournal, got \(String(describing: error))")
                return
            }
            #expect(path == directory.journalFile.path)
            #expect(line == 3)
            #expect(reason.contains("9223372036854775807"))
            #expect(try filesExceptLock(in: directory) == before)
        }
    }

    @Test("at the largest seq a commit is refused, the journal untouched, and the store stays loadable")
    func commitAtTheLimit() throws {
        try withTemporaryDirectory { directory in
            try Data(#"{"schema":1,"seq":9007199254740992,"state":{"count":1,"notes":[],"score":0}}"#.utf8)
                .write(to: directory.snapshotFile)
            var (store, state) = try openTally(directory)
            #expect(store.lastSeq == 1 << 53)
            #expect(throws: StoreError.self) { try record(batch(1), in: store, state: &state) }
            store.close()
            #expect(try Data(contentsOf: directory.journalFile).isEmpty)
            let (reopened, again) = try openTally(directory)
            defer { reopened.close() }
            #expect(again.count == 1)
        }
    }

    // MARK: - Links and special files

    /// Each state file as a link to a file outside the folder, and as a link to nothing.
    static let linkedFiles = ["state.lock", "state.json", "journal.jsonl"]

    @Test("a state file that is a symbolic link is refused, and the file it points to is untouched", arguments: linkedFiles)
    func linkedStateFile(name: String) throws {
        try withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("state")
            try commitBatches(1...3, in: directory)
            let outside = root.appendingPathComponent("precious.txt")
            try Data("not the bot's\n".utf8).write(to: outside)
            let link = directory.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: link)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: outside.path)

            let error = #expect(throws: StoreError.self) { try openTally(directory) }
            #expect(error == .notRegularFile(path: link.path, found: "a symbolic link to \(outside.path)"))
            let message = try #require(error?.description)
            #expect(message.contains(link.path))
            #expect(message.contains("symbolic link"))
            #expect(message.contains("Replace the link"))
            #expect(throws: StoreError.notRegularFile(path: link.path, found: "a symbolic link to \(outside.path)")) {
                try TallyStore.inspect(directory: directory, schemaVersion: 1, initial: { Tally() }, apply: applyTally)
            }
            #expect(try Data(contentsOf: outside) == Data("not the bot's\n".utf8))
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == outside.path)
        }
    }

    @Test("a link to a file that does not exist is refused without creating that file", arguments: linkedFiles)
    func danglingLink(name: String) throws {
        try withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let target = root.appendingPathComponent("created-by-nobody")
            try FileManager.default.createSymbolicLink(
                atPath: directory.appendingPathComponent(name).path, withDestinationPath: target.path)
            #expect(throws: StoreError.self) { try openTally(directory) }
            #expect(!FileManager.default.fileExists(atPath: target.path))
        }
    }

    @Test("opening a state file never follows a link, even one that appears after the folder was checked")
    func openItselfRefusesLinks() throws {
        try withTemporaryDirectory { root in
            let outside = root.appendingPathComponent("precious.txt")
            try Data("keep".utf8).write(to: outside)
            let link = root.appendingPathComponent("journal.jsonl")
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: outside.path)
            for flags in [O_WRONLY | O_APPEND | O_CREAT, O_RDWR | O_CREAT, O_WRONLY | O_CREAT | O_TRUNC, O_RDONLY] {
                #expect(throws: StoreError.notRegularFile(path: link.path, found: "a symbolic link to \(outside.path)")) {
                    _ = try SystemCalls.openStateFile(link.path, flags)
                }
            }
            #expect(try Data(contentsOf: outside) == Data("keep".utf8))
        }
    }

    @Test("a linked temp file from a crash is removed as a link, and compaction never writes through it")
    func linkedTempFile() throws {
        try withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("state")
            try commitBatches(1...2, in: directory)
            let outside = root.appendingPathComponent("precious.txt")
            try Data("keep".utf8).write(to: outside)
            let temp = directory.appendingPathComponent("state.json.tmp")
            try FileManager.default.createSymbolicLink(atPath: temp.path, withDestinationPath: outside.path)

            var (store, state) = try openTally(directory, options: .init(compactAfterJournalBytes: 1))
            defer { store.close() }
            #expect(store.openReport.removedTempFiles == [temp.path])
            try record(batch(3), in: store, state: &state)
            #expect(try Data(contentsOf: outside) == Data("keep".utf8))
            #expect(SystemCalls.notRegularFile(directory.snapshotFile.path) == nil)
        }
    }

    @Test("a folder or a named pipe where a state file belongs is refused, without hanging on the pipe")
    func specialFiles() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(at: directory.journalFile, withIntermediateDirectories: true)
            #expect(throws: StoreError.notRegularFile(path: directory.journalFile.path, found: "a folder")) {
                try openTally(directory)
            }
            try FileManager.default.removeItem(at: directory.journalFile)
            #expect(mkfifo(directory.snapshotFile.path, 0o600) == 0)
            let error = #expect(throws: StoreError.self) {
                try TallyStore.inspect(directory: directory, schemaVersion: 1, initial: { Tally() }, apply: applyTally)
            }
            #expect(error == .notRegularFile(path: directory.snapshotFile.path, found: "a named pipe"))
            #expect(error?.description.contains("Move it out of the state folder") == true)
        }
    }

    // MARK: - The folder itself

    @Test("a state folder that is a file, or lies under one, is refused by name, not as a Foundation error code")
    func folderIsAFile() throws {
        try withTemporaryDirectory { root in
            let file = root.appendingPathComponent("afile")
            try Data("x".utf8).write(to: file)
            #expect(throws: StoreError.notADirectory(path: file.path)) { try openTally(file) }
            #expect(throws: StoreError.notADirectory(path: file.path)) {
                try openTally(file.appendingPathComponent("state"))
            }
            let message = StoreError.notADirectory(path: file.path).description
            #expect(message.contains("stateDirectory"))
            #expect(try Data(contentsOf: file) == Data("x".utf8))
        }
    }

    @Test("a state folder reached through a link is the administrator's choice and works")
    func linkedFolder() throws {
        try withTemporaryDirectory { root in
            let real = root.appendingPathComponent("real")
            try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
            let link = root.appendingPathComponent("state")
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: real.path)
            try commitBatches(1...2, in: link)
            #expect(FileManager.default.fileExists(atPath: real.journalFile.path))
        }
    }
}
