import CoachChat
import Foundation

/// Every platform this build can run, by `transport.kind`. The console is wired separately: it needs a terminal.
public enum Platforms {
    public static let all: [PlatformEntry] = [
        SlackTransport.entry,
        SlackWebhookTransport.entry,
        TeamsWorkflowTransport.entry,
        GoogleChatTransport.entry,
        TelegramTransport.entry,
        ZulipTransport.entry,
        MattermostTransport.entry,
        DiscordTransport.entry,
        MatrixTransport.entry,
    ]

    public static var kinds: [String] { all.map(\.kind) }

    public static func entry(_ kind: String) -> PlatformEntry? { all.first { $0.kind == kind } }

    /// Builds the adapter the config names, reading its secrets from `environment`.
    public static func make(kind: String, settings: [String: String], environment: [String: String], context: PlatformContext)
        throws(PlatformSetupError) -> any PlatformTransport
    {
        guard let entry = entry(kind) else { throw .unknownKind(kind: kind, known: ["console"] + kinds) }
        return try entry.make(PlatformSettings(kind: kind, values: settings, environment: environment), context)
    }
}
