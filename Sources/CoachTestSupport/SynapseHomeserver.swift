import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Synapse started by `scripts/synapse.sh`, driven the way people would use it: accounts registered through
/// the shared-secret admin API, a room, members who post and read. Used by the Synapse tests and the benchmark.
///
/// Plain URLSession and JSONSerialization on purpose: the code under test (the Matrix adapter) must not also be the
/// code that checks it.
public struct SynapseHomeserver: Sendable {
    public let url: URL
    let sharedSecret: String

    public init(url: URL, sharedSecret: String) {
        self.url = url
        self.sharedSecret = sharedSecret
    }

    /// The server `scripts/synapse.sh start` wrote to the environment (`COACH_SYNAPSE_URL`, `COACH_SYNAPSE_SECRET`),
    /// or nil when there is none.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SynapseHomeserver? {
        guard let text = environment["COACH_SYNAPSE_URL"], !text.isEmpty, let url = URL(string: text),
            let secret = environment["COACH_SYNAPSE_SECRET"], !secret.isEmpty
        else { return nil }
        return SynapseHomeserver(url: url, sharedSecret: secret)
    }

    /// A fresh account (`localpart` plus a random suffix, so runs against one database never collide), registered
    /// with the shared secret: `GET` a nonce, then `POST` it with an HMAC-SHA1 of the details.
    public func register(_ localpart: String, displayName: String) async throws -> MatrixAccount {
        // A nonce is good for one registration. On a busy machine the HTTP stack may send the POST again on a fresh
        // connection after Synapse already used the nonce ("unrecognised nonce"): register afresh, under a new name.
        var attempt = 1
        while true {
            do {
                return try await registerOnce(localpart, displayName: displayName)
            } catch SynapseError.status(400, let body) where body.contains("unrecognised nonce") && attempt < 3 {
                attempt += 1
            }
        }
    }

    private func registerOnce(_ localpart: String, displayName: String) async throws -> MatrixAccount {
        let username = "\(localpart)-\(UUID().uuidString.prefix(8).lowercased())"
        let password = UUID().uuidString
        let endpoint = url.appendingPathComponent("_synapse/admin/v1/register")
        let nonceAnswer = try await Self.call("GET", endpoint, token: nil, body: nil)
        guard let nonce = nonceAnswer["nonce"] as? String else { throw SynapseError.unexpected("no nonce", "\(nonceAnswer)") }
        let mac = Self.hmacSHA1(key: Array(sharedSecret.utf8), message: Array("\(nonce)\0\(username)\0\(password)\0notadmin".utf8))
        let answer = try await Self.call("POST", endpoint, token: nil, body: [
            "nonce": nonce, "username": username, "password": password, "admin": false, "displayname": displayName,
            "mac": mac.map { String(format: "%02x", $0) }.joined(),
        ])
        guard let userID = answer["user_id"] as? String, let token = answer["access_token"] as? String else {
            throw SynapseError.unexpected("registration", "\(answer)")
        }
        return MatrixAccount(homeserver: url, userID: userID, accessToken: token, deviceID: answer["device_id"] as? String ?? "")
    }

    // MARK: - HTTP

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 8
        return URLSession(configuration: configuration)
    }()

    static func call(_ method: String, _ url: URL, token: String?, body: [String: Any]?, timeout: TimeInterval = 30) async throws -> [String: Any] {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await session.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            throw SynapseError.status((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data.prefix(300), as: UTF8.self))
        }
        return object
    }

    // MARK: - HMAC-SHA1 (registration only; not a dependency worth adding for one MAC)

    public static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? sha1(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = sha1(block.map { $0 ^ 0x36 } + message)
        return sha1(block.map { $0 ^ 0x5C } + inner)
    }

    public static func sha1(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = message
        let bits = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 { (value << count) | (value >> (32 - count)) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + 4 * i
                w[i] = UInt32(data[j]) << 24 | UInt32(data[j + 1]) << 16 | UInt32(data[j + 2]) << 8 | UInt32(data[j + 3])
            }
            for i in 16..<80 { w[i] = rotate(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let f: UInt32
                let k: UInt32
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let next = rotate(a, 5) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, rotate(b, 30), a, next)
            }
            h[0] &+= a
            h[1] &+= b
            h[2] &+= c
            h[3] &+= d
            h[4] &+= e
        }
        return h.flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> UInt32($0)) } }
    }
}

