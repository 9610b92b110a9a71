import Foundation

/// The ideas box (seed 002: "encourage your staff to come up with new customer service ideas") and the team's
/// completions of "Customer Service means…" (seed 004's definition activity).
enum IdeasAndDefinitions {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("idea", aliases: ["ideas", "suggest"]) { words in
            if words.asksForList { return .form(ListIdeas()) }
            // `idea answer 3 Yes, from March`: an admin's answer. An idea that merely starts with the word (`idea
            // answer the phone by the third ring`) has no number after it, and stays an idea.
            if ["answer", "reply"].contains(words.args[0].lowercased()), words.args.count >= 2,
                let id = CommandWords.number(words.args[1])
            {
                let text = words.args.dropFirst(2).joined(separator: " ")
                return text.isEmpty ? .malformed(.missingText) : .form(AnswerIdea(id: id, text: text))
            }
            return .form(AddIdea(text: words.rest))
        },
        CommandDeclaration("means", aliases: ["define", "definition", "definitions"]) { words in
            if words.asksForList { return .form(ListDefinitions()) }
            guard let first = words.args.first?.lowercased(), ["agree", "agreed"].contains(first) else {
                return .form(AddDefinition(text: words.rest))
            }
            let rest = Array(words.args.dropFirst())
            guard !rest.isEmpty else { return .malformed(.missingText) }
            let numbers = rest.compactMap(CommandWords.number)
            return .form(DefinitionWeek.Agree(
                answerIDs: numbers.count == rest.count ? numbers : [],
                text: numbers.count == rest.count ? "" : rest.joined(separator: " "), asTyped: words.rest))
        },
    ]

    /// The next idea's and answer's ids: past every id given, those retention let go included, so "idea answer 3"
    /// never reaches a newer idea that took an old one's number.
    static func nextIdeaID(_ state: CoachState) -> Int {
        max(state.ideas.map(\.id).max() ?? 0, state.retention.highestIdeaID) + 1
    }

    static func nextDefinitionID(_ state: CoachState) -> Int {
        max(state.definitions.map(\.id).max() ?? 0, state.retention.highestDefinitionID) + 1
    }

    /// How many of the latest entries a list shows.
    static let listedIdeas = 20
    static let listedDefinitions = 30

    struct AddIdea: CommandForm {
        static let access = Access.everyone
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            let idea = Idea(
                id: IdeasAndDefinitions.nextIdeaID(tx.state), text: text, authorID: request.senderID, at: tx.now,
                weekKey: tx.currentWeek?.key)
            tx.record(.ideaAdded(idea))
            tx.reply(request, IdeaAckView(id: idea.id, count: tx.state.ideas.count))
        }
    }

    struct ListIdeas: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let recent = tx.state.ideas.suffix(listedIdeas)
            tx.reply(request, IdeasView(
                ideas: recent.map {
                    .init(id: $0.id, text: $0.text, author: tx.name(of: $0.authorID), answer: $0.answer?.text,
                        answeredBy: $0.answer.map { tx.name(of: $0.byID) })
                },
                empty: recent.isEmpty, total: tx.state.ideas.count))
        }
    }

    /// An admin answers an idea, so nobody's idea disappears into the box unheard: the answer shows with the idea
    /// in `ideas`, and the admins' weekly digest lists the ideas still waiting for one. Answering again replaces it.
    struct AnswerIdea: CommandForm {
        static let access = Access.admins
        var id: Int
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let idea = tx.state.ideas.first(where: { $0.id == id }) else {
                tx.reply(request, NotFoundView(kind: .idea, ref: "\(id)"))
                return
            }
            tx.record(.ideaAnswered(id: id, answer: IdeaAnswer(text: text, byID: request.senderID, at: tx.now)))
            let waiting = tx.state.ideas.filter { $0.answer == nil }.count
            tx.reply(request, IdeaAnsweredView(
                id: id, idea: idea.text, author: tx.name(of: idea.authorID), answer: text, replaced: idea.answer != nil,
                waiting: waiting))
        }
    }

    struct AddDefinition: CommandForm {
        static let access = Access.everyone
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            let definition = Definition(
                id: IdeasAndDefinitions.nextDefinitionID(tx.state), text: DefinitionWeek.ending(of: text), authorID: request.senderID,
                at: tx.now, cycle: tx.state.programme.cycle)
            tx.record(.definitionAdded(definition))
            tx.reply(request, MeansAckView(
                id: definition.id, text: definition.text, count: DefinitionWeek.answers(tx.state).count,
                beforeAgreeing: DefinitionWeek.gathering(tx)))
        }
    }

    struct ListDefinitions: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            // This cycle's answers, numbered for `means agree`, under the definition that stands.
            let answers = DefinitionWeek.answers(tx.state)
            let recent = answers.suffix(listedDefinitions)
            tx.reply(request, DefinitionsView(
                agreed: tx.state.teamDefinition?.text, definitions: recent.map { NumberedAnswer($0, tx) },
                empty: recent.isEmpty, total: answers.count, isAdmin: tx.isAdmin(request)))
        }
    }
}

struct IdeaAckView: MessageView {
    static let template = Template.ideaAck
    var id: Int
    var count: Int
}

struct IdeasView: MessageView {
    static let template = Template.ideas
    var ideas: [Row]
    var empty: Bool
    var total: Int

    struct Row: Encodable {
        var id: Int
        var text: String
        var author: String
        /// An admin's answer, and who gave it.
        var answer: String?
        var answeredBy: String?
    }
}

struct IdeaAnsweredView: MessageView {
    static let template = Template.ideaAnswered
    var id: Int
    var idea: String
    var author: String
    var answer: String
    /// It had an answer before, which this one replaces.
    var replaced: Bool
    /// Ideas still waiting for an answer.
    var waiting: Int
}

struct MeansAckView: MessageView {
    static let template = Template.meansAck
    var id: Int
    var text: String
    /// This cycle's answers so far.
    var count: Int
    /// Given in the opening week before its report-back, which gathers the answers for the team to agree one.
    var beforeAgreeing: Bool
}

struct DefinitionsView: MessageView {
    static let template = Template.definitions
    /// The team's agreed definition, if it has one.
    var agreed: String?
    /// This cycle's latest answers, with the numbers `means agree` takes.
    var definitions: [NumberedAnswer]
    var empty: Bool
    var total: Int
    var isAdmin: Bool
}
