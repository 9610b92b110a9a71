@testable import coach
import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// The sample views `coach check` renders: complete, so a template added without a sample fails here, and clean
/// against the shipped `Prompts/` in every markup.
@Suite("Template samples")
struct TemplateSampleTests {
    @Test(
        "every template is rendered by a sample or included by a template that is, and every sample renders a message",
        arguments: Markup.allCases)
    func everyTemplateCovered(markup: Markup) throws {
        let prompts = try Fixtures.setup().prompts(for: markup)
        let run = prompts.renderSamples(CoachCheck.templateSamples(prompts: prompts))
        #expect(run.uncovered == [], "give each of these a sample view (see TemplateSamples)")
        #expect(run.covered == Set(Template.allCases))
        for result in run.results {
            #expect(result.problem == nil, "Prompts/\(result.template.rawValue).mustache in \(markup): \(result.text)")
        }
        #expect(CoachCheck.sampleFindings(run, prompts: prompts).map(\.status) == [.ok])
    }

    @Test("a template used only as a partial counts as rendered through the templates that include it, and only so")
    func partialsCoveredThroughIncludes() throws {
        let prompts = try Fixtures.setup().prompts(for: .plain)
        let samples = CoachCheck.templateSamples(prompts: prompts)
        // score-rows has no view of its own: scores and scores-shared include it.
        #expect(!samples.contains { type(of: $0).template == .scoreRows })
        let without = samples.filter { ![Template.scores, .scoresShared].contains(type(of: $0).template) }
        let run = prompts.renderSamples(without)
        #expect(run.uncovered == [.scores, .scoreRows, .scoresShared])
        let findings = CoachCheck.sampleFindings(run, prompts: prompts)
        #expect(findings.map(\.status) == [.problem, .problem, .problem])
        #expect(findings.map(\.subject) == ["templates", "templates", "templates"])
        #expect(findings[1].detail.hasPrefix("Prompts/score-rows.mustache was not rendered: no sample view uses it"))
    }

    @Test("includes are followed through a chain of partials")
    func includesFollowChains() throws {
        let folder = Fixtures.projectRoot.appendingPathComponent("Prompts")
        var templates = try Fixtures.setup().templates
        templates["chain-a"] = "A {{> chain-b}}"
        templates["chain-b"] = "{{#x}}B {{> chain-c}}{{/x}}"
        templates["chain-c"] = "C"
        let prompts = try PromptBook(
            markup: .plain, templates: templates,
            commandHelpJSON: Array(try Data(contentsOf: folder.appendingPathComponent("commands.json"))),
            rewardIdeasJSON: Array(try Data(contentsOf: folder.appendingPathComponent("reward-ideas.json"))))
        #expect(prompts.includes(of: ["chain-a"]) == ["chain-a", "chain-b", "chain-c"])
        #expect(prompts.includes(of: ["summary"]) == ["summary", "next-week", "session-agenda", "trends", "goal-trend"])
        #expect(prompts.includes(of: ["help"]) == ["help"])
    }
}