public enum SynapseError: Error, CustomStringConvertible {
    case status(Int, String)
    case unexpected(String, String)

    public var description: String {
        switch self {
        case .status(let code, let body): "Synapse answered HTTP \(code): \(body)"
        case .unexpected(let what, let body): "Synapse's answer to \(what) was unexpected: \(body)"
        }
    }
}

/// One account on the test homeserver, acting as a person in a chat client would.
public struct MatrixAccount: Sendable {
    public let homeserver: URL
    public let userID: String
    public let accessToken: String
    public let deviceID: String

    var api: URL { homeserver.appendingPathComponent("_matrix/client/v3") }

    func path(_ segments: String...) -> URL {
        var url = api
        for segment in segments { url = url.appendingPathComponent(segment) }
        return url
    }

    func call(_ method: String, _ url: URL, _ body: [String: Any]? = nil, timeout: TimeInterval = 30) async throws -> [String: Any] {
        try await SynapseHomeserver.call(method, url, token: accessToken, body: body, timeout: timeout)
    }

    /// A private room named `name`, with `invite` invited (they still have to join); `encrypted` turns on
    /// end-to-end encryption, as Element does by default for private rooms.
    public func createRoom(name: String, invite: [String], encrypted: Bool = false) async throws -> String {
        var body: [String: Any] = ["name": name, "preset": "private_chat", "invite": invite]
        if encrypted {
            body["initial_state"] = [["type": "m.room.encryption", "state_key": "", "content": ["algorithm": "m.megolm.v1.aes-sha2"]]]
        }
        let answer = try await call("POST", path("createRoom"), body)
        guard let room = answer["room_id"] as? String else { throw SynapseError.unexpected("createRoom", "\(answer)") }
        return room
    }

    public func join(_ room: String) async throws {
        _ = try await call("POST", path("join", room), [:])
    }

    /// Posts a text message (`extra` adds content fields: formatting, relations, mentions); returns its event id.
    @discardableResult
    public func say(_ text: String, in room: String, extra: [String: Any] = [:]) async throws -> String {
        var content: [String: Any] = ["msgtype": "m.text", "body": text]
        content.merge(extra) { $1 }
        let answer = try await call("PUT", path("rooms", room, "send", "m.room.message", UUID().uuidString), content)
        guard let id = answer["event_id"] as? String else { throw SynapseError.unexpected("send", "\(answer)") }
        return id
    }

    /// The room's messages, oldest first (up to `limit`).
    public func messages(in room: String, limit: Int = 1000) async throws -> [[String: Any]] {
        var components = URLComponents(url: path("rooms", room, "messages"), resolvingAgainstBaseURL: false)
        components?.queryItems = [.init(name: "dir", value: "b"), .init(name: "limit", value: String(limit))]
        guard let url = components?.url else { return [] }
        let answer = try await call("GET", url)
        let chunk = answer["chunk"] as? [[String: Any]] ?? []
        return chunk.filter { $0["type"] as? String == "m.room.message" }.reversed()
    }

