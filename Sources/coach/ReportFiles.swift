import CoachChat
import CoachCore
import CoachRuntime
import Foundation

/// The programme report as the bot sends it in the chat (`report html`): the same page `coach report --html` writes,
/// made when the message goes out, from the state as it then stands.
///
/// The page itself comes from whoever builds the bot (`CoachBuilder.bot(for:_:reports:)`): `coach run` passes the
/// report renderer, tests a small one of their own. This file only turns an attachment request into a file.
enum ReportFiles {
    /// The report's HTML page for a state at a time.
    typealias Page = @Sendable (CoachState, Date) throws -> String
    /// Prepares the report for a deployment, once, when the bot is built; a setup it cannot use stops the start
    /// with its reason rather than failing later, in the chat.
    typealias Maker = @Sendable (CoachSetup) throws -> Page

    /// The runtime's renderer for `setup`, or nil when this build makes no reports.
    static func renderer(for setup: CoachSetup, reports: Maker?) throws -> AttachmentRenderer? {
        guard let reports else { return nil }
        let page = try reports(setup)
        let calendar = TeamCalendar(timeZone: setup.config.team.timeZone)
        return { attachment, state, now in
            switch attachment {
            case .programmeReport(let format):
                switch format {
                case .html:
                    return FileAttachment(
                        filename: filename(on: calendar.localDate(of: now), format: format),
                        mimeType: "text/html; charset=utf-8", bytes: Data(try page(state, now).utf8))
                }
            }
        }
    }

    /// `programme-report-2027-03-05.html`: the team's date it was made, so several saved copies sort and differ.
    static func filename(on date: LocalDate, format: OutboundMessage.Attachment.ReportFormat) -> String {
        "programme-report-\(date).\(format.rawValue)"
    }
}
