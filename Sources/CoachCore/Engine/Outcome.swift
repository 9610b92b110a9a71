import Foundation

/// A line for the operator's log. Not chat wording: the runtime logs it through swift-log.
public struct LogNote: Sendable, Equatable {
    public enum Level: String, Sendable { case info, notice, warning }
    public var level: Level
    public var message: String
    public var metadata: [String: String]

    public init(_ level: Level, _ message: String, _ metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}

/// What one engine step decided: the events to commit (already applied to the state) and the log lines.
public struct Outcome: Sendable, Equatable {
    public var events: [StateEvent] = []
    public var notes: [LogNote] = []
    /// The commands this step ran, by name, for the operator's metrics.
    public var commands: [String] = []

    public init(events: [StateEvent] = [], notes: [LogNote] = []) {
        self.events = events
        self.notes = notes
    }

    /// The messages this step queued, in order.
    public var queued: [OutboundMessage] {
        events.compactMap { if case .queued(let message) = $0 { message } else { nil } }
    }
}
