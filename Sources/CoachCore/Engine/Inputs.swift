import Foundation

/// A chat message as a transport hands it over, already stripped of platform wire formats.
public struct InboundMessage: Codable, Sendable, Equatable {
    /// The platform's id for the message: the key for "never apply one message twice".
    public var id: String
    public var senderID: String
    public var senderName: String
    /// The @-name people type for the sender (a username), where the platform has one; `caught @handle` finds it.
    public var senderHandle: String?
    public var text: String
    /// The platform id of the thread's root message, when the message is a reply in a thread.
    public var threadRootID: String?
    /// A private chat with the bot: commands need no prefix, and replies stay private.
    public var isDirect: Bool
    /// Meant for the bot without a prefix, though not private (the console's shared room).
    public var addressed: Bool
    /// Mention tokens the transport already resolved (`"sam" → "U024BE7LH"`), for platforms that encode mentions.
    public var mentions: [String: String]
    /// Display names of the people `mentions` points at (id → name), so a member caught before they ever spoke
    /// is still named properly in the summary.
    public var mentionedNames: [String: String]
    /// Sent by the bot itself; ignored.
    public var fromBot: Bool

    public init(
        id: String, senderID: String, senderName: String, senderHandle: String? = nil, text: String,
        threadRootID: String? = nil, isDirect: Bool = false, addressed: Bool = false, mentions: [String: String] = [:],
        mentionedNames: [String: String] = [:], fromBot: Bool = false
    ) {
        self.senderHandle = senderHandle
        self.mentionedNames = mentionedNames
        self.addressed = addressed
        self.id = id
        self.senderID = senderID
        self.senderName = senderName
        self.text = text
        self.threadRootID = threadRootID
        self.isDirect = isDirect
        self.mentions = mentions
        self.fromBot = fromBot
    }
}

/// What a transport can do, so the engine picks where a message goes (a private nudge, a thread reply).
public struct TransportCapabilities: Sendable, Equatable {
    public var directMessages: Bool
    public var threads: Bool
    public var markup: Markup

    public init(directMessages: Bool, threads: Bool, markup: Markup) {
        self.directMessages = directMessages
        self.threads = threads
        self.markup = markup
    }
}

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

    public init(events: [StateEvent] = [], notes: [LogNote] = []) {
        self.events = events
        self.notes = notes
    }

    /// The messages this step queued, in order.
    public var queued: [OutboundMessage] {
        events.compactMap { if case .queued(let message) = $0 { message } else { nil } }
    }
}
