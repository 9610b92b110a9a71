import Foundation

/// What a template includes and how deep its sections nest, read before the Mustache library parses it.
///
/// The library parses a section by calling itself and renders a partial the same way, so a template that includes
/// itself (directly or through others) renders until the stack overflows, and a few thousand nested sections
/// overflow it while parsing. The templates are files an admin edits; a mistake there must stop the bot at start
/// with the file's name, never crash it on a Friday. So every template is scanned here first, with a loop rather
/// than recursion (300,000 nested sections cost memory for a counter, not stack), following the library's grammar
/// for what matters: tags, set-delimiter tags (which last to the end of their section), sections, inverted
/// sections, blocks, and partials (`{{> name}}`, and `{{< name}}` for inheritance).
struct TemplateOutline: Equatable {
    /// A partial the template includes, with the line it is on and how many sections are open around it.
    struct Include: Equatable {
        var partial: String
        var line: Int
        var depth: Int
    }

    var includes: [Include] = []
    /// The most sections open at once, and the first line where that many are.
    var depth = 0
    var deepestLine = 1

    /// Why a template's own text is refused, before anything is parsed.
    enum Problem: Error, Equatable {
        /// More than `TemplateCheck.nestingLimit` sections open at once.
        case tooDeep(line: Int)
        /// `{{>*name}}`: the partial is named by a value of the view, which can be a member's text.
        case dynamicPartial(name: String, line: Int)
        /// `{{a(b(c(...)))}}` nested past `TemplateCheck.transformLimit`: the library parses those recursively too.
        case tooManyTransforms(line: Int)
    }

    /// Scans `text`. Stops quietly at anything the library will itself refuse as malformed (an unclosed tag, a bad
    /// set-delimiter tag), since registering the template reports that with the library's own words.
    init(scanning text: String, nestingLimit: Int, transformLimit: Int) throws(Problem) {
        let bytes = Array(text.utf8)
        var start = Array("{{".utf8)
        var end = Array("}}".utf8)
        // The delimiters in force where each open section began: a set-delimiter tag lasts to the end of its section.
        var open: [(start: [UInt8], end: [UInt8])] = []
        var line = 1
        var position = 0

        func find(_ needle: [UInt8], from index: Int) -> Int? {
            guard !needle.isEmpty, needle.count <= bytes.count else { return nil }
            var i = index
            while i + needle.count <= bytes.count {
                if bytes[i] == needle[0] && bytes[i..<i + needle.count].elementsEqual(needle) { return i }
                i += 1
            }
            return nil
        }
        func lines(_ range: Range<Int>) -> Int { bytes[range].count { $0 == UInt8(ascii: "\n") } }
        func trimmed(_ range: Range<Int>) -> String {
            String(decoding: bytes[range], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        while let tag = find(start, from: position) {
            line += lines(position..<tag)
            let type = tag + start.count
            guard type < bytes.count else { return }
            if bytes[type] == UInt8(ascii: "=") {
                // {{=<% %>=}}: two new delimiters, separated by whitespace.
                guard let close = find([UInt8(ascii: "=")] + end, from: type + 1) else { return }
                let parts = trimmed(type + 1..<close).split(whereSeparator: \.isWhitespace)
                guard parts.count == 2 else { return }
                start = Array(parts[0].utf8)
                end = Array(parts[1].utf8)
                line += lines(tag..<close)
                position = close + 1 + end.count
                continue
            }
            guard let close = find(end, from: type) else { return }
            let name = trimmed(type + 1..<close)
            if bytes[type..<close].count(where: { $0 == UInt8(ascii: "(") }) > transformLimit {
                throw .tooManyTransforms(line: line)
            }
            switch bytes[type] {
            case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "<"):
                open.append((start, end))
                if open.count > nestingLimit { throw .tooDeep(line: line) }
                if open.count > depth {
                    depth = open.count
                    deepestLine = line
                }
                if bytes[type] == UInt8(ascii: "<") {
                    if name.hasPrefix("*") { throw .dynamicPartial(name: name, line: line) }
                    includes.append(Include(partial: name, line: line, depth: open.count - 1))
                }
            case UInt8(ascii: "/"):
                if let outer = open.popLast() {
                    // The closing tag is still read with the section's delimiters; what follows with the outer ones.
                    line += lines(tag..<close)
                    position = close + end.count
                    (start, end) = outer
                    continue
                }
            case UInt8(ascii: ">"):
                if name.hasPrefix("*") { throw .dynamicPartial(name: name, line: line) }
                includes.append(Include(partial: name, line: line, depth: open.count))
            default:
                // A variable, a comment, a config tag: nothing nests.
                break
            }
            line += lines(tag..<close)
            position = close + end.count
        }
    }
}

/// The checks on the whole set of templates, made when the prompt book is built: at start for the bot, and by
/// `coach check`. Every refusal names the file (and the line).
enum TemplateCheck {
    /// How many sections (and partials) may be open at once, counted through every partial a template includes.
    /// The shipped templates reach 7 (`TemplateOutlineTests` keeps that measured), so 32 leaves a translator or a
    /// team four times the room. The library's parser and renderer recurse once per level, about 4 KiB of stack a
    /// level in a debug build (measured: 32 levels render in a 256 KiB thread, 64 need 384 KiB). 32 levels take a
    /// quarter of the 512 KiB that macOS gives the threads Swift's concurrency runs on, leaving the rest for the
    /// engine's own frames; 64 would take most of it. Linux threads get 8 MiB.
    static let nestingLimit = 32
    /// Transforms applied to one another in one tag (`{{last(reversed(list))}}`); the templates use one at a time.
    static let transformLimit = 8

