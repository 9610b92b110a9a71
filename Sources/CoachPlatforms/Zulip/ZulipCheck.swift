import CoachChat
import Foundation

extension ZulipTransport {
    /// Signs in, confirms the bot is subscribed to its channel, and reads how large a file it may upload.
    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        do throws(TransportError) {
            let me = try await client.call(get: "users/me", as: ZulipWire.Me.self, label: "zulip users/me", for: .account)
            self.me = me
            findings.append(.ok("token", "signed in as \(me.full_name) (\(me.email ?? client.email), user id \(me.user_id))"))
        } catch {
            return [.problem("token", error)]
        }
        do throws(TransportError) {
            let subscriptions = try await client.call(get: "users/me/subscriptions", as: ZulipWire.Subscriptions.self,
                label: "zulip subscriptions")
            if let channel = subscriptions.subscriptions.first(where: { $0.name.lowercased() == stream.lowercased() }) {
                findings.append(.ok("channel", "subscribed to #\(channel.name)\(channel.stream_id.map { " (channel id \($0))" } ?? ""); channel posts go to the topic \"\(topic)\", each announcement to a topic of its own"))
            } else {
                findings.append(.problem("channel",
                    "the bot is not subscribed to the channel \"\(stream)\", so it cannot read it: open the channel's settings → Subscribers and add the bot (or check the name in transport.settings.stream)"))
            }
        } catch {
            findings.append(.problem("channel", error))
        }
        findings.append(await filesFinding())
        return findings
    }
}
