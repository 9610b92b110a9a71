import Foundation

/// The ideas box (seed 002: "encourage your staff to come up with new customer service ideas") and the team's
/// completions of "Customer Service means…" (seed 004's definition activity).
enum IdeasAndDefinitions {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("idea", aliases: ["ideas", "suggest"]) { words in
            words.asksForList ? .form(ListIdeas()) : .form(AddIdea(text: words.rest))
        },
        CommandDeclaration("means", aliases: ["define", "definition", "definitions"]) { words in
            words.asksForList ? .form(ListDefinitions()) : .form(AddDefinition(text: words.rest))
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
            let definition = Definition(id: tx.state.definitions.count + 1, text: text, authorID: request.senderID, at: tx.now)
            tx.record(.definitionAdded(definition))
            tx.reply(request, MeansAckView(id: definition.id, text: text, count: tx.state.definitions.count))
        }
    }

    struct ListDefinitions: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let recent = tx.state.definitions.suffix(listedDefinitions)
            tx.reply(request, DefinitionsView(
                definitions: recent.map { AuthoredText(text: $0.text, author: tx.name(of: $0.authorID)) },
                empty: recent.isEmpty))
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
    var count: Int
}

struct DefinitionsView: MessageView {
    static let template = Template.definitions
    var definitions: [AuthoredText]
    var empty: Bool
}
