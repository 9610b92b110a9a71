extension Int {
    /// The number in decimal with leading zeros up to `width` digits (`7.zeroPadded(2)` is "07"), as `%0Nd` prints
    /// it. Dates and week keys are written with this on every engine tick: `String(format:)` goes through
    /// CoreFoundation's formatter and was a visible share of an idle bot's CPU.
    func zeroPadded(_ width: Int) -> String {
        let digits = String(magnitude)
        let padding = String(repeating: "0", count: Swift.max(0, width - digits.count - (self < 0 ? 1 : 0)))
        return (self < 0 ? "-" : "") + padding + digits
    }
}
