import Foundation

/// Masks the deployment's secrets in text that leaves the bot: log lines, errors, `coach check`'s report, what is
/// written to the state folder. Built from the secrets the config names (every value read from a `*Env` variable),
/// so it knows each secret's value and the variable it came from; a secret is replaced by `[redacted VARIABLE]`.
///
/// A secret rarely comes back as typed. A server that echoes a request quotes it inside JSON (`\"`, `\/`, `\u00f6`),
/// URL-encoded (a form body, a query), in an `Authorization: Basic` header (base64, with the user name in front), or,
/// for a webhook URL, only its path or one of its query values. Every such form is looked for, longest first, in one
/// pass, so a mask is never itself re-read and no form is half-replaced by a shorter one.
public struct Redactor: Sendable {
    /// A secret's value and the environment variable it was read from, which names it in the mask.
    public struct Secret: Sendable, Hashable {
        public var value: String
        public var name: String

        public init(value: String, name: String) {
            self.value = value
            self.name = name
        }
    }

    public let secrets: [Secret]
    /// Every form of every secret, as UTF-8, with its mask; longest first.
    private let forms: [(bytes: [UInt8], mask: [UInt8])]
    /// Indexes into `forms` by first byte, so a scan looks only at forms that can start where it stands.
    private let byFirstByte: [[Int]]

    /// No secrets: text passes unchanged.
    public static let none = Redactor(secrets: [])

    public init(secrets: [Secret]) {
        var unique: [Secret] = []
        for secret in secrets where !secret.value.isEmpty && !unique.contains(secret) { unique.append(secret) }
        self.secrets = unique
        var seen = Set<[UInt8]>()
        var forms: [(bytes: [UInt8], mask: [UInt8])] = []
        for secret in unique {
            let mask = Array(Self.mask(secret.name).utf8)
            for form in Self.forms(of: secret.value) where seen.insert(Array(form.utf8)).inserted {
                forms.append((Array(form.utf8), mask))
            }
        }
        forms.sort { $0.bytes.count > $1.bytes.count }
        var index = [[Int]](repeating: [], count: 256)
        for (position, form) in forms.enumerated() { index[Int(form.bytes[0])].append(position) }
        self.forms = forms
        byFirstByte = index
    }

    /// This redactor with more secrets (a token a login returned, a credential a request carries).
    public func adding(_ more: [Secret]) -> Redactor {
        more.allSatisfy(secrets.contains) ? self : Redactor(secrets: secrets + more)
    }

    public var isEmpty: Bool { forms.isEmpty }

    /// What stands in for the secret read from `variable`.
    public static func mask(_ variable: String) -> String { "[redacted \(variable)]" }

    /// `text` with every form of every secret masked.
    public func callAsFunction(_ text: String) -> String {
        guard !isEmpty, !text.isEmpty else { return text }
        guard let masked = redact(Array(text.utf8)) else { return text }
        return String(decoding: masked, as: UTF8.self)
    }

    /// `data` with every form of every secret masked (an answer's body before anything reads or quotes it).
    public func callAsFunction(_ data: Data) -> Data {
        guard !isEmpty, !data.isEmpty else { return data }
        return redact(Array(data)).map { Data($0) } ?? data
    }

    /// The masked bytes, or nil when nothing needed masking.
    private func redact(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var changed = false
        var i = 0
        while i < bytes.count {
            var matched: (length: Int, mask: [UInt8])?
            for candidate in byFirstByte[Int(bytes[i])] {
                let form = forms[candidate].bytes
                guard form.count <= bytes.count - i else { continue }
                if bytes[i..<(i + form.count)].elementsEqual(form) {
                    matched = (form.count, forms[candidate].mask)
                    break
                }
            }
            guard let (length, mask) = matched else {
                out.append(bytes[i])
                i += 1
                continue
            }
            if !changed {
                out.reserveCapacity(bytes.count)
                changed = true
            }
            // A secret that starts with a letter JSON escapes (`n`, `t`, `u`…) may sit right after a backslash:
            // take that backslash too, so a JSON body stays JSON (`\[redacted` would not be).
            var backslashes = 0
            while backslashes < out.count, out[out.count - 1 - backslashes] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 1 { out.removeLast() }
            out += mask
            i += length
        }
        return changed ? out : nil
    }

    // MARK: - The forms a secret takes

    /// Shortest piece of a webhook URL masked on its own: a query value or path segment shorter than this is not
    /// the secret part (`api-version=2016-06-01`, `v1`), and masking it would only blur the logs.
    static let shortestPiece = 12

