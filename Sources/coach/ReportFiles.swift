import CoachChat
import CoachCore
import CoachRuntime
import Foundation

/// The files the bot sends in the chat: the programme report (`report html`), the same page `coach report --html`
/// writes, and a member's data (`mydata`), the same document `coach export --member` writes; each made when the
/// message goes out, from the state as it then stands.
///
/// The report page itself comes from whoever builds the bot (`CoachBuilder.bot(for:_:reports:)`): `coach run` passes
/// the report renderer, tests a small one of their own. This file only turns an attachment request into a file.
enum ReportFiles {
    /// The report's HTML page for a state at a time.
    typealias Page = @Sendable (CoachState, Date) throws -> String
    /// Prepares the report for a deployment, once, when the bot is built; a setup it cannot use stops the start
    /// with its reason rather than failing later, in the chat.
    typealias Maker = @Sendable (CoachSetup) throws -> Page

    /// A build without a report maker was asked for the report; the member is told it could not be made.
    struct NoReportMaker: Error, CustomStringConvertible {
        var description: String { "this build of coach has no report renderer" }
    }

    /// The runtime's renderer for `setup`. Without `reports`, a report file cannot be made (the member hears so);
    /// a member's data always can, being the engine's own document.
    static func renderer(for setup: CoachSetup, reports: Maker?) throws -> AttachmentRenderer {
        let page = try reports.map { try $0(setup) }
        let calendar = TeamCalendar(timeZone: setup.config.team.timeZone)
        let config = setup.config
        return { attachment, state, now in
            switch attachment {
            case .programmeReport(let format):
                guard let page else { throw NoReportMaker() }
                switch format {
                case .html:
                    return FileAttachment(
                        filename: filename(on: calendar.localDate(of: now), format: format),
                        mimeType: "text/html; charset=utf-8", bytes: Data(try page(state, now).utf8))
                }
            case .memberData(let memberID):
                let document = MemberDataDocument(memberID: memberID, state: state, config: config, at: now)
                return FileAttachment(
                    filename: MemberDataDocument.filename(on: calendar.localDate(of: now)),
                    mimeType: "application/json; charset=utf-8", bytes: try document.json())
            }
        }
    }

    /// `programme-report-2027-03-05.html`: the team's date it was made, so several saved copies sort and differ.
    static func filename(on date: LocalDate, format: OutboundMessage.Attachment.ReportFormat) -> String {
        "programme-report-\(date).\(format.rawValue)"
    }
}
