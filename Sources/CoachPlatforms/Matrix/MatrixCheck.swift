import CoachChat
import Foundation

extension MatrixTransport {
    /// Signs in, then confirms the bot is in its room, that the room is not encrypted, and that it can keep its
    /// private rooms (said with the room when it can, as Mattermost's check does; a warning of its own when not), and
    /// how large a file the homeserver takes.
    public func check() async -> [CheckFinding] {
        var findings: [CheckFinding] = []
        let me: Identity
        do throws(TransportError) {
            me = try await whoAmI()
            let device = me.deviceID.map { ", device \($0)" } ?? ""
            findings.append(.ok("token", "signed in as \(me.userID)\(device)"))
        } catch {
            return [.problem("token", error, fix: credentialsFix)]
        }
        let privately = await directRoomsFinding(me)
        do throws(TransportError) {
            let members = try await client.call(get: "rooms", roomID, "joined_members", as: JSONValue.self, label: "matrix joined_members")
            let count = members["joined"]?.members.count ?? 0
            let direct = privately == nil ? "; private nudges go to a direct room per member" : ""
            findings.append(.ok("channel", "\(me.userID) is in room \(roomID) (\(count) joined member\(count == 1 ? "" : "s"))\(direct)"))
            if await isEncrypted() {
                findings.append(.problem("encryption", Self.encryptedRoomProblem(roomID)))
            }
        } catch .unauthorized, .rejected {
            findings.append(await notInRoomFinding(me))
        } catch {
            findings.append(.problem("channel", error, unreachable: "Try again when the homeserver answers"))
        }
        if let privately { findings.append(privately) }
        findings.append(await filesFinding())
        return findings
    }

    /// Nil when the bot can keep its direct rooms in its `m.direct` account data, else a warning: private messages
    /// still go out, but after a restart the bot neither reuses those rooms nor reads the answers in them. Only a read
    /// is tried: `coach check` changes nothing, and a homeserver that shows an account its own account data lets it
    /// write them too (the spec refuses only other users' data).
    func directRoomsFinding(_ me: Identity) async -> CheckFinding? {
        do throws(TransportError) {
            _ = try await client.accountData("m.direct", of: me.userID)
            return nil
        } catch {
            let reason: String
            switch error {
            case .rejected(let why), .tooLong(let why), .unauthorized(let why), .temporary(let why): reason = why
            case .rateLimited: reason = "rate limited; run coach check again shortly"
            case .closed: reason = "the connection closed"
            }
            return .warning("private messages", "the bot cannot read its m.direct account data (\(reason)): private nudges still go out, but after a restart it opens new direct rooms and does not read answers in the old ones")
        }
    }

    var credentialsFix: String {
        switch client.credentials {
        case .token: "Set the variable named by transport.settings.tokenEnv to an access token of the bot's account (see README: Matrix)"
        case .password: "Check transport.settings.user and the password in the variable named by transport.settings.passwordEnv"
        }
    }

    /// The bot cannot read the room: invited (it joins on start) or not invited at all (a person must invite it).
    func notInRoomFinding(_ me: Identity) async -> CheckFinding {
        let filter: JSONValue = ["room": ["rooms": [.string(roomID)], "timeline": ["limit": 0], "state": ["types": []]], "presence": ["types": []]]
        let answer = try? await client.call(get: "sync", query: [("timeout", "0"), ("filter", filter.text), ("set_presence", "offline")],
            as: JSONValue.self, label: "matrix sync")
        if answer?["rooms"]?["invite"]?[roomID] != nil {
            return .warning("channel", "\(me.userID) is invited to room \(roomID) but has not joined; it accepts the invite when the bot starts")
        }
        return .problem("channel",
            "\(me.userID) is not in room \(roomID), or the room does not exist. From an account that can invite in that room, send /invite \(me.userID) there (the bot joins a pending invite when it starts); check the room id under Room settings → Advanced")
    }
}
