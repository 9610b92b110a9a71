import Foundation

/// "Choose together": before an admin accepts the plan, each member may vote for up to three principles the team
/// should work on. The suggested order weighs the votes with the scores (`RatingReport.priority`).
public enum Votes {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("vote", aliases: ["votes"]) { words in
            guard let first = words.args.first?.lowercased() else { return .form(Show()) }
            if words.args.count == 1, ["none", "clear", "withdraw"].contains(first) { return .form(Cast(refs: [])) }
            if words.args.count == 1, ["list", "show"].contains(first) { return .form(Show()) }
            guard words.args.count <= perMember else { return .malformed(.badForm) }
            return .form(Cast(refs: words.args))
        }
    ]

    /// Votes each member has: enough to say what matters most, few enough that each one counts.
    public static let perMember = 3

    /// Votes count until the plan is accepted (by `programme accept`, an edit or `start`).
    static func open(_ state: CoachState) -> Bool {
        state.programme.phase == .setup && !state.programme.planAccepted
    }

    /// Votes per principle id, and how many members voted.
    static func tally(_ state: CoachState) -> (votes: [String: Int], voters: Int) {
        var votes: [String: Int] = [:]
        for ids in state.programme.votes.values {
            for id in Set(ids) { votes[id, default: 0] += 1 }
        }
        return (votes, state.programme.votes.values.filter { !$0.isEmpty }.count)
    }

    struct Cast: CommandForm {
        static let access = Access.everyone
        /// Empty withdraws the member's votes.
        var refs: [String]

        func run(_ request: Request, _ tx: inout Transaction) {
            guard Votes.open(tx.state) else {
                tx.reply(request, VotesView(tx, for: request.senderID, closed: true))
                return
            }
            var ids: [String] = []
            for ref in refs {
                guard let principle = tx.resolvePrinciple(ref) else {
                    tx.reply(request, NotFoundView(kind: .principle, ref: ref))
                    return
                }
                if !ids.contains(principle.id) { ids.append(principle.id) }
            }
            tx.record(.voted(memberID: request.senderID, principleIDs: ids))
            var view = VotesView(tx, for: request.senderID, closed: false)
            view.saved = true
            tx.reply(request, view)
        }
    }

    struct Show: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            tx.reply(request, VotesView(tx, for: request.senderID, closed: !Votes.open(tx.state)))
        }
    }
}

/// The votes so far: each principle voted for with its count (not who voted), and the sender's own.
struct VotesView: MessageView {
    static let template = Template.votes
    var tally: [Row]
    var voters: Int
    var yours: [NumberedPrinciple]
    var perMember: Int
    var closed: Bool
    /// The sender's votes were just saved (or withdrawn).
    var saved = false

    struct Row: Encodable {
        var number: Int
        var title: String
        var votes: Int
    }

    init(_ tx: Transaction, for memberID: String, closed: Bool) {
        let (votes, voters) = Votes.tally(tx.state)
        let numbered = NumberedPrinciple.all(tx)
        tally = numbered.compactMap { p in votes[p.id].map { Row(number: p.number, title: p.title, votes: $0) } }
            .sorted { ($1.votes, $0.number) < ($0.votes, $1.number) }
        self.voters = voters
        let mine = tx.state.programme.votes[memberID] ?? []
        yours = mine.compactMap { id in numbered.first { $0.id == id } }
        perMember = Votes.perMember
        self.closed = closed
    }
}
