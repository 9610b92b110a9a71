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
        CommandDeclaration("examples", aliases: ["mine"]) { words in parseList(words.args) },
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

    /// `examples` (yours), `examples all [page]` (this week's), `examples week 3 [page]` (programme week 3's).
    static func parseList(_ args: [String]) -> CommandDeclaration.Parsed {
        guard let first = args.first?.lowercased() else { return .form(List(everyone: false)) }
        guard ["all", "team", "week", "everyone"].contains(first) else { return .malformed(.badForm) }
        var rest = args.dropFirst()
        var week: Int?
        // Week 0 is the opening definition week.
        if first == "week", rest.count >= 1, let number = rest.first == "0" ? 0 : CommandWords.number(rest.first!) {
            // `week 3` names programme week 3; `week 3 2` is its second page.
            week = number
            rest = rest.dropFirst()
        }
        guard rest.count <= 1 else { return .malformed(.badForm) }
        guard let page = rest.first.map(CommandWords.number) ?? 1 else { return .malformed(.badNumber) }
        return .form(List(everyone: true, week: week, page: page))
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
            id: example.id, caught: caught.map { tx.name(of: $0) }, hasCaught: !caught.isEmpty,
            counted: counted(in: week, tx), weekCount: week.map { tx.state.examples.count(inWeek: $0.key) } ?? 0,
            threadReply: source == .threadReply,
            principleTitle: week.flatMap { tx.principle(id: $0.principleID)?.title } ?? ""))
    }

    /// Which report-back an example recorded now will be in.
    static func counted(in week: ProgrammeWeek?, _ tx: Transaction) -> ExampleAckView.Counted {
        guard let week else {
            let started = tx.state.weeks.contains { $0.cycle == tx.state.programme.cycle }
            return started ? .nextReport : .firstReport
        }
        return tx.hasRun(ProgrammeSchedule.jobKey(.summary, week.key)) ? .afterThisWeeksReport : .thisWeek
    }

    struct List: CommandForm {
        static let access = Access.everyone
        var everyone: Bool
        /// A programme week of this cycle by its number; nil for this week.
        var week: Int?
        var page = 1

        static let limit = 20

        func run(_ request: Request, _ tx: inout Transaction) {
            guard everyone else {
                // Newest first from the end: a member's recent examples, without walking a year of history.
                var mine: [Example] = []
                for example in tx.state.examples.all.reversed()
                where example.reporterID == request.senderID && !example.deleted {
                    mine.append(example)
                    if mine.count == Self.limit { break }
                }
                tx.reply(request, ExamplesView(everyone: false, examples: mine.reversed().map { ExampleRow($0, tx) },
                    empty: mine.isEmpty))
                return
            }
            let programmeWeek: ProgrammeWeek?
            if let week {
                programmeWeek = tx.weeksInCycle.first { tx.state.number(of: $0) == week }
                guard programmeWeek != nil else {
                    tx.reply(request, NotFoundView(kind: .week, ref: "\(week)"))
                    return
                }
            } else {
                programmeWeek = tx.currentWeek
            }
            let rows = programmeWeek.map { tx.state.examples.inWeek($0.key) } ?? []
            let pages = max(1, (rows.count + Self.limit - 1) / Self.limit)
            let page = min(self.page, pages)
            let shown = rows.dropFirst((page - 1) * Self.limit).prefix(Self.limit)
            var view = ExamplesView(everyone: true, examples: shown.map { ExampleRow($0, tx) }, empty: rows.isEmpty)
            view.weekNumber = programmeWeek.map { tx.state.number(of: $0) }
            view.asked = week
            view.total = rows.count
            view.page = page
            view.pages = pages
            view.paged = pages > 1
            view.nextPage = page < pages ? page + 1 : nil
            tx.reply(request, view)
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
    /// Where it will be counted, so nobody wonders whether a late example is lost. Inline: the template reads
    /// `{{#thisWeek}}` directly, one node fewer on every acknowledgement.
    @Inline var counted: Counted
    var weekCount: Int
    var threadReply: Bool
    var principleTitle: String

    enum Counted: String, TemplateFlag {
        /// In this week's report-back.
        case thisWeek
        /// This week's report-back has gone out: in next week's, marked as late.
        case afterThisWeeksReport
        /// No week is running (a rest, a pause, the end): in the next report-back.
        case nextReport
        /// The programme has not started: in its first report-back.
        case firstReport
    }
}

struct ExamplesView: MessageView {
    static let template = Template.examples
    var everyone: Bool
    var examples: [ExampleRow]
    var empty: Bool
    /// With `everyone`: the programme week shown, the week number asked for (nil for this week), and the paging.
    var weekNumber: Int?
    var asked: Int?
    var total = 0
    var page = 1
    var pages = 1
    var paged = false
    var nextPage: Int?

    init(everyone: Bool, examples: [ExampleRow], empty: Bool) {
        self.everyone = everyone
        self.examples = examples
        self.empty = empty
    }
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
