import Foundation

/// The working copy of one engine step: every change goes through `record`, which applies the event and keeps it
/// for the journal, so what is committed is exactly what was applied.
struct Transaction {
    var state: CoachState
    var outcome = Outcome()
    let now: Date
    let prompts: PromptBook
    /// The calendar week `now` falls in, worked out once per step: calendar arithmetic is costly on Linux.
    let weekMonday: LocalDate
    let weekKey: String

    mutating func record(_ event: StateEvent) {
        state.apply(event)
        outcome.events.append(event)
    }

    /// Renders a template and queues the message in the outbox. Returns the outbox id.
    @discardableResult
    mutating func send(
        _ template: String, _ context: [String: Any], to destination: OutboundMessage.Destination,
        kind: OutboundMessage.Kind
    ) -> String {
        let id = "o\(state.nextOutboxNumber)"
        let text = prompts.render(template, context)
        record(.queued(OutboundMessage(id: id, destination: destination, kind: kind, text: text, createdAt: now)))
        return id
    }

    mutating func note(_ level: LogNote.Level, _ message: String, _ metadata: [String: String] = [:]) {
        outcome.notes.append(LogNote(level, message, metadata))
    }

    func hasRun(_ job: String) -> Bool { state.jobs[job] != nil }
}

extension Coach {
    /// Runs `body` on the state without copying it: the state moves into the transaction and back, so appending to
    /// a year of examples stays O(1).
    func transact(_ state: inout CoachState, at now: Date, _ body: (inout Transaction) -> Void) -> Outcome {
        let monday = calendar.monday(containing: now)
        var tx = Transaction(state: CoachState(), now: now, prompts: prompts, weekMonday: monday, weekKey: calendar.weekKey(monday: monday))
        swap(&tx.state, &state)
        body(&tx)
        swap(&tx.state, &state)
        return tx.outcome
    }
}
