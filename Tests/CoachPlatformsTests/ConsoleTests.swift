import CoachChat
import CoachCore
import CoachPlatforms
import CoachTestSupport
import Foundation
import Logging
import Testing

/// The terminal chat, the embedded default: one platform entry among the others.
@Suite("Console")
struct ConsoleTests {
    /// The console for the shipped config's roster, built through its platform entry as `coach` builds it.
    static func console(_ input: ConsoleInput, _ printed: Printed) throws -> ConsoleTransport {
        let setup = try Fixtures.setup()
        let terminal = Terminal(
            input: input, output: { printed.append($0) }, roster: setup.config.members,
            prompts: try setup.prompts(for: .plain), clockText: { "2027-01-04 Monday 09:00" })
        let context = PlatformContext(
            web: HTTPWebClient(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            botName: setup.config.team.botName, terminal: terminal)
        let transport = try Platforms.make(kind: "console", settings: [:], environment: [:], context: context)
        return try #require(transport as? ConsoleTransport)
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

    @Test("it is the platform named console, with nothing to sign in to, and it refuses settings it does not read")
    func entry() async throws {
        let console = try Self.console(ConsoleInput(), Printed())
        #expect(console.name == "console")
        let findings = await console.check()
        #expect(findings.map(\.status) == [.ok, .ok])
        #expect(findings.map(\.subject) == ["console", "files"])
        #expect(!console.capabilities.files)
        #expect(Platforms.kinds.first == "console")
        #expect(throws: PlatformSetupError.self) {
            _ = try Platforms.make(kind: "console", settings: ["channel": "x"], environment: [:],
                context: PlatformContext(web: HTTPWebClient(), logger: Logger(label: "t"), botName: "coach"))
        }
    }
}
