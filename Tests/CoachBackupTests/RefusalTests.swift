@testable import CoachBackup
import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Testing

/// What `coach restore` refuses, and that it refuses before touching anything: a file that is not a backup, one
/// damaged anywhere, one cut short at any length, one from a newer coach, and any restore while a bot runs on the
/// folder. After each refusal the state folder is the same, byte for byte, and the message names the file.
@Suite("Backups that are refused", .timeLimit(.minutes(10)))
struct RefusalTests {
    static let now = BackupTests.now

    /// A backup of a small state (60 commits of the burst's events), and a state folder of another team's to
    /// restore over, with what that folder holds.
    struct Scene {
        var file: URL
        var bytes: Data
        var target: URL
        var before: [String: Data]

        init() throws {
            let parent = try Folder.make()
            let source = parent.appendingPathComponent("source")
            let (store, _) = try StateStore.open(
                directory: source, schemaVersion: CoachState.schemaVersion, initial: { CoachState() },
                apply: { $0.apply($1) })
            var state = CoachState()
            for i in 1...60 {
                let events = BackupTests.events(i)
                for event in events { state.apply(event) }
                try store.commit(events, state: state)
            }
            store.close()
            file = parent.appendingPathComponent("small.coachbackup")
            _ = try BackupTests.backup(source, to: file)
            bytes = try Data(contentsOf: file)
            target = try Folder.smallState(token: "keep-me")
            before = try Folder.contents(target)
        }

        /// Writes `bytes` as a backup file of its own and tries to restore it over the target.
        func restore(_ bytes: Data, named name: String = "candidate.coachbackup") -> Result<StateBackup.Restored, any Error> {
            let candidate = file.deletingLastPathComponent().appendingPathComponent(name)
            do {
                try bytes.write(to: candidate)
                return .success(try StateBackup.restore(candidate, into: target, at: RefusalTests.now))
            } catch {
                return .failure(error)
            }
        }

        var headerLength: Int { bytes.firstIndex(of: UInt8(ascii: "\n"))! + 1 }
    }

    /// Asserts the attempt was refused with a `BackupError` naming the file, and the target folder is untouched.
    static func expectRefused(
        _ result: Result<StateBackup.Restored, any Error>, _ scene: Scene, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        switch result {
        case .success:
            Issue.record("\(what): restored, where it should have been refused", sourceLocation: sourceLocation)
        case .failure(let error):
            guard let refusal = error as? BackupError else {
                Issue.record("\(what): failed with \(error), not a refusal", sourceLocation: sourceLocation)
                return
            }
            #expect(refusal.description.contains("candidate.coachbackup"), "\(what): \(refusal)", sourceLocation: sourceLocation)
            #expect(refusal.description.contains("Nothing was changed"), "\(what): \(refusal)", sourceLocation: sourceLocation)
        }
        #expect(try Folder.contents(scene.target) == scene.before, "\(what): the state folder changed", sourceLocation: sourceLocation)
    }

    @Test("the untouched backup restores: the scene itself is sound")
    func soundBackupRestores() throws {
        let scene = try Scene()
        guard case .success(let restored) = scene.restore(scene.bytes) else {
            Issue.record("the untouched backup was refused")
            return
        }
        #expect(restored.header.counts.examples == 60)
        #expect(try Folder.contents(scene.target) != scene.before)
    }

    @Test("a byte flipped anywhere: every byte of the header line, every byte of gzip's header and trailer, and 400 seeded places in between")
    func flippedBytes() throws {
        let scene = try Scene()
        let size = scene.bytes.count
        let header = scene.headerLength
        let seed = UInt64.random(in: 1...UInt64.max)
        var random = SeededRandom(seed: seed)
        var places = Array(0..<min(size, header + 10)) + Array(max(header, size - 8)..<size)
        places += (0..<400).map { _ in Int.random(in: header..<size, using: &random) }
        for place in places {
            var damaged = scene.bytes
            let mask = UInt8.random(in: 1...255, using: &random)
            damaged[place] ^= mask
            try Self.expectRefused(scene.restore(damaged), scene, "seed \(seed): byte \(place) of \(size) xor \(mask)")
        }
    }

