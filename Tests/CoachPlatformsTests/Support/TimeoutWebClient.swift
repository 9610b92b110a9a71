import AsyncHTTPClient
import CoachChat
import CoachPlatforms
import Foundation

/// A web client that sends every request through the live client, except those a test scripted to time out: they
/// fail at once with exactly what `HTTPWebClient` throws when a platform never answers
/// (`HTTPWebClient.failure(HTTPClientError.deadlineExceeded, for:)`), so an adapter's handling of a timeout is tested
/// without waiting for one. `WebClientTests` proves that mapping once, against a server that really does not answer.
actor TimeoutWebClient: WebClient {
    private let live = HTTPWebClient()
    /// How many more requests with each label time out.
    private var timeouts: [String: Int] = [:]
    /// The labels of the requests that timed out, in order.
    private(set) var timedOut: [String] = []

    /// The next `times` requests labelled `label` ("slack auth.test") time out.
    func timeOut(_ label: String, times: Int = 1) {
        timeouts[label, default: 0] += times
    }

    func send(_ request: WebRequest) async throws(TransportError) -> WebResponse {
        if let left = timeouts[request.label], left > 0 {
            timeouts[request.label] = left - 1
            timedOut.append(request.label)
            throw HTTPWebClient.failure(HTTPClientError.deadlineExceeded, for: request)
        }
        return try await live.send(request)
    }
}
