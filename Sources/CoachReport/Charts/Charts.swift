import Foundation

// The charts' geometry: where every line, dot, bar and label goes on an SVG canvas, as numbers. What the marks mean,
// their labels' wording, colours and the text alternatives are the templates' (`Prompts/report/`), so a chart here
// is a few lists of coordinates a template draws.

/// A mark on an axis: where it is on the canvas and the number or date it stands for.
struct AxisTick: Encodable, Equatable {
    var at: String
    var label: String
}

/// What every chart draws around its data: the canvas (the SVG's viewBox), the plot's edges, and the axes' marks.
struct ChartFrame: Encodable, Equatable {
    var width: String
    var height: String
    var left: String
    var right: String
    var top: String
    var bottom: String
    /// Gridlines across the plot, with the value each stands for.
    var yTicks: [AxisTick]
    /// Marks under the plot (a week's number, a date).
    var xTicks: [AxisTick]
    /// Where the x labels' baseline is, and the right edge of the y labels.
    var xLabelY: String
    var yLabelX: String

    init(width: Double, height: Double, plot: PlotArea, yTicks: [AxisTick], xTicks: [AxisTick]) {
        self.width = pixels(width)
        self.height = pixels(height)
        left = pixels(plot.left)
        right = pixels(plot.right)
        top = pixels(plot.top)
        bottom = pixels(plot.bottom)
        self.yTicks = yTicks
        self.xTicks = xTicks
        xLabelY = pixels(plot.bottom + 16)
        yLabelX = pixels(plot.left - 6)
    }
}

/// A value on a chart: its place, the value as the table shows it, and whether it is off target (goals).
struct ChartPoint: Encodable, Equatable {
    var x: String
    var y: String
    var value: String
    var off = false
}

/// A series drawn as a line through its points, each point also drawn as a dot.
struct ChartLine: Encodable, Equatable {
    /// `x,y x,y …` for a `<polyline>`.
    var points: String
    var dots: [ChartPoint]

    init(_ dots: [ChartPoint]) {
        self.dots = dots
        points = dots.map { "\($0.x),\($0.y)" }.joined(separator: " ")
    }
}

/// A horizontal line across the plot at a value (the team's size, a goal's target).
struct ChartRule: Encodable, Equatable {
    var y: String
    var value: String
}

/// A rectangle: a bar, or a goal's tolerance band.
struct ChartBox: Encodable, Equatable {
    var x: String
    var y: String
    var width: String
    var height: String
}

/// The canvas every chart is drawn on: the page's width, and margins for the axes' labels.
enum ChartLayout {
    static let width = 720.0
    static let marginLeft = 48.0
    static let marginRight = 24.0
    static let marginTop = 24.0
    static let marginBottom = 32.0
    /// At most this many labels under a time or week axis; more would run into each other.
    static let maxXLabels = 14

    static func plot(height: Double) -> PlotArea {
        PlotArea(
            left: marginLeft, top: marginTop, width: width - marginLeft - marginRight,
            height: height - marginTop - marginBottom)
    }

    /// Every n-th of `count` labels, n the smallest that keeps them under `maxXLabels`, always the last one.
    static func labelled(_ index: Int, of count: Int) -> Bool {
        let every = max(1, Int((Double(count) / Double(maxXLabels)).rounded(.up)))
        return index % every == 0 || index == count - 1
    }

    static func yTicks(_ scale: ValueScale, _ plot: PlotArea) -> [AxisTick] {
        scale.ticks.map { AxisTick(at: pixels(scale.y($0, in: plot)), label: scale.label($0)) }
    }
}

/// Lines over categories spaced evenly (the programme's weeks): participation, and recognition's spread.
struct CategoryLineChart: Equatable {
    var frame: ChartFrame
    /// One per series, in the order given.
    var lines: [ChartLine]
    /// Lines across at the values asked for, in order.
    var rules: [ChartRule]

    static let height = 260.0

    /// - Parameters:
    ///   - categories: the labels under the axis, one per point of every series.
    ///   - series: counts, one list per line, each as long as `categories`.
    ///   - rules: values to mark across the plot (they widen the scale to fit).
    init(categories: [String], series: [[Int]], rules: [Int] = []) {
        let plot = ChartLayout.plot(height: Self.height)
        let values = series.flatMap { $0 }.map(Double.init) + rules.map(Double.init)
        let scale = ValueScale(spanning: values, fromZero: true, whole: true)
        let slot = plot.width / Double(max(categories.count, 1))
        func x(_ index: Int) -> Double { plot.left + (Double(index) + 0.5) * slot }
        let xTicks = categories.indices.filter { ChartLayout.labelled($0, of: categories.count) }.map {
            AxisTick(at: pixels(x($0)), label: categories[$0])
        }
        frame = ChartFrame(
            width: ChartLayout.width, height: Self.height, plot: plot, yTicks: ChartLayout.yTicks(scale, plot),
            xTicks: xTicks)
        lines = series.map { values in
            ChartLine(values.enumerated().map { index, value in
                ChartPoint(x: pixels(x(index)), y: pixels(scale.y(Double(value), in: plot)), value: String(value))
            })
        }
        self.rules = rules.map { ChartRule(y: pixels(scale.y(Double($0), in: plot)), value: String($0)) }
    }
}

