import Foundation

/// "You spot it, you own it, you fix it, you follow it until it is resolved": service problems a member logs and
/// sees through, nudged every few days until they are fixed. A goal's corrective action opens one too.
enum FollowUps {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("followup", aliases: ["follow-up", "followups", "fu", "spot"]) { words in
            if words.asksForList || (words.word == "followups" && words.args.isEmpty) { return .form(List()) }
            return .form(Open(text: words.rest))
        },
        CommandDeclaration("fixed", aliases: ["resolved", "fix"]) { words in
            CommandWords.numberAndText(words.args[...]) { Fix(id: $0, resolution: $1) }
        },
    ]

    /// Past every id given, those retention let go included.
    static func nextID(_ state: CoachState) -> Int {
        max(state.followUps.map(\.id).max() ?? 0, state.retention.highestFollowUpID) + 1
    }

    struct Open: CommandForm {
        static let access = Access.everyone
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            let item = FollowUp(id: FollowUps.nextID(tx.state), text: text, ownerID: request.senderID, openedAt: tx.now)
            tx.record(.followUpOpened(item))
            tx.reply(request, FollowUpOpenedView(followUp: FollowUpView(item, tx)))
        }
    }

    struct List: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let open = tx.state.followUps.filter(\.isOpen)
            tx.reply(request, FollowUpsView(followups: open.map { FollowUpView($0, tx) }, empty: open.isEmpty))
        }
    }

    struct Fix: CommandForm {
        static let access = Access.everyone
        var id: Int
        var resolution: String

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let item = tx.state.followUps.first(where: { $0.id == id && $0.isOpen }) else {
                tx.reply(request, NotFoundView(kind: .followup, ref: "\(id)"))
                return
            }
            guard item.ownerID == request.senderID || tx.isAdmin(request) else {
                tx.reply(request, NotYoursView(kind: .followup, id: id, owner: tx.name(of: item.ownerID)))
                return
            }
            tx.record(.followUpFixed(id: id, resolution: resolution, at: tx.now))
            guard let fixed = tx.state.followUps.first(where: { $0.id == id }) else { return }
            tx.reply(request, FollowUpFixedView(followUp: FollowUpView(fixed, tx)))
        }
    }

    /// What a member's daily digest says about the follow-ups they own: each open one, every `followUpEveryDays`,
    /// noted as nudged.
    static func digestItems(for ownerID: String, _ tx: inout Transaction) -> [FollowUpView] {
        let every = Double(tx.config.nudges.followUpEveryDays) * 86_400
        var items: [FollowUpView] = []
        for item in tx.state.followUps where item.isOpen && item.ownerID == ownerID {
            let last = max(item.openedAt, item.lastNudgedAt ?? item.openedAt)
            guard tx.now.timeIntervalSince(last) + ProgrammeSchedule.nudgeSlack >= every else { continue }
            items.append(FollowUpView(item, tx))
            tx.record(.followUpNudged(id: item.id, at: tx.now))
        }
        return items
    }
}

/// One follow-up as replies, lists, nudges and the report-back show it.
struct FollowUpView: Encodable {
    var id: Int
    var text: String
    var owner: String
    var opened: String
    var fixed: Bool
    /// The goal whose corrective action this is.
    var goal: Int?
    /// The customer complaint it sees through.
    var feedback: Int?
    var resolution: String?

    init(_ item: FollowUp, _ tx: Transaction) {
        id = item.id
        text = item.text
        owner = tx.name(of: item.ownerID)
        opened = tx.calendar.localDate(of: item.openedAt).description
        fixed = !item.isOpen
        goal = item.goalID
        feedback = item.feedbackID
        resolution = item.resolution
    }
}

struct FollowUpOpenedView: MessageView {
    static let template = Template.followUpOpened
    @Inline var followUp: FollowUpView
}

struct FollowUpsView: MessageView {
    static let template = Template.followUps
    var followups: [FollowUpView]
    var empty: Bool
}

struct FollowUpFixedView: MessageView {
    static let template = Template.followUpFixed
    @Inline var followUp: FollowUpView
}

