import Foundation

/// A programme week's three posts: the Monday announcement, the midweek reminder (with private nudges to those who
/// have shared nothing yet) and the Friday report-back.
enum WeeklyPosts {
    static func announce(_ week: ProgrammeWeek, late: LateNotice?, _ tx: inout Transaction) {
        let view = AnnouncementView(week: WeekView(week, tx), late: late, threads: tx.coach.capabilities.threads)
        let id = tx.send(view, to: .channel, kind: .announcement)
        tx.record(.announcementQueued(weekKey: week.key, outboxID: id))
    }

    static func remind(_ week: ProgrammeWeek, late: LateNotice?, _ tx: inout Transaction) {
        let examples = tx.state.examples.inWeek(week.key)
        let view = ReminderView(
            week: WeekView(week, tx), late: late, exampleCount: examples.count,
            contributorCount: Set(examples.map(\.reporterID)).count,
            answerCount: DefinitionWeek.isOpening(week) ? Set(DefinitionWeek.answers(tx.state).map(\.authorID)).count : 0)
        let threads = tx.coach.capabilities.threads
        let destination: OutboundMessage.Destination =
            week.announcementPlatformID.map { threads ? .thread(rootID: $0) : .channel } ?? .channel
        // Who has not posted yet hears it privately, in that day's digest (`DailyDigest`): a public list would
        // shame, not coach.
        tx.send(view, to: destination, kind: .reminder)
    }

    static func reportBack(_ week: ProgrammeWeek, late: LateNotice?, _ tx: inout Transaction) {
        ReportBack.post(week, late: late, &tx)
    }
}

/// A programme week as its posts show it: its number, the plan's length and its principle, and the team's agreed
/// definition of customer service, which heads every week's posts.
struct WeekView: Encodable {
    var weekNumber: Int
    /// The plan's principle weeks, not counting the opening week.
    var weekCount: Int
    var weekKey: String
    var principle: PrincipleView
    /// Week 0: the definition activity (`DefinitionWeek`).
    var opening: Bool
    var teamDefinition: String?

    init(_ week: ProgrammeWeek, _ tx: Transaction) {
        weekNumber = tx.state.number(of: week)
        weekCount = Plan.principleWeeks(tx.state.programme.plan)
        weekKey = week.key
        principle = PrincipleView(tx.principle(id: week.principleID), id: week.principleID)
        opening = DefinitionWeek.isOpening(week)
        teamDefinition = tx.state.teamDefinition?.text
    }
}

struct AnnouncementView: MessageView {
    static let template = Template.announcement
    @Inline var week: WeekView
    @Inline var late: LateNotice?
    var threads: Bool
}

struct ReminderView: MessageView {
    static let template = Template.reminder
    @Inline var week: WeekView
    @Inline var late: LateNotice?
    var exampleCount: Int
    var contributorCount: Int
    /// In the opening week: how many people have finished "Customer Service means..." so far.
    var answerCount: Int
}

