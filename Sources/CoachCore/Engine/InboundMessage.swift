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
    /// Anyone can type such a token with any id, so it names a member only if that id is one (see `confirmedMembers`).
    public var mentions: [String: String]
    /// Display names of the people `mentions` points at (id → name), as the platform gave them.
    public var mentionedNames: [String: String]
    /// The ids in `mentions` the platform confirmed are in the bot's channel (the adapter asked). Only they may join
    /// the team through a mention, named by `mentionedNames`, so a member caught before they ever spoke is still
    /// named properly; any other id must be in the roster or have spoken to the bot.
    public var confirmedMembers: Set<String>
    /// The bot's own user id on the platform, where the transport knows it: a mention of it never names a member.
    public var botID: String?
    /// Sent by the bot itself; ignored.
    public var fromBot: Bool

    public init(
        id: String, senderID: String, senderName: String, senderHandle: String? = nil, text: String,
        threadRootID: String? = nil, isDirect: Bool = false, addressed: Bool = false, mentions: [String: String] = [:],
        mentionedNames: [String: String] = [:], confirmedMembers: Set<String> = [], botID: String? = nil,
        fromBot: Bool = false
    ) {
        self.confirmedMembers = confirmedMembers
        self.botID = botID
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
    /// The platform takes files from the bot (the report file): where it cannot, the engine says so at once
    /// instead of queueing a file nobody can send.
    public var files: Bool

    public init(directMessages: Bool, threads: Bool, markup: Markup, files: Bool = false) {
        self.directMessages = directMessages
        self.threads = threads
        self.markup = markup
        self.files = files
    }
}
