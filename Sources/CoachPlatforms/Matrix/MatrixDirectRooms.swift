import CoachChat
import CoachCore
import Foundation
import Logging

/// What one run knows about the bot's private rooms: one direct room per member, found or created once.
///
/// **Reuse.** The bot's `m.direct` account data lists the rooms it already used with each member. A listed room is
/// reused only while the bot is still joined and the member is joined or still invited, as the room's member state
/// says (`/rooms/{id}/members`). Not `/joined_members`: it leaves invited members out, and a member who has not
/// accepted the invite yet is the common case; they would get a new room, and one more invite, after every restart.
/// Otherwise the bot creates a room (`is_direct`, the member invited, `trusted_private_chat`) and records it in
/// `m.direct` (read, add, write: every other entry is kept) before it posts there. The answer is kept for the run.
///
/// **Reading back.** The sync reads the team's room and these rooms: those `m.direct` lists and the bot is in, read
/// once when the run starts, and those this run finds or creates. The cursor stays the sync's `next_batch` and holds
/// no room list, because nothing more is needed for "nothing lost, nothing twice":
/// - `next_batch` is one position across all of the bot's rooms, and a sync reads every room its filter names from
///   that position (a room joined after it, whole). So a room only has to be in the filter of every sync that moves
///   the cursor past a message in it.
/// - A room is in `reading` from the moment it exists in this run, and recorded in `m.direct` before the bot's first
///   post there, so before any answer to that post: a restart reads it from the committed position on.
/// - A sync already under way when a room is added did not name it; its answer is not used (see `generation`).
/// Discord and Mattermost need the conversations in their cursor (`DirectConversations`) because each of their
/// conversations is read from a position of its own; Matrix's one sync position makes the account data enough.
///
/// **Idempotency.** A member's room is kept for the run as soon as it exists, so a send retried after a failure (the
/// `m.direct` write, the post) reuses it, and the post keeps its transaction id. A createRoom whose answer was lost may
/// still have made the room: before creating another for that member, the bot looks among its rooms for the one it
/// made. A crash between the creation and the `m.direct` write leaves an unused room behind; that is harmless.
///
/// The runtime sends one message at a time. Two first messages to one member sent concurrently could each create a
/// room (as `OpensDirectConversations` could open two conversations); nothing here is worth a lock for that.
struct MatrixDirectRooms: Sendable {
    /// Whether `m.direct` was read this run.
    var loaded = false
    /// The bot's `m.direct` as last read or written.
    var listed = MatrixDirectList(nil)
    /// Rooms this run recorded, by member: added to every write, so two writes that read `m.direct` before either
    /// wrote it cannot drop each other's entry.
    var recorded: [(user: String, room: String)] = []
    /// Each member's room for this run: reused or created, and recorded.
    var rooms: [String: String] = [:]
    /// The private rooms the sync reads, with the member each one is with.
    private(set) var reading: [String: String] = [:]
    /// Bumped whenever `reading` gains a room. A sync that began under another generation did not read that room, and
    /// its answer may already lie past an answer posted there: the poll drops it and reads again from the same position.
    private(set) var generation = 0
    /// Rooms created this run whose `m.direct` entry is not written yet (the write failed): written before the post.
    var unrecorded: [String: String] = [:]
    /// Members whose createRoom went unanswered this run: the room may exist, so it is looked for before another.
    var uncertain: Set<String> = []

    mutating func read(_ room: String, with user: String) {
        guard reading[room] == nil else { return }
        reading[room] = user
        generation += 1
    }

    /// `room` is the member's for the rest of the run, and is read.
    mutating func use(_ room: String, with user: String) {
        rooms[user] = room
        read(room, with: user)
    }

    /// The member left `room`, or the bot can no longer post there: the next private message looks again.
    mutating func forget(_ room: String) {
        rooms = rooms.filter { $0.value != room }
    }

    /// The bot is no longer in `room`: nothing there to read or post to.
    mutating func stopReading(_ room: String) {
        forget(room)
        reading[room] = nil
    }
}

