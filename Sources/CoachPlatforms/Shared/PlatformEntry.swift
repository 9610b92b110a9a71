import CoachChat
import Foundation

/// Every platform this build can run, by `transport.kind`, the console among them.
///
/// Each platform's folder has the same parts with the same names, so a change to one platform's HTTP calls, its
/// `coach check`, or its wire format is made in the same file in every folder:
///
/// - `<Name>Client.swift`: a `<Name>Client` struct (a `PlatformClient`) holding the web client, the API root, the
///   authorisation and the timeout, with the platform's HTTP calls and its reading of failures.
/// - `<Name>Transport.swift`: the `<Name>Transport` actor, its settings, polling (if it can read) and sending.
/// - `<Name>Check.swift`: its `coach check`.
/// - `<Name>Wire.swift`: the JSON it exchanges with the platform, and its cursor.
/// - `<Name>Text.swift`, where the platform has markup or mentions to read.
/// - `<Name>Files.swift`, where the platform takes files: its `SendsFiles` conformance (the upload, the post that
///   shows the file, the platform's refusals of a file) and what `coach check` says about uploading. The multipart
///   body, the caption and not uploading twice are shared (`MultipartForm`, `FileUploads`, `UploadLedger`).
///
/// Folders are per vendor: `Slack/` holds both the Web API adapter and the incoming webhook (`SlackWebhook…`).
/// `Console/` is the terminal chat: a transport with no client or wire format, reading `ConsoleInput`.
///
/// Concurrency: every transport is an `actor`. Its mutable state (caches, what it learned about the bot, the parts
/// of a split message already sent) is actor state; what never changes is `nonisolated let`. The clients are
/// immutable `Sendable` structs, so a transport hands a copy to each call. No adapter uses locks or
/// `@unchecked Sendable`. (State changes land between awaits, as they did under the old locks, which were never
/// held across a call either.)
public enum Platforms {
    public static let all: [PlatformEntry] = [
        ConsoleTransport.entry,
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

    /// Masks the secrets a deployment's platform reads from `environment` (see `PlatformSettings.redactor`). The
    /// builder installs it on every log line, error, report and what reaches the state folder.
    public static func redactor(kind: String, settings: [String: String], environment: [String: String]) -> Redactor {
        PlatformSettings(kind: kind, values: settings, environment: environment).redactor
    }

    /// Builds the adapter the config names, reading its secrets from `environment`. Whether it can be read (two-way)
    /// or only posted to is its type's business: a two-way adapter is a `PollingTransport`.
    public static func make(kind: String, settings: [String: String], environment: [String: String], context: PlatformContext)
        throws(PlatformSetupError) -> any ChatTransport
    {
        guard let entry = entry(kind) else { throw .unknownKind(kind: kind, known: kinds) }
        return try entry.make(PlatformSettings(kind: kind, values: settings, environment: environment), context)
    }
}

/// A platform the config can name in `transport.kind`.
public struct PlatformEntry: Sendable {
    public var kind: String
    /// The secrets it reads from the environment, so they can be masked in everything the bot writes before the
    /// platform is even built (a `coach check` that fails early still masks them).
    public var secrets: [SecretSetting]
    public var make: @Sendable (PlatformSettings, PlatformContext) throws(PlatformSetupError) -> any ChatTransport

    public init(kind: String, secrets: [SecretSetting] = [],
        make: @escaping @Sendable (PlatformSettings, PlatformContext) throws(PlatformSetupError) -> any ChatTransport)
    {
        self.kind = kind
        self.secrets = secrets
        self.make = make
    }
}
