import CoachPlatforms
import FlyingFox
import Foundation
import Testing

/// A request as the fake platform received it.
struct Received: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (`[:]` when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    /// The body as form fields.
    var form: [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body's parts, when it is `multipart/form-data` (RFC 7578), read as a server reads them: split at the
    /// boundary the `Content-Type` header names. Empty when the body is not multipart.
    var multipart: [FormPart] {
        guard let type = header("Content-Type"), type.hasPrefix("multipart/form-data"),
            let boundary = type.components(separatedBy: "boundary=").last.map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) })
        else { return [] }
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [FormPart] = []
        var rest = body[...]
        guard let first = rest.range(of: delimiter) else { return [] }
        rest = rest[first.upperBound...]
        while !rest.starts(with: Data("--".utf8)), let next = rest.range(of: Data("\r\n".utf8) + delimiter) {
            var part = rest[rest.startIndex..<next.lowerBound]
            if part.starts(with: Data("\r\n".utf8)) { part = part.dropFirst(2) }
            if let split = part.range(of: Data("\r\n\r\n".utf8)) {
                let headerText = String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self)
                parts.append(FormPart(headerText: headerText, body: Data(part[split.upperBound...])))
            }
            rest = rest[next.upperBound...]
        }
        return parts
    }

    /// The multipart part of this name.
    func part(_ name: String) -> FormPart? { multipart.first { $0.name == name } }
}

/// One part of a multipart body: its field name, file name and type (for a file), and its bytes.
struct FormPart: Sendable {
    var name: String?
    var filename: String?
    var contentType: String?
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    init(headerText: String, body: Data) {
        self.body = body
        for line in headerText.components(separatedBy: "\r\n") {
            let lower = line.lowercased()
            if lower.hasPrefix("content-type:") {
                contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
            } else if lower.hasPrefix("content-disposition:") {
                name = Self.parameter("name", in: line)
                filename = Self.parameter("filename", in: line)
            }
        }
    }

    /// A quoted parameter of a header line, its escapes undone.
    static func parameter(_ key: String, in line: String) -> String? {
        guard let start = line.range(of: "; \(key)=\"") else { return nil }
        var value = ""
        var escaped = false
        for character in line[start.upperBound...] {
            if escaped {
                value.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                return value
            } else {
                value.append(character)
            }
        }
        return nil
    }
}

/// What the fake platform answers.
struct Reply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
    /// Hold the answer this long (real time): for timeout tests, longer than the client waits.
    var delay: Duration?

    init(status: Int = 200, headers: [String: String] = [:], body: Data = Data(), delay: Duration? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }

    static func json(_ object: Any, status: Int = 200, headers: [String: String] = [:]) -> Reply {
        var headers = headers
        headers["Content-Type"] = "application/json"
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Reply(status: status, headers: headers, body: body)
    }

    static func text(_ text: String, status: Int, headers: [String: String] = [:]) -> Reply {
        var headers = headers
        headers["Content-Type"] = "text/plain"
        return Reply(status: status, headers: headers, body: Data(text.utf8))
    }

    /// A body that is not the JSON the platform documents (a proxy's error page).
    static let malformed = Reply(status: 200, headers: ["Content-Type": "application/json"], body: Data("<html>502 Bad Gateway".utf8))
}

/// A local HTTP server on 127.0.0.1 that plays a platform: the test gives the behaviour, the server records every
/// request in order so the test can assert exactly what the bot sent. It is stopped when its test ends: its suite
/// has the `.stopsServers` trait.
final class FakeServer: @unchecked Sendable {
    // @unchecked: `log` is only touched under `lock`; the handler is immutable.
    private let server: HTTPServer
    private let task: Task<Void, any Error>
    private let lock = NSLock()
    private var log: [Received] = []
    let baseURL: URL

    /// Starts the server; `handle` answers every request (it may keep its own state, e.g. an actor).
    init(_ handle: @escaping @Sendable (Received) async -> Reply) async throws {
        guard let started = StartedServers.current else { throw FakeServerError.noOneStopsIt }
        let box = Box()
        let handler = ClosureHTTPHandler { request in
            let received = Received(
                method: request.method.rawValue, path: request.path,
                query: Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
                headers: Dictionary(request.headers.map { ($0.key.rawValue.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a }),
                body: try await request.bodyData)
            box.server?.record(received)
            let reply = await handle(received)
            if let delay = reply.delay { try await Task.sleep(for: delay) }
            var headers = HTTPHeaders()
            for (name, value) in reply.headers { headers[HTTPHeader(name)] = value }
            return HTTPResponse(statusCode: HTTPStatusCode(reply.status, phrase: "Status"), headers: headers, body: reply.body)
        }
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled, handler: handler)
        self.server = server
        let task = Task { try await server.run() }
        self.task = task
        await started.add {
            await server.stop(timeout: 0)
            task.cancel()
        }
        // Returns as soon as the socket listens; the bound is only for a server that never does. FlyingFox's 5 s
        // default failed every Matrix test at once on a machine busy with three parallel builds.
        try await server.waitUntilListening(timeout: 60)
        guard case .ip4(_, let port) = await server.listeningAddress else { throw FakeServerError.noAddress }
        self.baseURL = URL(string: "http://127.0.0.1:\(port)")!
        box.server = self
    }

    private func record(_ request: Received) {
        lock.withLock { log.append(request) }
    }

    /// Every request so far, in arrival order.
    var requests: [Received] { lock.withLock { log } }

    func requests(to path: String) -> [Received] { requests.filter { $0.path == path } }

    private final class Box: @unchecked Sendable {
        weak var server: FakeServer?
    }
}

enum FakeServerError: Error, CustomStringConvertible {
    case noAddress
    case noOneStopsIt

    var description: String {
        switch self {
        case .noAddress: "the fake server has no address"
        case .noOneStopsIt: "a FakeServer was started outside `.stopsServers`: add that trait to the suite, so the server is stopped when the test ends"
        }
    }
}

/// Stops, awaited, every fake server a test started, however the test ends (returned, threw, or failed an
/// expectation): a test's servers never outlive it, and no stop is left to a task nobody waits for.
///
/// A trait rather than a closure around each test body: test bodies stay plain functions. (Swift 6.3 miscompiles a
/// `#require` with a `$0` closure followed by another `$0` closure when both sit inside a closure: the second one
/// runs as the first. Wrapping every test in `withServer { … }` walked straight into it.)
struct StopsServers: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let started = StartedServers()
        do {
            try await StartedServers.$current.withValue(started) { try await function() }
        } catch {
            await started.stopAll()
            throw error
        }
        await started.stopAll()
    }
}

extension Trait where Self == StopsServers {
    /// Every fake server a test in this suite starts is stopped, awaited, when the test ends.
    static var stopsServers: Self { Self() }
}

/// The servers the running test started; `StopsServers` sets it for each test.
actor StartedServers {
    @TaskLocal static var current: StartedServers?

    private var stops: [@Sendable () async -> Void] = []

    func add(_ stop: @escaping @Sendable () async -> Void) { stops.append(stop) }

    func stopAll() async {
        for stop in stops { await stop() }
        stops = []
    }
}
