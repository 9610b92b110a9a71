import CoachChat
import CoachPlatforms
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What waiting costs when a platform hangs: a local server on 127.0.0.1 that accepts every connection and then
/// never answers (as a frozen Synapse does), or sends the start of an answer and then freezes. The bot's HTTP client
/// polls it as the runtime would (each call waits out its timeout, then the next starts on a new connection), and
/// the row is the CPU time the process spends over the window: waiting should cost next to nothing.
enum HungServerBenchmark {
    static func rows(seconds: Double) async -> [(String, String, String)] {
        var rows: [(String, String, String)] = []
        for (mode, name) in [(HungServer.Mode.silent, "never answers"), (.midResponse, "freezes mid-response")] {
            let server = HungServer(mode: mode)
            let cpu = await pollCPU(port: server.port, seconds: seconds)
            server.stop()
            rows.append(("CPU (user+sys), \(Int(seconds)) s polling a server that \(name)", String(format: "%.2f s", cpu), "< 0.5 s"))
        }
        return rows
    }

    /// Polls the hung server for `seconds`, each call with a 5 s timeout, and returns the CPU time spent meanwhile.
    static func pollCPU(port: Int, seconds: Double) async -> Double {
        let web = HTTPWebClient()
        let url = URL(string: "http://127.0.0.1:\(port)/_matrix/client/v3/sync")!
        let start = Date()
        let before = MatrixBenchmark.cpuSeconds()
        while Date().timeIntervalSince(start) < seconds {
            let left = seconds - Date().timeIntervalSince(start)
            let request = WebRequest(url: url, timeout: .milliseconds(Int(min(5, max(1, left)) * 1000)), label: "hung sync")
            _ = try? await web.send(request)
        }
        return MatrixBenchmark.cpuSeconds() - before
    }
}

/// A TCP server on 127.0.0.1 that accepts and holds every connection: silent, or after the start of a chunked
/// answer. Plain POSIX sockets on a thread of its own, so it costs the measured process no CPU while it waits.
final class HungServer: @unchecked Sendable {
    enum Mode { case silent, midResponse }

    // @unchecked: `held` and `running` are touched only by the accept thread, and by `stop` after it has ended.
    let port: Int
    private let socket: Int32
    private var held: [Int32] = []

    init(mode: Mode) {
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, size) } }
        listen(listener, 64)
        var bound = sockaddr_in()
        var length = size
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        socket = listener
        port = Int(UInt16(bigEndian: bound.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                held.append(client)
                if mode == .midResponse {
                    let start = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"next_batch\":"
                    _ = start.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                }
            }
        }
    }

    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
