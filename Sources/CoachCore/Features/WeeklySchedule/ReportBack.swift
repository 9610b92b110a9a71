import Foundation

/// The Friday report-back: the week's examples, recognition, goals against target, open follow-ups, new ideas and
/// next week's principle.
///
/// It reads only the week's own run of examples (see `ExampleLog`) plus the cycle's weeks for the recognition
/// spread, so its cost follows the size of the programme, not of the whole history.
struct ReportBack {
    let week: ProgrammeWeek
    let tx: Transaction

    init(week: ProgrammeWeek, _ tx: Transaction) {
        self.week = week
        self.tx = tx
    }

    /// How many examples a summary lists in full; the rest are counted, so a big week stays readable.
    static let listedExamples = 25
    /// How many people "Recognition this week" names, and how many open follow-ups it lists.
    static let listedRecognised = 10
    static let listedFollowUps = 15

    func view() -> ReportBackView {
        let state = tx.state
        let examples = state.examples.inWeek(week.key)
        let caught = examples.filter { !$0.caughtIDs.isEmpty }
        let own = examples.filter { $0.caughtIDs.isEmpty }
        var credits: [String: Int] = [:]
        for example in caught {
            for id in example.caughtIDs { credits[id, default: 0] += 1 }
        }
        let recognition = credits.sorted { ($1.value, tx.name(of: $0.key)) < ($0.value, tx.name(of: $1.key)) }
        let spread = recognitionSpread()
        let goals = state.goals.filter { !$0.closed }
        let open = state.followUps.filter(\.isOpen)
        let ideas = state.ideas.filter { $0.weekKey == week.key }
        let weekStart = tx.calendar.startOfDay(week.monday)
        let definitions = state.definitions.filter { $0.at >= weekStart && $0.at <= tx.now }
        let next = Plan.nextPrinciple(state)
        return ReportBackView(
            week: WeekView(week, tx),
            caughtExamples: caught.prefix(Self.listedExamples).map { ExampleRow($0, tx) },
            caughtMore: max(0, caught.count - Self.listedExamples), hasCaught: !caught.isEmpty,
            ownExamples: own.prefix(Self.listedExamples).map { ExampleRow($0, tx) },
            ownMore: max(0, own.count - Self.listedExamples), hasOwn: !own.isEmpty,
            noExamples: examples.isEmpty, exampleCount: examples.count,
            contributorCount: Set(examples.map(\.reporterID)).count, shoutOutCount: credits.values.reduce(0, +),
            recognisedCount: credits.count,
            recognised: recognition.prefix(Self.listedRecognised).map { .init(name: tx.name(of: $0.key), count: $0.value) },
            hasRecognised: !credits.isEmpty, recognisedSoFar: spread.recognised, memberCount: spread.members,
            goals: goals.map { GoalView($0, tx) }, hasGoals: !goals.isEmpty,
            deviationCount: goals.filter(\.isDeviating).count,
            followups: open.prefix(Self.listedFollowUps).map { FollowUpView($0, tx) },
            followupMore: max(0, open.count - Self.listedFollowUps), hasFollowups: !open.isEmpty,
            ideas: ideas.map { AuthoredText(text: $0.text, author: tx.name(of: $0.authorID)) }, hasIdeas: !ideas.isEmpty,
            definitions: definitions.map { AuthoredText(text: $0.text, author: tx.name(of: $0.authorID)) },
            hasDefinitions: !definitions.isEmpty,
            next: next.map { PrincipleView(tx.principle(id: $0), id: $0) }, lastWeek: next == nil ? true : nil)
    }

    /// Distinct people recognised so far this cycle, against the team's size: recognition should reach everyone,
    /// not pile up on a few.
    func recognitionSpread() -> (recognised: Int, members: Int) {
        var recognised = Set<String>()
        for w in tx.state.weeks where w.cycle == week.cycle {
            for example in tx.state.examples.inWeek(w.key) { recognised.formUnion(example.caughtIDs) }
        }
        return (recognised.count, tx.state.members.count)
    }
}

struct ReportBackView: MessageView {
    static let template = Template.summary

    @Inline var week: WeekView
    @Inline var late: LateNotice? = nil
    var caughtExamples: [ExampleRow]
    var caughtMore: Int
    var hasCaught: Bool
    var ownExamples: [ExampleRow]
    var ownMore: Int
    var hasOwn: Bool
    var noExamples: Bool
    var exampleCount: Int
    var contributorCount: Int
    var shoutOutCount: Int
    var recognisedCount: Int
    var recognised: [Recognised]
    var hasRecognised: Bool
    var recognisedSoFar: Int
    var memberCount: Int
    var goals: [GoalView]
    var hasGoals: Bool
    var deviationCount: Int
    var followups: [FollowUpView]
    var followupMore: Int
    var hasFollowups: Bool
    var ideas: [AuthoredText]
    var hasIdeas: Bool
    var definitions: [AuthoredText]
    var hasDefinitions: Bool
    var next: PrincipleView?
    var lastWeek: Bool?

    struct Recognised: Encodable {
        var name: String
        var count: Int
    }
}

/// A short text and who wrote it: an idea, a definition.
struct AuthoredText: Encodable {
    var text: String
    var author: String
}
