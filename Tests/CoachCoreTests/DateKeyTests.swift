@testable import CoachCore
import Foundation
import Testing

/// Dates, months and ISO weeks are written without `String(format:)`: the same text `%0Nd` gives.
@Suite("Date keys")
struct DateKeyTests {
    @Test("zero padding matches %0Nd for every width and sign", arguments: [0, 1, 7, 9, 10, 99, 100, 2026, 12345, -3, -42])
    func padding(_ value: Int) {
        for width in 0...6 {
            #expect(value.zeroPadded(width) == String(format: "%0\(width)d", value), "\(value) width \(width)")
        }
    }

    @Test("a date, a month and an ISO week key, including the week that belongs to the year before")
    func keys() throws {
        #expect(LocalDate(year: 2027, month: 3, day: 8).description == "2027-03-08")
        #expect(LocalDate(year: 10000, month: 12, day: 31).description == "10000-12-31")
        #expect(Month(year: 2026, month: 1).description == "2026-01")
        let calendar = TeamCalendar(timeZone: try #require(TimeZone(identifier: "Europe/London")))
        #expect(calendar.weekKey(monday: LocalDate(year: 2027, month: 1, day: 4)) == "2027-W01")
        // 29 December 2025 is a Monday of ISO week 1 of 2026.
        #expect(calendar.weekKey(monday: LocalDate(year: 2025, month: 12, day: 29)) == "2026-W01")
        #expect(calendar.weekKey(monday: LocalDate(year: 2026, month: 12, day: 28)) == "2026-W53")
    }
}
