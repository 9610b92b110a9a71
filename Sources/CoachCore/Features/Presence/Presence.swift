import Foundation

/// Who is away: a member on leave says until when, and nudges and the recognition spread leave them out until then.
enum Presence {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("away", aliases: ["ooo", "leave"]) { words in
            let args = words.args
            let dateWord = args.first?.lowercased() == "until" ? args.dropFirst().first : args.first
            guard let dateWord, let date = LocalDate(dateWord), args.count <= 2 else { return .malformed(.badDate) }
            return .form(Away(until: date))
        },
        CommandDeclaration("back", aliases: ["return"]) { _ in .form(Back()) },
    ]

    struct Away: CommandForm {
        static let access = Access.everyone
        var until: LocalDate

        func run(_ request: Request, _ tx: inout Transaction) {
            guard tx.acceptsDate(until, for: "away", request) else { return }
            // The member's own date: for someone a day ahead of the team, the team's today is already past.
            guard until >= tx.coach.calendar(for: tx.state.members[request.senderID]).localDate(of: tx.now) else {
                tx.reply(request, UsageView("away", problem: .badDate, prompts: tx.coach.prompts))
                return
            }
            tx.record(.memberAway(id: request.senderID, until: until))
            tx.reply(request, AwayAckView(until: until.description))
        }
    }

    struct Back: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let wasAway = tx.state.members[request.senderID]?.awayUntil != nil
            if wasAway { tx.record(.memberAway(id: request.senderID, until: nil)) }
            tx.reply(request, BackAckView(wasAway: wasAway))
        }
    }
}

struct AwayAckView: MessageView {
    static let template = Template.awayAck
    var until: String
}

struct BackAckView: MessageView {
    static let template = Template.backAck
    var wasAway: Bool
}
