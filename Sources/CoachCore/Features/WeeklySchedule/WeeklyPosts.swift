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
            contributorCount: Set(examples.map(\.reporterID)).count)
        let threads = tx.coach.capabilities.threads
        let destination: OutboundMessage.Destination =
            week.announcementPlatformID.map { threads ? .thread(rootID: $0) : .channel } ?? .channel
        tx.send(view, to: destination, kind: .reminder)
        // Private nudges only: a public list of who has not posted would shame, not coach.
        guard tx.config.nudges.midweekExampleNudge, tx.coach.capabilities.directMessages else { return }
        let posted = Set(examples.map(\.reporterID))
        for member in tx.coach.activeMembers(tx.state, on: tx.today) where !posted.contains(member.id) {
            tx.send(ExampleNudgeView(week: WeekView(week, tx), name: member.name), to: .direct(userID: member.id), kind: .nudge)
        }
    }

    static func reportBack(_ week: ProgrammeWeek, late: LateNotice?, _ tx: inout Transaction) {
        var view = ReportBack(week: week, tx).view()
        view.late = late
        tx.send(view, to: .channel, kind: .summary)
    }
}

/// A programme week as its posts show it: its number, the plan's length and its principle.
struct WeekView: Encodable {
    var weekNumber: Int
    var weekCount: Int
    var weekKey: String
    var principle: PrincipleView

    init(_ week: ProgrammeWeek, _ tx: Transaction) {
        weekNumber = week.index + 1
        weekCount = tx.state.programme.plan.count
        weekKey = week.key
        principle = PrincipleView(tx.principle(id: week.principleID), id: week.principleID)
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
}

/// The private midweek nudge to someone who has shared nothing yet this week.
struct ExampleNudgeView: MessageView {
    static let template = Template.nudgeExample
    @Inline var week: WeekView
    var name: String
}
