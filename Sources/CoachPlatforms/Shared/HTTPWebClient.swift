import AsyncHTTPClient
import CoachChat
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The live HTTP client: AsyncHTTPClient on SwiftNIO. Timeouts, refused and reset connections become `.temporary`,
/// so the runtime backs off and retries; the request's label, never its URL, names the call.
///
/// Why not URLSession: on Linux, FoundationNetworking's libcurl integration leaves a write source armed for a
/// request on a new connection, so while a platform accepts the connection and never answers (a frozen homeserver)
/// its dispatch manager thread loops on `epoll_wait`, about a CPU core's worth (46 s of CPU in 60 s, measured by
/// `COACH_BENCH_ONLY=hung coach-bench`; cancelling the task or recreating the session did not stop it). NIO waits
/// on the socket's readability alone and costs nothing while it waits.
public final class HTTPWebClient: WebClient {
    /// One client for the process: its connection pool and event loops are shared by every adapter, and it is never
    /// shut down (the process ending closes its sockets), so no adapter can outlive it.
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        // Redirects are followed here, within one origin only (`send`), so credentials never travel elsewhere.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10))
        // Every team of a teams folder shares this pool, often on one host (a hosted Mattermost, slack.com): with the
        // default eight connections per host, the ninth team's call would wait for another team's long-poll to end.
        // A long-poll holds its connection by design, so each call in flight gets its own.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 100_000)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The most an answer may be: far more than any platform's page of messages, and bounded, so a server that
    /// never stops sending cannot fill the memory.
    static let maximumBody = 64 * 1024 * 1024

    /// Redirects followed within one origin before the last answer is returned as it is.
    static let maximumRedirects = 5

    public init() {}

    public func send(_ request: WebRequest) async throws(TransportError) -> WebResponse {
        var current = request
        var response = try await once(current)
        var hops = 0
        while let next = Self.redirect(from: current, response), hops < Self.maximumRedirects {
            current = next
            response = try await once(current)
            hops += 1
        }
        if let refusal = SameOriginRedirects.refusal(status: response.status, location: response.header("location"), request: current) {
            throw refusal
        }
        return response
    }

    /// The request a redirect asks for, when it stays on the same origin (scheme, host and port): a redirect to
    /// anywhere else is not followed, so the request's credentials (an `Authorization` header, a token in the
    /// body) never reach a server they were not meant for; `send` refuses it with a message saying so.
    static func redirect(from request: WebRequest, _ response: WebResponse) -> WebRequest? {
        guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("location"),
            let target = URL(string: location, relativeTo: request.url)?.absoluteURL,
            SameOriginRedirects.sameOrigin(target, request.url)
        else { return nil }
        var next = request
        next.url = target
        // 303 always, and 301 or 302 after anything but a read, continue as a GET without the body, as browsers do.
        if response.status == 303 || ([301, 302].contains(response.status) && !["GET", "HEAD"].contains(request.method)) {
            next.method = "GET"
            next.body = nil
            next.headers["Content-Type"] = nil
        }
        return next
    }


    private func once(_ request: WebRequest) async throws(TransportError) -> WebResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.replaceOrAdd(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            // The timeout covers the whole call. AsyncHTTPClient's own deadline ends once the head arrives, so the
            // body is read against the same deadline here: a server that freezes mid-answer is given up on in time.
            let timeout = Int64(request.timeout.nanoseconds)
            let deadline = ContinuousClock.now + .nanoseconds(timeout)
            let response = try await Self.shared.execute(outgoing, timeout: .nanoseconds(timeout))
            let body = try await Self.collect(response.body, before: deadline)
            var headers: [String: String] = [:]
            for (name, value) in response.headers {
                let key = name.lowercased()
                headers[key] = headers[key].map { $0 + ", " + value } ?? value
            }
            return WebResponse(status: Int(response.status.code), headers: headers, body: Data(body.readableBytesView))
        } catch {
            throw Self.failure(error, for: request)
        }
    }

    /// The whole body, or `HTTPClientError.deadlineExceeded` at the deadline (the read is then cancelled, which
    /// closes the connection).
    static func collect(_ body: HTTPClientResponse.Body, before deadline: ContinuousClock.Instant) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: maximumBody) }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else { throw HTTPClientError.deadlineExceeded }
            return buffer
        }
    }

    /// What a network failure means for the runtime: temporary, named by the request's label (never its URL).
    /// Test doubles throw this too, so a timeout test need not wait for one.
    public static func failure(_ error: any Error, for request: WebRequest) -> TransportError {
        .temporary(reason: "\(request.label): \(describe(error, timeout: request.timeout))")
    }

    /// What went wrong in plain words. Built from the kind of error only, never its text, which may quote the URL.
    static func describe(_ error: any Error, timeout: Duration) -> String {
        if error is CancellationError { return "cancelled" }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return "no answer within \(seconds(timeout)) s"
            case .connectTimeout: return "no connection within 10 s"
            case .remoteConnectionClosed: return "connection reset"
            case .cancelled: return "cancelled"
            default: return "HTTP error"
            }
        }
        if error is NIOTooManyBytesError { return "an answer larger than \(maximumBody / 1_048_576) MiB" }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET, EPIPE: return "connection reset"
            case ETIMEDOUT: return "no answer within \(seconds(timeout)) s"
            default: return "network error \(error.errnoCode)"
            }
        }
        if let error = error as? NIOConnectionError {
            let causes = error.connectionErrors.map { $0.error }
            if causes.contains(where: { ($0 as? IOError)?.errnoCode == ECONNREFUSED }) { return "connection refused" }
            return error.dnsAError != nil && error.dnsAAAAError != nil && causes.isEmpty ? "host not found" : "no connection"
        }
        let kind = String(describing: type(of: error))
        if kind.contains("SSL") || kind.contains("TLS") { return "TLS failed" }
        return "network error (\(kind))"
    }

    static func seconds(_ duration: Duration) -> Int {
        Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18).rounded(.up))
    }
}

extension Duration {
    /// Whole nanoseconds, for NIO's time amounts.
    var nanoseconds: Double {
        Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9
    }
}
