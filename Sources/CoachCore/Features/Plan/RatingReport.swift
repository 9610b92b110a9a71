import Foundation

/// The self-ratings read together: the team's score per principle (how consistently we live it: 3 is "half the
/// time") and how far the raters agree, the suggested order, and the before/after comparison at the end of a cycle.
struct RatingReport {
    let tx: Transaction

    init(_ tx: Transaction) {
        self.tx = tx
    }

    var state: CoachState { tx.state }

    /// The fewest raters whose average and agreement are shown (`ratings.minRaters`): with fewer, anyone who knows
    /// who rated could work out each one's score. The suggested order still weighs every rating: it says which
    /// principle to work on first, never a score.
    var minRaters: Int { max(1, tx.config.ratings.minRaters) }

    struct Score {
        var principle: Principle
        var index: Int
        var values: [Int]
        /// The fewest raters whose average may be shown.
        var minRaters: Int
        /// Rated, but by fewer than `minRaters` people: the average and the agreement are not shown.
        var hidden: Bool { !values.isEmpty && values.count < minRaters }
        var mean: Double? { values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count) }
        /// The average where it may be shown.
        var shownMean: Double? { hidden ? nil : mean }
        /// The average as it is shown, to one decimal: what every comparison is made from, so a change shown is the
        /// difference of the values shown.
        var shown: Double? { mean.map(RatingReport.roundedForShow) }
        /// How far the raters agree: the share (in percent) who gave the most common score. Unlike the range, which
        /// is 1 to 5 for nearly any large team, it tells teams and principles apart. Nil with fewer than two views.
        var agreement: Int? { hidden ? nil : RatingReport.agreement(values) }
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
            Score(principle: p, index: i, values: round?.scores.values.compactMap { $0[p.id] } ?? [], minRaters: minRaters)
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
                let (x2, y2) = (RatingReport.agreement(a.0.values), RatingReport.agreement(b.0.values))
                if x2 != y2 { return (x2 ?? 100) < (y2 ?? 100) }
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
            frozen: state.programme.phase != .setup, minRaters: minRaters, someHidden: rows.contains(where: \.hidden))
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
            let comparable = b.shownMean != nil && a.shownMean != nil
            // The change of the values shown, so "3.2 → 3.9" always reads "+0.7".
            let change = Self.roundedForShow((a.shown ?? 0) - (b.shown ?? 0))
            if comparable && change > 0 { improved += 1 }
            return BeforeAfterView.Row(
                title: b.principle.title, before: Self.format(b.shownMean), after: Self.format(a.shownMean),
                beforeHidden: b.hidden, afterHidden: a.hidden,
                beforeAgreement: b.agreement, afterAgreement: a.agreement, comparable: comparable,
                change: comparable ? String(format: "%+.1f", change) : "-", up: comparable && change > 0,
                down: comparable && change < 0, same: comparable && change == 0)
        }
        // The overall average is every rating of the plan's principles together: with fewer than `minRaters`
        // people it would be one person's own average, so it is held back the same way.
        func overall(_ round: RatingRound?) -> Double? {
            let scored = round?.scores.values.filter { scores in ids.contains { scores[$0] != nil } } ?? []
            guard scored.count >= minRaters else { return nil }
            let values = scored.flatMap { scores in ids.compactMap { scores[$0] } }
            return values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count)
        }
        let (overallBefore, overallAfter) = (overall(before), overall(after))
        return BeforeAfterView(
            cycle: cycle, rows: rows, overallBefore: Self.format(overallBefore),
            overallAfter: Self.format(overallAfter), overallShown: overallBefore != nil && overallAfter != nil,
            minRaters: minRaters, someHidden: rows.contains { $0.beforeHidden || $0.afterHidden } || (
                (before?.scores.isEmpty == false && overallBefore == nil) || (after?.scores.isEmpty == false && overallAfter == nil)),
            improved: improved, principleCount: rows.filter(\.comparable).count,
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
    /// The fewest raters whose average is shown (`ratings.minRaters`).
    var minRaters: Int
    /// Some principle's average is held back: the message says why.
    var someHidden: Bool

    struct Row: Encodable {
        var number: Int
        var id: String
        var title: String
        var mean: String
        var raters: Int
        var rated: Bool
        /// Rated by fewer than `ratings.minRaters` people: the average and the agreement are held back.
        var hidden: Bool
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
            mean = RatingReport.format(score.shownMean)
            raters = score.values.count
            rated = !score.values.isEmpty
            hidden = score.hidden
            oneView = score.values.count == 1 && !score.hidden
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
    /// Both rounds had at least `minRaters` raters, so the overall averages are shown.
    var overallShown: Bool
    var minRaters: Int
    /// Some average is held back because too few rated: the message says why.
    var someHidden: Bool
    var improved: Int
    /// Principles compared: both averages shown.
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
        /// Fewer than `minRaters` rated it before, or after: that side's average is held back.
        var beforeHidden: Bool
        var afterHidden: Bool
        var beforeAgreement: Int?
        var afterAgreement: Int?
        var comparable: Bool
        var change: String
        var up: Bool
        var down: Bool
        var same: Bool
    }
}
