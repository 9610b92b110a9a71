import Foundation

/// Examples of living the week's principle, and "caught someone doing something right": recorded by command or by
/// a reply in the announcement's thread, listed, and changed or removed by their author.
enum Examples {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("example", aliases: ["ex", "eg", "e", "saw"]) { words in
            words.text { Add(text: $0) }
        },
        CommandDeclaration("caught", aliases: ["spotted", "shoutout", "shout-out", "kudos"]) { words in
            parseCaught(words.args)
        },
        CommandDeclaration("examples", aliases: ["mine"]) { words in
            let everyone = words.args.first.map { ["all", "team", "week", "everyone"].contains($0.lowercased()) } ?? false
            return .form(List(everyone: everyone))
        },
        CommandDeclaration("edit", aliases: ["change"]) { words in
            CommandWords.numberAndText(words.args[...]) { Edit(id: $0, text: $1) }
        },
        CommandDeclaration("delete", aliases: ["del", "remove", "rm"]) { words in
            guard words.args.count == 1, let id = CommandWords.number(words.args[0]) else {
                return .malformed(.missingNumber)
            }
            return .form(Delete(id: id))
        },
    ]

    /// `caught @sam @jo for fixing the till`: the mentions first, then what they did.
    static func parseCaught(_ args: [String]) -> CommandDeclaration.Parsed {
        let mentions = args.prefix { $0.hasPrefix("@") && $0.count > 1 }
        guard !mentions.isEmpty else { return .malformed(.missingMention) }
        var body = args.dropFirst(mentions.count)
        if let first = body.first?.lowercased(), first == "for" || first == "-" || first == ":" { body = body.dropFirst() }
        guard !body.isEmpty else { return .malformed(.missingText) }
        let names = mentions.map { String($0.dropFirst()).trimmingCharacters(in: CharacterSet(charactersIn: ",:;.")) }
        return .form(Caught(mentions: names, text: body.joined(separator: " ")))
    }

    struct Add: CommandForm {
        static let access = Access.everyone
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            Examples.add(text: text, caught: [], source: .command, request, &tx)
        }
    }

    struct Caught: CommandForm {
        static let access = Access.everyone
        var mentions: [String]
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            var ids: [String] = []
            for token in mentions {
                guard let id = tx.mentionedMember(token, request) else { return }
                // Catching yourself is still an example, but recognition is for others.
                if id != request.senderID, !ids.contains(id) { ids.append(id) }
            }
            Examples.add(text: text, caught: ids, source: ids.isEmpty ? .command : .caught, request, &tx)
        }
    }

    /// Records an example in the current week (or outside any week, before the programme starts) and thanks its
    /// author. A reply in the announcement's thread arrives here too.
    static func add(text: String, caught: [String], source: Example.Source, _ request: Request, _ tx: inout Transaction) {
        guard !text.isEmpty else { return }
        let week = tx.currentWeek
        let example = Example(
            id: tx.state.examples.nextID, weekKey: week?.key, principleID: week?.principleID,
            reporterID: request.senderID, caughtIDs: caught, text: text, at: tx.now, source: source)
        tx.record(.exampleAdded(example))
        tx.reply(request, ExampleAckView(
            id: example.id, caught: caught.map { tx.name(of: $0) }, hasCaught: !caught.isEmpty, inWeek: week != nil,
            weekCount: week.map { tx.state.examples.count(inWeek: $0.key) } ?? 0, threadReply: source == .threadReply,
            principleTitle: week.flatMap { tx.principle(id: $0.principleID)?.title } ?? ""))
    }

    struct List: CommandForm {
        static let access = Access.everyone
        var everyone: Bool

        static let limit = 20

        func run(_ request: Request, _ tx: inout Transaction) {
            let rows: [Example]
            if everyone {
                rows = tx.currentWeek.map { tx.state.examples.inWeek($0.key) } ?? []
            } else {
                // Newest first from the end: a member's recent examples, without walking a year of history.
                var mine: [Example] = []
                for example in tx.state.examples.all.reversed()
                where example.reporterID == request.senderID && !example.deleted {
                    mine.append(example)
                    if mine.count == Self.limit { break }
                }
                rows = mine.reversed()
            }
            let shown = rows.suffix(Self.limit)
            tx.reply(request, ExamplesView(
                everyone: everyone, examples: shown.map { ExampleRow($0, tx) }, empty: rows.isEmpty,
                more: rows.count - shown.count, hasMore: rows.count > shown.count))
        }
    }

    struct Edit: CommandForm {
        static let access = Access.everyone
        var id: Int
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            guard Examples.owned(id, request, allowAdmin: false, &tx) != nil else { return }
            tx.record(.exampleEdited(id: id, text: text))
            tx.reply(request, ExampleEditedView(id: id, text: text))
        }
    }

    struct Delete: CommandForm {
        static let access = Access.everyone
        var id: Int

        func run(_ request: Request, _ tx: inout Transaction) {
            guard Examples.owned(id, request, allowAdmin: true, &tx) != nil else { return }
            tx.record(.exampleDeleted(id: id))
            tx.reply(request, ExampleDeletedView(id: id))
        }
    }

    /// Members change only their own entries; admins may also remove anyone's (moderation).
    static func owned(_ id: Int, _ request: Request, allowAdmin: Bool, _ tx: inout Transaction) -> Example? {
        guard let example = tx.state.examples.example(id: id) else {
            tx.reply(request, NotFoundView(kind: .example, ref: "\(id)"))
            return nil
        }
        guard example.reporterID == request.senderID || (allowAdmin && tx.isAdmin(request)) else {
            tx.reply(request, NotYoursView(kind: .example, id: id))
            return nil
        }
        return example
    }
}

/// One example as lists and the report-back show it.
struct ExampleRow: Encodable {
    var id: Int
    var text: String
    var reporter: String
    /// The names of the people caught, joined for reading.
    var caught: String
    var hasCaught: Bool
    var date: String

    init(_ example: Example, _ tx: Transaction) {
        id = example.id
        text = example.text
        reporter = tx.name(of: example.reporterID)
        caught = example.caughtIDs.map { tx.name(of: $0) }.joined(separator: ", ")
        hasCaught = !example.caughtIDs.isEmpty
        date = tx.calendar.localDate(of: example.at).description
    }
}

struct ExampleAckView: MessageView {
    static let template = Template.exampleAck
    var id: Int
    var caught: [String]
    var hasCaught: Bool
    var inWeek: Bool
    var weekCount: Int
    var threadReply: Bool
    var principleTitle: String
}

struct ExamplesView: MessageView {
    static let template = Template.examples
    var everyone: Bool
    var examples: [ExampleRow]
    var empty: Bool
    var more: Int
    var hasMore: Bool
}

struct ExampleEditedView: MessageView {
    static let template = Template.exampleEdited
    var id: Int
    var text: String
}

struct ExampleDeletedView: MessageView {
    static let template = Template.exampleDeleted
    var id: Int
}
