import CoachCore
import Foundation

/// A small programme with something in every section of the report, for `coach check` to render the report's
/// templates with before the bot ever does: four weeks (week 0 and three principles), shout-outs, ratings before and
/// after (one principle rated by too few to show), a goal with readings on and off target and a corrective action,
/// follow-ups open and closed, an answered and an unanswered idea, and the team's definition.
enum ReportSample {
    static func record() -> ProgrammeRecord {
        var config = CoachConfig()
        config.team.name = "Corner Bakery"
        let principles = [
            Principle(id: DefinitionWeek.principleID, title: "Customer Service means…", why: "Agree what we mean."),
            Principle(id: "listen", title: "Listen before you answer", why: "Customers feel heard."),
            Principle(id: "promise", title: "Deliver what you promise", why: "Trust is kept."),
            Principle(id: "own-it", title: "You spot it, you own it", why: "Problems get fixed."),
        ]
        let calendar = TeamCalendar(timeZone: config.team.timeZone)
        let start = LocalDate(year: 2027, month: 1, day: 4)
        func at(_ days: Int, _ hour: Int = 11) -> Date {
            calendar.at(calendar.adding(days: days, to: start), hour: hour, minute: 0)
        }

        var state = CoachState()
        for (id, name) in [("alex", "Alex"), ("sam", "Sam"), ("kim", "Kim"), ("lee", "Lee")] {
            state.members[id] = Member(id: id, name: name)
        }
        state.programme.phase = .finished
        state.programme.plan = principles.map(\.id)
        state.programme.startDate = start
        for (index, principle) in principles.enumerated() {
            let monday = calendar.adding(days: 7 * index, to: start)
            state.weeks.append(ProgrammeWeek(
                key: calendar.weekKey(monday: monday), monday: monday, cycle: 1, index: index, principleID: principle.id))
        }
        let examples: [(week: Int, reporter: String, caught: [String], text: String)] = [
            (1, "sam", ["kim"], "Kim let a customer finish before answering"),
            (1, "alex", [], "Repeated the order back before ringing it up"),
            (2, "lee", ["sam", "alex"], "Sam and Alex called back when they said they would"),
            (3, "kim", [], "Took the complaint about the late cake and followed it to the end"),
        ]
        for (number, example) in examples.enumerated() {
            let week = state.weeks[example.week]
            state.examples.append(Example(
                id: number + 1, weekKey: week.key, principleID: week.principleID, reporterID: example.reporter,
                caughtIDs: example.caught, text: example.text, at: at(7 * example.week + 1), source: .command))
        }
        var before = RatingRound(cycle: 1, purpose: .baseline)
        var after = RatingRound(cycle: 1, purpose: .rerate)
        for (person, scores) in [("alex", [3, 1, 3]), ("sam", [3, 3, 1]), ("kim", [1, 3, 3])] {
            before.scores[person] = Dictionary(uniqueKeysWithValues: zip(["listen", "promise", "own-it"], scores))
            after.scores[person] = ["listen": 5, "promise": 3]
        }
        before.scores["lee"] = [DefinitionWeek.principleID: 3]
        state.ratingRounds = [before, after]

        var goal = Goal(
            id: 1, kpi: "Reply time", target: 2, unit: "hours", direction: .lowerIsBetter, ownerID: "sam",
            due: nil, tolerance: 25, tolerancePercent: true, createdAt: at(0))
        goal.history = [(3.5, 2), (2.4, 9), (1.8, 16)].map { .init(value: $0.0, note: "", at: at($0.1), byID: "sam") }
        goal.actions = [.init(text: "Second person on the phones at lunch", at: at(3), followUpID: 1)]
        state.goals = [goal]
        var action = FollowUp(id: 1, text: "Second person on the phones at lunch", ownerID: "sam", openedAt: at(3), goalID: 1)
        action.fixedAt = at(8)
        action.resolution = "Lee covers the phones from 12 to 2"
        let complaint = FollowUp(id: 2, text: "Cake delivered late", ownerID: "kim", openedAt: at(22), feedbackID: 1)
        state.followUps = [action, complaint, FollowUp(id: 3, text: "Door sticks", ownerID: "lee", openedAt: at(15))]
        state.ideas = [
            Idea(id: 1, text: "A bell by the door", authorID: "lee", at: at(2), weekKey: state.weeks[0].key,
                answer: IdeaAnswer(text: "Yes, from Monday", byID: "alex", at: at(4))),
            Idea(id: 2, text: "Text customers when the cake is ready", authorID: "kim", at: at(16), weekKey: state.weeks[2].key),
        ]
        state.definitions = [
            Definition(id: 1, text: "treating every customer like a regular", authorID: "sam", at: at(1), cycle: 1),
            Definition(id: 2, text: "doing what we said we would", authorID: "kim", at: at(2), cycle: 1),
        ]
        state.agreedDefinitions = [
            AgreedDefinition(text: "treating every customer like a regular", cycle: 1, fromIDs: [1], agreedByID: "alex", at: at(4)),
        ]
        return ProgrammeRecord(state: state, config: config, catalogue: Catalogue(principles: principles), now: at(25, 17))
    }
}
