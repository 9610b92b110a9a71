import CoachCore
import CoachReport
import CoachTestSupport
import Foundation
import Testing

/// The report in a real browser: Debian's chromium, headless, opens the report of a simulated 12-week, 40-person
/// programme, and the page it built (its DOM) holds every chart and table and nothing to fetch; printed to PDF, every
/// page is A4.
///
/// `scripts/test.sh` installs chromium when missing and then sets `COACH_CHROMIUM` (its path) and
/// `COACH_REQUIRE_CHROMIUM=1`, which turns a browser that cannot run into a failure. Run on its own without it, the
/// check looks for `chromium` on the PATH and, when there is none, is skipped with the reason. `COACH_REPORT_KEEP=<folder>`
/// keeps the page, its PDF and a screenshot there (how the README's screenshot is made).
@Suite("Report in a browser", .timeLimit(.minutes(10)))
struct ReportBrowserTests {
    @Test("chromium is there when the test command installed it")
    func browserPresent() {
        if Chromium.required {
            #expect(Chromium.path != nil, "COACH_REQUIRE_CHROMIUM=1 but no chromium was found at COACH_CHROMIUM or on the PATH")
        }
    }

    @Test(
        "the report loads, its DOM holds every chart and its table and no external URL, and it prints to A4 pages",
        .enabled(if: Chromium.path != nil, "chromium is not installed: bash scripts/test.sh installs it (apt-get install chromium)"))
    func rendersAndPrints() async throws {
        let programme = try await SimulatedProgramme.twelveWeeks.value
        let html = try ReportRenderer(setup: programme.setup).html(state: programme.state, at: programme.end)
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: page)

        // The DOM the browser built, after loading: every chart and table survived parsing.
        let dom = try await Chromium.run(["--dump-dom", page.absoluteString], in: folder)
        #expect(dom.status == 0, "chromium --dump-dom failed: \(dom.errorText)")
        let built = String(decoding: dom.output, as: UTF8.self)
        let charts = HTMLScan.elements("svg", in: built)
        #expect(charts.count == HTMLScan.elements("svg", in: html).count && charts.count >= 6)
        #expect(HTMLScan.elements("table", in: built).count >= charts.count)
        #expect(charts.allSatisfy { $0.contains(#"role="img""#) && $0.contains("<title") })
        #expect(built.contains("Content-Security-Policy"))
        #expect(HTMLScan.externalReferences(in: built).isEmpty)
        #expect(!built.lowercased().contains("<script"))

        // Printed: a PDF whose every page is A4 (595 × 842 points).
        let pdf = folder.appendingPathComponent("report.pdf")
        let print = try await Chromium.run(["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", page.absoluteString], in: folder)
        #expect(print.status == 0, "chromium --print-to-pdf failed: \(print.errorText)")
        let bytes = try Data(contentsOf: pdf)
        #expect(bytes.starts(with: Data("%PDF-".utf8)))
        let sizes = PDFPages.mediaBoxes(bytes)
        #expect(sizes.count >= 3, "a 12-week report runs to several pages")
        for size in sizes {
            #expect(abs(size.width - 595.3) < 2 && abs(size.height - 841.9) < 2, "a page is \(size.width) × \(size.height) points, not A4")
        }

        let screenshot = folder.appendingPathComponent("report.png")
        let shot = try await Chromium.run(
            ["--screenshot=\(screenshot.path)", "--window-size=1100,1500", "--hide-scrollbars", page.absoluteString], in: folder)
        #expect(shot.status == 0, "chromium --screenshot failed: \(shot.errorText)")
        #expect(try Data(contentsOf: screenshot).starts(with: Data([0x89, 0x50, 0x4E, 0x47])))

        if let keep = ProcessInfo.processInfo.environment["COACH_REPORT_KEEP"] {
            let target = URL(fileURLWithPath: keep)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for file in [page, pdf, screenshot] {
                let copy = target.appendingPathComponent(file.lastPathComponent)
                try? FileManager.default.removeItem(at: copy)
                try FileManager.default.copyItem(at: file, to: copy)
            }
        }
    }
}

/// Debian's chromium, run headless as the tests' own child process.
enum Chromium {
    static let required = ProcessInfo.processInfo.environment["COACH_REQUIRE_CHROMIUM"] == "1"

    /// `COACH_CHROMIUM`, else `chromium` on the PATH.
    static let path: String? = {
        if let given = ProcessInfo.processInfo.environment["COACH_CHROMIUM"], FileManager.default.isExecutableFile(atPath: given) {
            return given
        }
        return ChildProcess.find("chromium")
    }()

    /// Runs chromium headless with a profile of its own in `folder`, offline: no first-run, sync, updates or other
    /// background traffic.
    static func run(_ arguments: [String], in folder: URL) async throws -> ChildProcess.Result {
        try await ChildProcess.run(try #require(path), [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--user-data-dir=\(folder.appendingPathComponent("profile").path)",
        ] + arguments)
    }
}

/// The page sizes of a PDF, read from its `/MediaBox` entries (chromium writes page dictionaries uncompressed).
enum PDFPages {
    static func mediaBoxes(_ pdf: Data) -> [(width: Double, height: Double)] {
        let text = String(decoding: pdf, as: UTF8.self)
        let regex = try! NSRegularExpression(pattern: #"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]"#)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            let numbers = (1...4).compactMap { Double(text[Range(match.range(at: $0), in: text)!]) }
            guard numbers.count == 4 else { return nil }
            return (numbers[2] - numbers[0], numbers[3] - numbers[1])
        }
    }
}
