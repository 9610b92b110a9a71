import Foundation

/// The week after the last principle: the programme-finished post asking everyone to re-rate, private re-rating
/// reminders, and the before/after report. Each goes out once per cycle.
enum EndOfProgramme {
    static func run(_ tx: inout Transaction) {
        guard let monday = tx.state.programme.finishedOn else { return }
        let schedule = tx.coach.schedule
        let calendar = tx.calendar
        let cycle = tx.state.programme.cycle
        // The end-of-programme posts follow the weekly slots, and still go out in a holiday week (at its start and
        // end), because the programme is over rather than resting.
        let announceDue = schedule.due(.announce, monday: monday) ?? calendar.startOfDay(monday)
        let summaryTime = tx.config.schedule.time(of: .summary)
        let summaryDue = schedule.due(.summary, monday: monday)
            ?? calendar.at(calendar.adding(days: 4, to: monday), hour: summaryTime.hour, minute: summaryTime.minute)
        if !tx.hasRun("finish:\(cycle)"), tx.now >= announceDue {
            let late = LateNotice(due: announceDue, late: ProgrammeSchedule.isLate(due: announceDue, tx), tx)
            let view = ProgrammeFinishedView(
                late: late, weekCount: tx.state.programme.plan.count, principles: NumberedPrinciple.all(tx))
            tx.send(view, to: .channel, kind: .announcement)
            tx.record(.jobRecorded(key: "finish:\(cycle)", outcome: .done))
        }
        if !tx.hasRun("rerate-reminder:\(cycle)"), let due = schedule.due(.reminder, monday: monday), tx.now >= due {
            let rerated = Set(tx.state.ratingRounds.last?.scores.keys.map { $0 } ?? [])
            if tx.coach.capabilities.directMessages {
                for member in tx.coach.activeMembers(tx.state, on: tx.today) where !rerated.contains(member.id) {
                    tx.send(RerateReminderView(name: member.name), to: .direct(userID: member.id), kind: .nudge)
                }
            }
            tx.record(.jobRecorded(key: "rerate-reminder:\(cycle)", outcome: .done))
        }
        if !tx.hasRun("before-after:\(cycle)"), tx.now >= summaryDue {
            var view = RatingReport(tx).beforeAfter()
            view.late = LateNotice(due: summaryDue, late: ProgrammeSchedule.isLate(due: summaryDue, tx), tx)
            tx.send(view, to: .channel, kind: .summary)
            tx.record(.jobRecorded(key: "before-after:\(cycle)", outcome: .done))
        }
    }
}

struct ProgrammeFinishedView: MessageView {
    static let template = Template.programmeFinished
    @Inline var late: LateNotice?
    var weekCount: Int
    var principles: [NumberedPrinciple]
}

struct RerateReminderView: MessageView {
    static let template = Template.rerateReminder
    var name: String
}
