import CoachChat
import CoachCore

/// What each two-way platform's transport puts on the wire for one rendered message: the transport's own
/// splitter and mass-mention guard (and for Matrix, the `formatted_body` and the `body` made from it), with no
/// network. The mass-mention tests and the fuzzer (`coach-fuzz`) check these texts by each server's rule, so they
/// check exactly what the transports send.
public enum WireText {
    public struct Platform: Sendable {
        public let kind: String
        public let markup: Markup
        /// The texts that go out for one rendered message. Matrix's come in pairs, labelled `html:` and `body:`.
        public let texts: @Sendable (String) -> [String]
        /// How the transport splits, for checking parts against the limit it promises.
        public let splitter: MessageSplitter
    }

    public static let platforms: [Platform] = [
        Platform(kind: "mattermost", markup: .mattermost, texts: { MattermostTransport.splitter.split($0) },
            splitter: MattermostTransport.splitter),
        Platform(kind: "slack", markup: .slack, texts: { SlackTransport.splitter.split($0) }, splitter: SlackTransport.splitter),
        Platform(kind: "discord", markup: .discord, texts: { DiscordTransport.splitter.split($0) }, splitter: DiscordTransport.splitter),
        Platform(kind: "zulip", markup: .zulip, texts: { zulip.split($0) }, splitter: zulip),
        Platform(kind: "telegram", markup: .telegramHTML, texts: { TelegramTransport.splitter.split($0) },
            splitter: TelegramTransport.splitter),
        Platform(kind: "matrix", markup: .html,
            texts: { MatrixTransport.parts($0).flatMap { ["html:" + $0, "body:" + MatrixTransport.body($0)] } },
            splitter: MatrixTransport.partSplitter),
    ]

    /// Zulip's limit is the server's; this is its default.
    static let zulip = ZulipTransport.splitter(limit: ZulipTransport.defaultMessageLimit)
}
