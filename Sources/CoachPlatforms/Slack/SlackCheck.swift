import CoachChat
import Foundation

extension SlackTransport {
    /// Signs in (`auth.test`), reads the granted scopes, then reads the channel and a thread in it.
    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        let me: Identity
        do throws(TransportError) {
            let label = "slack auth.test"
            let response = try await client.get("auth.test", label: label)
            switch try client.answer(response, as: SlackWire.AuthTest.self, label: label) {
            case .ok(let answer):
                me = try remember(answer)
                let team = answer.team.map { " in the \($0) workspace" } ?? ""
                findings.append(.ok("token", "signed in as @\(me.userName ?? me.userID) (\(me.userID))\(team)"))
                findings += scopeFindings(response.header("x-oauth-scopes"))
            case .refused(let refusal):
                return [.problem("token", client.failure(refusal, label, for: .account))]
            }
        } catch {
            return [.problem("token", error)]
        }

        let newest: String?
        do throws(TransportError) {
            switch try await client.answer(get: "conversations.history", query: [("channel", channel), ("limit", "1")], as: SlackWire.Page.self) {
            case .ok(let page):
                newest = page.messages?.compactMap(\.ts).first
                findings.append(.ok("channel", "the bot can read channel \(channel)" + (newest == nil ? " (no messages yet)" : "")))
            case .refused(let refusal):
                findings.append(channelProblem(refusal, bot: me.userName ?? configBotName))
                return findings
            }
        } catch {
            findings.append(.problem("channel", error))
            return findings
        }

        // Replies in the announcement's thread count as examples; some token types cannot read channel threads.
        if let newest {
            do throws(TransportError) {
                switch try await client.answer(get: "conversations.replies", query: [("channel", channel), ("ts", newest), ("limit", "1")],
                    as: SlackWire.Page.self)
                {
                case .ok:
                    findings.append(.ok("threads", "the bot can read thread replies"))
                case .refused(let refusal) where refusal.code == "thread_not_found":
                    findings.append(.ok("threads", "the bot can read thread replies"))
                case .refused(let refusal):
                    findings.append(.warning("threads",
                        "the bot cannot read thread replies (\(refusal.code)\(refusal.needed.map { ", needs \($0)" } ?? "")): replies in the announcement's thread will not count as examples, though !example still works"))
                }
            } catch {
                findings.append(.warning("threads", "could not test reading thread replies: \(error)"))
            }
        }
        return findings
    }

    /// What the granted scopes (Slack's `X-OAuth-Scopes` header) mean for the bot.
    func scopeFindings(_ header: String?) -> [CheckFinding] {
        guard let header else { return [] }
        let scopes = Set(header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        var findings: [CheckFinding] = []
        let fix = "add it under OAuth & Permissions → Bot Token Scopes, reinstall the app and export the new token"
        if !scopes.contains("chat:write") {
            findings.append(.problem("scopes", "the token lacks chat:write, so the bot cannot post: \(fix)"))
        }
        if !scopes.contains("users:read") {
            findings.append(.warning("scopes", "the token lacks users:read, so members appear under their Slack user ids instead of their names: \(fix)"))
        }
        if !scopes.contains("im:write") {
            findings.append(.warning("scopes", "the token lacks im:write, so private nudges are dropped (and logged); everything else works: \(fix)"))
        }
        if scopes.isDisjoint(with: ["channels:read", "groups:read"]) {
            findings.append(.warning("scopes", "the token lacks channels:read (groups:read for a private channel), so the bot cannot check that a mentioned person is in the channel, and someone caught before they ever write is not credited: \(fix)"))
        }
        if findings.isEmpty {
            let read = scopes.contains("channels:read") ? "channels:read" : "groups:read"
            findings.append(.ok("scopes", "chat:write, users:read, im:write and \(read) are granted"))
        }
        if scopes.contains("files:write") {
            findings.append(.ok("files", "files:write is granted: report html sends the report file privately"))
        } else {
            findings.append(.warning("files", "the token lacks files:write, so report html cannot send the report file (the admin is told to run coach report --html on the server instead): \(fix)"))
        }
        return findings
    }

    /// Reading the channel was refused: the check's own advice for the refusals a new setup meets, the client's
    /// reading for the rest.
    func channelProblem(_ refusal: SlackClient.Refusal, bot: String) -> CheckFinding {
        switch refusal.code {
        case "not_in_channel":
            return .problem("channel", "the bot is not a member of channel \(channel): open the channel in Slack, type /invite @\(bot), then run coach check again")
        case "channel_not_found":
            return .problem("channel", "Slack finds no channel \(channel) that the bot can see: put the channel ID (channel details → About, starts with C or G) in transport.settings.channel; for a private channel, invite the bot first with /invite @\(bot)")
        case "missing_scope":
            return .problem("channel", "the app lacks the \(refusal.needed ?? "channels:history") scope needed to read the channel (channels:history for public channels, groups:history for private ones): add it under OAuth & Permissions → Bot Token Scopes and reinstall the app")
        default:
            return .problem("channel", client.failure(refusal, "slack conversations.history", for: .channel))
        }
    }
}
