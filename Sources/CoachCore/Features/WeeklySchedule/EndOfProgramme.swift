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
        let summaryTime = tx.config.schedule.time(of: .summary) ?? WeeklyTime(weekday: 6, hour: 16, minute: 0)
        let summaryDue = schedule.due(.summary, monday: monday)
            ?? calendar.at(calendar.adding(days: 4, to: monday), hour: summaryTime.hour, minute: summaryTime.minute)
        if !tx.hasRun("finish:\(cycle)"), tx.now >= announceDue {
            let late = LateNotice(due: announceDue, late: ProgrammeSchedule.isLate(due: announceDue, tx), tx)
            let view = ProgrammeFinishedView(
                late: late, weekCount: Plan.principleWeeks(tx.state.programme.plan), principles: Ratings.asked(tx))
            tx.send(view, to: .channel, kind: .announcement)
            tx.record(.jobRecorded(key: "finish:\(cycle)", outcome: .done))
        }
        // Who has not re-rated yet hears it privately, in the reminder day's digest (`DailyDigest`).
        if !tx.hasRun("before-after:\(cycle)"), tx.now >= summaryDue {
            var view = RatingReport(tx).beforeAfter()
            view.late = LateNotice(due: summaryDue, late: ProgrammeSchedule.isLate(due: summaryDue, tx), tx)
            // Examples shared since the last report-back are counted here, so none is left out of every report.
            let earlier = tx.state.examples.live(after: tx.state.reportedThroughExampleID)
            view.earlier = earlier.map { EarlierExample($0, tx) }
            view.hasEarlier = !earlier.isEmpty
            let feedback = CustomerFeedback.reportBack(tx).counts
            if feedback.compliments + feedback.complaints > 0 { view.feedback = feedback }
            let trainings = tx.state.trainings.filter { $0.outcome != nil && !$0.reported }.sorted { $0.at < $1.at }
            view.trainings = trainings.map { TrainingRow($0, tx) }
            view.hasTrainings = !trainings.isEmpty
            tx.send(view, to: .channel, kind: .summary)
            let throughID = tx.state.examples.nextID - 1
            if throughID > tx.state.reportedThroughExampleID { tx.record(.examplesReported(throughID: throughID)) }
            ReportBack.recordPeopleReported(&tx)
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
