@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// Templates checked at load: loops of partials, missing partials and deep nesting stop the prompt book from being
/// built (so the bot stops at start and `coach check` reports it), naming the files; nothing here may crash.
@Suite("Template outlines and partials")
struct TemplateOutlineTests {
    static func outline(_ text: String) throws -> TemplateOutline {
        try TemplateOutline(scanning: text, nestingLimit: TemplateCheck.nestingLimit, transformLimit: TemplateCheck.transformLimit)
    }

    /// The shipped templates with `changes` applied (nil removes a file).
    static func book(_ changes: [String: String?]) throws -> PromptBook {
        let setup = try Fixtures.setup()
        var templates = setup.templates
        for (name, text) in changes { templates[name] = text }
        return try PromptBook(
            markup: .plain, templates: templates, commandHelpJSON: setup.commandHelp, rewardIdeasJSON: setup.rewardIdeas)
    }

    static func refusal(_ changes: [String: String?]) throws -> ConfigError? {
        let setup = try Fixtures.setup()
        var templates = setup.templates
        for (name, text) in changes { templates[name] = text }
        do throws(ConfigError) {
            _ = try PromptBook(
                markup: .plain, templates: templates, commandHelpJSON: setup.commandHelp, rewardIdeasJSON: setup.rewardIdeas)
            return nil
        } catch {
            return error
        }
    }

