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

    @Test("help fits one message on every platform, for a member and for an admin, each command on one short line")
    func helpFitsOneMessage() throws {
        var h = Harness(coach: try Fixtures.coach(), at: "2027-01-04 10:00")
        h.tick()
        for (who, name) in [("sam", "Sam"), ("alex", "Alex")] {
            let help = try #require(h.say(who, "!help", name: name).first?.text)
            // Telegram's limit is 4,096 characters, the smallest of the platforms'; a margin for a long name.
            #expect(help.count <= 3_900, "\(who)'s help is \(help.count) characters")
        }
        for declaration in Commands.all {
            let brief = HelpCommandView(declaration.name, prompts: h.coach.prompts).brief
            #expect(!brief.isEmpty && brief.count <= 170, "\(declaration.name)'s first sentence is \(brief.count) characters: \(brief)")
        }
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
    /// The table as `Commands.all` and `Prompts/commands.json` make it: one row per command, in declaration order,
    /// with the admins' commands last.
    static func expectedTable() throws -> [String] {
        let prompts = try Fixtures.coach().prompts
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["| command | forms | what it does | example |", "|---|---|---|---|"]
        let ordered = Commands.all.filter { $0.listed == .everyone } + Commands.all.filter { $0.listed == .admins }
        for declaration in ordered {
            let help = try #require(prompts.commandHelp[declaration.name])
            let name = declaration.name + (declaration.listed == .admins ? " (admin)" : "")
            let forms = help.usage.components(separatedBy: "\n").map { "`\(cell($0))`" }.joined(separator: "<br>")
            lines.append("| \(name) | \(forms) | \(cell(help.summary)) | `\(cell(help.example))` |")
        }
        return lines
    }

    /// The README's lines and the range of its command table.
    static func readme() throws -> (lines: [String], table: Range<Int>) {
        let text = try String(contentsOf: Fixtures.projectRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("| command | forms |") }, "the README's command table")
        let end = lines[start...].firstIndex { !$0.hasPrefix("|") } ?? lines.count
        return (lines, start..<end)
    }

    /// Derived, not kept by hand: after changing a command's wording, run this suite with `COACH_UPDATE_README=1`
    /// and the README's table is rewritten from the declarations.
    @Test("the README lists every command with its wording from commands.json and where help lists it")
    func inStep() throws {
        let expected = try Self.expectedTable()
        var (lines, table) = try Self.readme()
        if ProcessInfo.processInfo.environment["COACH_UPDATE_README"] == "1", Array(lines[table]) != expected {
            lines.replaceSubrange(table, with: expected)
            try lines.joined(separator: "\n").write(
                to: Fixtures.projectRoot.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
            (lines, table) = try Self.readme()
        }
        let actual = Array(lines[table])
        #expect(actual.count == expected.count, "the README's table has a row for every command, and only those")
        for (have, want) in zip(actual, expected) where have != want {
            Issue.record("README command table row differs (run with COACH_UPDATE_README=1 to rewrite it):\n have: \(have)\n want: \(want)")
        }
    }
}
