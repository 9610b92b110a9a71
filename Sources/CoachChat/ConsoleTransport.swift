import CoachCore
import Foundation

/// A local chat in the terminal: you type as a team member, the bot's messages are printed as they are sent.
///
/// Lines starting with `:` are for the console itself (switch member, list members, quit); everything else is a
/// chat message from the current member, addressed to the bot so commands need no prefix.
public final class ConsoleTransport: PollingTransport, @unchecked Sendable {
    // @unchecked: the mutable fields are guarded by `lock`; the line stream is consumed by one poller.
    public let name = "console"
    public let capabilities = TransportCapabilities(directMessages: true, threads: false, markup: .plain)
    /// `input.next(timeout:)` waits for a line, so the console long-polls like the platforms that can.
    public let pacing = PollPacing.longPoll

    private let input: ConsoleInput
    private let output: @Sendable (String) -> Void
    private let prompts: PromptBook
    private let roster: [CoachConfig.RosterEntry]
    private let lock = NSLock()
    private var current: CoachConfig.RosterEntry
    private var counter = 0
    private let clockText: @Sendable () -> String
    private let botName: String

    /// - Parameters:
    ///   - input: the typed lines (stdin in the app, pushed lines in tests).
    ///   - roster: who you can be; the first entry is who you start as.
    ///   - prompts: the console's own wording (`Prompts/console-*.mustache`) and the chat line it prints.
    ///   - clockText: the time shown before each printed message.
    public init(
        input: ConsoleInput, roster: [CoachConfig.RosterEntry], botName: String, prompts: PromptBook,
        clockText: @escaping @Sendable () -> String, output: @escaping @Sendable (String) -> Void
    ) {
        self.input = input
        self.botName = botName
        self.roster = roster.isEmpty ? [.init(id: "you", name: "You")] : roster
        self.current = self.roster[0]
        self.prompts = prompts
        self.clockText = clockText
        self.output = output
    }

    private var welcomed = false

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        greetOnce()
        let cursor = request.cursor
        let line: String
        switch await input.next(timeout: request.timeout) {
        case .line(let text): line = text
        case .timedOut: return PollBatch(messages: [], cursor: cursor)
        case .closed: throw .closed
        }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix(":") {
            handleConsoleCommand(String(trimmed.dropFirst()))
            return PollBatch(messages: [], cursor: cursor)
        }
        guard !trimmed.isEmpty else { return PollBatch(messages: [], cursor: cursor) }
        let (who, number) = lock.withLock { () -> (CoachConfig.RosterEntry, Int) in
            counter += 1
            return (current, counter)
        }
        // The console has no message ids of its own; the previous cursor plus a counter is unique per run and
        // across restarts, because the cursor is committed with the state.
        let base = Int(cursor ?? "0") ?? 0
        let id = base + number
        let message = InboundMessage(id: "console-\(id)", senderID: who.id, senderName: who.name, text: trimmed, addressed: true)
        return PollBatch(messages: [message], cursor: String(id))
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        greetOnce()
        output(prompts.render(ChatLine(
            time: clockText(), sender: botName, text: message.text, destination: message.destination,
            name: { id in self.roster.first { $0.id == id }?.name ?? id })))
        return message.id
    }

    /// The console has no account or channel to check.
    public func check() async -> [CheckFinding] { [] }

    /// The welcome, on the first poll or send: after the state has opened (so a refused state shows only its
    /// error), and before the bot's first message.
    func greetOnce() {
        let greet = lock.withLock { () -> CoachConfig.RosterEntry? in
            defer { welcomed = true }
            return welcomed ? nil : current
        }
        if let greet { output(prompts.render(ConsoleView.Welcome(name: greet.name, members: roster.map(\.name)))) }
    }

    func handleConsoleCommand(_ text: String) {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts.first?.lowercased() {
        case "as", "switch":
            let wanted = parts.count > 1 ? parts[1].lowercased() : ""
            if let entry = roster.first(where: { $0.name.lowercased() == wanted || $0.id.lowercased() == wanted }) {
                lock.withLock { current = entry }
                output(prompts.render(ConsoleView.Switched(name: entry.name)))
            } else {
                output(prompts.render(ConsoleView.UnknownMember(wanted: wanted, members: roster.map(\.name))))
            }
        case "who", "members":
            let now = lock.withLock { current }
            output(prompts.render(ConsoleView.Who(name: now.name, members: roster.map(\.name))))
        case "quit", "exit", "q":
            input.close()
        default:
            output(prompts.render(ConsoleView.Help(members: roster.map(\.name))))
        }
    }
}

/// The console's own messages: its welcome, who you are, switching member, and its help.
enum ConsoleView {
    struct Welcome: MessageView {
        static let template = Template.consoleWelcome
        var name: String
        var members: [String]
    }

    struct Who: MessageView {
        static let template = Template.consoleWho
        var name: String
        var members: [String]
    }

    struct Switched: MessageView {
        static let template = Template.consoleSwitched
        var name: String
    }

    struct UnknownMember: MessageView {
        static let template = Template.consoleUnknownMember
        var wanted: String
        var members: [String]
    }

    struct Help: MessageView {
        static let template = Template.consoleHelp
        var members: [String]
    }
}
