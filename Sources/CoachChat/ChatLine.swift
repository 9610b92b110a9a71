import CoachCore

/// One line of a chat as the console and the simulation print it (`Prompts/chat-line.mustache`).
public struct ChatLine: MessageView {
    public static let template = Template.chatLine
    var time: String
    var sender: String
    var bot: Bool
    var `private`: Bool
    var to: String
    var thread: Bool
    var lines: [String]

    /// - Parameters:
    ///   - destination: where a bot message goes; nil for a member's message in the channel.
    ///   - inThread: a member's message posted in a thread.
    ///   - name: a member's display name, for "privately to …".
    public init(
        time: String, sender: String, text: String, destination: OutboundMessage.Destination? = nil,
        inThread: Bool = false, name: (String) -> String
    ) {
        var recipient = ""
        var thread = inThread
        switch destination {
        case .direct(let userID): recipient = name(userID)
        case .thread: thread = true
        case .channel, nil: break
        }
        self.time = time
        self.sender = sender
        bot = destination != nil
        `private` = !recipient.isEmpty
        to = recipient
        self.thread = thread
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// A bot's private reply of two lines, for `coach check` to render the template (see `TemplateSamples`).
    public static var sample: ChatLine {
        ChatLine(
            time: "Mon 09:00", sender: "coach", text: "Thanks, Sam.\nThat is example 7.",
            destination: .direct(userID: "sam"), name: { _ in "Sam" })
    }
}
