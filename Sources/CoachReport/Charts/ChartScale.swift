import Foundation

/// A length on a chart's canvas as SVG reads it: at most one decimal, a dot whatever the locale, no trailing `.0`.
func pixels(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    if tenths == (tenths / 10).rounded() * 10 { return String(Int(tenths / 10)) }
    return String(format: "%.1f", tenths / 10)
}

/// A number on an axis, with as many decimals as its step needs (`0.25` steps show two, `5` steps none).
func axisLabel(_ value: Double, step: Double) -> String {
    var decimals = 0
    var scaled = step
    while decimals < 6, abs(scaled - scaled.rounded()) > 1e-9 * max(1, abs(scaled)) {
        scaled *= 10
        decimals += 1
    }
    let text = String(format: "%.\(decimals)f", value)
    // -0 reads as a mistake on an axis.
    return text.allSatisfy { "-0.".contains($0) } ? String(format: "%.\(decimals)f", 0.0) : text
}

/// The plot inside a chart's canvas: what is left for the data once the axes' labels have their margins.
struct PlotArea: Sendable, Equatable {
    var left: Double
    var top: Double
    var width: Double
    var height: Double
    var right: Double { left + width }
    var bottom: Double { top + height }
}

/// A vertical value axis with round steps (1, 2, 2.5 or 5 times a power of ten), wide enough for every value given.
struct ValueScale: Sendable, Equatable {
    var low: Double
    var high: Double
    var step: Double

    /// - Parameters:
    ///   - values: every value the chart draws, and any line it marks (a target, a band's edges).
    ///   - fromZero: counts start at zero, so a week of three examples does not look like none.
    ///   - whole: counts have whole steps; a step of 0.5 people means nothing.
    init(spanning values: [Double], fromZero: Bool = false, whole: Bool = false, steps: Int = 4) {
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        if fromZero { low = min(low, 0); high = max(high, 0) }
        if high - low < 1e-9 {
            // A flat line still needs a scale around it.
            let pad = max(abs(high) * 0.1, whole ? 1 : 0.5)
            low = fromZero && low >= 0 ? low : low - pad
            high += pad
        }
        var step = Self.roundStep((high - low) / Double(max(steps, 1)))
        if whole { step = max(1, step.rounded(.up)) }
        self.step = step
        self.low = (low / step).rounded(.down) * step
        self.high = (high / step).rounded(.up) * step
        if fromZero, values.allSatisfy({ $0 >= 0 }) { self.low = max(self.low, 0) }
    }

    init(low: Double, high: Double, step: Double) {
        self.low = low
        self.high = high
        self.step = step
    }

    /// 1, 2, 2.5 or 5 times a power of ten, the first at least `raw`.
    static func roundStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude
        let factor: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10
        return factor * magnitude
    }

    var ticks: [Double] {
        let count = Int(((high - low) / step).rounded())
        return (0...max(count, 0)).map { low + Double($0) * step }
    }

    /// Where a value sits between the plot's bottom (`low`) and top (`high`).
    func y(_ value: Double, in plot: PlotArea) -> Double {
        guard high > low else { return plot.bottom }
        return plot.bottom - (value - low) / (high - low) * plot.height
    }

    /// Where a value sits between the plot's left (`low`) and right (`high`), for bars that grow sideways.
    func x(_ value: Double, in plot: PlotArea) -> Double {
        guard high > low else { return plot.left }
        return plot.left + (value - low) / (high - low) * plot.width
    }

    func label(_ value: Double) -> String { axisLabel(value, step: step) }
}

/// A horizontal time axis from one instant to another.
struct TimeScale: Sendable, Equatable {
    var start: Date
    var end: Date

    /// Spans every instant given; a single instant gets half a week each side, so its point is not on the edge.
    init(spanning instants: [Date]) {
        let first = instants.min() ?? Date(timeIntervalSince1970: 0)
        let last = instants.max() ?? first
        let span = last.timeIntervalSince(first)
        let pad = span < 1 ? 3.5 * 86_400 : span * 0.03
        start = first.addingTimeInterval(-pad)
        end = last.addingTimeInterval(pad)
    }

    func x(_ instant: Date, in plot: PlotArea) -> Double {
        let span = end.timeIntervalSince(start)
        guard span > 0 else { return plot.left }
        return plot.left + instant.timeIntervalSince(start) / span * plot.width
    }

    func contains(_ instant: Date) -> Bool { instant >= start && instant <= end }
}