extension MatrixTransport {
    /// Once per run, before the first sync or private message: the rooms in the bot's `m.direct` that it is still in,
    /// to read. `ensureInRoom` has listed the bot's rooms by then.
    func loadDirectRooms(_ me: Identity) async throws(TransportError) {
        guard !direct.loaded else { return }
        let list = try await fetchDirectList(me) ?? MatrixDirectList(nil)
        direct.listed = list
        for (room, user) in list.entries where room != roomID && joinedRooms.contains(room) {
            direct.read(room, with: user)
        }
        direct.loaded = true
    }

    /// The bot's `m.direct` as the homeserver has it now (empty when never written), or nil when the homeserver will
    /// not show it: private messages still go out, but rooms are neither reused nor read after a restart.
    func fetchDirectList(_ me: Identity) async throws(TransportError) -> MatrixDirectList? {
        do {
            return MatrixDirectList(try await client.accountData("m.direct", of: me.userID))
        } catch .rejected(let reason) {
            logger.warning("matrix: cannot read the bot's m.direct account data; private rooms are not reused or read after a restart",
                metadata: ["reason": "\(reason)"])
            return nil
        }
    }

    /// The member's direct room: this run's, a listed one still in use, or a new one, recorded in `m.direct`.
    func directRoom(with user: String) async throws(TransportError) -> String {
        if let known = direct.rooms[user] { return known }
        let me = try await whoAmI()
        guard MatrixIDs.isUserID(user), user != me.userID else {
            throw .rejected(reason: "matrix private message: \(user) is not a member's Matrix user id (@name:server)")
        }
        try await loadDirectRooms(me)
        if let created = direct.unrecorded[user] {
            try await record(created, with: user, me)
            return created
        }
        // Newest first: the last room recorded is the one most likely still in use.
        for room in direct.listed.rooms(with: user).reversed() where room != roomID {
            if try await stillDirect(room, with: user, me) {
                direct.use(room, with: user)
                return room
            }
        }
        if direct.uncertain.contains(user), let made = try await roomMadeEarlier(with: user, me) {
            direct.uncertain.remove(user)
            try await adopt(made, with: user, me)
            return made
        }
        try await ensureUserExists(user)
        let room = try await createDirectRoom(with: user)
        try await adopt(room, with: user, me)
        return room
    }

    /// A room just made for the member: read from now on, kept for the run even if recording it fails, then recorded.
    func adopt(_ room: String, with user: String, _ me: Identity) async throws(TransportError) {
        direct.unrecorded[user] = room
        direct.read(room, with: user)
        try await record(room, with: user, me)
    }

    /// Adds `room` to the bot's `m.direct` before anything is posted there, so a restart reads and reuses it. Read,
    /// add, write: the other entries (other members, other clients' rooms) are written back as they were.
    func record(_ room: String, with user: String, _ me: Identity) async throws(TransportError) {
        if !direct.recorded.contains(where: { $0.user == user && $0.room == room }) {
            direct.recorded.append((user, room))
        }
        if var list = try await fetchDirectList(me) {
            for entry in direct.recorded { list = list.adding(entry.room, for: entry.user) }
            do {
                _ = try await client.call(put: "user", me.userID, "account_data", "m.direct", body: list.content,
                    as: JSONValue.self, label: "matrix m.direct write", for: .direct)
                direct.listed = list
            } catch .rejected(let reason) {
                // The member still gets the message; only a restart will not know the room.
                logger.warning("matrix: the homeserver refused to record a private room in m.direct",
                    metadata: ["room": "\(room)", "reason": "\(reason)"])
            }
        }
        direct.unrecorded[user] = nil
        direct.use(room, with: user)
    }

    /// Whether a listed room is still the member's direct room: the bot joined, the member joined or invited. A room
    /// the member left (or whose invite they rejected) is left by the bot too, so it stops being read.
    func stillDirect(_ room: String, with user: String, _ me: Identity) async throws(TransportError) -> Bool {
        guard let members = try await memberships(in: room) else { return false }
        guard members[me.userID] == "join" else {
            direct.stopReading(room)
            return false
        }
        if members[user] == "join" || members[user] == "invite" { return true }
        logger.notice("matrix: a member left their private room with the bot; leaving it too",
            metadata: ["room": "\(room)", "user": "\(user)"])
        direct.stopReading(room)
        // Best effort: staying would only keep an empty room in every sync's filter.
        _ = try? await client.call(post: "rooms", room, "leave", body: JSONValue.object([:]), as: JSONValue.self,
            label: "matrix leave", for: .lookup)
        return false
    }

