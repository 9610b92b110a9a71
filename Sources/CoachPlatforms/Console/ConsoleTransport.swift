import CoachChat
import CoachCore
import Foundation

/// A local chat in the terminal: you type as a team member, the bot's messages are printed as they are sent. The
/// embedded default (`Config/coach.json`), so a new user sees the programme with no account anywhere.
///
/// Lines starting with `:` are for the console itself (switch member, list members, quit); everything else is a
/// chat message from the current member, addressed to the bot so commands need no prefix. It has the parts of a
/// platform that apply: no HTTP client and no wire format, since it talks to the terminal (`ConsoleInput`).
public actor ConsoleTransport: PollingTransport {
    public static let entry = PlatformEntry(kind: "console") { settings, context throws(PlatformSetupError) in
        try settings.validateKeys([])
        guard let terminal = context.terminal else {
            // Only a caller that built its own context can get here; `coach` always attaches its terminal.
            throw .missingSetting(kind: "console", key: "terminal", hint: "the console chats in a terminal, and none was attached")
        }
        return ConsoleTransport(terminal: terminal, botName: context.botName)
    }

    public nonisolated let name = "console"
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: false, markup: .plain)
    /// `input.next(timeout:)` waits for a line, so the console long-polls like the platforms that can.
    public nonisolated let pacing = PollPacing.longPoll

    nonisolated let terminal: Terminal
    nonisolated let botName: String
    /// Who you can be; the first is who you start as.
    nonisolated let roster: [CoachConfig.RosterEntry]
    private var current: CoachConfig.RosterEntry
    private var counter = 0
    private var welcomed = false

    public init(terminal: Terminal, botName: String) {
        self.terminal = terminal
        self.botName = botName
        roster = terminal.roster.isEmpty ? [.init(id: "you", name: "You")] : terminal.roster
        current = roster[0]
    }

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        greetOnce()
        let cursor = request.cursor
        let line: String
        switch await terminal.input.next(timeout: request.timeout) {
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
        counter += 1
        // The console has no message ids of its own; the previous cursor plus a counter is unique per run and
        // across restarts, because the cursor is committed with the state.
        let id = (Int(cursor ?? "0") ?? 0) + counter
        let message = InboundMessage(
            id: "console-\(id)", senderID: current.id, senderName: current.name, text: trimmed, addressed: true)
        return PollBatch(messages: [message], cursor: String(id))
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        greetOnce()
        let roster = roster
        print(ChatLine(
            time: terminal.clockText(), sender: botName, text: message.text, destination: message.destination,
            name: { id in roster.first { $0.id == id }?.name ?? id }))
        return message.id
    }

    /// The console's views, one of each, for `coach check` to render every template.
    public static var templateSamples: [any MessageView] { ConsoleView.samples }

    /// The console has no account or channel: there is nothing to sign in to, and it says so; nor files.
    public func check() async -> [CheckFinding] {
        [
            .ok("console", "a local chat in this terminal: no account, token or network needed"),
            // Whether the bot may upload is asked of every platform; here the answer is never, and that is fine.
            .ok("files", "the console shows no files: report html answers with how to write the report with coach report --html FILE"),
        ]
    }

    /// The welcome, on the first poll or send: after the state has opened (so a refused state shows only its
    /// error), and before the bot's first message.
    func greetOnce() {
        guard !welcomed else { return }
        welcomed = true
        print(ConsoleView.Welcome(name: current.name, members: roster.map(\.name)))
    }

    func handleConsoleCommand(_ text: String) {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts.first?.lowercased() {
        case "as", "switch":
            let wanted = parts.count > 1 ? parts[1].lowercased() : ""
            if let entry = roster.first(where: { $0.name.lowercased() == wanted || $0.id.lowercased() == wanted }) {
                current = entry
                print(ConsoleView.Switched(name: entry.name))
            } else {
                print(ConsoleView.UnknownMember(wanted: wanted, members: roster.map(\.name)))
            }
        case "who", "members":
            print(ConsoleView.Who(name: current.name, members: roster.map(\.name)))
        case "quit", "exit", "q":
            terminal.input.close()
        default:
            print(ConsoleView.Help(members: roster.map(\.name)))
        }
    }

    nonisolated func print(_ view: some MessageView) {
        terminal.output(terminal.prompts.render(view))
    }
}

/// The terminal the console chats in: the lines typed, where to print, who one can be, and the console's own
/// wording and clock. Every platform is given one; only the console reads it.
public struct Terminal: Sendable {
    public var input: ConsoleInput
    public var output: @Sendable (String) -> Void
    /// Who you can be in the console (the config's members); the first is who you start as.
    public var roster: [CoachConfig.RosterEntry]
    /// The console's own wording (`Prompts/console-*.mustache`) and the chat line it prints, in plain text.
    public var prompts: PromptBook
    /// The time shown before each printed message.
    public var clockText: @Sendable () -> String

    public init(
        input: ConsoleInput, output: @escaping @Sendable (String) -> Void, roster: [CoachConfig.RosterEntry],
        prompts: PromptBook, clockText: @escaping @Sendable () -> String
    ) {
        self.input = input
        self.output = output
        self.roster = roster
        self.prompts = prompts
        self.clockText = clockText
    }
}

/// The console's own messages: its welcome, who you are, switching member, and its help.
enum ConsoleView {
    /// One of each, for `coach check` to render every template (see `TemplateSamples`).
    static var samples: [any MessageView] {
        [
            Welcome(name: "Sam", members: ["Sam", "Jo"]), Who(name: "Sam", members: ["Sam", "Jo"]), Switched(name: "Jo"),
            UnknownMember(wanted: "Sammy", members: ["Sam", "Jo"]), Help(members: ["Sam", "Jo"]),
        ]
    }

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
