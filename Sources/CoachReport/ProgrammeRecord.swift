import CoachCore
import Foundation

/// What the report and the exports are made from: the state as read, the deployment's config and catalogue, the
/// moment they describe, and the figures worked out from them once (`ProgrammeFigures`, `RatingFigures`).
///
/// A class, though nothing in it changes: the export's columns read it once per field, and copying a struct of a
/// dozen references for each read (a retain and a release apiece) was a third of the time an export took to make
/// its examples table.
final class ProgrammeRecord: Sendable {
    let state: CoachState
    let config: CoachConfig
    let now: Date
    let calendar: TeamCalendar
    let clock: TeamClock
    let figures: ProgrammeFigures
    let ratings: RatingFigures
    let names: [String: String]
    let titles: [String: String]

    init(state: CoachState, config: CoachConfig, catalogue: Catalogue, now: Date) {
        self.state = state
        self.config = config
        self.now = now
        calendar = TeamCalendar(timeZone: config.team.timeZone)
        clock = TeamClock(timeZone: config.team.timeZone)
        figures = ProgrammeFigures(state: state, catalogue: catalogue, config: config, now: now)
        ratings = RatingFigures(state: state, catalogue: catalogue, config: config)
        names = ProgrammeFigures.names(state: state, config: config)
        var titles: [String: String] = [:]
        for principle in catalogue.principles + state.teamPrinciples where titles[principle.id] == nil {
            titles[principle.id] = principle.title
        }
        self.titles = titles
    }

    /// A person by id, as the chat names them; their id when the bot never learnt a name.
    func name(_ id: String) -> String { names[id] ?? id }

    func title(_ principleID: String) -> String { titles[principleID] ?? principleID }

    /// The programme week a day fell in.
    func week(containing day: LocalDate) -> WeekFigures? {
        figures.weeks.last { $0.monday <= day && day <= $0.lastDay }
    }

    /// The examples the report and the export show: live, and shared by `now`.
    var examples: [Example] { state.examples.all.filter { !$0.deleted && $0.at <= now } }
}