    @Test("cut short at every length, from nothing to one byte short")
    func truncatedAtEveryLength() throws {
        let scene = try Scene()
        for length in 0..<scene.bytes.count {
            let result = scene.restore(scene.bytes.prefix(length))
            try Self.expectRefused(result, scene, "cut to \(length) of \(scene.bytes.count) bytes")
            if case .failure(let error as BackupError) = result, length >= scene.headerLength {
                #expect(error == .truncated(
                    path: scene.file.deletingLastPathComponent().appendingPathComponent("candidate.coachbackup").path,
                    expected: scene.bytes.count, found: length))
            }
        }
    }

    @Test("files that are not backups: empty, text, a state.json, a journal, a gzip file, random bytes, a folder, nothing")
    func notABackup() throws {
        let scene = try Scene()
        let stateJSON = try #require(scene.before["state.json"])
        var random = SeededRandom(seed: 7)
        let noise = Data((0..<5_000).map { _ in UInt8.random(in: 0...255, using: &random) })
        let gzip = try BackupFile.compress(Data("{\"format\":\"something else\"}\n".utf8))
        for (what, bytes) in [
            ("an empty file", Data()), ("a line of text", Data("hello\n".utf8)), ("the state's own state.json", stateJSON),
            ("a journal", try #require(scene.before["journal.jsonl"])), ("a gzip file", gzip), ("random bytes", noise),
            ("a header of another format", Data(#"{"format":"other-backup","formatVersion":1}"#.utf8 + [10]) + gzip),
        ] {
            let result = scene.restore(bytes)
            try Self.expectRefused(result, scene, what)
            if case .failure(let error as BackupError) = result, case .notABackup = error {} else {
                Issue.record("\(what): \(result), not \"not a backup\"")
            }
        }
        let folder = scene.file.deletingLastPathComponent().appendingPathComponent("a-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect(throws: BackupError.notABackup(path: folder.path, reason: "it is a folder")) {
            try StateBackup.restore(folder, into: scene.target, at: Self.now)
        }
        let missing = scene.file.deletingLastPathComponent().appendingPathComponent("missing.coachbackup")
        #expect(throws: BackupError.self) { try StateBackup.restore(missing, into: scene.target, at: Self.now) }
        #expect(try Folder.contents(scene.target) == scene.before)
    }

    @Test("a backup from a newer coach: a newer backup format, or a newer state schema, is refused naming both versions")
    func newerVersions() throws {
        let scene = try Scene()
        let original = try BackupFile.read(scene.bytes, path: "x").header
        let compressed = scene.bytes[scene.headerLength...]
        let candidate = scene.file.deletingLastPathComponent().appendingPathComponent("candidate.coachbackup").path

        var newerFormat = original
        newerFormat.formatVersion = BackupFile.formatVersion + 1
        let format = scene.restore(try BackupFile.bytes(header: newerFormat, compressed: Data(compressed)))
        try Self.expectRefused(format, scene, "newer format")
        if case .failure(let error as BackupError) = format {
            #expect(error == .newerFormat(path: candidate, found: BackupFile.formatVersion + 1, supported: BackupFile.formatVersion))
            #expect(error.description.contains("format 2") && error.description.contains("format 1 and older"))
        }

        var newerSchema = original
        newerSchema.schemaVersion = CoachState.schemaVersion + 1
        let schema = scene.restore(try BackupFile.bytes(header: newerSchema, compressed: Data(compressed)))
        try Self.expectRefused(schema, scene, "newer schema")
        if case .failure(let error as BackupError) = schema {
            #expect(error == .newerSchema(
                path: candidate, found: CoachState.schemaVersion + 1, supported: CoachState.schemaVersion, writtenBy: "9.9.9"))
            #expect(error.description.contains("schema \(CoachState.schemaVersion + 1)"))
            #expect(error.description.contains("up to schema \(CoachState.schemaVersion)"))
            #expect(error.description.contains("coach 9.9.9"))
        }

        // A state inside from a newer schema, its header and checksums all consistent: the snapshot's own reading
        // refuses it as newer, not as damaged.
        let document = Data(#"{"schema":99,"seq":3,"state":{"someFutureField":true}}"#.utf8)
        let (_, inner) = try BackupFile.make(
            payload: document, schemaVersion: CoachState.schemaVersion, appVersion: "12.0", createdAt: Self.now, team: "T", seq: 3,
            counts: BackupCounts(CoachState()))
        let innerResult = scene.restore(inner)
        try Self.expectRefused(innerResult, scene, "a newer state inside")
        if case .failure(let error as BackupError) = innerResult {
            #expect(error == .newerSchema(path: candidate, found: 99, supported: CoachState.schemaVersion, writtenBy: "12.0"))
        }
    }

    @Test("a sound backup whose state does not load (a header and checksums that agree with a broken state) is refused as damaged")
    func stateInsideDoesNotLoad() throws {
        let scene = try Scene()
        let document = Data(#"{"schema":\#(CoachState.schemaVersion),"seq":3,"state":{"examples":{"all":[[1,"x","m1",1e300]]}}}"#.utf8)
        let (_, bytes) = try BackupFile.make(
            payload: document, schemaVersion: CoachState.schemaVersion, appVersion: nil, createdAt: Self.now, team: "T",
            seq: 3, counts: BackupCounts(CoachState()))
        let result = scene.restore(bytes)
        try Self.expectRefused(result, scene, "a state that does not load")
        if case .failure(let error as BackupError) = result, case .damaged(_, let reason) = error {
            #expect(reason.hasPrefix("the state inside does not load"))
        } else {
            Issue.record("\(result)")
        }
    }

    @Test("while a bot holds the folder's lock, restore is refused naming its pid, and nothing changes")
    func refusedWhileLocked() throws {
        let scene = try Scene()
        let (store, _) = try StateStore.open(
            directory: scene.target, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        defer { store.close() }
        let before = try Folder.contents(scene.target)
        #expect(throws: BackupError.stateInUse(directory: scene.target.path, pid: getpid())) {
            try StateBackup.restore(scene.file, into: scene.target, at: Self.now)
        }
        do {
            _ = try StateBackup.restore(scene.file, into: scene.target, at: Self.now)
        } catch {
            #expect("\(error)".contains("(pid \(getpid()))") && "\(error)".contains("Stop it first"))
        }
        #expect(try Folder.contents(scene.target) == before)
        #expect(!FileManager.default.fileExists(atPath: scene.target.path + ".replaced-20270406T082640Z"))
    }

    @Test("a backup is never written into the state folder, into a folder that does not exist, or over a folder")
    func badDestinations() throws {
        let scene = try Scene()
        let inside = scene.target.appendingPathComponent("backup.coachbackup")
        #expect(throws: BackupError.insideStateFolder(
            path: inside.path, stateDirectory: scene.target.resolvingSymlinksInPath().path)) {
            try BackupTests.backup(scene.target, to: inside)
        }
        // Through a link to the state folder, too.
        let link = scene.target.deletingLastPathComponent().appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: scene.target)
        #expect(throws: BackupError.self) { try BackupTests.backup(scene.target, to: link.appendingPathComponent("b.coachbackup")) }
        let nowhere = scene.target.deletingLastPathComponent().appendingPathComponent("no/such/b.coachbackup")
        #expect(throws: BackupError.missingParent(path: nowhere.path, parent: nowhere.deletingLastPathComponent().path)) {
            try BackupTests.backup(scene.target, to: nowhere)
        }
        let folder = scene.target.deletingLastPathComponent()
        #expect(throws: BackupError.folderNotFile(path: folder.path)) { try BackupTests.backup(scene.target, to: folder) }
        let empty = try Folder.make().appendingPathComponent("state")
        #expect(throws: BackupError.noState(directory: empty.path)) {
            try BackupTests.backup(empty, to: scene.target.deletingLastPathComponent().appendingPathComponent("e.coachbackup"))
        }
        #expect(try Folder.contents(scene.target) == scene.before)
    }
}
