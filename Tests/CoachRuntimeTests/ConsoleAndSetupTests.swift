import CoachChat
import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

@Suite("Console transport and setup")
struct ConsoleAndSetupTests {
    static func console(_ input: ConsoleInput, _ printed: Printed) throws -> ConsoleTransport {
        let setup = try Fixtures.setup()
        let prompts = try setup.prompts(for: .plain)
        return CoachApplication.consoleTransport(
            setup: setup, prompts: prompts, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), input: input,
            output: { printed.append($0) })
    }

    @Test("typed lines become messages from the current member; :as switches member; ids continue from the cursor")
    func switching() async throws {
        let input = ConsoleInput()
        let printed = Printed()
        let console = try Self.console(input, printed)
        input.push("example one")
        input.push(":as sam")
        input.push("example two")
        let first = try await console.poll(PollRequest(cursor: "41", timeout: .seconds(1)))
        #expect(first.messages.map(\.senderID) == ["alex"])
        #expect(first.messages.first?.id == "console-42")
        #expect(first.messages.first?.addressed == true && first.messages.first?.isDirect == false)
        #expect(first.cursor == "42")
        let switched = try await console.poll(PollRequest(cursor: "42", timeout: .seconds(1)))
        #expect(switched.messages.isEmpty)
        #expect(printed.text.contains("Sam"))
        let second = try await console.poll(PollRequest(cursor: "42", timeout: .seconds(1)))
        #expect(second.messages.map(\.senderID) == ["sam"])
        #expect(second.messages.map(\.text) == ["example two"])
        #expect(printed.text.hasPrefix("ServiceCoach local chat"))
    }

    @Test("an unknown member is named with the ones to choose from; :quit closes the input")
    func unknownMemberAndQuit() async throws {
        let input = ConsoleInput()
        let printed = Printed()
        let console = try Self.console(input, printed)
        input.push(":as nobody")
        input.push(":quit")
        _ = try await console.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        #expect(printed.text.contains("nobody") && printed.text.contains("Priya"))
        _ = try await console.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
        await #expect(throws: TransportError.closed) { try await console.poll(PollRequest(cursor: nil, timeout: .seconds(1))) }
    }

    @Test("a line pushed while nobody waits is kept, and a wait that times out loses nothing")
    func inputBuffering() async {
        let input = ConsoleInput()
        #expect(await input.next(timeout: .milliseconds(1)) == .timedOut)
        input.push("kept")
        #expect(await input.next(timeout: .milliseconds(1)) == .line("kept"))
        input.close()
        #expect(await input.next(timeout: .milliseconds(1)) == .closed)
    }

    @Test("private messages show who they are for")
    func privateMessages() async throws {
        let printed = Printed()
        let console = try Self.console(ConsoleInput(), printed)
        _ = try await console.send(OutboundMessage(id: "o1", destination: .direct(userID: "jo"), kind: .nudge, text: "hello\nthere",
            createdAt: Date(timeIntervalSince1970: 0)), key: "test-o1")
        #expect(printed.text.contains("privately to Jo"))
        #expect(printed.text.contains("    hello\n    there"))
    }

    @Test("a missing prompts folder and a bad config stop start-up with the path and a fix")
    func setupErrors() throws {
        do {
            _ = try CoachSetup.load(configPath: nil, promptsPath: "/nonexistent/Prompts", stateOverride: nil)
            Issue.record("loaded without prompts")
        } catch {
            #expect(error.description.contains("/nonexistent/Prompts"))
        }
        let bad = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bad) }
        let file = bad.appendingPathComponent("coach.json")
        try Data(#"{"schedule": {"summary": "fri 25:00"}}"#.utf8).write(to: file)
        do {
            _ = try CoachSetup.load(configPath: file.path, promptsPath: Fixtures.projectRoot.appendingPathComponent("Prompts").path, stateOverride: nil)
            Issue.record("loaded a bad config")
        } catch {
            #expect(error.description.contains(file.path))
            #expect(error.description.contains("schedule.summary"))
        }
    }
}
