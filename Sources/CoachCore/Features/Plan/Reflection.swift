import Foundation

/// Seed 000's first step, "reflect on the status and consistency of customer service": once everyone has given
/// their starting scores (or when an admin asks), the team's scores go to the channel with a few questions to talk
/// over, and an invitation to vote for the principles to work on before the plan is accepted.
///
/// Consistency is what the scores say (3 is "half the time"); how many raters gave the same score is agreement.
enum Reflection {
    /// `scores share`: an admin posts the team's scores to the channel now, complete or not.
    struct Share: CommandForm {
        static let access = Access.admins

        func run(_ request: Request, _ tx: inout Transaction) {
            guard RatingReport(tx).baseline.map({ !$0.scores.isEmpty }) ?? false else {
                tx.reply(request, RatingReport(tx).scores())
                return
            }
            Reflection.post(complete: false, &tx)
            if request.replyTo != .channel { tx.reply(request, ScoresSharedAckView()) }
        }
    }

    static func job(_ state: CoachState) -> String { "reflect:\(state.programme.cycle)" }

    /// Posts the scores once a cycle, when the baseline closes: everyone the bot knows (and who is not away) has
    /// rated every principle the round asks about, before the programme starts.
    static func shareIfComplete(_ tx: inout Transaction) {
        let state = tx.state
        guard state.programme.phase == .setup, !tx.hasRun(job(state)), let baseline = RatingReport(tx).baseline,
            state.ratingRounds.last == baseline
        else { return }
        let asked = Ratings.asked(tx).map(\.id)
        let raters = tx.coach.activeMembers(state, on: tx.today)
        guard !raters.isEmpty, !asked.isEmpty else { return }
        let complete = raters.allSatisfy { member in
            let mine = baseline.scores[member.id] ?? [:]
            return asked.allSatisfy { mine[$0] != nil }
        }
        if complete { post(complete: true, &tx) }
    }

    static func post(complete: Bool, _ tx: inout Transaction) {
        let scores = RatingReport(tx).scores()
        let votesOpen = Votes.open(tx.state)
        tx.send(ScoresSharedView(scores: scores, complete: complete, votesOpen: votesOpen, perMember: Votes.perMember),
            to: .channel, kind: .notice)
        if !tx.hasRun(job(tx.state)) { tx.record(.jobRecorded(key: job(tx.state), outcome: .done)) }
    }
}

/// The team's starting scores posted to the channel, with the questions to reflect on.
struct ScoresSharedView: MessageView {
    static let template = Template.scoresShared
    var scores: ScoresView
    /// Everyone has rated: the baseline is complete.
    var complete: Bool
    /// Members may still vote, before the plan is accepted.
    var votesOpen: Bool
    var perMember: Int
}

/// An admin's `scores share` sent privately: it went to the channel.
struct ScoresSharedAckView: MessageView {
    static let template = Template.scoresSharedAck
}
