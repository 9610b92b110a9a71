import CoachChat
import Foundation

extension DiscordTransport {
    /// Signs in, reads whether the Message Content intent is on, then reads the channel and its messages.
    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        do throws(TransportError) {
            let me = try await identity()
            findings.append(.ok("token", "signed in as \(me.displayName) (bot user \(me.id))"))
        } catch {
            return [.problem("token", error, unreachable: unreachable)]
        }
        findings.append(await checkIntent())
        do throws(TransportError) {
            let response = try await client.get("channels", channel, label: "discord channel")
            switch response.status {
            case 403:
                findings.append(.problem("channel", "the bot lacks View Channel in channel \(channel): give its role View Channel, Read Message History, Send Messages and Send Messages in Threads there"))
                return findings
            case 404:
                findings.append(.problem("channel", "no channel \(channel) is visible to the bot: invite the bot to the server (Developer Portal > OAuth2 > URL Generator, scope bot), then copy the channel id (Developer Mode, right-click the channel > Copy Channel ID)"))
                return findings
            default:
                if let failure = client.failure(response, "discord channel", for: .channel) { throw failure }
            }
            let info = try client.decode(response, as: DiscordWire.Channel.self, label: "discord channel")
            let messages = try await client.get("channels", channel, "messages", query: [("limit", "1")], label: "discord channel messages")
            switch messages.status {
            case 403:
                findings.append(.problem("channel", "the bot lacks View Channel / Read Message History in that channel: give its role both in #\(info.name ?? channel)'s permissions"))
                return findings
            case 404:
                findings.append(.problem("channel", "channel \(channel) has no messages to read: use a text channel's id in transport.settings.channel"))
                return findings
            default:
                if let failure = client.failure(messages, "discord channel messages", for: .channel) { throw failure }
            }
            _ = try client.decode(messages, as: [DiscordWire.Message].self, label: "discord channel messages")
            findings.append(.ok("channel", "can read #\(info.name ?? channel) (\(channel)); it also needs Send Messages and Send Messages in Threads there, which Discord only shows by posting"))
        } catch {
            findings.append(.problem("channel", error, unreachable: unreachable))
        }
        findings.append(Self.filesFinding)
        return findings
    }

    /// Whether the Message Content intent is on: without it Discord hands a bot empty text for every message that
    /// does not mention it. The application's flags say so.
    func checkIntent() async -> CheckFinding {
        let fix = "Developer Portal > your application > Bot > Privileged Gateway Intents > turn on Message Content Intent"
        do throws(TransportError) {
            let application = try await client.call(get: "applications", "@me", as: DiscordWire.Application.self,
                label: "discord application", for: .lookup)
            if let flags = application.flags, flags & DiscordWire.messageContentFlags == 0 {
                return .problem("intent", "the Message Content intent is off, so the bot reads only messages that mention it: \(fix)")
            }
            return .ok("intent", "the Message Content intent is on")
        } catch {
            return .warning("intent", "could not read the application's settings (\(error)); make sure the Message Content intent is on: \(fix)")
        }
    }

    nonisolated var unreachable: String { "Check the network and Discord's API at \(client.root.absoluteString)" }
}
