import Foundation

/// `forget @sam` (admins): erases a member, as a person may ask of the team (GDPR, POPIA). Two steps, because it
/// cannot be undone: `forget @sam` answers privately with what would be erased, counted, and `forget @sam confirm`
/// within `confirmWithin` erases it. The confirmation repeats the name rather than being a bare "yes": a "yes" meant
/// for the suggestion a typo brought (`Help.Confirm`) must never erase a colleague.
///
/// What erasing means is `MemberFootprint`'s; the runtime then rewrites the snapshot and empties the journal (see
/// `StateEvent.erasesHistory`), so no file in the state folder keeps it. The server's `coach forget --member` does
/// the same through `Coach.forgetOnServer`.
///
/// The config is the operator's, not the bot's: a member listed in its `members` or `admins` stays listed there, and
/// the answer says so, because the bot would otherwise know them again by that entry.
enum Forget {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("forget", aliases: ["erase"], listed: .admins) { words in
            guard let token = words.args.first.flatMap(CustomerFeedback.mention) else { return .malformed(.missingMention) }
            switch words.args.count {
            case 1: return .form(Ask(member: token, confirmed: false))
            case 2 where ["confirm", "confirmed"].contains(words.args[1].lowercased()):
                return .form(Ask(member: token, confirmed: true))
            default: return .malformed(.badForm)
            }
        }
    ]

    /// How long `forget @sam` waits for its confirmation: long enough to read the counts, short enough that an old
    /// request is not confirmed by accident days later.
    static let confirmWithin: TimeInterval = 10 * 60

    struct Ask: CommandForm {
        // Admins only, checked in `run`: a member asking to forget someone (themselves, most likely) is told to ask
        // an admin, and that `mydata` shows what is held.
        static let access = Access.everyone
        var member: String
        var confirmed: Bool

        func run(_ request: Request, _ tx: inout Transaction) {
            let person = tx.coach.resolveMember(member, in: request.message, tx.state)
            guard tx.isAdmin(request) else {
                tx.reply(request, ForgetView(outcome: .adminsOnly, yourself: person == .member(request.senderID)))
                return
            }
            let memberID: String
            switch person {
            case .member(let id): memberID = id
            case .bot:
                tx.reply(request, NotFoundView(kind: .bot, ref: tx.config.team.botName))
                return
            case .unknown(let ref):
                tx.reply(request, NotFoundView(kind: .member, ref: ref, known: tx.knownNames))
                return
            case .outsider(let ref):
                tx.reply(request, NotFoundView(kind: .outsider, ref: ref, known: tx.knownNames))
                return
            }
            // Privately, where there is such a thing: the counts are about one person. Where there is not, where it was
            // asked: an admin must be able to erase on every platform, and counts say nothing of what anyone wrote.
            let privately = !request.message.isDirect && tx.coach.capabilities.directMessages
            let destination = privately ? .direct(userID: request.senderID) : request.replyTo
            var view = ForgetView(outcome: .preview, admin: tx.name(of: request.senderID), mention: member)
            view.inRoster = tx.config.members.contains { $0.id == memberID }
            view.isAdmin = tx.config.isAdmin(memberID)
            guard confirmed else {
                let counts = MemberFootprint.count(memberID, in: tx.state)
                view.name = tx.name(of: memberID)
                guard !counts.isEmpty else {
                    view.outcome = .nothingHeld
                    tx.reply(request, view)
                    return
                }
                tx.record(.erasureOffered(adminID: request.senderID, memberID: memberID, at: tx.now))
                view.items = RoleCount.list(counts)
                view.minutes = Int(Forget.confirmWithin / 60)
                tx.send(view, to: destination, kind: .reply)
                if privately { tx.reply(request, SentPrivatelyView(what: .forget, weekNumber: nil, sent: true)) }
                return
            }
            guard let pending = tx.state.pendingErasures[request.senderID], pending.memberID == memberID else {
                view.outcome = .notAsked
                tx.reply(request, view)
                return
            }
            tx.record(.erasureSettled(adminID: request.senderID))
            guard tx.now.timeIntervalSince(pending.at) <= Forget.confirmWithin else {
                view.outcome = .expired
                view.minutes = Int(Forget.confirmWithin / 60)
                tx.reply(request, view)
                return
            }
            view.outcome = .done
            view.items = RoleCount.list(Forget.erase(memberID, counted: MemberFootprint.count(memberID, in: tx.state), &tx))
            view.label = tx.render(FormerMemberView(part: .name))
            // Sent after the erasure, so it names nobody: it waits in the outbox, and in the snapshot, until sent.
            tx.send(view, to: destination, kind: .reply)
            if privately { tx.reply(request, SentPrivatelyView(what: .forget, weekNumber: nil, sent: true)) }
        }
    }

    /// Records the erasure and returns what it erased, by role: `counted`, the counting walk's result just before,
    /// which visits exactly what the erasing walk changes (`MemberFootprintTests` holds them equal).
    static func erase(
        _ memberID: String, counted counts: [FootprintRole: Int], _ tx: inout Transaction
    ) -> [FootprintRole: Int] {
        tx.record(.memberForgotten(
            id: memberID, formerID: formerID(tx.state, tx.config), label: tx.render(FormerMemberView(part: .name)),
            erasedText: tx.render(FormerMemberView(part: .text))))
        return counts
    }

    /// A fresh anonymous id by counting: `former-1`, `former-2`. Not derived from the real id (a hash could be
    /// reversed by trying every id the team has), and never one a person already has.
    static func formerID(_ state: CoachState, _ config: CoachConfig) -> String {
        var n = state.formerMembers.count + 1
        while true {
            let id = "former-\(n)"
            let taken = state.formerMembers[id] != nil || state.members[id] != nil
                || config.members.contains { $0.id == id }
            if !taken {
                return id
            }
            n += 1
        }
    }
}

