import CoachChat
import CoachCore
import CoachStore
import Foundation
import Logging

public typealias StateStore = JournalStore<CoachState, StateEvent>

/// The bot's state and its store, changed one step at a time: each step runs the pure engine and commits its
/// events (with the cursor that produced them) in one journal append.
///
/// An actor because the state is owned by exactly one place; the live loop and the simulation both drive it.
public actor CoachSession {
    public nonisolated let coach: Coach
    public private(set) var state: CoachState
    /// The last next wake-up worked out, and the moment it was worked out for. Any committed change may move it (a
    /// member's own time zone does), so a commit with events forgets it.
    private var wake: (after: Date, at: Date)?
    /// When the engine last ticked: everything due until then has been done.
    private var ticked: Date?
    /// The longest the engine goes without a tick while the next wake-up is ahead: five minutes unless a test asks
    /// for more, to check the wake-up alone.
    private let longestSkip: TimeInterval
    private let store: StateStore?
    private let logger: Logger
    /// The latest moment the session was given: what retention measures its window from when the state is compacted
    /// (the session reads no clock of its own).
    private var latestNow: Date?

    /// Opens the state in `directory` (taking its lock), or keeps it in memory when `directory` is nil.
    public init(
        coach: Coach, directory: URL?, options: StoreOptions = .init(), logger: Logger, longestSkip: TimeInterval = 300
    ) throws {
        self.coach = coach
        self.longestSkip = longestSkip
        self.logger = logger
        if let directory {
            // The store creates the folder itself, durably, and names the problem when it cannot.
            var erasureReplayed = false
            let (store, state) = try StateStore.open(
                directory: directory, schemaVersion: CoachState.schemaVersion, options: options,
                initial: { CoachState() },
                apply: { state, event in
                    if event.erasesHistory { erasureReplayed = true }
                    state.apply(event)
                })
            self.store = store
            self.state = state
            let report = store.openReport
            // A crash between an erasure's journal line and the compaction after it: the erasure is in the state again
            // (replayed), or already in the snapshot with the journal still holding older lines (skipped). Either way
            // earlier lines still hold what was erased, so the compaction is finished before the bot does anything.
            // Skipped lines alone (any compaction cut short) need the journal reset anyway, so that case compacts
            // too.
            if erasureReplayed || report.skippedLines > 0 {
                try store.compact(state: state)
                logger.notice("finished a compaction a crash interrupted", metadata: [
                    "erasure": "\(erasureReplayed)", "skippedLines": "\(report.skippedLines)",
                ])
            }
            logger.info("state loaded", metadata: [
                "directory": "\(directory.path)", "replayed": "\(report.replayedLines)",
                "examples": "\(state.examples.all.count)", "outbox": "\(state.outbox.count)",
            ])
            if report.droppedTornBytes > 0 {
                logger.notice("an unfinished write from a crash was discarded", metadata: ["bytes": "\(report.droppedTornBytes)"])
            }
        } else {
            self.store = nil
            self.state = CoachState()
        }
    }

    /// Runs whatever is due at `now`.
    ///
    /// Skipped while nothing can be due: the state has not changed since a tick at or after the moment the next
    /// wake-up was worked out, and that wake-up is still ahead. An idle bot is asked at every poll, and the engine's
    /// tick walks the calendar each time (a tenth of an idle bot's CPU, measured with 1,000 teams long-polling). A real
    /// tick still runs at least every `longestSkip`, so anything the wake-up might leave out is late by minutes, never
    /// by days.
    @discardableResult
    public func tick(at now: Date) throws -> Outcome {
        advance(to: now)
        if let wake, let ticked, ticked >= wake.after, now >= ticked, now < wake.at,
            now.timeIntervalSince(ticked) < longestSkip
        {
            return Outcome()
        }
        let outcome = coach.tick(at: now, state: &state)
        // After the commit, which forgets the wake-up when the tick changed anything.
        defer { ticked = now }
        try commit(outcome)
        // Retention does not wait for the journal to fill: once something passes out of the window, it goes now.
        if store != nil, Retention.isDue(state, config: coach.config, now: now) { try compact() }
        return outcome
    }

    /// Applies one poll batch and its new cursor together: a crash replays the batch but never applies it twice.
    @discardableResult
    public func receive(_ batch: PollBatch, transport: String, at now: Date) throws -> Outcome {
        advance(to: now)
        var outcome = coach.receive(batch.messages, at: now, state: &state)
        if let cursor = batch.cursor, state.cursors[transport] != cursor {
            let event = StateEvent.cursorAdvanced(transport: transport, cursor: cursor)
            state.apply(event)
            outcome.events.append(event)
        }
        try commit(outcome)
        return outcome
    }

    public func cursor(for transport: String) -> String? { state.cursors[transport] }

    /// What the next poll asks the platform for.
    public func pollRequest(for transport: String, timeout: Duration) -> PollRequest {
        PollRequest(cursor: state.cursors[transport], timeout: timeout, threads: state.watchedThreads)
    }

    /// Gives the state its install id the first time it is opened; later opens keep the one they find.
    public func install(using random: inout some RandomNumberGenerator) throws {
        guard state.installID == nil else { return }
        let id = String(UInt32.random(in: .min ... .max, using: &random), radix: 36)
        try record([.installed(id: id)])
    }

    /// The idempotency key for a queued message: unique across installs, stable across retries and restarts.
    public func deliveryKey(for message: OutboundMessage) -> String {
        (state.installID ?? "local") + "-" + message.id
    }

    public var outbox: [OutboundMessage] { state.outbox }

    public func markDelivered(_ id: String, platformID: String?) throws {
        try record([.delivered(id: id, platformID: platformID)])
    }

    public func markDropped(_ id: String, reason: String) throws {
        logger.warning("message dropped", metadata: ["outbox": "\(id)", "reason": "\(reason)"])
        try record([.dropped(id: id, reason: reason)])
    }

    /// A queued file did not reach its member (the platform takes no files, refused it, or it could not be made):
    /// the engine drops it and tells the member what happened and how to get the report instead.
    public func fileNotSent(_ id: String, problem: FileProblem, reason: String, at now: Date) throws {
        advance(to: now)
        try commit(coach.fileNotSent(outboxID: id, problem: problem, reason: reason, at: now, state: &state))
    }

    ///
    /// Kept while the state is unchanged and the wake-up is still ahead: the first moment something is due after an
    /// earlier `now` is also the first after this one, until it arrives. Working it out walks the calendar (a third of
    /// an idle bot's CPU, measured with 1,000 teams long-polling), and an idle bot asks at every poll.
    public func nextWakeUp(after now: Date) -> Date {
        if let wake, wake.after <= now, now < wake.at { return wake.at }
        let next = coach.nextWakeUp(after: now, state: state)
        wake = (now, next)
        return next
    }

    /// Writes a fresh snapshot, so the next start replays nothing, after letting go of what retention no longer keeps.
    public func compact() throws {
        guard let store else { return }
        letGo(&state, now: latestNow)
        try store.compact(state: state)
    }

    private func advance(to now: Date) {
        latestNow = max(latestNow ?? now, now)
    }

    /// Retention at compaction (`Retention`): what is older than the team keeps leaves the state just before it
    /// becomes the snapshot, and the journal that still held it starts empty. Not an event: nothing is journalled
    /// for it, because the only file that could replay it is the one being emptied.
    private nonisolated func letGo(_ state: inout CoachState, now: Date?) {
        guard let now, let gone = Retention.letGo(&state, config: coach.config, now: now), !gone.isEmpty else { return }
        logger.notice("retention let go of what is older than the team keeps", metadata: [
            "examples": "\(gone.examples)", "ideas": "\(gone.ideas)", "definitions": "\(gone.definitions)",
            "followUps": "\(gone.followUps)", "weeksTallied": "\(gone.weeksTallied)",
        ])
    }

    public func close() {
        store?.close()
    }

    private func record(_ events: [StateEvent]) throws {
        for event in events { state.apply(event) }
        try commit(Outcome(events: events))
    }

    private func commit(_ outcome: Outcome) throws {
        if !outcome.events.isEmpty { wake = nil }
        for note in outcome.notes {
            let metadata = note.metadata.mapValues { Logger.MetadataValue.string($0) }
            switch note.level {
            case .info: logger.info("\(note.message)", metadata: metadata)
            case .notice: logger.notice("\(note.message)", metadata: metadata)
            case .warning: logger.warning("\(note.message)", metadata: metadata)
            }
        }
        guard !outcome.events.isEmpty, let store else { return }
        let now = latestNow
        try store.commit(outcome.events, state: &state, beforeCompaction: { letGo(&$0, now: now) })
        // An erasure is only done once no file holds what it erased: the snapshot is rewritten from the erased state
        // and the journal, whose earlier lines hold it, starts again empty. (A crash before this completes is
        // finished at the next start; see `init`.)
        if outcome.events.contains(where: \.erasesHistory) { try store.compact(state: state) }
    }

    /// `coach forget --member ID`: erases a member as `forget @member confirm` does, committed and compacted the same
    /// way. Changes nothing when the state holds nothing about `memberID`.
    public func forget(memberID: String, at now: Date) throws -> ServerErasure {
        let result = coach.forgetOnServer(memberID: memberID, at: now, state: &state)
        if case .erased(let outcome, _) = result { try commit(outcome) }
        return result
    }
}
