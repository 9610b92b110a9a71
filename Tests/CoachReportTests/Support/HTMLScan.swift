import Foundation

/// Just enough reading of the report's HTML for the tests: elements by tag, attributes, a table's cells, and every
/// place a page could name something to fetch. The report's markup is the project's own templates (no nesting of an
/// element in one of its own kind), so scanning text is enough; the browser test reads the real DOM.
enum HTMLScan {
    /// Every `<tag …>…</tag>`, in order.
    static func elements(_ tag: String, in html: String) -> [String] {
        var found: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<\(tag)"), let end = rest[start.upperBound...].range(of: "</\(tag)>") {
            found.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return found
    }

    static func attribute(_ name: String, in element: String) -> String? {
        guard let start = element.range(of: " \(name)=\"") else { return nil }
        let value = element[start.upperBound...]
        return value.firstIndex(of: "\"").map { String(value[..<$0]) }
    }

    static func section(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "<section id=\"\(id)\">"),
            let end = html[start.upperBound...].range(of: "</section>")
        else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// The cells of a table's body, as text.
    static func rows(of table: String) -> [[String]] {
        guard let body = elements("tbody", in: table).first else { return [] }
        return elements("tr", in: body).map { row in elements("td", in: row).map(text) }
    }

    static func text(_ element: String) -> String {
        element.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
    }

    /// Everything in the page that could make a browser fetch: `src`, `href`, `xlink:href`, `srcset`, `action`,
    /// `poster` and `data` values that are not links within the page, and any CSS `url(` or `@import`.
    static func externalReferences(in html: String) -> [String] {
        var found: [String] = []
        // Attributes are looked for inside tags only: text that shows `src=` to the reader is no attribute.
        let tags = try! NSRegularExpression(pattern: #"<[a-zA-Z][^>]*>"#)
        let pattern = #"\s(src|href|xlink:href|srcset|action|poster|data)\s*=\s*["']?([^"'\s>]*)"#
        let attributes = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        for tag in tags.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
            let element = String(html[Range(tag.range, in: html)!])
            for match in attributes.matches(in: element, range: NSRange(element.startIndex..., in: element)) {
                let value = String(element[Range(match.range(at: 2), in: element)!])
                if !value.hasPrefix("#") || value.contains("//") || value.lowercased().contains("http") { found.append(value) }
            }
        }
        for needle in ["url(", "@import"] where html.lowercased().contains(needle) { found.append(needle) }
        return found
    }
}