/// What `coach forget --member` found.
public enum ServerErasure: Sendable, Equatable {
    /// Nothing in the state is about that id; `known` lists who is, as "Name (id)", to help find the right one.
    case unknown(known: [String])
    /// Erased: the events to commit, and what to print.
    case erased(Outcome, report: String)
}

extension Coach {
    /// `coach forget --member ID`: the erasure `forget @member confirm` does, without the chat. The confirmation is
    /// the operator's own command line.
    public func forgetOnServer(memberID: String, at now: Date, state: inout CoachState) -> ServerErasure {
        let counts = MemberFootprint.count(memberID, in: state)
        guard !counts.isEmpty else {
            let known = state.members.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) }.map { "\($0.name) (\($0.id))" }
            return .unknown(known: known)
        }
        var report = ""
        let outcome = transact(&state, at: now) { tx in
            var view = ForgetView(outcome: .server, admin: "", mention: memberID)
            view.inRoster = tx.config.members.contains { $0.id == memberID }
            view.isAdmin = tx.config.isAdmin(memberID)
            view.items = RoleCount.list(Forget.erase(memberID, counted: counts, &tx))
            view.label = tx.render(FormerMemberView(part: .name))
            report = tx.render(view)
        }
        return .erased(outcome, report: report)
    }
}

/// Every answer to `forget`.
struct ForgetView: MessageView {
    static let template = Template.forget
    var outcome: Outcome
    /// The admin asking, greeted by name (the answer goes privately, where `you` is not set).
    var admin = ""
    /// The member as the admin typed them, for the command to confirm with.
    var mention = ""
    /// Preview: the member's name. Never set once they are erased.
    var name: String?
    var items: [RoleCount] = []
    var minutes: Int?
    /// The member is listed in the config's `members` or `admins`, which the bot does not change.
    var inRoster = false
    var isAdmin = false
    /// What they now show as.
    var label: String?
    /// A member (not an admin) asked: about themselves or someone else.
    var yourself = false

    enum Outcome: String, TemplateFlag, CaseIterable {
        /// What would be erased, and how to confirm.
        case preview
        /// Erased.
        case done
        /// Erased by `coach forget` on the server.
        case server
        /// The state holds nothing about them.
        case nothingHeld
        /// A confirmation without a `forget @name` first, or for someone else.
        case notAsked
        /// The confirmation came too late; nothing was erased.
        case expired
        /// A member who is no admin asked.
        case adminsOnly
    }

    init(outcome: Outcome, admin: String = "", mention: String = "", yourself: Bool = false) {
        self.outcome = outcome
        self.admin = admin
        self.mention = mention
        self.yourself = yourself
    }
}

/// The words that take a forgotten member's place: `name` where other people's words named them ("a former
/// member"), `text` for their own words ("(erased)"). Rendered once per erasure and carried in its journal event,
/// so replaying it needs no templates.
struct FormerMemberView: MessageView {
    static let template = Template.formerMember
    var part: Part

    enum Part: String, TemplateFlag, CaseIterable {
        case name, text
    }
}
