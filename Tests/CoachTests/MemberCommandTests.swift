import ArgumentParser
@testable import coach
import CoachCore
import CoachReport
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// `coach forget --member` and `coach export --member`: the same erasure and the same document as the chat's, on the
/// server; a running bot is never written under, and an unknown id changes nothing.
@Suite("coach forget and coach export --member", .timeLimit(.minutes(10)))
struct MemberCommandTests {
    static let now = ResultsCommandTests.now

    @Test("while a bot holds the state, forget is refused naming its pid, and no byte of the state changes")
    func refusedWhileRunning() async throws {
        let (folder, store, setup) = try ResultsCommandTests.runningBot()
        defer {
            store.close()
            try? FileManager.default.removeItem(at: folder)
        }
        let before = try ResultsCommandTests.snapshot(setup.stateDirectory)
        await #expect(throws: MemberDataError.botRunning(directory: setup.stateDirectory.path, pid: getpid())) {
            _ = try await MemberFiles.forget(setup: setup, memberID: "kim", now: Self.now)
        }
        let error = MemberDataError.botRunning(directory: setup.stateDirectory.path, pid: getpid())
        #expect(error.description.contains("(pid \(getpid()))"))
        #expect(error.description.contains("!forget @member"))
        #expect(try ResultsCommandTests.snapshot(setup.stateDirectory) == before)
    }

    @Test("with the bot stopped: an unknown id changes nothing; a known one is erased, printed, and gone from every file")
    func erases() async throws {
        let (folder, store, setup) = try ResultsCommandTests.runningBot()
        store.close()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try ResultsCommandTests.snapshot(setup.stateDirectory)
        await #expect(throws: MemberDataError.self) {
            _ = try await MemberFiles.forget(setup: setup, memberID: "nobody", now: Self.now)
        }
        #expect(try ResultsCommandTests.snapshot(setup.stateDirectory) == before, "an unknown id changes no file")
        let unknown = MemberDataError.unknownMember(id: "nobody", directory: "/s", known: ["Kim <b> (kim)", "Sam (sam)"])
        #expect(unknown.description.contains("nothing was changed") && unknown.description.contains("Sam (sam)"))

        let printed = try await MemberFiles.forget(setup: setup, memberID: "kim", now: Self.now)
        #expect(printed.contains("Erased kim. What went:"))
        #expect(printed.contains("shout-outs received: 1"))
        for (name, bytes) in try ResultsCommandTests.snapshot(setup.stateDirectory) {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("kim") && !text.contains("Kim"), "\(name) still names Kim")
        }
        let state = try reopen(setup.stateDirectory)
        #expect(state.examples.all[0].caughtIDs == ["former-1"])
        #expect(state.examples.all[0].text == "a former member waited, \"listened\", then answered")
    }

    @Test("export --member writes the member's document beside a running bot, touching nothing; an unknown id writes nothing")
    func exportMember() throws {
        let (folder, store, setup) = try ResultsCommandTests.runningBot()
        defer {
            store.close()
            try? FileManager.default.removeItem(at: folder)
        }
        let before = try ResultsCommandTests.snapshot(setup.stateDirectory)
        let file = folder.appendingPathComponent("kim.json")
        #expect(try MemberFiles.export(setup: setup, memberID: "kim", json: file.path, now: Self.now) == file)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("\"shoutOutReceived\" : 1"))
        #expect(text.contains("Kim waited"))
        let missing = folder.appendingPathComponent("nobody.json")
        #expect(throws: MemberDataError.self) {
            try MemberFiles.export(setup: setup, memberID: "nobody", json: missing.path, now: Self.now)
        }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
        #expect(try ResultsCommandTests.snapshot(setup.stateDirectory) == before)
    }

    @Test("the commands parse: forget needs --member; export --member needs --json and refuses --csv")
    func parsing() throws {
        #expect(throws: (any Error).self) { try CoachCommand.parseAsRoot(["forget"]) }
        #expect(try CoachCommand.parseAsRoot(["forget", "--member", "U1"]) is ForgetMember)
        #expect(throws: (any Error).self) { try CoachCommand.parseAsRoot(["export", "--member", "U1", "--csv", "out"]) }
        #expect(throws: (any Error).self) { try CoachCommand.parseAsRoot(["export", "--member", "U1"]) }
        #expect(try CoachCommand.parseAsRoot(["export", "--member", "U1", "--json", "u1.json"]) is Export)
    }

    /// The state as a restarted bot would load it.
    func reopen(_ directory: URL) throws -> CoachState {
        let (store, loaded) = try StateStore.open(
            directory: directory, schemaVersion: CoachState.schemaVersion, initial: { CoachState() }, apply: { $0.apply($1) })
        store.close()
        return loaded
    }
}
