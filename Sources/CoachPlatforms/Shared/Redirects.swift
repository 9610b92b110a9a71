import CoachChat
import Foundation

/// Redirects are followed only within the origin (scheme, host and port) a call was made to (`HTTPWebClient`).
///
/// A client that follows a 301, 302, 303, 307 or 308 by itself sends the request's headers again, `Authorization`
/// included (URLSession on Linux did, and a 307 or 308 also resends the body, which for a Matrix login holds the
/// password). A server, a proxy or a compromised DNS entry could then collect the bot's token from another
/// address. So a redirect to another origin is not followed: `refusal` turns it into an error that says where the
/// server wanted the call to go. Following it without the credentials instead
/// would be no better: the call would fail there anyway (every platform API needs them, and a webhook's URL *is*
/// the credential), only later and with a more confusing message. An API that really moved is one setting away.
enum SameOriginRedirects {
    /// Whether both URLs have the same scheme, host and port (a missing port is the scheme's default).
    static func sameOrigin(_ a: URL?, _ b: URL?) -> Bool {
        guard let a = a.flatMap(Origin.init), let b = b.flatMap(Origin.init) else { return false }
        return a == b
    }

    /// What a redirect that was not followed means: an error naming the call and the origin the server pointed to
    /// (never the whole address, which a hostile server could fill with anything). Nil for any other answer.
    static func refusal(status: Int, location: String?, request: WebRequest) -> TransportError? {
        guard (300..<400).contains(status), status != 304, let location else { return nil }
        let target = URL(string: location, relativeTo: request.url)?.absoluteURL
        guard !sameOrigin(request.url, target) else { return nil }
        let place = target.flatMap(Origin.init).map { " (\($0))" } ?? ""
        return .unauthorized(reason: "\(request.label): the server answered HTTP \(status), sending the call to another address\(place); the bot does not follow a redirect away from the server it was configured with, so its credentials never go anywhere else. If the service really moved, put its new address in the config (transport.settings.baseURL, or the webhook URL in its environment variable)")
    }

    struct Origin: Equatable, CustomStringConvertible {
        var scheme: String
        var host: String
        var port: Int

        init?(_ url: URL) {
            guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
            let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
            guard let port = url.port ?? defaultPort else { return nil }
            self.scheme = scheme
            self.host = host
            self.port = port
        }

        var description: String {
            let standard = (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
            return "\(scheme)://\(host)" + (standard ? "" : ":\(port)")
        }
    }
}
