#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

@testable import CoachStore

func inspectTally(_ directory: URL, schema: Int = 1) throws -> StoreInspection<Tally> {
    try TallyStore.inspect(directory: directory, schemaVersion: schema, initial: { Tally() }, apply: applyTally)
}

/// Every file in `directory` with its bytes, the lock included.
func allFiles(in directory: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
        files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
    }
    return files
}

@Suite("Inspecting a state folder without opening it")
struct InspectionTests {
    @Test("a folder that is not there, or holds nothing, is a new state; inspecting creates nothing")
    func nothingYet() throws {
        try withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("not-yet")
            let absent = try inspectTally(missing)
            #expect(!absent.holdsState && absent.lastSeq == 0 && absent.state == Tally() && absent.lastChange == nil)
            #expect(!FileManager.default.fileExists(atPath: missing.path))
            let empty = try inspectTally(directory)
            #expect(!empty.holdsState && empty.runningBot == nil)
            #expect(try allFiles(in: directory).isEmpty)
        }
    }

    @Test("a healthy state reads as open reads it, with its last change, and no byte changes")
    func healthy() throws {
        try withTemporaryDirectory { directory in
            let committed = try commitBatches(1...3, in: directory)
            let before = try allFiles(in: directory)
            let inspection = try inspectTally(directory)
            #expect(inspection.holdsState)
            #expect(inspection.state == committed)
            #expect(inspection.lastSeq == 3)
            #expect(inspection.lastChange != nil)
            #expect(inspection.runningBot == nil)
            #expect(inspection.report.droppedTornBytes == 0 && inspection.report.removedTempFiles.isEmpty)
            #expect(try allFiles(in: directory) == before)
        }
    }

    @Test("a torn last line is reported as open would cut it, and left in place")
    func tornLastLine() throws {
        try withTemporaryDirectory { directory in
            let committed = try commitBatches(1...2, in: directory)
            try append(#"{"schema":1,"seq":3,"ev"#, to: directory.journalFile)
            try Data("{}".utf8).write(to: directory.appendingPathComponent("state.json.tmp"))
            let before = try allFiles(in: directory)
            let inspection = try inspectTally(directory)
            #expect(inspection.state == committed)
            #expect(inspection.report.droppedTornBytes == 23)
            #expect(inspection.report.removedTempFiles == [directory.appendingPathComponent("state.json.tmp").path])
            #expect(try allFiles(in: directory) == before)
            // And open agrees, then repairs.
            let (store, _) = try openTally(directory)
            #expect(store.openReport.droppedTornBytes == 23)
            store.close()
        }
    }

    @Test("a state the bot would refuse throws the very error open throws, and nothing is touched", arguments: [
        "garbage", "middle line", "newer snapshot", "newer journal", "gap", "not a directory",
    ])
    func refused(_ damage: String) throws {
        try withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("state")
            try commitBatches(1...3, in: directory)
            switch damage {
            case "garbage":
                try Data("garbage{".utf8).write(to: directory.snapshotFile)
            case "middle line":
                var lines = try journalLines(in: directory)
                lines[1] = Data("not json".utf8)
                try Data(lines.map { $0 + Data("\n".utf8) }.joined()).write(to: directory.journalFile)
            case "newer snapshot":
                try Data(#"{"schema":9,"seq":0,"state":{}}"#.utf8).write(to: directory.snapshotFile)
            case "newer journal":
                try append(#"{"schema":9,"seq":4,"events":[]}"# + "\n", to: directory.journalFile)
            case "gap":
                try append(#"{"schema":1,"seq":9,"events":[]}"# + "\n", to: directory.journalFile)
            default:
                try FileManager.default.removeItem(at: directory)
                try Data("a file".utf8).write(to: directory)
            }
            let before = try FileManager.default.fileExists(atPath: directory.appendingPathComponent("state.lock").path)
                ? allFiles(in: directory) : [:]
            let inspected = #expect(throws: StoreError.self) { try inspectTally(directory) }
            if damage != "not a directory" { #expect(try allFiles(in: directory) == before) }
            let opened = #expect(throws: StoreError.self) { try openTally(directory) }
            #expect(inspected == opened)
        }
    }

    @Test("a running bot's lock is seen, not taken: the bot keeps committing, and the pid is its own")
    func runningBot() throws {
        try withTemporaryDirectory { directory in
            var (store, state) = try openTally(directory)
            try record(batch(1), in: store, state: &state)
            let inspection = try inspectTally(directory)
            #expect(inspection.runningBot == LockHolder(pid: getpid()))
            #expect(inspection.state == state)
            try record(batch(2), in: store, state: &state)
            store.close()
            #expect(try inspectTally(directory).runningBot == nil)
            #expect(try inspectTally(directory).lastSeq == 2)
        }
    }

    @Test("a running bot is seen however many locks the machine holds: the lock table is read to its end")
    func manyLocks() throws {
        try withTemporaryDirectory { directory in
            let bot = directory.appendingPathComponent("bot")
            var (store, state) = try openTally(bot)
            defer { store.close() }
            try record(batch(1), in: store, state: &state)
            // Several hundred locks taken after the bot's push its line off the table's first page, which was all
            // Foundation read of it: the bot was missed.
            var others: [Int32] = []
            defer { for fd in others { close(fd) } }
            for i in 0..<300 {
                let fd = open(directory.appendingPathComponent("other-\(i).lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
                #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
                others.append(fd)
            }
            #expect(try inspectTally(bot).runningBot == LockHolder(pid: getpid()))
            #if os(Linux)
            let table = try #require(SystemCalls.readToEnd("/proc/locks"))
            #expect(table.split(separator: "\n").count >= 301)
            #endif
        }
    }

    @Test("the lock table is read by device and inode; a waiter holds nothing")
    func lockTable() {
        let table = """
            1: POSIX  ADVISORY  READ 22487 fe:00:5482772 128 128
            2: FLOCK  ADVISORY  WRITE 2341 08:01:99 0 EOF
            2: -> FLOCK  ADVISORY  WRITE 2342 fe:00:16220208 0 EOF
            3: FLOCK  ADVISORY  WRITE 22549 fe:00:16220208 0 EOF
            """
        // fe:00 is major 254, minor 0, which the kernel packs into a dev_t as 254 << 8.
        #expect(SystemCalls.lockHolder(device: 254 << 8, inode: 16_220_208, in: table) == LockHolder(pid: 22549))
        #expect(SystemCalls.lockHolder(device: 8 << 8 | 1, inode: 99, in: table) == LockHolder(pid: 2341))
        #expect(SystemCalls.lockHolder(device: 254 << 8, inode: 5_482_772, in: table) == nil)
        #expect(SystemCalls.lockHolder(device: 254 << 8, inode: 1, in: table) == nil)
    }

    @Test("the messages point to a README heading that exists")
    func readmeHeading() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let headings = try String(contentsOf: readme, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("#") }.map { $0.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces) }
        #expect(headings.contains(StoreError.readmeHeading))
        let error = StoreError.corruptSnapshot(path: "/x/state.json", reason: "bad")
        #expect(error.description.contains("\"\(StoreError.readmeHeading)\""))
        #expect(!error.description.contains("'Backups'"))
    }

    @Test("a snapshot that is not JSON is placed by line and column")
    func snapshotSyntaxPlace() throws {
        try withTemporaryDirectory { directory in
            try Data("{\"schema\":1,\n\"seq\": 3, x}".utf8).write(to: directory.snapshotFile)
            let error = #expect(throws: StoreError.self) { try inspectTally(directory) }
            #expect(error?.description.contains("not valid JSON at line 2, column 11") == true, "\(String(describing: error))")
        }
    }
}
