import Foundation

/// A run of numbers drawn as eight heights of Unicode block, `▁▂▃▄▅▆▇█`, so a trend reads at a glance in any chat.
///
/// The blocks are ordinary characters: no image to upload, nothing a platform's markup treats as syntax (no escaping
/// adds a backslash between them), and plain text where a platform has no markup at all. They are data, like a
/// figure, not wording: what they mean is said next to them by the template ("examples per week, weeks 1–5").
///
/// Only the latest `longest` values are drawn, so a year of readings stays one short line; the view says how many
/// are shown of how many.
struct Sparkline: Encodable, Equatable {
    /// How a value maps to a height.
    enum Scale {
        /// From zero to the largest value: for counts, where a week with 8 examples next to one with 9 must not
        /// look like an empty week next to a full one.
        case fromZero
        /// From the smallest value to the largest: for a goal's readings, whose movement matters more than their
        /// distance from zero (a reply time between 3.5 and 4.5 hours).
        case lowestToHighest
    }

    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// The most values one line draws.
    static let longest = 24

    /// The blocks, one per value shown.
    var blocks: String
    /// The first and last value shown, as people write numbers (`3`, `2.5`).
    var first: String
    var last: String
    /// How many values are drawn, of how many there were; `cut` when only the latest are.
    var shown: Int
    var total: Int
    var cut: Bool

    /// Nil for fewer than two values: one value is no trend.
    init?(_ values: [Double], scale: Scale) {
        guard values.count >= 2 else { return nil }
        let drawn = Array(values.suffix(Self.longest))
        blocks = Self.blocks(drawn, scale: scale)
        first = Coach.format(drawn[0])
        last = Coach.format(drawn[drawn.count - 1])
        shown = drawn.count
        total = values.count
        cut = shown < total
    }

    /// The blocks for `values`, each the height of its value on the scale; all equal values are drawn at mid
    /// height (or the bottom, for zeros from zero), since there is no rise or fall to show.
    static func blocks(_ values: [Double], scale: Scale) -> String {
        let top = Double(levels.count - 1)
        let low: Double
        switch scale {
        case .fromZero: low = min(0, values.min() ?? 0)
        case .lowestToHighest: low = values.min() ?? 0
        }
        let high = values.max() ?? 0
        return String(values.map { value -> Character in
            guard high > low else { return scale == .fromZero && high == 0 ? levels[0] : levels[levels.count / 2 - 1] }
            let level = Int(((value - low) / (high - low) * top).rounded())
            return levels[min(max(level, 0), levels.count - 1)]
        })
    }
}

/// Participation over the cycle's principle weeks so far, for the report-back, `history` and the digest: examples
/// shared and people who shared, week by week.
struct ParticipationTrend: Encodable, Equatable {
    /// The week numbers of the first and last week drawn.
    var firstWeek: Int
    var lastWeek: Int
    var examples: Sparkline
    var contributors: Sparkline

    /// Nil until there are two principle weeks to compare.
    init?(_ weeks: [WeekFigures]) {
        let drawn = Array(weeks.filter { !$0.opening }.suffix(Sparkline.longest))
        guard let examples = Sparkline(drawn.map { Double($0.examples) }, scale: .fromZero),
            let contributors = Sparkline(drawn.map { Double($0.contributors) }, scale: .fromZero),
            let first = drawn.first, let last = drawn.last
        else { return nil }
        firstWeek = first.number
        lastWeek = last.number
        self.examples = examples
        self.contributors = contributors
    }

    /// For `TemplateSamples`.
    init(firstWeek: Int, lastWeek: Int, examples: Sparkline, contributors: Sparkline) {
        self.firstWeek = firstWeek
        self.lastWeek = lastWeek
        self.examples = examples
        self.contributors = contributors
    }
}
