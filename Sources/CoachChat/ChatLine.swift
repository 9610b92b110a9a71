import CoachCore

/// The context for `Prompts/chat-line.mustache`: one line of a chat as the console and the simulation print it.
public enum ChatLine {
    /// - Parameters:
    ///   - destination: where a bot message goes; nil for a member's message in the channel.
    ///   - inThread: a member's message posted in a thread.
    ///   - name: a member's display name, for "privately to …".
    public static func context(
        time: String, sender: String, text: String, destination: OutboundMessage.Destination? = nil,
        inThread: Bool = false, name: (String) -> String
    ) -> [String: Any] {
        var recipient = ""
        var thread = inThread
        switch destination {
        case .direct(let userID): recipient = name(userID)
        case .thread: thread = true
        case .channel, nil: break
        }
        return [
            "time": time, "sender": sender, "bot": destination != nil, "private": !recipient.isEmpty, "to": recipient,
            "thread": thread, "lines": text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
        ]
    }
}
