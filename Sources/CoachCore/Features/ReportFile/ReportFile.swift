import Foundation

/// The programme report as a file in the chat: `report html` (admins) sends the HTML page `coach report --html`
/// writes on the server, privately to the asker, on platforms that take files.
///
/// The engine only queues the request (`OutboundMessage.Attachment.programmeReport`) with its caption: the runtime makes the file
/// when it sends the message, because making it reads the whole state and must not sit in the journal. Where the
/// file cannot go (no files on this platform, no private messages, or the platform refuses it later), the asker is
/// told so and pointed to `coach report` on the server.
enum ReportFile {
    /// `report html`. The report is about the whole team, for a manager to read and forward: admins only, and
    /// privately, like a person's record.
    struct Send: CommandForm {
        static let access = Access.admins
        var format: OutboundMessage.Attachment.ReportFormat

        func run(_ request: Request, _ tx: inout Transaction) {
            let capabilities = tx.coach.capabilities
            guard capabilities.files else {
                tx.reply(request, ReportFileNoticeView(outcome: .noFiles))
                return
            }
            // A direct message is where it was asked, or, asked in the channel, a private one: never the channel.
            guard request.message.isDirect || capabilities.directMessages else {
                tx.reply(request, ReportFileNoticeView(outcome: .noPrivate))
                return
            }
            tx.send(
                ReportFileView(name: tx.name(of: request.senderID)), to: .direct(userID: request.senderID), kind: .reply,
                attachment: .programmeReport(format: format))
            if !request.message.isDirect {
                tx.reply(request, ReportFileNoticeView(outcome: .sent))
            }
        }
    }
}

/// Why a file the engine asked for did not reach the member. The runtime tells the engine (`Coach.fileNotSent`),
/// which answers the member in words from `Prompts/`.
public enum FileProblem: String, Sendable, Equatable, CaseIterable {
    /// This platform takes no files (the state was moved here from one that does).
    case unsupported
    /// The platform refused the upload: the bot lacks the permission, or files are turned off there.
    case notAllowed
    /// The file is larger than the platform takes.
    case tooLarge
    /// The file could not be made.
    case notMade
}

extension Coach {
    /// A queued file did not reach its member: the message is dropped (the journal keeps `reason`) and the member
    /// gets, where the file would have gone, what happened and how to get the report on the server instead. A
    /// message that is no longer in the outbox changes nothing.
    public func fileNotSent(outboxID: String, problem: FileProblem, reason: String, at now: Date, state: inout CoachState)
        -> Outcome
    {
        transact(&state, at: now) { tx in
            guard let message = tx.state.outbox.first(where: { $0.id == outboxID }) else { return }
            tx.record(.dropped(id: outboxID, reason: reason))
            tx.note(.warning, "a file was not sent", ["outbox": outboxID, "problem": problem.rawValue, "reason": reason])
            if case .memberData(let memberID) = message.attachment {
                // A member's data goes as text instead: they asked for it, and text always goes.
                MyData.sendText(for: memberID, to: message.destination, problem: problem, &tx)
                return
            }
            let outcome: ReportFileNoticeView.Outcome =
                switch problem {
                case .unsupported: .noFiles
                case .notAllowed: .notAllowed
                case .tooLarge: .tooLarge
                case .notMade: .notMade
                }
            var notice = ReportFileNoticeView(outcome: outcome)
            if case .direct(let userID) = message.destination { notice.name = tx.name(of: userID) }
            tx.send(notice, to: message.destination, kind: .reply)
        }
    }
}

/// The caption of the report file: what it is and how to open it.
struct ReportFileView: MessageView {
    static let template = Template.reportFile
    /// The asker, greeted by name.
    var name: String
}

/// Everything said about the report file besides its caption: where it went, or why it could not go and how to get
/// the report with `coach report` instead.
struct ReportFileNoticeView: MessageView {
    static let template = Template.reportFileNotice
    var outcome: Outcome
    /// The member, greeted by name, when the notice follows the file privately (`you` is set only for a reply).
    var name: String?

    init(outcome: Outcome, name: String? = nil) {
        self.outcome = outcome
        self.name = name
    }

    enum Outcome: String, TemplateFlag, CaseIterable {
        /// Asked in the channel: the file went to the asker privately.
        case sent
        /// This platform takes no files from the bot.
        case noFiles
        /// This platform has no private messages, and the report is not for the channel.
        case noPrivate
        /// The platform refused the upload: permission, or files turned off.
        case notAllowed
        /// The file is larger than the platform takes.
        case tooLarge
        /// The report could not be made.
        case notMade
    }
}
