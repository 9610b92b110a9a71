import Foundation

/// `help` and `status`, and the replies the router itself gives: a command used wrongly, an unknown word, an admin
/// command from a member, a private message that is no command.
enum Help {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("help", aliases: ["?", "h", "commands"]) { words in
            // A topic may be any of a command's words: `!help ex` explains `example`.
            .form(Show(topic: words.args.first.map { CommandParser.vocabulary[$0.lowercased()]?.name ?? $0.lowercased() }))
        },
        CommandDeclaration("status", aliases: ["week", "now"]) { _ in .form(Status()) },
        CommandDeclaration("yes", aliases: ["y"]) { _ in .form(Confirm()) },
    ]

    /// "yes" to "Did you mean !example? Reply yes to save it.": runs the suggested command with the text the member
    /// first typed, so nobody has to type it again. The offer lasts a few minutes.
    struct Confirm: CommandForm {
        static let access = Access.everyone
        static let offerLasts: TimeInterval = 10 * 60

        static func isYes(_ text: String) -> Bool {
            ["yes", "y", "yes please", "yes!"].contains(CommandParser.clean(text).lowercased())
        }

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let pending = tx.state.pendingSuggestions[request.senderID] else {
                tx.reply(request, NothingToConfirmView(expired: false))
                return
            }
            tx.record(.suggestionSettled(memberID: request.senderID))
            guard tx.now.timeIntervalSince(pending.at) <= Self.offerLasts else {
                tx.reply(request, NothingToConfirmView(expired: true))
                return
            }
            var message = request.message
            message.text = pending.text
            tx.coach.handle(message, &tx)
        }
    }

    /// `!help` lists every command; `!help <command>` explains one.
    struct Show: CommandForm {
        static let access = Access.everyone
        var topic: String?

        func run(_ request: Request, _ tx: inout Transaction) {
            let prompts = tx.coach.prompts
            if let topic {
                guard prompts.commandHelp[topic] != nil else {
                    tx.reply(request, UnknownCommandView(word: topic, suggestions: CommandParser.suggestions(for: topic)))
                    return
                }
                tx.reply(request, HelpCommandView(topic, prompts: prompts))
                return
            }
            func rows(_ listed: Access) -> [HelpCommandView] {
                Commands.all.filter { $0.listed == listed }.map(\.name).sorted().map { HelpCommandView($0, prompts: prompts) }
            }
            tx.reply(request, HelpView(commands: rows(.everyone), adminCommands: rows(.admins), isAdmin: tx.isAdmin(request)))
        }
    }

    struct Status: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let state = tx.state
            var view = StatusView(
                setup: state.programme.phase == .setup, running: state.programme.phase == .running,
                finished: state.programme.phase == .finished, paused: state.programme.paused,
                planLength: Plan.principleWeeks(state.programme.plan), cycle: state.programme.cycle,
                startDate: state.programme.startDate?.description,
                rated: state.ratingRounds.last?.scores[request.senderID]?.count ?? 0,
                principleCount: tx.allPrinciples.count)
            if let week = tx.currentWeek {
                view.week = WeekView(week, tx)
                let examples = state.examples.inWeek(week.key)
                view.exampleCount = examples.count
                view.yourCount = examples.filter { $0.reporterID == request.senderID }.count
            }
            if let next = Plan.nextPrinciple(state) { view.next = PrincipleView(tx.principle(id: next), id: next) }
            tx.reply(request, view)
        }
    }
}

struct HelpView: MessageView {
    static let template = Template.help
    var commands: [HelpCommandView]
    var adminCommands: [HelpCommandView]
    var isAdmin: Bool
}

/// One command's wording from `Prompts/commands.json`: the reply to `!help <command>`, and a row of `!help`.
struct HelpCommandView: MessageView {
    static let template = Template.helpCommand
    var command: String
    var usage: String
    var summary: String
    /// The summary's first sentence: `help` lists every command in one message (a Telegram message holds 4,096
    /// characters), and `help <command>` gives the rest.
    var brief: String
    var example: String

    init(_ command: String, prompts: PromptBook) {
        let help = prompts.commandHelp[command]
        self.command = command
        usage = help?.usage ?? command
        summary = help?.summary ?? ""
        example = help?.example ?? ""
        brief = Self.firstSentence(of: summary)
    }

    /// Up to and including the first full stop or exclamation mark that ends a sentence; a question ("Going on
    /// leave?") is only an opening, so its answer comes with it.
    static func firstSentence(of text: String) -> String {
        var previous: Character?
        for index in text.indices {
            let character = text[index]
            if let p = previous, ".!".contains(p), character == " " { return String(text[..<index]) }
            previous = character
        }
        return text
    }
}

struct StatusView: MessageView {
    static let template = Template.status
    var setup: Bool
    var running: Bool
    var finished: Bool
    var paused: Bool
    var planLength: Int
    var cycle: Int
    var startDate: String?
    var rated: Int
    var principleCount: Int
    var week: WeekView?
    var exampleCount: Int?
    var yourCount: Int?
    var next: PrincipleView?
}

/// A command used the wrong way: what was wrong, and the command's right form from `Prompts/commands.json`.
struct UsageView: MessageView {
    static let template = Template.usage
    @Inline var help: HelpCommandView
    var problem: ParseProblem?
    /// With `tooLong`: the most a text may have, and what was sent, so the sender knows how much to cut.
    var limit: Int?
    var length: Int?
    /// With `dateOutOfRange`: the first and last dates that work today.
    var earliest: String?
    var latest: String?
    /// With `tooLong` for too many Unicode scalars (accents, emoji parts and marks counted one by one): that limit
    /// and the count sent; absent when the text is over the character limit only.
    var scalarLimit: Int?
    var scalars: Int?

    init(_ command: String, problem: ParseProblem?, prompts: PromptBook) {
        help = HelpCommandView(command, prompts: prompts)
        self.problem = problem
    }

    /// Fills in the limit `text` broke and its size, the scalar one first when both are broken: it is the one a
    /// person cannot see.
    mutating func measure(_ text: String) {
        let count = text.unicodeScalars.count
        if count > CommandParser.maximumTextScalars {
            scalarLimit = CommandParser.maximumTextScalars
            scalars = count
        } else {
            limit = CommandParser.maximumTextLength
            length = text.count
        }
    }
}

struct UnknownCommandView: MessageView {
    static let template = Template.unknownCommand
    var word: String
    var suggestions: [String]
    var hasSuggestions: Bool
    /// The command as it was most likely meant, waiting for "yes".
    var offer: String?

    init(word: String, suggestions: [String]) {
        self.word = word
        self.suggestions = suggestions
        hasSuggestions = !suggestions.isEmpty
    }
}

/// "yes" with nothing waiting for it, or too late.
struct NothingToConfirmView: MessageView {
    static let template = Template.nothingToConfirm
    var expired: Bool
}

struct AdminOnlyView: MessageView {
    static let template = Template.adminOnly
    var command: String
}

struct NotUnderstoodView: MessageView {
    static let template = Template.notUnderstood
}
