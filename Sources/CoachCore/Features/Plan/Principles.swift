import Foundation

/// The principles: the catalogue's and the team's own, listed, shown one at a time, and added in chat.
enum Principles {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("principles", aliases: ["catalogue", "catalog"]) { _ in .form(List()) },
        CommandDeclaration("principle", aliases: ["p"]) { words in
            if let first = words.args.first?.lowercased(), first == "new" || first == "add" {
                let body = words.args.dropFirst().joined(separator: " ")
                guard let colon = body.firstIndex(of: ":") else { return .malformed(.badForm) }
                let title = body[..<colon].trimmingCharacters(in: .whitespaces)
                let why = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                guard !title.isEmpty, !why.isEmpty else { return .malformed(.badForm) }
                return .form(AddOwn(title: title, why: why))
            }
            guard let ref = words.args.first, words.args.count == 1 else { return .malformed(.badForm) }
            return .form(Show(ref: ref))
        },
    ]

    struct List: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            tx.reply(request, PrinciplesView(principles: NumberedPrinciple.all(tx)))
        }
    }

    struct Show: CommandForm {
        static let access = Access.everyone
        var ref: String

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let principle = tx.resolvePrinciple(ref) else {
                tx.reply(request, NotFoundView(kind: .principle, ref: ref))
                return
            }
            tx.reply(request, PrincipleReplyView(principle: PrincipleView(principle, id: principle.id)))
        }
    }

    /// `principle new Title: why it matters`: the team's own principle, numbered after the catalogue's.
    struct AddOwn: CommandForm {
        static let access = Access.admins
        var title: String
        var why: String

        func run(_ request: Request, _ tx: inout Transaction) {
            let slug = String(title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
                .split(separator: "-").joined(separator: "-").prefix(40))
            let id = slug.isEmpty ? "team-\(tx.state.teamPrinciples.count + 1)" : slug
            guard tx.principle(id: id) == nil else {
                tx.reply(request, DuplicatePrincipleView(id: id))
                return
            }
            tx.record(.teamPrincipleAdded(Principle(id: id, title: title, why: why)))
            // The team's own principle is one everyone is asked to rate.
            if tx.state.ratingRounds.last?.principleIDs != nil { tx.record(.ratingWidened(principleIDs: [id])) }
            var view = PlanChangedView()
            view.newPrinciple = .init(id: id, title: title, number: tx.allPrinciples.count)
            tx.reply(request, view)
        }
    }
}

struct PrinciplesView: MessageView {
    static let template = Template.principles
    var principles: [NumberedPrinciple]
}

/// The reply to `!principle <n>`.
struct PrincipleReplyView: MessageView {
    static let template = Template.principle
    var principle: PrincipleView
}

struct DuplicatePrincipleView: MessageView {
    static let template = Template.duplicatePrinciple
    var id: String
}
