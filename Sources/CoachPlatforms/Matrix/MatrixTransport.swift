import CoachChat
import CoachCore
import Foundation
import Logging

/// One Matrix room through the client-server API: `/sync` long-polls for the room's messages, `PUT …/send` posts
/// with the delivery key as the transaction id, so a retried or restarted send shows once. Private messages go to a
/// direct room per member, and the sync reads those rooms too (`MatrixDirectRooms`).
///
/// The cursor is the sync's `next_batch` token, as the homeserver gave it.
public actor MatrixTransport: PollingTransport {
    static let token = SecretSetting("tokenEnv", defaultVariable: "MATRIX_ACCESS_TOKEN", what: "bot's access token")
    static let password = SecretSetting("passwordEnv", defaultVariable: "MATRIX_PASSWORD", what: "bot account's password")
    public static let entry = PlatformEntry(kind: "matrix", secrets: [token, password]) { settings, context throws(PlatformSetupError) in
        try MatrixTransport(settings: settings, context: context)
    }

    public nonisolated let name = "matrix"
    /// Private messages go to a direct room per member, which the bot creates (inviting the member) the first time.
    public nonisolated let capabilities = TransportCapabilities(directMessages: true, threads: true, markup: .html, files: true)
    public nonisolated let pacing = PollPacing.longPoll

    static let settingKeys: Set<String> = ["room", "tokenEnv", "user", "passwordEnv", "deviceID"]
    /// The `formatted_body` budget per event. An event must stay under 65,536 bytes as canonical JSON with
    /// signatures; the plain `body` is shorter than the HTML it comes from, so two of these plus the envelope fit.
    static let formattedLimit = 24_000
    /// The most events a gap (`limited` timeline) is back-filled with; older ones in a longer gap are skipped.
    static let gapLimit = 500
    static let timelineLimit = 50

    /// The client learns the bot's user id, for the invitation its refusals ask for.
    var client: MatrixClient
    let logger: Logger
    let roomID: String
    let readsBacklog: Bool
    let botName: String
    let ledger = PartsLedger()
    let membership: ChannelMembership
    let uploads = UploadLedger()

    var identity: Identity?
    /// Whether this run has made sure the bot is in its room (joining a pending invite if need be).
    var inRoom = false
    /// The rooms the bot was in when this run began, from the same look that found it in its room.
    var joinedRooms: Set<String> = []
    /// The members' direct rooms: which to post to, and which the sync reads.
    var direct = MatrixDirectRooms()
    /// Display names by user id, learned from member events in syncs and back-fills.
    var names: [String: String] = [:]

    struct Identity: Sendable {
        var userID: String
        var deviceID: String?
        var displayName: String?
    }

    init(settings: PlatformSettings, context: PlatformContext) throws(PlatformSetupError) {
        try settings.validateKeys(Self.settingKeys)
        let homeserver = try settings.url(default: nil, hint: "the homeserver's address, e.g. https://matrix.example.org")
        let room = try settings.required("room", hint: "the room id, e.g. !AbCdEf:example.org (Room settings → Advanced)")
        // Room ids start with `!`; before room version 12 they end in `:server`, from version 12 they do not.
        guard room.hasPrefix("!"), room.count > 1, !room.contains(where: { $0 == " " || $0 == "/" }) else {
            throw .invalidSetting(kind: "matrix", key: "room", value: room,
                hint: "it must be a room id such as !AbCdEf:example.org (Room settings → Advanced), not an alias or a name")
        }
        roomID = room
        let credentials: MatrixClient.Credentials
        if let user = settings.optional("user") {
            let password = try settings.secret(Self.password)
            credentials = .password(user: user, password: password, deviceID: settings.optional("deviceID") ?? "SERVICECOACH")
        } else {
            if let device = settings.optional("deviceID") {
                throw .invalidSetting(kind: "matrix", key: "deviceID", value: device,
                    hint: "it only goes with user and passwordEnv; an access token already belongs to one device")
            }
            credentials = .token(try settings.secret(Self.token))
        }
        client = MatrixClient(web: context.web, homeserver: homeserver, credentials: credentials, roomID: room,
            redactor: settings.redactor)
        readsBacklog = try settings.readsBacklog()
        botName = context.botName
        logger = context.logger
        membership = ChannelMembership(platform: "matrix", logger: context.logger)
    }

    /// The bot's user id (and display name), asked once per run.
    func whoAmI() async throws(TransportError) -> Identity {
        if let identity { return identity }
        let answer = try await client.call(get: "account", "whoami", as: JSONValue.self, label: "matrix whoami")
        guard let userID = answer["user_id"]?.string else {
            throw .temporary(reason: "matrix whoami: malformed answer: no user_id")
        }
        var found = Identity(userID: userID, deviceID: answer["device_id"]?.string)
        // The display name only widens how people can address the bot; without it, the id and @botName still work.
        if let profile = try? await client.call(get: "profile", userID, "displayname", as: JSONValue.self, label: "matrix profile") {
            found.displayName = profile["displayname"]?.string
        }
        identity = found
        client.botUserID = userID
        return found
    }

    // MARK: - Polling

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        let me = try await whoAmI()
        try await ensureInRoom()
        try await loadDirectRooms(me)
        var batch = try await newMessages(request, me: me)
        batch.messages = try await membership.confirming(batch.messages, botID: me.userID) { user throws(TransportError) in
            try await self.isJoined(user)
        }
        return batch
    }

    /// Whether `user` has joined the team's room now: its member state event says `join` (none at all is a 404).
    func isJoined(_ user: String) async throws(TransportError) -> Bool {
        let member = try await client.call(get: "rooms", roomID, "state", "m.room.member", user, as: JSONValue.self,
            label: "matrix room member", for: .lookup)
        return member["membership"]?.string == "join"
    }

    /// The messages after the cursor: the team's room, then the bot's private rooms.
    func newMessages(_ request: PollRequest, me: Identity) async throws(TransportError) -> PollBatch {
        guard let since = request.cursor else { return try await firstSync(me) }
        let directRooms = direct.reading
        let generation = direct.generation
        let wait = Self.milliseconds(request.timeout)
        let answer = try await sync(since: since, timeout: wait, limit: Self.timelineLimit)
        guard let next = answer["next_batch"]?.string else {
            throw .temporary(reason: "matrix sync: malformed answer: no next_batch")
        }
        guard direct.generation == generation else {
            // A private room was made while this sync was under way, so the sync did not read it, and an answer
            // there may already lie before `next_batch`. Nothing of this answer is used: the next sync reads it all
            // again from the same position, with the room.
            return PollBatch(messages: [], cursor: since)
        }
        let rooms = answer["rooms"]
        if rooms?["invite"]?[roomID] != nil {
            logger.notice("the bot was invited to its room; joining", metadata: ["room": "\(roomID)"])
            try await join()
        }
        let joined = rooms?["join"]?[roomID]
        let left = rooms?["leave"]?[roomID]
        var messages = read(try await timeline(joined ?? left, in: roomID, since: since), me: me, watched: request.threads)
        if left != nil, joined == nil {
            // Removed from the room, or left it: join again if that is allowed (invited again, or a public room);
            // if not, stop with the fix rather than poll a room the bot cannot see.
            logger.warning("the bot is no longer in its room; trying to join again", metadata: ["room": "\(roomID)"])
            try await join()
        }
        // The private rooms after the team's: each is one conversation, and none depends on the others' order.
        for room in directRooms.keys.sorted() {
            let joinedDirect = rooms?["join"]?[room]
            let leftDirect = rooms?["leave"]?[room]
            let events = try await timeline(joinedDirect ?? leftDirect, in: room, since: since)
            let found = read(events, me: me, watched: [], inDirectRoom: true)
            noteDirectEvents(events, in: room, messages: found)
            if leftDirect != nil, joinedDirect == nil { direct.stopReading(room) }
            messages += found
        }
        return PollBatch(messages: messages, cursor: next)
    }

    /// One room's new events from a sync, oldest first: its timeline, with a gap (`limited`) filled back to `since`.
    /// Learns display names from the room's state on the way.
    func timeline(_ section: JSONValue?, in room: String, since: String) async throws(TransportError) -> [JSONValue] {
        guard let section else { return [] }
        learnNames(section["state"]?["events"]?.elements ?? [])
        let timeline = section["timeline"]
        let events = timeline?["events"]?.elements ?? []
        if timeline?["limited"]?.bool == true, let gapStart = timeline?["prev_batch"]?.string {
            return try await backfill(room, from: gapStart, to: since) + events
        }
        return events
    }

    /// Once per run, before the first poll or send: joins the room if the bot is not in it yet (a pending invite, or
    /// a public room). The first thing a new bot does is post its introduction, so a send must not find it outside.
    func ensureInRoom() async throws(TransportError) {
        guard !inRoom else { return }
        let answer = try await client.call(get: "joined_rooms", as: JSONValue.self, label: "matrix joined_rooms")
        joinedRooms = Set(answer["joined_rooms"]?.elements.compactMap(\.string) ?? [])
        if !joinedRooms.contains(roomID) {
            logger.notice("the bot is not in its room yet; joining", metadata: ["room": "\(roomID)"])
            try await join()
        }
        inRoom = true
        if await isEncrypted() {
            // The bot can still post, but it would never read a command or an example: say so loudly.
            logger.error("\(Self.encryptedRoomProblem(roomID))")
        }
    }

    /// Whether the room has end-to-end encryption on (an `m.room.encryption` state event). Unknown counts as no.
    func isEncrypted() async -> Bool {
        let state = try? await client.call(get: "rooms", roomID, "state", "m.room.encryption", as: JSONValue.self, label: "matrix room state")
        return state?["algorithm"] != nil
    }

    static func encryptedRoomProblem(_ room: String) -> String {
        "room \(room) is end-to-end encrypted, and the bot does not decrypt: it cannot read commands or examples there. Use a room without encryption (encryption cannot be turned off once on: create a new room with it off and invite the team and the bot)"
    }

    /// First start: take the sync's position as "now" (reading the recent timeline only when the config asks for
    /// the backlog). Private rooms start from "now" too: what they held before is an earlier install's business.
    func firstSync(_ me: Identity) async throws(TransportError) -> PollBatch {
        let answer = try await sync(since: nil, timeout: 0, limit: readsBacklog ? Self.timelineLimit : 1)
        guard let next = answer["next_batch"]?.string else {
            throw .temporary(reason: "matrix sync: malformed answer: no next_batch")
        }
        guard readsBacklog else { return PollBatch(messages: [], cursor: next) }
        let section = answer["rooms"]?["join"]?[roomID]
        learnNames(section?["state"]?["events"]?.elements ?? [])
        return PollBatch(messages: read(section?["timeline"]?["events"]?.elements ?? [], me: me, watched: []), cursor: next)
    }

    func sync(since: String?, timeout: Int, limit: Int) async throws(TransportError) -> JSONValue {
        var query: [(String, String)] = []
        if let since { query.append(("since", since)) }
        query += [("timeout", String(timeout)), ("filter", syncFilter(limit: limit).text), ("set_presence", "offline")]
        // The server holds the request for `timeout`; give the answer ten seconds more to arrive.
        return try await client.call(get: "sync", query: query, as: JSONValue.self, label: "matrix sync",
            timeout: .milliseconds(Int64(timeout)) + client.syncMargin)
    }

    /// Only the messages and member events (for display names) of the team's room and the bot's private rooms;
    /// nothing else the sync could carry. The rooms are listed in the filter itself: a team's worth of private rooms
    /// (a few hundred before the URL nears the 16 KiB request line Synapse accepts) needs no uploaded filter.
    func syncFilter(limit: Int) -> JSONValue {
        let rooms = [roomID] + direct.reading.keys.sorted()
        return [
            "account_data": ["types": []],
            "presence": ["types": []],
            "room": [
                "rooms": .array(rooms.map(JSONValue.string)),
                "account_data": ["types": []],
                "ephemeral": ["types": []],
                "state": ["types": ["m.room.member"], "lazy_load_members": true, "include_redundant_members": true],
                "timeline": ["types": ["m.room.message", "m.room.member"], "limit": .number(Double(limit))],
            ],
        ]
    }

    /// Fills a gap the sync left in `room` (`limited: true`): pages backwards from the timeline's start to the
    /// previous position (`to`), stopping at `gapLimit` events. Returns the events oldest first.
    func backfill(_ room: String, from start: String, to end: String) async throws(TransportError) -> [JSONValue] {
        let filter: JSONValue = ["types": ["m.room.message", "m.room.member"], "lazy_load_members": true]
        var collected: [JSONValue] = []
        var from = start
        while collected.count < Self.gapLimit {
            let page = try await client.call(get: "rooms", room, "messages", query: [
                ("from", from), ("to", end), ("dir", "b"), ("limit", "100"), ("filter", filter.text),
            ], as: JSONValue.self, label: "matrix messages")
            learnNames(page["state"]?.elements ?? [])
            let chunk = page["chunk"]?.elements ?? []
            collected += chunk
            guard !chunk.isEmpty, let next = page["end"]?.string, next != from else { break }
            from = next
        }
        if collected.count >= Self.gapLimit {
            logger.warning("a long gap in the room's timeline was filled only in part; older messages in it are skipped",
                metadata: ["room": "\(room)", "events": "\(collected.count)"])
        }
        return collected.prefix(Self.gapLimit).reversed()
    }

    /// The engine's messages in `events`; in a private room they are `isDirect`, so the answers stay private.
    func read(_ events: [JSONValue], me: Identity, watched: [String], inDirectRoom: Bool = false) -> [InboundMessage] {
        var seen = Set<String>()
        var messages: [InboundMessage] = []
        for event in events {
            if event["type"]?.string == "m.room.member" {
                learnNames([event])
                continue
            }
            let reader = MatrixReader(selfID: me.userID, selfName: me.displayName, botName: botName,
                names: names, watchedRoots: Set(watched), inDirectRoom: inDirectRoom)
            guard let message = reader.message(event), seen.insert(message.id).inserted else { continue }
            messages.append(message)
        }
        return messages
    }

    func learnNames(_ events: [JSONValue]) {
        guard !events.isEmpty else { return }
        MatrixReader.learnNames(from: events, into: &names)
    }

    func join() async throws(TransportError) {
        do {
            _ = try await client.call(post: "join", roomID, body: JSONValue.object([:]), as: JSONValue.self, label: "matrix join")
        } catch .unauthorized(let reason) {
            throw .unauthorized(reason: "\(reason). \(client.invitationHint)")
        } catch .rejected(let reason) {
            // 404 and friends: the room id is wrong, or the room is gone. Nothing works until the config is fixed.
            throw .unauthorized(reason: "\(reason). Check transport.settings.room (\(roomID)) and \(client.invitationHint)")
        }
    }

    // MARK: - Sending

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        let relation: JSONValue?
        switch message.destination {
        case .channel, .direct:
            relation = nil
        case .thread(let root):
            // The fallback reply keeps the message readable in clients without threads.
            relation = ["rel_type": "m.thread", "event_id": .string(root), "is_falling_back": true,
                "m.in_reply_to": ["event_id": .string(root)]]
        }
        try await ensureInRoom()
        var room = roomID
        var purpose = CallPurpose.channel
        if case .direct(let user) = message.destination {
            // The member need not have accepted the invite: the post waits in the room until they do.
            room = try await directRoom(with: user)
            purpose = .direct
        }
        let parts = Self.parts(message.text)
        do {
            return try await ledger.deliver(parts, key: key, splitter: Self.partSplitter) { index, formatted throws(TransportError) in
                var content: JSONValue = [
                    "msgtype": "m.text", "body": .string(Self.body(formatted)), "format": "org.matrix.custom.html",
                    "formatted_body": .string(formatted),
                    // Empty: nothing the bot posts pings anyone, whatever names it holds.
                    "m.mentions": [:],
                ]
                if let relation, case .object(var fields) = content {
                    fields["m.relates_to"] = relation
                    content = .object(fields)
                }
                // The same delivery key on a retry or after a restart: the homeserver returns the first event again.
                let txnID = PartsLedger.partKey(key, index)
                let answer = try await client.call(put: "rooms", room, "send", "m.room.message", txnID, body: content,
                    as: JSONValue.self, label: "matrix send", for: purpose)
                guard let eventID = answer["event_id"]?.string else {
                    throw .temporary(reason: "matrix send: malformed answer: no event_id")
                }
                return eventID
            }
        } catch .rejected(let reason) where purpose == .direct {
            // Refused in a private room (the bot was removed from it): this message is dropped, and the next one to
            // the member looks for a room again.
            direct.forget(room)
            throw .rejected(reason: reason)
        }
    }

    /// The rendered text as `formatted_body` parts, each within `formattedLimit` bytes and with an event small
    /// enough for the homeserver. The text is split first (so no break falls inside a tag or entity) and converted
    /// after; if line breaks turned into `<br>`, or JSON escaping of the body and the HTML, push a part over, it is
    /// split finer. `@room` is broken in both the HTML and the body (`defusingRoomMentions`).
    static func parts(_ text: String, limit: Int = formattedLimit) -> [String] {
        var budget = limit
        while true {
            let parts = MessageSplitter(limit: budget, measure: .utf8, markup: .html).split(text).map {
                MatrixHTML.defusingRoomMentions(MatrixHTML.formatted($0), html: true)
            }
            let fits = parts.allSatisfy { $0.utf8.count <= limit && contentBytes($0) <= contentLimit }
            if budget <= 1_000 || fits { return parts }
            budget = budget * 2 / 3
        }
    }

    /// What an event's `body` and `formatted_body` may take together, as the homeserver counts them: canonical JSON,
    /// where a quote or a backslash takes two bytes and a control character up to six. The whole event must stay
    /// under 65,536 bytes; the rest (ids, hashes, signatures, the thread relation) takes a few kilobytes at most.
    static let contentLimit = 60_000

    /// How a part the homeserver refused as too large (`M_TOO_LARGE`) is split finer: the `formatted_body` itself,
    /// by bytes, breaking `@room` in every piece.
    static let partSplitter = MessageSplitter(limit: formattedLimit, measure: .utf8, markup: .html,
        finishing: { MatrixHTML.defusingRoomMentions($0, html: true) })

    /// The plain `body` for a `formatted_body` part.
    static func body(_ formatted: String) -> String {
        MatrixHTML.defusingRoomMentions(MatrixHTML.plain(formatted), html: false)
    }

    /// The bytes `body` and `formatted_body` take in the event's canonical JSON.
    static func contentBytes(_ formatted: String) -> Int {
        canonicalJSONBytes(formatted) + canonicalJSONBytes(body(formatted))
    }

    static func canonicalJSONBytes(_ text: String) -> Int {
        var total = 2
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22, 0x5C, 0x08, 0x09, 0x0A, 0x0C, 0x0D: total += 2
            case 0..<0x20: total += 6
            default: total += UTF8.width(scalar)
            }
        }
        return total
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