    /// The value, the secret pieces of a URL, each as typed, JSON-escaped (once or twice) and URL-encoded; and the base64 runs
    /// that carry the value wherever it sits in base64-encoded text (HTTP basic auth).
    static func forms(of value: String) -> [String] {
        var pieces = [value]
        if let url = URLComponents(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        {
            // A proxy's message may quote only the request line (`POST /services/T…/B…/X…`) or one parameter.
            let path = url.percentEncodedPath
            let query = url.percentEncodedQuery.map { "?" + $0 } ?? ""
            if path.count + query.count >= shortestPiece { pieces.append(path + query) }
            if !query.isEmpty, path.count >= shortestPiece { pieces.append(path) }
            if query.count > shortestPiece { pieces.append(String(query.dropFirst())) }
            for segment in path.split(separator: "/") where segment.count >= shortestPiece { pieces.append(String(segment)) }
            for item in url.percentEncodedQueryItems ?? [] {
                if let value = item.value, value.count >= shortestPiece { pieces.append(value) }
            }
        }
        var forms: [String] = []
        for piece in pieces {
            let decoded = piece.removingPercentEncoding ?? piece
            for text in Set([piece, decoded]) {
                forms.append(text)
                forms += jsonEscaped(text)
                forms += urlEncoded(text)
                forms += jsonEscaped(text).flatMap(urlEncoded)
                // JSON inside JSON: an error message that quotes the request's JSON body as a string.
                forms += jsonEscaped(text).flatMap(jsonEscaped)
            }
        }
        forms += base64Runs(of: value)
        return forms
    }

    /// As JSON encoders write the value inside a string: with and without `\/`, and with non-ASCII as `\uXXXX`.
    static func jsonEscaped(_ text: String) -> [String] {
        var plain = ""
        var ascii = ""
        for scalar in text.unicodeScalars {
            let escaped: String
            switch scalar {
            case "\"": escaped = "\\\""
            case "\\": escaped = "\\\\"
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            case "\u{08}": escaped = "\\b"
            case "\u{0C}": escaped = "\\f"
            case _ where scalar.value < 0x20: escaped = String(format: "\\u%04x", scalar.value)
            default: escaped = String(scalar)
            }
            plain += escaped
            if scalar.isASCII {
                ascii += escaped
            } else {
                ascii += String(Character(scalar)).utf16.map { String(format: "\\u%04x", $0) }.joined()
            }
        }
        let slashes = plain.replacingOccurrences(of: "/", with: "\\/")
        let asciiSlashes = ascii.replacingOccurrences(of: "/", with: "\\/")
        return [plain, slashes, ascii, asciiSlashes, ascii.uppercasedEscapes(), asciiSlashes.uppercasedEscapes()]
    }

    /// The characters each percent-encoding leaves as they are: strictly unreserved, a query value, a query, a path.
    /// Built once: making them for every secret was most of the cost of a redactor, and a thousand teams each build
    /// a few at start-up.
    static let encodings: [CharacterSet] = {
        let strict = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        var queryValue = CharacterSet.urlQueryAllowed
        queryValue.remove(charactersIn: "&=+")
        return [strict, queryValue, .urlQueryAllowed, .urlPathAllowed]
    }()

    /// Percent-encoded as a form field or query value (strictly, or leaving what a query allows), a path, and with
    /// `+` for spaces; hex digits in both cases.
    static func urlEncoded(_ text: String) -> [String] {
        var forms: [String] = []
        for allowed in encodings {
            guard let encoded = text.addingPercentEncoding(withAllowedCharacters: allowed), encoded != text else { continue }
            forms.append(encoded)
            forms.append(encoded.lowercasedPercentHex())
            if text.contains(" ") {
                let plus = encoded.replacingOccurrences(of: "%20", with: "+")
                forms.append(plus)
                forms.append(plus.lowercasedPercentHex())
            }
        }
        return forms
    }

    /// The runs of base64 that encode only bytes of `value`, for each of the three ways it can line up with
    /// base64's 3-byte groups. Whatever text surrounds the value (`email:` before an API key), one of these appears
    /// in its base64. Runs shorter than 8 characters are left out: too short to be told from other base64.
    static func base64Runs(of value: String) -> [String] {
        let bytes = Array(value.utf8)
        var runs: [String] = []
        for skip in 0..<3 where bytes.count > skip {
            let aligned = bytes.dropFirst(skip)
            let whole = aligned.count / 3 * 3
            guard whole > 0 else { continue }
            let run = Data(aligned.prefix(whole)).base64EncodedString()
            if run.count >= 8 {
                runs.append(run)
                runs.append(run.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
            }
        }
        return runs
    }
}

extension Redactor.Secret: CustomStringConvertible {
    /// Never the value: a secret that ends up in a log line by accident shows only where it came from.
    public var description: String { Redactor.mask(name) }
}

extension String {
    fileprivate func lowercasedPercentHex() -> String {
        var out = ""
        var pending = 0
        for character in self {
            if character == "%" {
                pending = 2
                out.append(character)
            } else if pending > 0 {
                pending -= 1
                out += character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }

    fileprivate func uppercasedEscapes() -> String {
        guard contains("\\u") else { return self }
        var out = ""
        var pending = 0
        var previous: Character?
        for character in self {
            if pending > 0 {
                pending -= 1
                out += character.uppercased()
            } else {
                if previous == "\\" && character == "u" { pending = 4 }
                out.append(character)
            }
            previous = character
        }
        return out
    }
}

extension TransportError {
    /// This error with every secret masked in its reason.
    public func redacted(by redactor: Redactor) -> TransportError {
        switch self {
        case .temporary(let reason): .temporary(reason: redactor(reason))
        case .rejected(let reason): .rejected(reason: redactor(reason))
        case .tooLong(let reason): .tooLong(reason: redactor(reason))
        case .unauthorized(let reason): .unauthorized(reason: redactor(reason))
        case .rateLimited, .closed: self
        }
    }
}

extension CheckFinding {
    /// This finding with every secret masked in its detail.
    public func redacted(by redactor: Redactor) -> CheckFinding {
        CheckFinding(status, subject, redactor(detail))
    }
}
