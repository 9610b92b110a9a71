import Foundation

/// Who may use a command.
public enum Access: Sendable, Equatable {
    case everyone
    /// Configured admins only: the command shapes the programme for everyone.
    case admins
}

/// One chat command, declared once: the word people type, its other spellings, where `help` lists it, and how the
/// words after it parse into one of its forms. The parser's vocabulary, the admin check, the dispatch and the help
/// list are all derived from these declarations (see `Commands.all`); `Prompts/commands.json` holds only the wording.
struct CommandDeclaration: Sendable {
    /// The command's word, its help topic and the key of its wording in `Prompts/commands.json`.
    let name: String
    /// Other words that mean the same command.
    let aliases: [String]
    /// Where `help` lists it. A command whose forms differ (anyone can list goals, only admins add them) is listed
    /// where most people will look for it; each form still checks its own `access`.
    let listed: Access
    /// Reads the words after the command word into one of the command's forms, or says what is wrong with them.
    let parse: @Sendable (CommandWords) -> Parsed

    init(
        _ name: String, aliases: [String] = [], listed: Access = .everyone,
        parse: @escaping @Sendable (CommandWords) -> Parsed
    ) {
        self.name = name
        self.aliases = aliases
        self.listed = listed
        self.parse = parse
    }

    /// Every word that means this command.
    var words: [String] { [name] + aliases }

    /// What the words after the command word turned out to be.
    enum Parsed {
        case form(any CommandForm)
        case malformed(ParseProblem)
    }
}

/// One form of a command with its arguments parsed into types: `!goal add …` is one form, `!goal 2 1.5` another.
///
/// A form says who may use it and what it does, next to the declaration it comes from, so a feature's commands are
/// read and changed in one place. The engine checks `access` before it calls `run`.
protocol CommandForm: Sendable, Equatable {
    static var access: Access { get }
    func run(_ request: Request, _ tx: inout Transaction)
}

extension CommandForm {
    /// Equality across forms of different types, for `Command`'s `==`.
    func isEqual(to other: any CommandForm) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// What a member asked for, after parsing: a command form with typed arguments. References to principles, examples
/// and goals are still text or numbers here: the engine resolves them against the state, because only it knows what
/// exists.
public struct Command: Equatable, Sendable, CustomStringConvertible {
    let form: any CommandForm
    /// The command's name: its help topic and its wording's key in `Prompts/commands.json`.
    public let name: String

    init(_ form: any CommandForm, name: String) {
        self.form = form
        self.name = name
    }

    /// Commands that shape the programme for everyone; only configured admins may use them.
    public var isAdminOnly: Bool { type(of: form).access == .admins }

    public static func == (lhs: Command, rhs: Command) -> Bool {
        lhs.name == rhs.name && lhs.form.isEqual(to: rhs.form)
    }

    public var description: String { "\(name): \(form)" }
}

/// The words after the command word.
struct CommandWords: Sendable {
    /// The word the member typed for the command, lowercased: `goals` and `goal` are one command with different
    /// defaults.
    let word: String
    /// Everything after the command word, trimmed, as typed.
    let rest: String
    /// `rest` split at spaces.
    let args: [String]

    init(word: String, rest: String) {
        self.word = word
        self.rest = rest
        self.args = rest.split(whereSeparator: CommandParser.isSpace).map(String.init)
    }

    /// The free text of a command that needs some: `!example <what happened>`.
    func text(_ make: (String) -> any CommandForm) -> CommandDeclaration.Parsed {
        rest.isEmpty ? .malformed(.missingText) : .form(make(rest))
    }

    /// A bare command, or the word `list`, shows the list; anything else is the text of a new entry.
    var asksForList: Bool { args.isEmpty || (args.count == 1 && args[0].lowercased() == "list") }

    /// Whole numbers people type for ids and positions, with an optional `#`.
    static func number(_ text: String) -> Int? {
        let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard let n = Int(digits), n > 0, n < 1_000_000_000 else { return nil }
        return n
    }

    /// Decimal values for goals: `2`, `2.5`, `2,5`, `95%`.
    static func decimal(_ text: String) -> Double? {
        var t = text.replacingOccurrences(of: ",", with: ".")
        if t.hasSuffix("%") { t.removeLast() }
        guard let value = Double(t), value.isFinite else { return nil }
        return value
    }

    /// `<number> <text>`: edit, fixed and goal action take an entry's number and a few words.
    static func numberAndText(_ args: ArraySlice<String>, _ make: (Int, String) -> any CommandForm) -> CommandDeclaration.Parsed {
        guard let id = args.first.flatMap(Self.number) else { return .malformed(.missingNumber) }
        let body = args.dropFirst().joined(separator: " ")
        return body.isEmpty ? .malformed(.missingText) : .form(make(id, body))
    }
}