    /// The rooms this account is invited to, as its own client sees the invites: who invited it, and whether the
    /// invite marks the room as a direct chat (`is_direct` on the account's own membership event).
    public func invites() async throws -> [(room: String, inviter: String, isDirect: Bool)] {
        // Synapse answers a repeated identical sync from a cache for a while (it would show an invite already
        // accepted): an event type no one sends makes each look a new request.
        let unique = "test.unique.\(UUID().uuidString)"
        let filter = #"{"room":{"timeline":{"limit":0,"not_types":["\#(unique)"]},"state":{"types":[]},"ephemeral":{"types":[]},"account_data":{"types":[]}},"presence":{"types":[]},"account_data":{"types":[]}}"#
        var components = URLComponents(url: path("sync"), resolvingAgainstBaseURL: false)
        components?.queryItems = [.init(name: "timeout", value: "0"), .init(name: "filter", value: filter)]
        guard let url = components?.url else { throw SynapseError.unexpected("sync url", "") }
        let answer = try await call("GET", url)
        let invited = (answer["rooms"] as? [String: Any])?["invite"] as? [String: Any] ?? [:]
        return invited.keys.sorted().map { room in
            let events = ((invited[room] as? [String: Any])?["invite_state"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
            let mine = events.first { $0["type"] as? String == "m.room.member" && $0["state_key"] as? String == userID }
            let content = mine?["content"] as? [String: Any]
            return (room, mine?.sender ?? "", content?["is_direct"] as? Bool ?? false)
        }
    }

    /// One of this account's account data entries (`m.direct`: user id → room ids), or nil when never written.
    public func accountData(_ type: String) async throws -> [String: Any]? {
        do {
            return try await call("GET", path("user", userID, "account_data", type))
        } catch SynapseError.status(404, _) {
            return nil
        }
    }

    /// A file from the media repository, as a member's client downloads it: the authenticated endpoint (Matrix
    /// 1.11), with the account's token. The bytes, and the type the homeserver serves them as.
    public func download(_ uri: String) async throws -> (bytes: Data, contentType: String?) {
        guard uri.hasPrefix("mxc://") else { throw SynapseError.unexpected("not an mxc URI", uri) }
        let serverAndID = uri.dropFirst("mxc://".count)
        let url = homeserver.appendingPathComponent("_matrix/client/v1/media/download/\(serverAndID)")
        var request = URLRequest(url: url)
        request.setValue("Bearer \(accessToken)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 30
        let (data, response) = try await SynapseHomeserver.session.data(for: request)
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            throw SynapseError.status((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data.prefix(300), as: UTF8.self))
        }
        return (data, http.value(forHTTPHeaderField: "Content-Type"))
    }

    /// The rooms this account has joined.
    public func joinedRooms() async throws -> [String] {
        try await call("GET", path("joined_rooms"))["joined_rooms"] as? [String] ?? []
    }

    /// One `/sync` for `room`'s messages: the events after `since` (waiting up to `timeout` ms), and the next token.
    public func sync(room: String, since: String?, timeout: Int) async throws -> (events: [[String: Any]], next: String) {
        let filter = #"{"room":{"rooms":["\#(room)"],"timeline":{"types":["m.room.message"],"limit":50},"state":{"types":[]},"ephemeral":{"types":[]}},"presence":{"types":[]},"account_data":{"types":[]}}"#
        var components = URLComponents(url: path("sync"), resolvingAgainstBaseURL: false)
        var items: [URLQueryItem] = [.init(name: "timeout", value: String(timeout)), .init(name: "filter", value: filter)]
        if let since { items.append(.init(name: "since", value: since)) }
        components?.queryItems = items
        guard let url = components?.url else { throw SynapseError.unexpected("sync url", "") }
        let answer = try await call("GET", url, timeout: Double(timeout) / 1000 + 10)
        guard let next = answer["next_batch"] as? String else { throw SynapseError.unexpected("sync", "\(answer)") }
        let rooms = answer["rooms"] as? [String: Any]
        let joined = (rooms?["join"] as? [String: Any])?[room] as? [String: Any]
        let events = (joined?["timeline"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
        return (events, next)
    }
}

extension [String: Any] {
    /// A message event's `content.body`.
    public var messageBody: String { (self["content"] as? [String: Any])?["body"] as? String ?? "" }
    public var sender: String { self["sender"] as? String ?? "" }
    public var eventID: String { self["event_id"] as? String ?? "" }
    /// The thread a message event belongs to, if any.
    public var threadRoot: String? {
        guard let relation = (self["content"] as? [String: Any])?["m.relates_to"] as? [String: Any],
            relation["rel_type"] as? String == "m.thread"
        else { return nil }
        return relation["event_id"] as? String
    }
}
