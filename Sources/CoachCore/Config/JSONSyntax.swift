/// Where a JSON text first breaks the grammar, the way a person finds the place in an editor.
///
/// Foundation cannot be asked this portably: on Linux JSONDecoder says only "The given data was not valid JSON",
/// JSONSerialization gives a character offset in English prose, and both accept a trailing comma that macOS refuses.
/// So the config is scanned here first, with one strict grammar (RFC 8259) on every platform, and a syntax error is
/// reported with its line and column and what was expected there.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// From 1.
    public var line: Int
    /// From 1, in characters, as editors count them.
    public var column: Int
    /// What is wrong at that place and, where it can be guessed, the fix.
    public var problem: String

    public init(line: Int, column: Int, problem: String) {
        self.line = line
        self.column = column
        self.problem = problem
    }

    public var description: String { "line \(line), column \(column): \(problem)" }
}

public enum JSONSyntax {
    /// The first place `bytes` is not JSON, or nil when the whole text is one valid JSON value.
    public static func firstError(in bytes: [UInt8]) -> JSONSyntaxError? {
        var scanner = Scanner(bytes: bytes)
        do {
            try scanner.document()
            return nil
        } catch {
            let (line, column) = position(of: error.offset, in: bytes)
            return JSONSyntaxError(line: line, column: column, problem: error.problem)
        }
    }

    /// Line and column (both from 1) of a byte offset; columns count characters, not bytes, so a team name in
    /// another script does not shift the column an editor shows.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let end = min(offset, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        return (line, String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1)
    }

    struct Failure: Error {
        var offset: Int
        var problem: String
    }

    /// A recursive-descent check of the grammar; it builds nothing, it only finds the first wrong byte.
    struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var depth = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A byte-order mark is what some Windows editors put first; Foundation's decoders accept it too.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        func fail(_ problem: String, at offset: Int? = nil) -> Failure { Failure(offset: offset ?? index, problem: problem) }

        mutating func document() throws(Failure) {
            skipSpace()
            guard current != nil else { throw fail("the file is empty; a config is an object in braces, like {\"team\": {\"name\": \"Our team\"}}") }
            try value()
            skipSpace()
            if current != nil {
                throw fail("there is more after the end of the JSON value; remove it, or check for a } or ] too many")
            }
        }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func value() throws(Failure) {
            guard let byte = current else { throw fail("the file ends where a value was expected") }
            switch byte {
            case UInt8(ascii: "{"):
                try enterNesting()
                try object()
                depth -= 1
            case UInt8(ascii: "["):
                try enterNesting()
                try array()
                depth -= 1
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "'"): throw fail("JSON text uses double quotes (\"), not single quotes")
            case UInt8(ascii: "/"): throw fail("JSON has no comments; remove the comment")
            case UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ","):
                throw fail("a value is missing here")
            default:
                if isLetter(byte) { throw fail("text needs double quotes around it, like \"monday\"") }
                throw fail("expected a value: text in quotes, a number, true, false, null, a list or an object")
            }
        }

        /// Objects and lists nest by recursion; a file of ten thousand "[" must not overflow the stack.
        mutating func enterNesting() throws(Failure) {
            depth += 1
            guard depth <= 256 else { throw fail("lists and objects are nested too deeply") }
        }

        mutating func object() throws(Failure) {
            index += 1
            skipSpace()
            if current == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                guard let byte = current else { throw fail("the file ends inside an object: a } is missing") }
                guard byte == UInt8(ascii: "\"") else {
                    if byte == UInt8(ascii: "'") { throw fail("a key needs double quotes (\"), not single quotes") }
                    if byte == UInt8(ascii: "/") { throw fail("JSON has no comments; remove the comment") }
                    if isLetter(byte) { throw fail("a key needs double quotes around it, like \"team\"") }
                    throw fail("expected a key in double quotes")
                }
                try string()
                skipSpace()
                guard current == UInt8(ascii: ":") else {
                    throw fail(current == nil ? "the file ends after a key: a : and a value are missing" : "expected a : after the key")
                }
                index += 1
                skipSpace()
                try value()
                skipSpace()
                switch current {
                case UInt8(ascii: ","):
                    let comma = index
                    index += 1
                    skipSpace()
                    if current == UInt8(ascii: "}") { throw fail("remove the comma after the last entry, before the }", at: comma) }
                case UInt8(ascii: "}"):
                    index += 1
                    return
                case nil:
                    throw fail("the file ends inside an object: a } is missing")
                case UInt8(ascii: "/"):
                    throw fail("JSON has no comments; remove the comment")
                default:
                    throw fail("expected a comma or a } here; a comma may be missing at the end of the line before")
                }
            }
        }

        mutating func array() throws(Failure) {
            index += 1
            skipSpace()
            if current == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try value()
                skipSpace()
                switch current {
                case UInt8(ascii: ","):
                    let comma = index
                    index += 1
                    skipSpace()
                    if current == UInt8(ascii: "]") { throw fail("remove the comma after the last item, before the ]", at: comma) }
                case UInt8(ascii: "]"):
                    index += 1
                    return
                case nil:
                    throw fail("the file ends inside a list: a ] is missing")
                case UInt8(ascii: "/"):
                    throw fail("JSON has no comments; remove the comment")
                default:
                    throw fail("expected a comma or a ] here")
                }
            }
        }

        mutating func string() throws(Failure) {
            let opening = index
            index += 1
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = current else { break }
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        index += 1
                        for _ in 0..<4 {
                            guard let hex = current, isHexDigit(hex) else {
                                throw fail("\\u needs four hex digits, like \\u00e9")
                            }
                            index += 1
                        }
                    default:
                        throw fail("a backslash in text starts an escape such as \\\" or \\\\; write \\\\ for a backslash itself", at: index - 1)
                    }
                case 0x0A, 0x0D:
                    throw fail("text in quotes must end on the line it starts: a closing \" is missing", at: opening)
                case 0x00..<0x20:
                    throw fail("text in quotes holds a control character (a tab?); write it as \\t or remove it")
                default:
                    index += 1
                }
            }
            throw fail("the file ends inside text in quotes: a closing \" is missing", at: opening)
        }

        mutating func number() throws(Failure) {
            let start = index
            let malformed = "this number is not written as JSON writes numbers (like 7, -2 or 1.5)"
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, isDigit(first) else { throw fail(malformed, at: start) }
            index += 1
            if first == UInt8(ascii: "0"), let next = current, isDigit(next) {
                throw fail("a number cannot start with 0; write 7, not 07", at: start)
            }
            while let byte = current, isDigit(byte) { index += 1 }
            if current == UInt8(ascii: ".") {
                index += 1
                guard let byte = current, isDigit(byte) else { throw fail(malformed, at: start) }
                while let byte = current, isDigit(byte) { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let byte = current, isDigit(byte) else { throw fail(malformed, at: start) }
                while let byte = current, isDigit(byte) { index += 1 }
            }
            if let byte = current, isLetter(byte) {
                throw fail("a number is followed by letters; put text in double quotes, like \"09:00\"", at: start)
            }
        }

        mutating func literal(_ word: String) throws(Failure) {
            let start = index
            for expected in word.utf8 {
                guard current == expected else {
                    throw fail("expected \(word); other words need double quotes around them", at: start)
                }
                index += 1
            }
            if let byte = current, isLetter(byte) {
                throw fail("text needs double quotes around it, like \"monday\"", at: start)
            }
        }

        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || byte == UInt8(ascii: "_") || byte >= 0x80
        }
    }
}
