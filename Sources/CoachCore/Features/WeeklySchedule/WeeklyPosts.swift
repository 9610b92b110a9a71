import Foundation

/// A programme week's three posts: the Monday announcement, the midweek reminder (with private nudges to those who
/// have shared nothing yet) and the Friday report-back.
enum WeeklyPosts {
    static func announce(_ week: ProgrammeWeek, late: LateNotice?, _ tx: inout Transaction) {
        let view = AnnouncementView(
            week: WeekView(week, tx), late: late, threads: tx.coach.capabilities.threads, lookingBack: LookingBack(before: week, tx))
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

    /// Seed 000's step 8, "hold a report-back session where everyone reports": with `schedule.session` set, the
    /// ten-minute agenda goes out ahead of the team's meeting, with the week's shout-outs to read aloud; without
    /// it, the agenda is part of the report-back.
    static func session(_ week: ProgrammeWeek, late: LateNotice?, _ tx: inout Transaction) {
        let caught = tx.state.examples.inWeek(week.key).filter { !$0.caughtIDs.isEmpty }
        let view = SessionView(
            week: WeekView(week, tx), late: late, caught: caught.map { ExampleRow($0, tx) },
            agenda: SessionAgenda(inReport: false, inThread: false, shoutOuts: caught.count))
        tx.send(view, to: .channel, kind: .notice)
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
    var lookingBack: LookingBack?
}

/// "Looking back": every other Monday from week 3, a line that brings back the principle of two weeks before,
/// with one of its skills and an example the team shared that week, so earlier principles come back within the
/// cycle instead of being done with.
struct LookingBack: Encodable {
    var weekNumber: Int
    var title: String
    var skill: String?
    var example: ExampleRow?

    init?(before week: ProgrammeWeek, _ tx: Transaction) {
        let number = tx.state.number(of: week)
        guard number >= 3, number % 2 == 1,
            let earlier = tx.weeksInCycle.last(where: { tx.state.number(of: $0) == number - 2 }),
            !DefinitionWeek.isOpening(earlier), let principle = tx.principle(id: earlier.principleID)
        else { return nil }
        weekNumber = number - 2
        title = principle.title
        // The same choice on every run of the same state: the week number picks the skill.
        skill = principle.skills.isEmpty ? nil : principle.skills[number % principle.skills.count]
        let examples = tx.state.examples.inWeek(earlier.key)
        example = (examples.first { !$0.caughtIDs.isEmpty } ?? examples.first).map { ExampleRow($0, tx) }
    }
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


/// The ten-minute stand-up the manager runs at the report-back: the week's shout-outs read aloud, then each person
/// one example, one thing to keep doing and one thing to change.
struct SessionAgenda: Encodable {
    /// Part of the report-back, whose lists hold the shout-outs to read out; otherwise the session post lists them.
    var inReport: Bool
    /// The report-back's lists are in its thread.
    var inThread: Bool
    var shoutOuts: Int
}

/// The session's own post, at `schedule.session`.
struct SessionView: MessageView {
    static let template = Template.session
    @Inline var week: WeekView
    @Inline var late: LateNotice?
    var caught: [ExampleRow]
    var agenda: SessionAgenda
}
