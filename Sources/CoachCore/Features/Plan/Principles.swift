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
            guard let ref = words.args.first else { return .malformed(.badForm) }
            if words.args.count == 1 { return .form(Show(ref: ref)) }
            return parseDetail(ref: ref, words)
        },
    ]

    /// `principle 4 skills Ask one question first; Repeat the need back`: a team's own wording for one part of a
    /// principle (items of a list separated by semicolons or new lines); `principle 4 skills reset` restores the
    /// catalogue's.
    static func parseDetail(ref: String, _ words: CommandWords) -> CommandDeclaration.Parsed {
        let word = words.args[1].lowercased()
        guard let detail = PrincipleDetail.allCases.first(where: { $0.words.contains(word) }) else { return .malformed(.badForm) }
        // The text after the principle and the part's word, as typed (new lines kept).
        var rest = Substring(words.rest)
        for token in [ref, words.args[1]] {
            rest = rest.drop { CommandParser.isSpace($0) }
            rest = rest.dropFirst(token.count)
        }
        let text = rest.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .malformed(.missingText) }
        if text.lowercased() == "reset" { return .form(SetDetail(ref: ref, detail: detail, value: nil)) }
        let items = detail.isList
            ? text.split(whereSeparator: { $0 == ";" || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            : [text.split(whereSeparator: \.isNewline).joined(separator: " ")]
        guard !items.isEmpty else { return .malformed(.missingText) }
        return .form(SetDetail(ref: ref, detail: detail, value: items))
    }

    /// An admin sets the team's own skills, manager's tasks, training, challenge or question for a principle, the
    /// catalogue's or the team's own, or restores the catalogue's.
    struct SetDetail: CommandForm {
        static let access = Access.admins
        var ref: String
        var detail: PrincipleDetail
        /// Nil restores the catalogue's wording.
        var value: [String]?

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let principle = tx.resolvePrinciple(ref) else {
                tx.reply(request, NotFoundView(kind: .principle, ref: ref))
                return
            }
            tx.record(.principleDetailSet(principleID: principle.id, detail: detail, value: value))
            let updated = tx.principle(id: principle.id) ?? principle
            let number = (tx.allPrinciples.firstIndex { $0.id == principle.id } ?? 0) + 1
            tx.reply(request, PrincipleDetailSetView(
                principle: PrincipleView(updated, id: updated.id), number: number, part: .init(detail),
                restored: value == nil, isCatalogue: tx.coach.catalogue.principle(id: principle.id) != nil,
                missing: Principles.missingDetails(updated).map(PrincipleDetailSetView.Part.init)))
        }
    }

    /// The parts a principle has no wording for yet: what `principle new` and each change still ask for.
    static func missingDetails(_ principle: Principle) -> [PrincipleDetail] {
        PrincipleDetail.allCases.filter { detail in
            switch detail {
            case .skills: principle.skills.isEmpty
            // A principle may well ask nothing particular of the manager.
            case .managerSkills: false
            case .training: principle.training.isEmpty
            case .challenge: principle.challenge.isEmpty
            case .question: principle.question.isEmpty
            }
        }
    }

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
            let principle = Principle(id: id, title: title, why: why)
            tx.record(.teamPrincipleAdded(principle))
            // The team's own principle is one everyone is asked to rate.
            if tx.state.ratingRounds.last?.principleIDs != nil { tx.record(.ratingWidened(principleIDs: [id])) }
            var view = PlanChangedView()
            view.newPrinciple = .init(
                id: id, title: title, number: tx.allPrinciples.count,
                missing: Principles.missingDetails(principle).map(PrincipleDetailSetView.Part.init))
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

/// The reply to `principle <n> skills …` and the like: the principle as it now reads, and what it still lacks.
struct PrincipleDetailSetView: MessageView {
    static let template = Template.principleDetailSet
    var principle: PrincipleView
    var number: Int
    var part: Part
    /// The catalogue's wording is back.
    var restored: Bool
    /// A catalogue principle: the change is this team's, and `reset` restores the catalogue's.
    var isCatalogue: Bool
    /// Parts it still has no wording for.
    var missing: [Part]

    /// One part of a principle, named as the templates name it.
    struct Part: Encodable {
        var kind: PrincipleDetail.Flag
        var word: String

        init(_ detail: PrincipleDetail) {
            kind = PrincipleDetail.Flag(rawValue: detail.rawValue) ?? .skills
            word = detail.words[0]
        }
    }
}

extension PrincipleDetail {
    /// The part as a template flag: `{{#kind.skills}}`.
    enum Flag: String, TemplateFlag {
        case skills, manager, training, challenge, question
    }
}