    /// Refuses a template that nests too deep on its own, a dynamic partial, a partial that is not there, a loop of
    /// partials, and nesting too deep through partials. Pure, and linear in the templates' size.
    @discardableResult
    static func check(_ templates: [String: String]) throws(ConfigError) -> [String: TemplateOutline] {
        var outlines: [String: TemplateOutline] = [:]
        for name in templates.keys.sorted() {
            do {
                outlines[name] = try TemplateOutline(
                    scanning: templates[name]!, nestingLimit: nestingLimit, transformLimit: transformLimit)
            } catch {
                throw .invalidTemplate(name: name, reason: reason(error))
            }
        }
        for name in outlines.keys.sorted() {
            for include in outlines[name]!.includes where outlines[include.partial] == nil {
                throw .invalidTemplate(
                    name: name,
                    reason: "at line \(include.line) it includes {{> \(include.partial)}}, but there is no "
                        + "Prompts/\(include.partial).mustache")
            }
        }
        try checkGraph(outlines)
        return outlines
    }

    /// Walks the partials depth-first with an explicit stack (a chain of partials can be as long as the folder has
    /// files): a partial met again while it is still being walked closes a loop; on the way back each template's
    /// nesting through its partials is summed, one level for each partial.
    static func checkGraph(_ outlines: [String: TemplateOutline]) throws(ConfigError) {
        enum Mark { case walking, done }
        var marks: [String: Mark] = [:]
        var total: [String: Int] = [:]
        for root in outlines.keys.sorted() where marks[root] == nil {
            var path: [(name: String, next: Int)] = [(root, 0)]
            marks[root] = .walking
            while let top = path.last {
                let outline = outlines[top.name]!
                if top.next < outline.includes.count {
                    path[path.count - 1].next += 1
                    let include = outline.includes[top.next]
                    switch marks[include.partial] {
                    case .walking:
                        let from = path.firstIndex { $0.name == include.partial }!
                        let loop = path[from...].map { step in
                            (name: step.name, line: outlines[step.name]!.includes[step.next - 1].line)
                        }
                        throw .partialLoop(files: loop.map(\.name) + [include.partial], lines: loop.map(\.line))
                    case nil:
                        marks[include.partial] = .walking
                        path.append((include.partial, 0))
                    case .done:
                        continue
                    }
                } else {
                    let deepest = outline.includes.map { $0.depth + 1 + total[$0.partial]! }.max() ?? 0
                    total[top.name] = max(outline.depth, deepest)
                    marks[top.name] = .done
                    path.removeLast()
                    if total[top.name]! > nestingLimit {
                        throw .invalidTemplate(
                            name: top.name,
                            reason: "with the partials it includes, its sections nest \(total[top.name]!) deep, more "
                                + "than the \(nestingLimit) allowed")
                    }
                }
            }
        }
    }

    static func reason(_ problem: TemplateOutline.Problem) -> String {
        switch problem {
        case .tooDeep(let line):
            "at line \(line) its sections nest more than \(nestingLimit) deep, the most allowed"
        case .dynamicPartial(let name, let line):
            "at line \(line) it includes a partial by a value ({{>\(name)}}), which could let a member's text choose "
                + "a template; name the partial instead, as in {{> next-week}}"
        case .tooManyTransforms(let line):
            "at line \(line) a tag applies more than \(transformLimit) transforms to one another, the most allowed"
        }
    }
}
