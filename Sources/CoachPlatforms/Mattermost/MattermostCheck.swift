import CoachChat
import Foundation

extension MattermostTransport {
    /// Signs in, then reads the channel and its posts, and whether the bot may upload files.
    public func check() async -> [CheckFinding] {
        let server = client.server.absoluteString
        let unreachable = "Check transport.settings.baseURL (\(server)) and the network"
        var findings: [CheckFinding] = []
        let me: Identity
        do throws(TransportError) {
            me = try await identity()
            findings.append(.ok("token", "signed in to \(server) as @\(me.username)"))
        } catch {
            return [.problem("token", error, unreachable: unreachable)]
        }
        do throws(TransportError) {
            let response = try await client.get("channels", channel, label: "mattermost channel")
            switch response.status {
            case 403:
                findings.append(.problem("channel", "@\(me.username) cannot see channel \(channel): add the bot to the channel (in the channel type /invite @\(me.username), or System Console > Integrations > Bot Accounts to add it to the team first)"))
                return findings
            case 404:
                findings.append(.problem("channel", "there is no channel with id \(channel) on \(server): copy the id from the channel's name > View Info into transport.settings.channel"))
                return findings
            default:
                if let failure = client.failure(response, "mattermost channel", for: .channel) { throw failure }
            }
            let info = try client.decode(response, as: MattermostWire.Channel.self, label: "mattermost channel")
            let posts = try await client.get("channels", channel, "posts", query: [("per_page", "1")], label: "mattermost channel posts")
            if posts.status == 403 {
                findings.append(.problem("channel", "@\(me.username) cannot read the posts of channel \(channel): add the bot to the channel with /invite @\(me.username)"))
                return findings
            }
            if let failure = client.failure(posts, "mattermost channel posts", for: .channel) { throw failure }
            _ = try client.decode(posts, as: MattermostWire.PostList.self, label: "mattermost channel posts")
            let title = info.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? info.name ?? channel
            findings.append(.ok("channel", "can read \(title) (\(channel)); the bot posts there and in threads, and sends nudges as direct messages"))
        } catch {
            findings.append(.problem("channel", error, unreachable: unreachable))
        }
        findings.append(await filesFinding())
        return findings
    }
}
