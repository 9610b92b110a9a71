import CoachCore
import CoachRuntime
import Foundation

/// The HTML report: one self-contained page (inline SVG charts, no script, nothing fetched) from a state, for
/// `coach report --html` on the server and for `report html` in the chat.
///
/// Its wording is `Prompts/report/`, compiled with the rest of the templates, so a deployment whose report templates
/// are broken stops at start (and `coach check` names the file), not when a manager asks for the report. Values are
/// escaped as HTML as they are substituted, like any message on an HTML platform.
public struct ReportRenderer: Sendable {
    let setup: CoachSetup
    let prompts: PromptBook

    public init(setup: CoachSetup) throws {
        self.setup = setup
        prompts = try setup.prompts(for: .html)
    }

    /// The page for `state` as it stood at `now`: anything dated later (a reading, an example) is left out, and
    /// "days open" are counted to `now`'s day in the team's time zone.
    public func html(state: CoachState, at now: Date) throws -> String {
        let record = ProgrammeRecord(state: state, config: setup.config, catalogue: setup.catalogue, now: now)
        let page = prompts.render(ReportPage.view(record, prompts: prompts))
        // A page template edited down to nothing would otherwise write an empty file without a word.
        guard !page.isEmpty else {
            throw ConfigError.invalidTemplate(name: Template.reportPage.rawValue, reason: "it renders nothing")
        }
        return page
    }

    /// A sample of the report's view with every section open, for `coach check` to try the templates with (see
    /// `TemplateSamples`): a small programme of four weeks with ratings, a goal, follow-ups, ideas and definitions.
    public static func templateSamples(prompts: PromptBook) -> [any MessageView] {
        [ReportPage.view(ReportSample.record(), prompts: prompts)]
    }
}
