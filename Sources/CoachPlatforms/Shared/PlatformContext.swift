import Logging

/// What every adapter is given: how to reach the network, where to log, the bot's name in the config, and the
/// terminal (which only the console reads).
public struct PlatformContext: Sendable {
    public var web: any WebClient
    public var logger: Logger
    /// The config's `team.botName`; commands addressed as `@<botName>` are the bot's even where the platform's own
    /// mention markup differs.
    public var botName: String
    /// The terminal the console chats in; nil where nothing is attached (a platform's own tests).
    public var terminal: Terminal?

    public init(web: any WebClient, logger: Logger, botName: String, terminal: Terminal? = nil) {
        self.web = web
        self.logger = logger
        self.botName = botName
        self.terminal = terminal
    }
}
