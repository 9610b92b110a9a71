import CoachChat
import CoachCore
import CoachStore
import Foundation
import Logging

extension BotService {
    /// Opens the setup's state folder and builds the bot's loop for a transport: the engine speaks the transport's
    /// markup and knows what it can do (private messages, threads). The executable's builder calls this with the
    /// platform the config names; tests call it with fakes. `renderAttachment` makes the files messages ask for
    /// (the report file); without it they are answered as files that could not be made.
    public static func open(
        setup: CoachSetup, transport: any ChatTransport, clock: any CoachClock, logger: Logger,
        storeOptions: StoreOptions = StoreOptions(), randomSeed: UInt64, redactor: Redactor = .none,
        renderAttachment: AttachmentRenderer? = nil
    ) throws -> BotService {
        let prompts = try setup.prompts(for: transport.capabilities.markup)
        let coach = Coach(config: setup.config, catalogue: setup.catalogue, prompts: prompts, capabilities: transport.capabilities)
        let session = try CoachSession(coach: coach, directory: setup.stateDirectory, options: storeOptions, logger: logger)
        return BotService(
            session: session, transport: transport, clock: clock, logger: logger, randomSeed: randomSeed, redactor: redactor,
            renderAttachment: renderAttachment)
    }
}
