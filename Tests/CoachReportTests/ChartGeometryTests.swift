import CoachCore
@testable import CoachReport
import Foundation
import Testing

/// The charts' numbers: scales that hold every value with round steps, and marks where the values put them.
@Suite("Chart geometry")
struct ChartGeometryTests {
    @Test("a value scale holds every value, steps by 1, 2, 2.5 or 5 times a power of ten, and counts start at zero")
    func valueScale() {
        let counts = ValueScale(spanning: [3, 17, 9], fromZero: true, whole: true)
        #expect(counts.low == 0 && counts.high == 20 && counts.step == 5)
        #expect(counts.ticks == [0, 5, 10, 15, 20])
        let minutes = ValueScale(spanning: [4.2, 4.9, 5.5])
        #expect(minutes.low <= 4.2 && minutes.high >= 5.5)
        #expect([0.25, 0.5].contains(minutes.step))
        let flat = ValueScale(spanning: [7, 7], fromZero: true, whole: true)
        #expect(flat.low == 0 && flat.high >= 8)
        #expect(ValueScale.roundStep(0.3) == 0.5 && ValueScale.roundStep(12) == 20 && ValueScale.roundStep(2.2) == 2.5)
    }

    @Test("axis labels carry the decimals their step needs and never read -0")
    func labels() {
        #expect(axisLabel(2.5, step: 0.25) == "2.50")
        #expect(axisLabel(10, step: 5) == "10")
        #expect(axisLabel(-0.0000001, step: 0.5) == "0.0")
        #expect(pixels(12) == "12" && pixels(12.25) == "12.3" && pixels(-3.04) == "-3")
    }

    @Test("a line over weeks puts each point at its week's centre and its value's height")
    func categoryLine() {
        let chart = CategoryLineChart(categories: ["1", "2", "3", "4"], series: [[0, 5, 10, 20]], rules: [25])
        let plot = ChartLayout.plot(height: CategoryLineChart.height)
        let dots = chart.lines[0].dots
        #expect(dots.map(\.value) == ["0", "5", "10", "20"])
        #expect(Double(dots[0].x)! == (plot.left + plot.width / 8).rounded(toPlaces: 1))
        #expect(Double(dots[0].y)! == plot.bottom)
        // The rule at 25 widens the scale to 30 (steps of 10): 20 sits two thirds of the way up.
        #expect(Double(dots[3].y)! == (plot.bottom - plot.height * 2 / 3).rounded(toPlaces: 1))
        #expect(chart.rules.map(\.value) == ["25"])
        #expect(chart.frame.xTicks.map(\.label) == ["1", "2", "3", "4"])
    }

    @Test("long programmes label every n-th week under the axis, and always the last")
    func crowdedAxis() {
        let weeks = (1...40).map(String.init)
        let chart = CategoryLineChart(categories: weeks, series: [Array(repeating: 1, count: 40)])
        #expect(chart.frame.xTicks.count <= ChartLayout.maxXLabels + 1)
        #expect(chart.frame.xTicks.last?.label == "40")
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let factor = pow(10, Double(places))
        return (self * factor).rounded() / factor
    }
}

/// The one-pass HTML escaping the report (and every HTML platform) renders with: the same text as replacing each
/// character in turn, for any text.
@Suite("HTML escaping")
struct HTMLEscapingTests {
    @Test("one pass gives what replacing &, <, > and \" in turn gave, on random text and on none of them")
    func agreesWithReplacing() {
        var generator = SeededGenerator(seed: 3)
        let alphabet = Array("ab &<>\"'é王🎉\r\n;=/".unicodeScalars)
        for length in [0, 1, 2, 5, 40, 300] {
            for _ in 0..<200 {
                var text = String.UnicodeScalarView()
                for _ in 0..<length { text.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]) }
                let plain = String(text)
                let html = plain.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
                let slack = plain.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;")
                #expect(Markup.html.escape(plain) == html)
                #expect(Markup.telegramHTML.escape(plain) == html)
                #expect(Markup.slack.escape(plain) == slack)
            }
        }
    }
}