    /// Memberships by user id in `room` (`join`, `invite`, `leave`, `ban`…), or nil when the bot may not see them.
    func memberships(in room: String) async throws(TransportError) -> [String: String]? {
        let answer: JSONValue
        do {
            answer = try await client.call(get: "rooms", room, "members", as: JSONValue.self, label: "matrix room members", for: .lookup)
        } catch .rejected {
            return nil
        }
        var found: [String: String] = [:]
        for event in answer["chunk"]?.elements ?? [] where event["type"]?.string == "m.room.member" {
            if let member = event["state_key"]?.string, let membership = event["content"]?["membership"]?.string {
                found[member] = membership
            }
        }
        return found
    }

    /// After a createRoom that got no answer: the room that call may have made. One the bot is in, neither the team's
    /// nor listed, whose only members are the bot and this member.
    func roomMadeEarlier(with user: String, _ me: Identity) async throws(TransportError) -> String? {
        let answer = try await client.call(get: "joined_rooms", as: JSONValue.self, label: "matrix joined_rooms")
        let known = Set(direct.listed.entries.keys).union(direct.reading.keys).union([roomID])
        for room in answer["joined_rooms"]?.elements.compactMap(\.string) ?? [] where !known.contains(room) {
            guard let members = try await memberships(in: room) else { continue }
            let present = members.filter { $0.value == "join" || $0.value == "invite" }
            if present.count == 2, present[me.userID] == "join", present[user] != nil { return room }
        }
        return nil
    }

    /// Synapse invites a user id that names nobody without complaint, so a mistyped member id would get a room that
    /// no one ever reads. The profile says whether the user exists: 404 refuses the message. Any other refusal proves
    /// nothing (servers may hide profiles), and the room is created.
    func ensureUserExists(_ user: String) async throws(TransportError) {
        let label = "matrix profile"
        let response = try await client.get("profile", user, label: label)
        if response.status == 404 {
            throw .rejected(reason: "matrix private message: the homeserver knows no user \(user) (\(MatrixClient.errorText(response))); check the member's id in the config")
        }
        switch client.failure(response, label, for: .lookup) {
        case .rateLimited(let wait)?: throw .rateLimited(retryAfter: wait)
        case .temporary(let reason)?: throw .temporary(reason: reason)
        default: return
        }
    }

    /// Creates the member's direct room: marked direct, the member invited, the member given the same power as the
    /// bot (`trusted_private_chat`, as clients create direct chats). Unnamed, so clients show it by the bot's name.
    func createDirectRoom(with user: String) async throws(TransportError) -> String {
        let body: JSONValue = ["is_direct": true, "invite": [.string(user)], "preset": "trusted_private_chat"]
        let answer: JSONValue
        do {
            answer = try await client.call(post: "createRoom", body: body, as: JSONValue.self,
                label: "matrix create private room", for: .direct)
        } catch .temporary(let reason) {
            // No answer (a timeout, a 5xx, a garbled body): the room may exist all the same.
            direct.uncertain.insert(user)
            throw .temporary(reason: reason)
        }
        guard let room = answer["room_id"]?.string, !room.isEmpty else {
            direct.uncertain.insert(user)
            throw .temporary(reason: "matrix create private room: malformed answer: no room_id")
        }
        return room
    }

    /// What a sync showed about the private rooms: a message from the member there makes it their room for the run
    /// (they are evidently in it); the member leaving it, or the bot leaving it, means the next message looks again.
    func noteDirectEvents(_ events: [JSONValue], in room: String, messages: [InboundMessage]) {
        guard let user = direct.reading[room] else { return }
        if direct.rooms[user] == nil, messages.contains(where: { $0.senderID == user && !$0.fromBot }) {
            direct.rooms[user] = room
        }
        for event in events where event["type"]?.string == "m.room.member" && event["state_key"]?.string == user {
            let membership = event["content"]?["membership"]?.string
            if membership == "leave" || membership == "ban" { direct.forget(room) }
        }
    }
}
