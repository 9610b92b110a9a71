import Foundation

/// The self-ratings read together: the team's score per principle (how consistently we live it: 3 is "half the
/// time") and how far the raters agree, the suggested order, and the before/after comparison at the end of a cycle.
struct RatingReport {
    let tx: Transaction

    init(_ tx: Transaction) {
        self.tx = tx
    }

    var state: CoachState { tx.state }

    struct Score {
        var principle: Principle
        var index: Int
        var values: [Int]
        var mean: Double? { values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count) }
        /// The average as it is shown, to one decimal: what every comparison is made from, so a change shown is the
        /// difference of the values shown.
        var shown: Double? { mean.map(RatingReport.roundedForShow) }
        /// How far the raters agree: the share (in percent) who gave the most common score. Unlike the range, which
        /// is 1 to 5 for nearly any large team, it tells teams and principles apart. Nil with fewer than two views.
        var agreement: Int? { RatingReport.agreement(values) }
    }

    /// The share (in percent) of raters who gave the most common score; nil with fewer than two views. The one
    /// definition of agreement, for the chat's scores and the report's figures alike.
    static func agreement(_ values: [Int]) -> Int? {
        guard values.count >= 2 else { return nil }
        let most = Dictionary(grouping: values, by: { $0 }).values.map(\.count).max() ?? 0
        return Int((Double(most) * 100 / Double(values.count)).rounded())
    }

    /// One decimal, halves away from zero, the same way every time (a formatter rounds 3.25 down and 3.75 up).
    static func roundedForShow(_ value: Double) -> Double { (value * 10).rounded(.toNearestOrAwayFromZero) / 10 }

    func scores(in round: RatingRound?) -> [Score] {
        tx.allPrinciples.enumerated().map { i, p in
            Score(principle: p, index: i, values: round?.scores.values.compactMap { $0[p.id] } ?? [])
        }
    }

    var baseline: RatingRound? {
        state.ratingRounds.last { $0.cycle == state.programme.cycle && $0.purpose == .baseline }
    }

    /// How much a principle's votes weigh against its score: one whom every voter chose ranks as though the team
    /// had rated it two points lower; one half the voters chose, one point.
    static let voteWeight = 2.0

    /// Where a principle stands in the suggested order, lower first: its average score less the weight of its
    /// votes. A principle nobody rated but someone voted for counts as middling (3). Nil: neither rated nor voted.
    func priority(_ score: Score, votes: [String: Int], voters: Int) -> Double? {
        let share = voters > 0 ? Double(votes[score.principle.id] ?? 0) / Double(voters) : 0
        guard let mean = score.mean ?? (share > 0 ? 3 : nil) else { return nil }
        return mean - Self.voteWeight * share
    }

    /// Every principle in the suggested order: lowest priority first (weakest, weighed by the team's votes), then
    /// where views differ most; principles nobody rated or voted for come last, in catalogue order.
    func ranked() -> [Score] {
        let (votes, voters) = Votes.tally(state)
        return scores(in: baseline).map { ($0, priority($0, votes: votes, voters: voters)) }.sorted { a, b in
            switch (a.1, b.1) {
            case (nil, nil): return a.0.index < b.0.index
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?):
                if x != y { return x < y }
                if a.0.agreement != b.0.agreement { return (a.0.agreement ?? 100) < (b.0.agreement ?? 100) }
                return a.0.index < b.0.index
            }
        }.map(\.0)
    }

    /// The suggested plan: week 0's definition activity first (unless the config turns it off), then the weakest
    /// principles, as many as the config's suggested length.
    func suggestedPlan() -> [String] {
        let opening = tx.config.programme.openingWeek && tx.principle(id: DefinitionWeek.principleID) != nil
        let principles = ranked().lazy.map(\.principle.id).filter { !opening || $0 != DefinitionWeek.principleID }
        return (opening ? [DefinitionWeek.principleID] : []) + principles.prefix(tx.config.programme.suggestedLength)
    }

    static func format(_ mean: Double?) -> String {
        mean.map { String(format: "%.1f", roundedForShow($0)) } ?? "-"
    }

    /// The team's ratings in the suggested order, for `!scores` and `!programme`.
    func scores() -> ScoresView {
        let suggested = Set(suggestedPlan())
        let (votes, _) = Votes.tally(state)
        // What the round asks about, and any other principle someone rated or voted for: not thirty-one lines of
        // "not rated yet".
        let asked = Set(Ratings.asked(tx).map(\.id))
        let rows = ranked().filter { asked.contains($0.principle.id) || !$0.values.isEmpty || votes[$0.principle.id] != nil }
            .enumerated().map { rank, score in
                ScoresView.Row(
                    score, rank: rank + 1, suggested: suggested.contains(score.principle.id),
                    votes: votes[score.principle.id] ?? 0)
            }
        let raters = Set(baseline?.scores.keys.map { $0 } ?? [])
        return ScoresView(
            rows: rows, raterCount: raters.count, memberCount: state.members.count, empty: raters.isEmpty,
            frozen: state.programme.phase != .setup)
    }

    func beforeAfter() -> BeforeAfterView {
        let cycle = state.programme.cycle
        let before = state.ratingRounds.last { $0.cycle == cycle && $0.purpose == .baseline }
        let after = state.ratingRounds.last { $0.cycle == cycle && $0.purpose == .rerate }
        let beforeScores = Dictionary(uniqueKeysWithValues: scores(in: before).map { ($0.principle.id, $0) })
        let afterScores = Dictionary(uniqueKeysWithValues: scores(in: after).map { ($0.principle.id, $0) })
        let ids = state.programme.plan.isEmpty ? tx.allPrinciples.map(\.id) : state.programme.plan
        var improved = 0
        let rows: [BeforeAfterView.Row] = ids.compactMap { id in
            guard let b = beforeScores[id], let a = afterScores[id] else { return nil }
            // Week 0 is an activity, not a principle the team rated: it has a row only if someone rated it anyway.
            if id == DefinitionWeek.principleID, b.mean == nil, a.mean == nil { return nil }
            let comparable = b.mean != nil && a.mean != nil
            // The change of the values shown, so "3.2 → 3.9" always reads "+0.7".
            let change = Self.roundedForShow((a.shown ?? 0) - (b.shown ?? 0))
            if comparable && change > 0 { improved += 1 }
            return BeforeAfterView.Row(
                title: b.principle.title, before: Self.format(b.mean), after: Self.format(a.mean),
                beforeAgreement: b.agreement, afterAgreement: a.agreement, comparable: comparable,
                change: comparable ? String(format: "%+.1f", change) : "-", up: comparable && change > 0,
                down: comparable && change < 0, same: comparable && change == 0)
        }
        func overall(_ round: RatingRound?) -> Double? {
            let values = round?.scores.values.flatMap { scores in ids.compactMap { scores[$0] } } ?? []
            return values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count)
        }
        return BeforeAfterView(
            cycle: cycle, rows: rows, overallBefore: Self.format(overall(before)),
            overallAfter: Self.format(overall(after)), improved: improved, principleCount: rows.count,
            beforeRaters: before?.scores.count ?? 0, afterRaters: after?.scores.count ?? 0,
            noRerate: after?.scores.isEmpty ?? true, running: state.programme.phase == .running,
            teamDefinition: state.teamDefinition?.text)
    }
}

