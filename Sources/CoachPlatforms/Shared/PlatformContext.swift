import Logging

/// What every adapter is given: how to reach the network, where to log, and the bot's name in the config.
public struct PlatformContext: Sendable {
    public var web: any WebClient
    public var logger: Logger
    /// The config's `team.botName`; commands addressed as `@<botName>` are the bot's even where the platform's own
    /// mention markup differs.
    public var botName: String

    public init(web: any WebClient, logger: Logger, botName: String) {
        self.web = web
        self.logger = logger
        self.botName = botName
    }
}
