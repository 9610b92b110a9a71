import Foundation
import Testing

@testable import CoachStore

@Suite("StoreError messages")
struct StoreErrorTests {
    @Test(
        "every message names the file and tells the user what to do",
        arguments: [
            (StoreError.corruptJournal(path: "/x/journal.jsonl", line: 7, reason: "bad"), "/x/journal.jsonl", "backup"),
            (.corruptSnapshot(path: "/x/state.json", reason: "bad"), "/x/state.json", "backup"),
            (.newerSchema(path: "/x/state.json", found: 3, supported: 2), "/x/state.json", "Upgrade coach"),
            (.locked(directory: "/x", holderPID: 123), "/x (pid 123)", "Stop it first"),
            (.locked(directory: "/x", holderPID: nil), "/x", "--state directory"),
            (.io(path: "/x/state.json", operation: "fsync", errnoDescription: "EIO"), "/x/state.json", "disk"),
            (.applyFailed(path: "/x/journal.jsonl", line: 2, reason: "bad"), "/x/journal.jsonl", "backup"),
            (.unencodable(path: "/x/state.json", reason: "nan"), "/x/state.json", "report"),
            (.unusable(directory: "/x", reason: "it was closed"), "/x", "Restart coach"),
            (.notRegularFile(path: "/x/state.lock", found: "a symbolic link to /etc/passwd"), "/x/state.lock", "Replace the link"),
            (.notRegularFile(path: "/x/state.json", found: "a folder"), "/x/state.json", "Move it out"),
            (.notADirectory(path: "/x"), "/x", "stateDirectory"),
        ]
    )
    func describesPathAndFix(error: StoreError, path: String, fix: String) {
        #expect(error.description.contains(path))
        #expect(error.description.contains(fix))
    }

    @Test("a real corrupt-snapshot error carries the path, the decoder's reason and the fix")
    func realCorruptSnapshotMessage() throws {
        try withTemporaryDirectory { directory in
            try Data(#"{"schema":1,"seq":0,"state":{"count":"many"}}"#.utf8).write(to: directory.snapshotFile)
            let error = #expect(throws: StoreError.self) { try openTally(directory) }
            let message = try #require(error?.description)
            #expect(message.contains(directory.snapshotFile.path))
            #expect(message.contains("state.count"))
            #expect(message.contains("backup"))
            #expect(message.contains("without touching it"))
        }
    }
}