struct ScoresView: MessageView {
    static let template = Template.scores
    var rows: [Row]
    var raterCount: Int
    var memberCount: Int
    var empty: Bool
    /// The programme has started: these are the starting scores, kept as they were.
    var frozen: Bool

    struct Row: Encodable {
        var number: Int
        var id: String
        var title: String
        var mean: String
        var raters: Int
        var rated: Bool
        /// A single rating: "one view so far", not a measure of agreement.
        var oneView: Bool
        var agreement: Int?
        var suggested: Bool
        var rank: Int
        /// Members who voted to work on it.
        var votes: Int

        init(_ score: RatingReport.Score, rank: Int, suggested: Bool, votes: Int) {
            number = score.index + 1
            id = score.principle.id
            title = score.principle.title
            mean = RatingReport.format(score.mean)
            raters = score.values.count
            rated = !score.values.isEmpty
            oneView = score.values.count == 1
            agreement = score.agreement
            self.suggested = suggested
            self.rank = rank
            self.votes = votes
        }
    }
}

struct BeforeAfterView: MessageView {
    static let template = Template.beforeAfter
    @Inline var late: LateNotice? = nil
    var cycle: Int
    var rows: [Row]
    var overallBefore: String
    var overallAfter: String
    var improved: Int
    var principleCount: Int
    var beforeRaters: Int
    var afterRaters: Int
    var noRerate: Bool
    /// Asked for while the programme runs: the after comes at the end.
    var running: Bool
    var teamDefinition: String?
    /// At the end of the programme: examples shared since the last report-back, counted here.
    var earlier: [EarlierExample] = []
    var hasEarlier = false
    /// At the end of the programme: customer feedback logged and training outcomes recorded since the last
    /// report-back, counted here, so none is left out of every report.
    var feedback: FeedbackCounts?
    var trainings: [TrainingRow] = []
    var hasTrainings = false

    struct Row: Encodable {
        var title: String
        var before: String
        var after: String
        var beforeAgreement: Int?
        var afterAgreement: Int?
        var comparable: Bool
        var change: String
        var up: Bool
        var down: Bool
        var same: Bool
    }
}
