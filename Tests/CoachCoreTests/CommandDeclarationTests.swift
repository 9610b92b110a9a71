@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// Every command is declared once (`Commands.all`); these check that each declaration is whole: its wording, its
/// example, its words and what it renders.
@Suite("Command declarations")
struct CommandDeclarationTests {
    static let names = Commands.all.map(\.name)

    @Test("every declared command has its wording in Prompts/commands.json, and every entry there is a command")
    func wording() throws {
        let prompts = try Fixtures.coach().prompts
        for declaration in Commands.all {
            let help = prompts.commandHelp[declaration.name]
            #expect(help != nil, "\(declaration.name) has no wording")
            #expect(help?.usage.isEmpty == false && help?.summary.isEmpty == false && help?.example.isEmpty == false,
                "\(declaration.name) has empty wording")
        }
        #expect(Set(prompts.commandHelp.keys) == Set(Self.names))
    }

    @Test("a stray entry in commands.json is refused at start, naming it")
    func strayWording() throws {
        let setup = try Fixtures.setup()
        var help = try JSONSerialization.jsonObject(with: Data(setup.commandHelp)) as? [String: Any] ?? [:]
        help["exmaple"] = ["usage": "!exmaple", "summary": "typo", "example": "!exmaple x"]
        let bytes = [UInt8](try JSONSerialization.data(withJSONObject: help))
        do {
            _ = try PromptBook(markup: .plain, templates: setup.templates, commandHelpJSON: bytes, rewardIdeasJSON: setup.rewardIdeas)
            Issue.record("a stray entry was accepted")
        } catch {
            #expect(error.description.contains("\"exmaple\""))
        }
    }

    @Test("every word means one command: no alias is claimed twice")
    func wordsAreUnique() {
        var owner: [String: String] = [:]
        for declaration in Commands.all {
            for word in declaration.words {
                #expect(owner[word] == nil, "\"\(word)\" is claimed by \(owner[word] ?? "") and \(declaration.name)")
                owner[word] = declaration.name
                #expect(CommandParser.vocabulary[word]?.name == declaration.name)
            }
        }
    }

    @Test("every command's example parses back to that command", arguments: names)
    func exampleParses(_ name: String) throws {
        let prompts = try Fixtures.coach().prompts
        let example = try #require(prompts.commandHelp[name]?.example)
        guard case .command(let command) = CommandParser(botName: "coach").parse(example, addressed: false) else {
            Issue.record("the example \"\(example)\" of \(name) does not parse")
            return
        }
        #expect(command.name == name, "the example \"\(example)\" parses as \(command.name)")
    }

    /// A programme in its second week with a goal, a follow-up and a few examples, so every command has something
    /// to act on.
    static func runningProgramme() throws -> Harness {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-04 08:00")
        h.tick()
        for text in ["!rate 4 5", "!programme accept", "!start now", "!example first", "!caught @sam helped",
            "!goal add Reply time target 2 hours lower owner @sam", "!followup a loose shelf", "!idea one", "!means care"]
        {
            h.say("alex", text, name: "Alex")
        }
        h.say("sam", "!example mine", name: "Sam")
        h.tick(at: "2027-01-12 10:00")
        return h
    }

    @Test("every command's example, run by an admin, gets a reply rendered in full", arguments: names)
    func exampleRuns(_ name: String) throws {
        var h = try Self.runningProgramme()
        let example = try #require(h.coach.prompts.commandHelp[name]?.example)
        let sent = h.say("alex", example, name: "Alex")
        #expect(!sent.isEmpty, "\(name): no reply to \"\(example)\"")
        for message in sent {
            #expect(!message.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(name): an empty message")
            #expect(!message.text.contains("{{"), "\(name): a tag was left in \"\(message.text)\"")
        }
    }

    @Test("the admin check follows each form's declared access", arguments: names)
    func adminCheck(_ name: String) throws {
        var h = try Self.runningProgramme()
        let example = try #require(h.coach.prompts.commandHelp[name]?.example)
        guard case .command(let command) = h.coach.parser.parse(example, addressed: false) else { return }
        let reply = h.say("jo", example, name: "Jo").first?.text ?? ""
        let refused = reply.contains("that one is for admins")
        #expect(refused == command.isAdminOnly, "\(name): \"\(example)\" from a member")
        #expect(command.isAdminOnly == (type(of: command.form).access == .admins))
    }
}

@Suite("README command table")
struct READMECommandTableTests {
    /// The README's `| command | forms | what it does | example |` rows, by command name, with `(admin)` noted.
    static func rows() throws -> [String: (admin: Bool, forms: [String], summary: String, example: String)] {
        let readme = try String(contentsOf: Fixtures.projectRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let header = try #require(lines.firstIndex { $0.hasPrefix("| command | forms |") }, "the README's command table")
        var rows: [String: (admin: Bool, forms: [String], summary: String, example: String)] = [:]
        for line in lines[(header + 2)...].prefix(while: { $0.hasPrefix("|") }) {
            // Cells are split at unescaped pipes; `\|` is a pipe inside a cell.
            let cells = line.replacingOccurrences(of: "\\|", with: "\u{1}").split(separator: "|")
                .map { $0.replacingOccurrences(of: "\u{1}", with: "|").trimmingCharacters(in: .whitespaces) }
            guard cells.count == 4 else { continue }
            let name = cells[0].replacingOccurrences(of: " (admin)", with: "")
            let forms = cells[1].components(separatedBy: "<br>").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
            rows[name] = (cells[0].hasSuffix("(admin)"), forms, cells[2], cells[3].trimmingCharacters(in: CharacterSet(charactersIn: "`")))
        }
        return rows
    }

    @Test("the README lists every command with its wording from commands.json and where help lists it")
    func inStep() throws {
        let prompts = try Fixtures.coach().prompts
        let rows = try Self.rows()
        #expect(Set(rows.keys) == Set(Commands.all.map(\.name)), "the README's table lists every command, and only those")
        for declaration in Commands.all {
            guard let row = rows[declaration.name], let help = prompts.commandHelp[declaration.name] else { continue }
            #expect(row.admin == (declaration.listed == .admins), "\(declaration.name): (admin) in the README")
            #expect(row.forms == help.usage.components(separatedBy: "\n"), "\(declaration.name): forms")
            #expect(row.summary == help.summary, "\(declaration.name): summary")
            #expect(row.example == help.example, "\(declaration.name): example")
        }
    }
}
