import CoachChat
import Foundation

extension TelegramTransport {
    /// Signs in, confirms the bot is in the group, reads its privacy mode, and makes sure no webhook blocks polling.
    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        let me: TelegramWire.User
        do throws(TransportError) {
            me = try await client.call(post: "getMe", body: TelegramWire.Empty(), as: TelegramWire.User.self, label: "telegram getMe",
                for: .account)
            self.me = me
            findings.append(.ok("token", "signed in as @\(me.username ?? "?") (\(me.displayName), id \(me.id))"))
        } catch {
            return [.problem("token", error)]
        }

        let chat = currentChat
        var isAdmin = false
        do throws(TransportError) {
            let info = try await client.call(post: "getChat", body: TelegramWire.ChatQuery(chat_id: .id(chat)), as: TelegramWire.Chat.self,
                label: "telegram getChat")
            let member = try await client.call(post: "getChatMember", body: TelegramWire.ChatMemberQuery(chat_id: .id(chat), user_id: me.id),
                as: TelegramWire.ChatMember.self, label: "telegram getChatMember")
            switch member.status {
            case "left", "kicked":
                findings.append(.problem("channel",
                    "the bot is not a member of \"\(info.title ?? String(chat))\": add it to the group (group info → Add members → search @\(me.username ?? "your bot"))"))
            default:
                isAdmin = member.status == "administrator" || member.status == "creator"
                findings.append(.ok("channel", "member of \"\(info.title ?? String(chat))\" (\(info.type ?? "group"), id \(info.id), status \(member.status))"))
            }
        } catch {
            findings.append(.problem("channel", error,
                fix: "Add the bot to the group (group info → Add members → @\(me.username ?? "your bot")) and check that transport.settings.chat is the group's id"))
        }

        switch (me.can_read_all_group_messages, isAdmin) {
        case (true?, _):
            findings.append(.ok("privacy", "group privacy mode is off: the bot sees every message in the group"))
        case (_, true):
            findings.append(.ok("privacy", "group privacy mode is on, but the bot is an admin of the group, so it sees every message"))
        default:
            findings.append(.warning("privacy",
                "group privacy mode is on: the bot only sees /commands, replies to its own messages and @mentions of it. Members must type /caught rather than caught, and plain replies to the announcement still count. To let it see everything, send /setprivacy to @BotFather, pick the bot, choose Disable, then remove the bot from the group and add it again (or make the bot a group admin)"))
        }

        do throws(TransportError) {
            let hook = try await client.call(post: "getWebhookInfo", body: TelegramWire.Empty(), as: TelegramWire.WebhookInfo.self,
                label: "telegram getWebhookInfo")
            if let url = hook.url, !url.isEmpty {
                findings.append(.problem("webhook",
                    "a webhook is set for this bot, so getUpdates cannot read its messages: remove it by calling the Bot API method deleteWebhook (https://api.telegram.org/bot<token>/deleteWebhook), or stop the other program that set it"))
            } else {
                findings.append(.ok("webhook", "no webhook is set, so polling with getUpdates works"))
            }
        } catch {
            findings.append(.problem("webhook", error))
        }
        findings.append(Self.filesFinding)
        return findings
    }
}
