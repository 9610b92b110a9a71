import Foundation

/// The self-ratings read together: the team's score and consistency per principle, the suggested order, and the
/// before/after comparison at the end of a cycle.
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
        var agreement: Int? {
            guard values.count >= 2 else { return nil }
            let most = Dictionary(grouping: values, by: { $0 }).values.map(\.count).max() ?? 0
            return Int((Double(most) * 100 / Double(values.count)).rounded())
        }
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

    /// Every principle, weakest first, then where views differ most; principles nobody rated come last, in
    /// catalogue order.
    func ranked() -> [Score] {
        scores(in: baseline).sorted { a, b in
            switch (a.mean, b.mean) {
            case (nil, nil): return a.index < b.index
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?):
                if x != y { return x < y }
                if a.agreement != b.agreement { return (a.agreement ?? 100) < (b.agreement ?? 100) }
                return a.index < b.index
            }
        }
    }

    /// The suggested plan: the weakest principles, as many as the config's suggested length.
    func suggestedPlan() -> [String] {
        ranked().prefix(tx.config.programme.suggestedLength).map(\.principle.id)
    }

    static func format(_ mean: Double?) -> String {
        mean.map { String(format: "%.1f", roundedForShow($0)) } ?? "-"
    }

    /// The team's ratings in the suggested order, for `!scores` and `!programme`.
    func scores() -> ScoresView {
        let length = tx.config.programme.suggestedLength
        let rows = ranked().enumerated().map { rank, score in
            ScoresView.Row(score, rank: rank + 1, suggested: rank < length)
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
            noRerate: after?.scores.isEmpty ?? true, running: state.programme.phase == .running)
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

        init(_ score: RatingReport.Score, rank: Int, suggested: Bool) {
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
