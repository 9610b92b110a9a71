import Foundation

/// Once a month (seed 003: "review performance monthly", "publish actual performance against target", "measure and
/// reward"): each admin's check-in carries a reward prompt, who did well last month with small-business reward
/// ideas, and the channel gets a short goal review, figures only. Figures in public, people in private: the review
/// names nobody, and the prompt goes only to admins, privately.
///
/// One job per month reviewed, `monthly:2026-12` for December, done with the first check-in of the month after it
/// (the first working day's, or the next one the bot is up for), so a restart never repeats it. Nothing goes out
/// for a month before the programme's first week, and a month whose posts were missed entirely is not made up.
enum MonthlyPosts {
    /// The month's posts, ready to go with today's check-ins.
    struct Due {
        var key: String
        var month: Month
        var span: Span
        /// Nil when nobody did anything the prompt could thank them for.
        var reward: RewardPrompt?
    }

    static func jobKey(_ month: Month) -> String { "monthly:\(month)" }

    /// The review of the month before `day`'s, if it has not gone out and the programme ran in it. Called from the
    /// daily check-in, which runs only on working days: the first one of a month is the first working day's. With
    /// `member`, an admin on their own clock (`timezone`): only their reward prompt, once (`Member.ridesHad`); the
    /// channel's review keeps the team's time.
    static func due(on day: LocalDate, for member: Member? = nil, _ tx: Transaction) -> Due? {
        let calendar = tx.calendar
        let month = Month(day).adding(-1)
        let key = jobKey(month)
        guard !(member.map { $0.hasHad(key) } ?? tx.hasRun(key)) else { return nil }
        let lastDay = month.lastDay(calendar)
        guard tx.state.weeks.contains(where: { $0.monday <= lastDay }) else { return nil }
        let span = Span.month(month, now: tx.now, calendar)
        return Due(key: key, month: month, span: span, reward: RewardPrompt(month: month, span: span, tx))
    }

    /// The channel's goal review, when there are goals, and the job's record. The admins' prompts went with their
    /// check-ins.
    static func post(_ due: Due, _ tx: inout Transaction) {
        let goals = tx.state.goals.filter { !$0.closed && $0.createdAt < due.span.end }
        if !goals.isEmpty {
            let rows = goals.map { RecordGoal($0, span: due.span, tx) }
            tx.send(
                GoalReviewView(
                    month: due.month.description, goals: rows, onTarget: rows.filter(\.onTarget).count,
                    offTarget: rows.filter(\.offTarget).count, noFigure: rows.filter { $0.updates == 0 }.count),
                to: .channel, kind: .notice)
        }
        tx.record(.jobRecorded(key: due.key, outcome: .done))
    }
}

/// The admins' reward prompt: who did well last month, by figures, and a few reward ideas. Only the top few of each
/// figure are named, never a full ranking: the prompt is for thanking people, not for showing who came last.
struct RewardPrompt: Encodable {
    var month: String
    var recognised: [Standout]
    var examples: [Standout]
    var followUps: [Standout]
    var trainings: [Standout]
    var ideas: [String]

    struct Standout: Encodable {
        var name: String
        var count: Int
    }

    /// How many people each figure names at most (more when they tie with the last).
    static let named = 3
    /// How many reward ideas a month's prompt offers, taken in turn from `Prompts/reward-ideas.json`.
    static let ideasShown = 3

    init?(month: Month, span: Span, _ tx: Transaction) {
        let figures = PersonFigures.everyone(in: span, tx.state)
        func top(_ value: (PersonFigures) -> Int) -> [Standout] {
            let ranked = figures.compactMap { id, f -> (String, Int)? in
                let count = value(f)
                return count > 0 ? (tx.name(of: id), count) : nil
            }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }
            guard ranked.count > Self.named else { return ranked.map { Standout(name: $0.0, count: $0.1) } }
            let cut = ranked[Self.named - 1].1
            return ranked.prefix { $0.1 >= cut }.map { Standout(name: $0.0, count: $0.1) }
        }
        self.month = month.description
        recognised = top(\.shoutOutsReceived)
        examples = top(\.examplesShared)
        followUps = top(\.followUpsClosed)
        trainings = top(\.trainingsRun)
        guard !(recognised.isEmpty && examples.isEmpty && followUps.isEmpty && trainings.isEmpty) else { return nil }
        // A different few each month, so the prompt does not say the same thing twelve times a year.
        let all = tx.coach.prompts.rewardIdeas
        let start = ((month.year * 12 + month.month) * Self.ideasShown) % max(1, all.count)
        ideas = (0..<min(Self.ideasShown, all.count)).map { all[(start + $0) % all.count] }
    }
}

/// The channel's monthly goal review: each open goal's figures over the month against its target. No owner: the
/// rows are `RecordGoal`s, which have no name to show.
struct GoalReviewView: MessageView {
    static let template = Template.goalReview
    var month: String
    var goals: [RecordGoal]
    var onTarget: Int
    var offTarget: Int
    var noFigure: Int
}
