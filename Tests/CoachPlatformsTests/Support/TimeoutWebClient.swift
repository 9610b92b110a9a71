import CoachChat
import CoachPlatforms
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A web client that sends every request through URLSession, except those a test scripted to time out: they fail at
/// once with exactly what `URLSessionWebClient` throws when a platform never answers
/// (`URLSessionWebClient.failure(URLError(.timedOut), for:)`), so an adapter's handling of a timeout is tested
/// without waiting for one. `WebClientTests` proves that mapping once, against a server that really does not answer.
actor TimeoutWebClient: WebClient {
    private let live = URLSessionWebClient()
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
            throw URLSessionWebClient.failure(URLError(.timedOut), for: request)
        }
        return try await live.send(request)
    }
}
