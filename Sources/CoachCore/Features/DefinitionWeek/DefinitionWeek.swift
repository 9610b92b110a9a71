import Foundation

/// Week 0: seed 004's flip-chart activity as the programme's opening week. Before the first principle, everyone
/// finishes "Customer Service means…" (`means …`), the answers are gathered, and an admin agrees the team's own
/// definition from them: one chosen, several put together, or written afresh (`means agree …`). The agreed
/// definition then heads every Monday announcement and every report, until a later cycle's opening week agrees
/// another.
///
/// The opening week is the catalogue's definition principle placed first in the plan: the suggested plan puts it
/// there (`programme.openingWeek`, on by default), so it runs on the weekly schedule like any week (its report-back
/// reports its examples as every week's does) and a new cycle runs it again. Placed anywhere else by an admin, it is
/// an ordinary week. Weeks are numbered from 0 when the plan opens with it, so week 1 is the first principle.
public enum DefinitionWeek {
    /// The catalogue principle whose week is the definition activity (seed 004).
    public static let principleID = "define-customer-service"

    /// Whether a plan opens with the definition week.
    static func opens(_ plan: [String]) -> Bool { plan.first == principleID }

    /// Whether a programme week is the opening definition week.
    public static func isOpening(_ week: ProgrammeWeek) -> Bool { week.index == 0 && week.principleID == principleID }

    /// Admins agree the team's definition: `means agree 3` chooses answer 3, `means agree 2 5` puts answers 2 and 5
    /// together, `means agree <words>` writes it.
    struct Agree: CommandForm {
        // Anyone may type it: for a member who is not an admin, "means agree to what the customer asks" is simply
        // their answer, and turning it away as admin-only would puzzle them.
        static let access = Access.everyone
        var answerIDs: [Int]
        var text: String
        /// The words as typed after `means`, for a member's answer.
        var asTyped: String

        func run(_ request: Request, _ tx: inout Transaction) {
            guard tx.isAdmin(request) else {
                IdeasAndDefinitions.AddDefinition(text: asTyped).run(request, &tx)
                return
            }
            var chosen: [Definition] = []
            for id in answerIDs {
                guard let answer = tx.state.definitions.first(where: { $0.id == id }) else {
                    tx.reply(request, NotFoundView(kind: .definition, ref: "\(id)"))
                    return
                }
                if !chosen.contains(answer) { chosen.append(answer) }
            }
            let wording = chosen.isEmpty ? DefinitionWeek.ending(of: text) : chosen.map(\.text).joined(separator: "; ")
            let agreed = AgreedDefinition(
                text: wording, cycle: tx.state.programme.cycle, fromIDs: chosen.map(\.id), agreedByID: request.senderID,
                at: tx.now)
            tx.record(.definitionAgreed(agreed))
            tx.reply(request, DefinitionAgreedView(
                definition: wording, from: chosen.map { AuthoredText(text: $0.text, author: tx.name(of: $0.authorID)) },
                written: chosen.isEmpty, replaced: tx.state.agreedDefinitions.count > 1))
        }
    }

    /// The ending of "Customer Service means…" as someone typed it, without the sentence's start if they wrote it
    /// out ("Customer service means: listening" is "listening").
    public static func ending(of text: String) -> String {
        var rest = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        for prefix in ["customer service means", "means"] where rest.lowercased().hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
            break
        }
        let ending = rest.drop { " .:…-–—\"“”'".contains($0) }
        return ending.isEmpty ? text.trimmingCharacters(in: .whitespacesAndNewlines) : String(ending)
    }

    /// The opening week is running and its report-back, which gathers the answers, is still to come.
    static func gathering(_ tx: Transaction) -> Bool {
        guard let week = tx.currentWeek, isOpening(week) else { return false }
        return !tx.hasRun(ProgrammeSchedule.jobKey(.summary, week.key))
    }

    /// This cycle's answers, oldest first.
    static func answers(_ state: CoachState) -> [Definition] {
        state.definitions.filter { $0.givenInCycle == state.programme.cycle }
    }

    /// Whether this cycle has agreed its definition yet.
    static func agreedThisCycle(_ state: CoachState) -> Bool {
        state.teamDefinition?.cycle == state.programme.cycle
    }

    /// The opening week's section of its report-back: every answer with its number, and the definition agreed or
    /// how to agree it.
    static func reportSection(_ tx: Transaction) -> OpeningReport {
        let answers = answers(tx.state)
        return OpeningReport(
            answers: answers.map { NumberedAnswer($0, tx) }, answerCount: answers.count,
            agreed: agreedThisCycle(tx.state) ? tx.state.teamDefinition?.text : nil,
            earlier: agreedThisCycle(tx.state) ? nil : tx.state.teamDefinition?.text)
    }

    /// On the opening week's reminder day, for someone who has not finished the sentence this cycle.
    static func answerWanted(from memberID: String, on day: CheckInDay, _ tx: Transaction) -> Bool {
        guard let week = day.week, isOpening(week), !tx.state.programme.paused,
            let reminder = tx.coach.schedule.due(.reminder, monday: week.monday), tx.calendar.localDate(of: reminder) == day.date
        else { return false }
        return !answers(tx.state).contains { $0.authorID == memberID }
    }

    /// Once the opening week's report-back is out with answers but no definition agreed: an admin's check-in on
    /// `day` asks for it, once a cycle (`asked`: `agreementJob` has run, or an admin on their own clock has had it).
    /// Returns the number of answers to choose from.
    static func agreementWanted(on day: LocalDate, asked: Bool, _ tx: Transaction) -> Int? {
        let state = tx.state
        // Asked on a later day than the report-back's, so the team has had the time to talk it over.
        guard let opening = state.weeksInCycle.first, isOpening(opening), !agreedThisCycle(state),
            tx.hasRun(ProgrammeSchedule.jobKey(.summary, opening.key)), !asked,
            let reported = tx.coach.schedule.due(.summary, monday: opening.monday), tx.calendar.localDate(of: reported) < day
        else { return nil }
        let count = answers(state).count
        return count > 0 ? count : nil
    }

    static func agreementJob(_ state: CoachState) -> String { "agree-definition:\(state.programme.cycle)" }
}

/// One answer with the number an admin agrees it by.
struct NumberedAnswer: Encodable {
    var id: Int
    var text: String
    var author: String

    init(_ definition: Definition, _ tx: Transaction) {
        id = definition.id
        text = definition.text
        author = tx.name(of: definition.authorID)
    }
}

/// What the opening week's report-back says about the definition.
struct OpeningReport: Encodable {
    var answers: [NumberedAnswer]
    var answerCount: Int
    /// Agreed this cycle.
    var agreed: String?
    /// Not agreed yet this cycle: the definition an earlier cycle agreed, which still stands.
    var earlier: String?
}

struct DefinitionAgreedView: MessageView {
    static let template = Template.definitionAgreed
    var definition: String
    /// The answers it was made from; empty when it was written afresh.
    var from: [AuthoredText]
    var written: Bool
    /// It replaces a definition agreed before.
    var replaced: Bool
}
