import CoachCore
import Foundation

/// Instants written as ISO 8601 in the team's time zone (`2026-12-07T09:00:00+01:00`), and days as `2026-12-07`:
/// what a spreadsheet reads, and the time the team lived it rather than the server's.
///
/// Written out by arithmetic on the epoch seconds and the zone's offset at that instant, not by a date formatter: an
/// export of a year of a large team's examples formats every one of them, and a formatter per date cost more than
/// the rest of the export together.
struct TeamClock: Sendable {
    let timeZone: TimeZone

    func timestamp(_ instant: Date) -> String {
        let offset = minuteOffset(instant)
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + offset
        let days = Self.floorDivide(local, 86_400)
        let seconds = local - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        let magnitude = abs(offset) / 60
        // Put together as ASCII bytes and made a string once: joining eleven small strings took about half the time
        // an export spent making its examples table (100k timestamps).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { buffer in
            var count = 0
            func put(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            func put(_ value: Int, width: Int) {
                if value < 0 {
                    put(UInt8(ascii: "-"))
                    return put(-value, width: width)
                }
                var digits = 1
                var rest = value / 10
                while rest > 0 {
                    digits += 1
                    rest /= 10
                }
                for _ in digits..<max(width, digits) { put(UInt8(ascii: "0")) }
                var divisor = 1
                for _ in 1..<digits { divisor *= 10 }
                while divisor > 0 {
                    put(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                    divisor /= 10
                }
            }
            put(year, width: 4)
            put(UInt8(ascii: "-"))
            put(month, width: 2)
            put(UInt8(ascii: "-"))
            put(day, width: 2)
            put(UInt8(ascii: "T"))
            put(seconds / 3600, width: 2)
            put(UInt8(ascii: ":"))
            put(seconds % 3600 / 60, width: 2)
            put(UInt8(ascii: ":"))
            put(seconds % 60, width: 2)
            put(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            put(magnitude / 60, width: 2)
            put(UInt8(ascii: ":"))
            put(magnitude % 60, width: 2)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// The zone's offset at an instant, to the whole minute: ISO 8601 offsets have no seconds, and a few zones' old
    /// local mean times did (St John's was 3:30:52 behind), so the time is written with the rounded offset, which
    /// still names the exact instant.
    func minuteOffset(_ instant: Date) -> Int {
        Int((Double(timeZone.secondsFromGMT(for: instant)) / 60).rounded()) * 60
    }

    /// The local day of an instant.
    func day(_ instant: Date) -> String {
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + minuteOffset(instant)
        let (year, month, day) = Self.civil(fromDays: Self.floorDivide(local, 86_400))
        return LocalDate(year: year, month: month, day: day).description
    }

    static func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The proleptic Gregorian date of a count of days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