/// Before and after bars per principle, growing sideways on the rating scale (1 seldom to 5 we are good at this),
/// each principle's title above its pair of bars.
struct RatingBarChart: Equatable {
    struct Row: Equatable {
        /// The baseline of the principle's title.
        var titleY: String
        /// Nil where the average is not shown (too few raters).
        var before: Bar?
        var after: Bar?
    }

    struct Bar: Encodable, Equatable {
        var box: ChartBox
        var value: String
        /// Where the value's label goes: just past the bar's end.
        var labelX: String
        var labelY: String
    }

    var frame: ChartFrame
    var rows: [Row]

    static let rowHeight = 40.0
    static let scale = ValueScale(low: 0, high: 5, step: 1)

    /// - Parameter averages: per principle, the before and after average as shown (nil: not shown).
    init(averages: [(before: Double?, after: Double?)]) {
        let height = ChartLayout.marginTop + Double(averages.count) * Self.rowHeight + ChartLayout.marginBottom
        let plot = ChartLayout.plot(height: height)
        let scale = Self.scale
        // The scale runs across, so its marks stand under the plot, and gridlines go down it.
        let xTicks = scale.ticks.map { AxisTick(at: pixels(scale.x($0, in: plot)), label: scale.label($0)) }
        frame = ChartFrame(width: ChartLayout.width, height: height, plot: plot, yTicks: [], xTicks: xTicks)
        rows = averages.enumerated().map { index, pair in
            let top = plot.top + Double(index) * Self.rowHeight
            func bar(_ value: Double?, offset: Double) -> Bar? {
                guard let value else { return nil }
                let end = scale.x(min(max(value, scale.low), scale.high), in: plot)
                let y = top + offset
                return Bar(
                    box: ChartBox(x: pixels(plot.left), y: pixels(y), width: pixels(end - plot.left), height: "8"),
                    value: String(format: "%.1f", value), labelX: pixels(end + 4), labelY: pixels(y + 7.5))
            }
            return Row(titleY: pixels(top + 12), before: bar(pair.before, offset: 17), after: bar(pair.after, offset: 27))
        }
    }
}

/// A goal's readings over time against its target and tolerance band, with the programme's weeks marked along the
/// time axis.
struct GoalChart: Equatable {
    struct WeekMark: Equatable {
        var x: String
        /// Where the mark's label sits: the middle of the week's stretch of the axis, or its start when the week
        /// runs past the plot's end.
        var labelX: String
    }

    var frame: ChartFrame
    var readings: ChartLine
    var target: ChartRule
    /// The values that still count as on target: the target plus and minus the tolerance, within the plot.
    var band: ChartBox?
    /// One per programme week whose Monday falls on the plot, in order.
    var weeks: [WeekMark]
    /// Which of the given weeks have a mark, by their index in the list given.
    var markedWeeks: [Int]

    static let height = 240.0

    /// - Parameters:
    ///   - readings: each reading's instant and value, in time order, and whether it is off target.
    ///   - target: the goal's target; `allowance`, how far from it still counts as on target.
    ///   - weekStarts: the instant each programme week began, in order.
    ///   - format: a value as the table shows it; `dateLabel`, a day as the table shows it.
    init(
        readings: [(at: Date, value: Double, off: Bool)], target: Double, allowance: Double, weekStarts: [Date],
        format: (Double) -> String, dateLabel: (Date) -> String
    ) {
        let plot = ChartLayout.plot(height: Self.height)
        let values = readings.map(\.value) + [target - allowance, target + allowance]
        let scale = ValueScale(spanning: values)
        let time = TimeScale(spanning: readings.map(\.at))
        let marked = weekStarts.indices.filter { time.contains(weekStarts[$0]) }
        weeks = marked.map { index in
            let start = time.x(weekStarts[index], in: plot)
            let end = index + 1 < weekStarts.count ? time.x(weekStarts[index + 1], in: plot) : start + 28
            return WeekMark(x: pixels(start), labelX: pixels(end <= plot.right ? (start + end) / 2 : start + 4))
        }
        markedWeeks = marked
        // The first and the last reading's dates under the axis; the week marks above it tell the time between.
        var ends = [readings.first, readings.last].compactMap { $0 }
        if ends.count == 2, dateLabel(ends[0].at) == dateLabel(ends[1].at) { ends.removeLast() }
        let xTicks = ends.map { AxisTick(at: pixels(time.x($0.at, in: plot)), label: dateLabel($0.at)) }
        frame = ChartFrame(
            width: ChartLayout.width, height: Self.height, plot: plot, yTicks: ChartLayout.yTicks(scale, plot),
            xTicks: xTicks)
        self.readings = ChartLine(readings.map { reading in
            ChartPoint(
                x: pixels(time.x(reading.at, in: plot)), y: pixels(scale.y(reading.value, in: plot)),
                value: format(reading.value), off: reading.off)
        })
        self.target = ChartRule(y: pixels(scale.y(target, in: plot)), value: format(target))
        if allowance > 0 {
            let top = scale.y(target + allowance, in: plot)
            let bottom = scale.y(target - allowance, in: plot)
            band = ChartBox(x: pixels(plot.left), y: pixels(top), width: pixels(plot.width), height: pixels(bottom - top))
        }
    }
}
