import Foundation

/// `mydata`: a member asks what the bot holds about them, and gets all of it, privately. Everything comes from
/// `MemberFootprint.collect`, the walk `forget` erases with, so what is shown is what would be erased.
///
/// Where the platform takes files, one JSON document (the one `coach export --member` writes on the server), made
/// by the runtime when the message goes out, as the report file is; elsewhere, or when the platform refuses the
/// file, the same records as text in a few messages. Asked in the channel, the answer still goes privately and the
/// channel hears only that: a person's data is nobody else's business, and asking again in private would be one
/// more step for nothing. A platform with no private messages cannot show it at all; an admin can export it.
enum MyData {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("mydata", aliases: ["my-data", "mine-all"]) { words in
            words.args.isEmpty ? .form(Send()) : .malformed(.badForm)
        }
    ]

    /// Records per message in the text form: each shows every field of its record, a few lines.
    static let recordsPerMessage = 15
    /// Messages the text form sends at most after its first: a year of a busy member's examples would otherwise be
    /// a hundred messages in a row. The first message says how many records are left out, and that an admin can
    /// give them the whole file (`coach export --member`).
    static let messagesAtMost = 10

    struct Send: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let capabilities = tx.coach.capabilities
            guard request.message.isDirect || capabilities.directMessages else {
                tx.reply(request, SentPrivatelyView(what: .mydata, weekNumber: nil, sent: false))
                return
            }
            let destination = OutboundMessage.Destination.direct(userID: request.senderID)
            if capabilities.files {
                let counts = MemberFootprint.count(request.senderID, in: tx.state)
                tx.send(
                    MyDataView(request.senderID, counts: counts, form: .file, tx), to: destination, kind: .reply,
                    attachment: .memberData(memberID: request.senderID))
            } else {
                MyData.sendText(for: request.senderID, to: destination, problem: nil, &tx)
            }
            if !request.message.isDirect {
                tx.reply(request, SentPrivatelyView(what: .mydata, weekNumber: nil, sent: true))
            }
        }
    }

    /// The text form: a first message with who they are and the counts, then the records, a few to a message.
    /// `problem` says why the file did not go, when this replaces one.
    static func sendText(
        for memberID: String, to destination: OutboundMessage.Destination, problem: FileProblem?, _ tx: inout Transaction
    ) {
        let names = ProgrammeFigures.names(state: tx.state, config: tx.config)
        let walk = MemberFootprint.collect(memberID, in: tx.state, names: names)
        let entries = walk.entries.filter { !isOwnFile($0, memberID) }
        let shown = entries.prefix(recordsPerMessage * messagesAtMost)
        var first = MyDataView(memberID, counts: walk.counts, form: .text, tx)
        first.problem = problem.map(MyDataView.Problem.init)
        first.records = entries.count
        first.shown = shown.count
        first.left = entries.count - shown.count
        tx.send(first, to: destination, kind: .reply)
        let parts = stride(from: 0, to: shown.count, by: recordsPerMessage).map {
            Array(shown[shown.startIndex + $0..<min(shown.endIndex, shown.startIndex + $0 + recordsPerMessage)])
        }
        for (i, part) in parts.enumerated() {
            let rows = part.map { RecordRow($0, tx) }
            tx.send(MyDataRecordsView(part: i + 1, parts: parts.count, records: rows), to: destination, kind: .reply)
        }
    }

    /// The message carrying this very file, waiting in the outbox while the file is made: not worth a record of its
    /// own in the file.
    static func isOwnFile(_ entry: FootprintEntry, _ memberID: String) -> Bool {
        entry.place == "outbox"
            && entry.fields.contains { field in
                guard field.name == "attachment", case .person(let id, _) = field.value else { return false }
                return id == memberID
            }
    }
}

/// A role as the templates name it, e.g. `{{#example}}`: the partial `footprint-role` words each.
struct RoleFlag: Encodable {
    var role: FootprintRole

    // Every role, set or not: a key missing here would be looked up in the views around it (a `mention` there).
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: FlagKey.self)
        for each in FootprintRole.allCases { try c.encode(each == role, forKey: FlagKey(stringValue: each.rawValue)) }
    }
}

/// How often a member appears in one role.
struct RoleCount: Encodable {
    var role: RoleFlag
    var count: Int

    /// Every role with a count, in the order `FootprintRole` declares them.
    static func list(_ counts: [FootprintRole: Int]) -> [RoleCount] {
        FootprintRole.allCases.compactMap { role in counts[role].map { RoleCount(role: RoleFlag(role: role), count: $0) } }
    }
}

/// The first message of `mydata`: who the bot knows them as, and how much it holds, by kind; the caption of the file
/// or the head of the text form.
struct MyDataView: MessageView {
    static let template = Template.myData
    var name: String
    var id: String
    var handle: String?
    var awayUntil: String?
    /// Their own time zone (`timezone`), when they chose one.
    var timeZone: String?
    var inRoster: Bool
    var isAdmin: Bool
    var items: [RoleCount]
    var empty: Bool
    var form: Form
    /// Text form: how many records there are, how many are not in the messages (see `MyData.messagesAtMost`).
    var records = 0
    var shown = 0
    var left = 0
    /// Why the file did not go, when the text replaces it.
    var problem: Problem?

    enum Form: String, TemplateFlag {
        case file, text
    }

    /// `FileProblem` as the template reads it.
    struct Problem: Encodable {
        var reason: FileProblem

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: FlagKey.self)
            try c.encode(true, forKey: FlagKey(stringValue: reason.rawValue))
        }
    }

    init(_ memberID: String, counts: [FootprintRole: Int], form: Form, _ tx: Transaction) {
        let member = tx.state.members[memberID]
        name = tx.name(of: memberID)
        id = memberID
        handle = member?.handle
        awayUntil = member?.awayUntil?.description
        timeZone = member?.timeZone
        inRoster = tx.config.members.contains { $0.id == memberID }
        isAdmin = tx.config.isAdmin(memberID)
        items = RoleCount.list(counts)
        empty = counts.isEmpty
        self.form = form
    }
}

/// One part of the text form: a few records, each with every field.
struct MyDataRecordsView: MessageView {
    static let template = Template.myDataRecords
    var part: Int
    var parts: Int
    var records: [RecordRow]
}

/// One record as the text form shows it: where it is kept (`examples`), how the member appears in it, its fields.
struct RecordRow: Encodable {
    var place: String
    var roles: [RoleFlag]
    var fields: [Field]

    struct Field: Encodable {
        var name: String
        var value: String
    }

    init(_ entry: FootprintEntry, _ tx: Transaction) {
        place = entry.place
        roles = entry.roles.map(RoleFlag.init)
        fields = entry.fields.compactMap { field in
            let text = field.value.text { tx.coach.timestamp($0) }
            return text.isEmpty ? nil : Field(name: field.name, value: text)
        }
    }

    init(place: String, roles: [FootprintRole], fields: [Field]) {
        self.place = place
        self.roles = roles.map(RoleFlag.init)
        self.fields = fields
    }
}
