import Foundation

/// The ideas box (seed 002: "encourage your staff to come up with new customer service ideas") and the team's
/// completions of "Customer Service means…" (seed 004's definition activity).
enum IdeasAndDefinitions {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("idea", aliases: ["ideas", "suggest"]) { words in
            words.asksForList ? .form(ListIdeas()) : .form(AddIdea(text: words.rest))
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

    /// How many of the latest entries a list shows.
    static let listedIdeas = 20
    static let listedDefinitions = 30

    struct AddIdea: CommandForm {
        static let access = Access.everyone
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            let idea = Idea(
                id: tx.state.ideas.count + 1, text: text, authorID: request.senderID, at: tx.now,
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
                ideas: recent.map { .init(id: $0.id, text: $0.text, author: tx.name(of: $0.authorID)) },
                empty: recent.isEmpty, total: tx.state.ideas.count))
        }
    }

    struct AddDefinition: CommandForm {
        static let access = Access.everyone
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            let definition = Definition(
                id: tx.state.definitions.count + 1, text: DefinitionWeek.ending(of: text), authorID: request.senderID,
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
    }
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