    @Test("includes are found inside sections, inverted sections and after a change of delimiters, with their lines")
    func findsIncludes() throws {
        let text = """
            Hello {{name}}
            {{#list}}
              {{> row}}{{^last}}, {{/last}}
            {{/list}}
            {{=<% %>=}}
            <%> footer%> <%! {{> not-a-tag}} %>
            <%={{ }}=%>
            {{{raw}}} {{! a comment
            over lines {{> still-a-comment}} }}
            {{<layout}}{{$body}}x{{/body}}{{/layout}}
            """
        let outline = try Self.outline(text)
        #expect(outline.includes == [
            .init(partial: "row", line: 3, depth: 1),
            .init(partial: "footer", line: 6, depth: 0),
            .init(partial: "layout", line: 10, depth: 0),
        ])
        #expect(outline.depth == 2)
    }

    @Test("a change of delimiters inside a section lasts to the section's end, as the library reads it")
    func delimitersEndWithTheirSection() throws {
        let outline = try Self.outline("{{#a}}{{=<% %>=}}<%> inner%><%/a%>{{> outer}}<%> text%>")
        #expect(outline.includes.map(\.partial) == ["inner", "outer"])
    }

    @Test("a template that includes itself is refused, naming the file and the line", arguments: ["summary", "help"])
    func includesItself(name: String) throws {
        let setup = try Fixtures.setup()
        let text = try #require(setup.templates[name]) + "\n{{> \(name)}}"
        let error = try Self.refusal([name: text])
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(error == .partialLoop(files: [name, name], lines: [line]))
        #expect(error?.description.contains("Prompts/\(name).mustache includes itself (line \(line)") == true)
    }

    @Test("two templates including each other are refused, naming both files")
    func includeEachOther() throws {
        let error = try Self.refusal(["help": "Help\n{{#x}}{{> goals}}{{/x}}", "goals": "{{> help}}"])
        #expect(error == .partialLoop(files: ["goals", "help", "goals"], lines: [1, 2]))
        let message = try #require(error?.description)
        #expect(message.contains("Prompts/goals.mustache (line 1) → Prompts/help.mustache (line 2) → Prompts/goals.mustache"))
        #expect(message.contains("loop"))
    }

    @Test("a loop through a longer chain of partials is found")
    func longerLoop() throws {
        let error = try Self.refusal(["next-week": "{{> session-agenda}}", "session-agenda": "{{#a}}{{> next-week}}{{/a}}"])
        guard case .partialLoop(let files, _)? = error else {
            Issue.record("expected a loop, got \(String(describing: error))")
            return
        }
        #expect(Set(files) == ["next-week", "session-agenda"])
    }

    @Test("a partial that does not exist is refused, naming the template, the line and the partial")
    func missingPartial() throws {
        let error = try Self.refusal(["help": "Help\n\n{{> does-not-exist}}"])
        #expect(error == .invalidTemplate(
            name: "help", reason: "at line 3 it includes {{> does-not-exist}}, but there is no Prompts/does-not-exist.mustache"))
        #expect(error?.description.contains("Prompts/help.mustache") == true)
    }

    @Test("a partial is named, never chosen by a value a member could write")
    func dynamicPartial() throws {
        let error = try Self.refusal(["help": "{{>*name}}"])
        guard case .invalidTemplate("help", let reason)? = error else {
            Issue.record("expected help refused, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("{{>*name}}"))
    }

    @Test("3,000 and 300,000 nested sections are refused at the limit, without recursion", arguments: [3_000, 300_000])
    func deepNesting(depth: Int) throws {
        let text = "Title\n" + String(repeating: "{{#a}}", count: depth) + "x" + String(repeating: "{{/a}}", count: depth)
        let error = try Self.refusal(["help": text])
        #expect(error == .invalidTemplate(name: "help", reason: "at line 2 its sections nest more than 32 deep, the most allowed"))
    }

    @Test("nesting at the limit is accepted and renders; one more level is refused")
    func atTheLimit() throws {
        let limit = TemplateCheck.nestingLimit
        let deepest = String(repeating: "{{#a}}", count: limit) + "deep" + String(repeating: "{{/a}}", count: limit)
        let book = try Self.book(["help": deepest])
        #expect(book.render(.help, tree: RenderNode.withFlag("a")) == "deep")
        let over = "{{#b}}" + deepest + "{{/b}}"
        #expect(try Self.refusal(["help": over]) != nil)
    }

    @Test("nesting is counted through partials: sections around an include add to the partial's own")
    func nestingThroughPartials() throws {
        let half = TemplateCheck.nestingLimit / 2
        let sections = { (n: Int, body: String) in String(repeating: "{{#a}}", count: n) + body + String(repeating: "{{/a}}", count: n) }
        // half + 1 (the partial) + half sections: one over the limit.
        let error = try Self.refusal(["help": sections(half, "{{> next-week}}"), "next-week": sections(half, "x")])
        #expect(error == .invalidTemplate(
            name: "help", reason: "with the partials it includes, its sections nest 33 deep, more than the 32 allowed"))
        #expect(try Self.refusal(["help": sections(half - 1, "{{> next-week}}"), "next-week": sections(half, "x")]) == nil)
    }

    @Test("transforms nested past the limit are refused before the library parses them recursively")
    func nestedTransforms() throws {
        let error = try Self.refusal(["help": "{{" + String(repeating: "a(", count: 10_000) + "b" + String(repeating: ")", count: 10_000) + "}}"])
        #expect(error == .invalidTemplate(name: "help", reason: "at line 1 a tag applies more than 8 transforms to one another, the most allowed"))
    }

    @Test("the shipped templates are far inside the limit: 7 levels at most, through their partials")
    func shippedDepth() throws {
        let templates = try Fixtures.setup().templates
        var outlines: [String: TemplateOutline] = [:]
        for (name, text) in templates { outlines[name] = try Self.outline(text) }
        // Sum through partials the way the check does (the shipped ones include at most one level deep).
        func total(_ name: String) -> Int {
            let outline = outlines[name]!
            return max(outline.depth, outline.includes.map { $0.depth + 1 + total($0.partial) }.max() ?? 0)
        }
        let deepest = templates.keys.map(total).max() ?? 0
        #expect(deepest == 7)
        #expect(deepest * 4 <= TemplateCheck.nestingLimit)
        #expect(throws: Never.self) { try TemplateCheck.check(templates) }
    }
}

extension RenderNode {
    /// A tree where the key `name` is true at every level, so nested `{{#name}}` sections all open.
    static func withFlag(_ name: String) -> RenderNode {
        let node = RenderNode()
        node.values = [name: true]
        return node
    }
}
