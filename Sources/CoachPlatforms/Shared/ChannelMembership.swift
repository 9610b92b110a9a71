import CoachChat
import CoachCore
import Logging

/// The facts the engine needs to judge a platform mention: the bot's own id, and which mentioned people the platform
/// confirms are in the team's channel. The engine decides (`Coach.resolveMember`); this only asks.
///
/// A mention's markup (`<@U…>`, `<@123>`, `@**Name|12**`, a Matrix pill) carries whatever id its writer typed. The
/// engine lets someone join the team through a mention only when the platform confirms they are in the channel
/// (`InboundMessage.confirmedMembers`); anyone else must be in the roster or have written to the bot. Each person is
/// asked about once per run, and the answer kept (someone who joins the channel later joins the team by writing). A
/// limit or an outage holds the poll back, as any other failed read does, so the batch is read again. A refused
/// question is a "no": for an id the platform does not know, quietly; for a missing scope or permission, logged once.
actor ChannelMembership {
    let platform: String
    let logger: Logger
    private var answers: [String: Bool] = [:]
    private var warned = false

    init(platform: String, logger: Logger) {
        self.platform = platform
        self.logger = logger
    }

    /// `messages` with the bot's own id set and, in each, the mentioned people the platform confirms are in the
    /// channel. `isInChannel` asks the platform about one user id.
    func confirming(_ messages: [InboundMessage], botID: String,
        isInChannel: @Sendable (String) async throws(TransportError) -> Bool) async throws(TransportError) -> [InboundMessage]
    {
        let mentioned = Set(messages.filter { !$0.fromBot }.flatMap(\.mentions.values)).subtracting([botID])
        for id in mentioned.sorted() where answers[id] == nil {
            do throws(TransportError) {
                answers[id] = try await isInChannel(id)
            } catch {
                switch error {
                case .rateLimited, .temporary, .closed:
                    throw error
                case .rejected, .tooLong:
                    // No such person, or an id the platform cannot read: not in the channel.
                    answers[id] = false
                case .unauthorized:
                    answers[id] = false
                    if !warned {
                        warned = true
                        logger.warning("\(platform): cannot ask whether a mentioned person is in the channel; people mentioned before they ever write are not credited until they do",
                            metadata: ["reason": "\(error)"])
                    }
                }
            }
        }
        return messages.map { message in
            var message = message
            message.botID = botID
            message.confirmedMembers = Set(message.mentions.values.filter { answers[$0] == true })
            return message
        }
    }
}
