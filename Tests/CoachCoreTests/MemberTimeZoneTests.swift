@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// `timezone`: a member's check-ins at the nudge time of their own working days, on their own clock. The team is in
/// Europe/London, its check-ins at 10:00 (`Config/coach.json`); the programme starts on Monday 2027-01-04
/// (`People.started`), with its midweek reminder on Wednesdays.
@Suite("Members in their own time zone")
struct MemberTimeZoneTests {
    static func calendar(_ zone: String) -> TeamCalendar { TeamCalendar(timeZone: TimeZone(identifier: zone)!) }

    /// The instant of a wall-clock time in a zone: "2027-01-06 10:00" in Asia/Kolkata.
    static func instant(_ text: String, in zone: String) -> Date {
        let parts = text.split(separator: " ")
        let time = parts[1].split(separator: ":").compactMap { Int($0) }
        return calendar(zone).at(LocalDate(String(parts[0]))!, hour: time[0], minute: time[1])
    }

    /// Runs every wake-up up to a team time, as the live loop does, and returns when each member's own clock ran
    /// their check-in and what went to them privately as a nudge, with when.
    static func advance(_ h: inout Harness, to text: String) -> (checkIns: [String: [Date]], nudges: [String: [(at: Date, text: String)]]) {
        let end = h.instant(text)
        var checkIns: [String: [Date]] = [:]
        var nudges: [String: [(at: Date, text: String)]] = [:]
        func step(_ h: inout Harness) {
            let outcome = h.tick()
            for event in outcome.events {
                if case .memberCheckedIn(let id, let at) = event { checkIns[id, default: []].append(at) }
            }
            for message in outcome.queued where message.kind == .nudge {
                if case .direct(let id) = message.destination { nudges[id, default: []].append((h.now, message.text)) }
            }
        }
        var next = h.coach.nextWakeUp(after: h.now, state: h.state)
        while next <= end {
            h.now = next
            step(&h)
            next = h.coach.nextWakeUp(after: h.now, state: h.state)
        }
        h.now = end
        step(&h)
        return (checkIns, nudges)
    }

    // MARK: - The command

    @Test("every form parses; too many words get the right form back")
    func forms() {
        #expect(People.parse("!timezone") == .command(Command(MemberTimeZones.Show(), name: "timezone")))
        #expect(People.parse("!tz Asia/Kolkata") == .command(Command(
            MemberTimeZones.Choose(name: "Asia/Kolkata", typed: "Asia/Kolkata"), name: "timezone")))
        #expect(People.parse("!timezone New York") == .command(Command(
            MemberTimeZones.Choose(name: "New_York", typed: "New York"), name: "timezone")))
        #expect(People.parse("!timezone team") == .command(Command(MemberTimeZones.Choose(name: nil, typed: "team"), name: "timezone")))
        #expect(People.parse("!timezone Europe/Berlin from tomorrow please") == .malformed(command: "timezone", problem: .badForm))
    }

    @Test("a member chooses a zone, sees it with the time there, and goes back to the team's")
    func chooseShowAndReset() throws {
        var h = try People.started()
        // Wednesday 2026-12-30 10:00 in London is 15:30 in Kolkata.
        let chosen = try #require(h.say("sam", "!timezone asia/kolkata", name: "Sam").first).text
        #expect(h.state.members["sam"]?.timeZone == "Asia/Kolkata", "the database's spelling is kept")
        #expect(chosen.contains("Done, Sam: your time zone is Asia/Kolkata, where it's Wednesday 15:30 now."), "\(chosen)")
        #expect(chosen.contains("Your check-ins come at 10:00 your time on working days"))
        #expect(chosen.contains("Posts in the channel keep the team's time (Europe/London)."))

        let shown = try #require(h.say("sam", "!timezone", name: "Sam").first).text
        #expect(shown.contains("Your time zone is Asia/Kolkata, Sam: it's Wednesday 15:30 there."), "\(shown)")
        #expect(try #require(h.say("sam", "!timezone Asia/Kolkata", name: "Sam").first).text.contains("already Asia/Kolkata"))

        let team = try #require(h.say("jo", "!timezone", name: "Jo").first).text
        #expect(team.contains("You follow the team's time zone, Europe/London, Jo: it's Wednesday 10:00 there."), "\(team)")
        #expect(team.contains("!timezone America/New_York"), "says how to choose one")

        let back = try #require(h.say("sam", "!timezone team", name: "Sam").first).text
        #expect(h.state.members["sam"]?.timeZone == nil)
        #expect(back.contains("you follow the team's time zone, Europe/London, again (it's Wednesday 10:00 there)"), "\(back)")
        #expect(try #require(h.say("sam", "!timezone team", name: "Sam").first).text.contains("You already follow the team's"))
    }

    @Test("a name that is no zone is refused, naming it, with close names and an example; one clear guess takes a yes")
    func unknownNames() throws {
        var h = try People.started()
        let typo = try #require(h.say("sam", "!timezone Europe/Berln", name: "Sam").first).text
        #expect(typo.contains("I don't know the time zone \"Europe/Berln\". Did you mean !timezone Europe/Berlin? Reply yes to set it."), "\(typo)")
        #expect(typo.contains("e.g. !timezone Europe/Berlin"))
        #expect(h.state.members["sam"]?.timeZone == nil)
        h.say("sam", "yes", name: "Sam")
        #expect(h.state.members["sam"]?.timeZone == "Europe/Berlin")

        // A city alone, in the words people say it.
        let city = try #require(h.say("jo", "!timezone New York", name: "Jo").first).text
        #expect(city.contains("\"New York\". Did you mean !timezone America/New_York?"), "\(city)")
        h.say("jo", "yes", name: "Jo")
        #expect(h.state.members["jo"]?.timeZone == "America/New_York")

        // Abbreviations do not follow summer time and mean different places: refused, with the way to say it.
        for abbreviation in ["EST", "CET", "GMT+2", "../../etc/passwd"] {
            let reply = try #require(h.say("priya", "!timezone \(abbreviation)", name: "Priya").first).text
            #expect(reply.contains("I don't know the time zone"), "\(abbreviation): \(reply)")
            #expect(reply.contains("IANA names"))
            #expect(h.state.members["priya"]?.timeZone == nil)
        }
        // Older aliases the database still knows are real zones.
        h.say("priya", "!timezone Asia/Calcutta", name: "Priya")
        #expect(h.state.members["priya"]?.timeZone == "Asia/Calcutta")
    }

    @Test("close names: the whole name misspelt, or the city alone")
    func suggestions() {
        #expect(TimeZoneNames.suggestions(for: "Europe/Berln").first == "Europe/Berlin")
        #expect(TimeZoneNames.suggestions(for: "Kolkatta").contains("Asia/Kolkata"))
        #expect(TimeZoneNames.suggestions(for: "adelaide") == ["Australia/Adelaide"])
        #expect(TimeZoneNames.suggestions(for: "St_Johns").contains("America/St_Johns"))
        #expect(TimeZoneNames.canonical("pacific/auckland") == "Pacific/Auckland")
        #expect(TimeZoneNames.canonical("utc") == "UTC")
        #expect(TimeZoneNames.canonical("Mars/Olympus") == nil)
        #expect(TimeZoneNames.zone("EST") == nil && TimeZoneNames.zone("Europe/London") != nil)
    }

    // MARK: - When check-ins come

    @Test("a member's check-in comes at the nudge time of their own day, once; the team's at the team's")
    func ownNudgeTime() throws {
        var h = try People.started()
        h.say("sam", "!timezone Asia/Kolkata", name: "Sam")
        _ = Self.advance(&h, to: "2027-01-06 00:00")
        // Wednesday, the reminder's day: neither Sam nor Jo has shared an example yet.
        let morning = Self.advance(&h, to: "2027-01-06 09:59")
        let samsNudges = morning.nudges["sam"] ?? []
        #expect(samsNudges.count == 1)
        #expect(samsNudges.first?.at == Self.instant("2027-01-06 10:00", in: "Asia/Kolkata"), "04:30 in London")
        #expect(samsNudges.first?.text.contains("You haven't shared an example yet") == true)
        #expect(morning.nudges["jo"] == nil, "Jo keeps the team's time")
        let day = Self.advance(&h, to: "2027-01-06 23:59")
        #expect(day.nudges["sam"] == nil, "one check-in a day: the team's job leaves Sam out")
        #expect(day.nudges["jo"]?.map(\.at) == [h.instant("2027-01-06 10:00")])
        #expect(h.state.jobs["nudges:2027-01-06"] == .done)
    }

    @Test("days are the member's own: Monday in Auckland begins on Sunday evening in London, and their Saturday is off")
    func ownWorkingDays() throws {
        var h = try People.started()
        h.say("priya", "!timezone Pacific/Auckland", name: "Priya")
        _ = Self.advance(&h, to: "2027-01-03 00:00")
        let week = Self.advance(&h, to: "2027-01-10 00:00")
        let expected = ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08"].map {
            Self.instant("\($0) 10:00", in: "Pacific/Auckland")
        }
        #expect(week.checkIns["priya"] == expected)
        #expect(expected.first == h.instant("2027-01-03 21:00"), "Sunday evening in London")
    }

    @Test("daylight saving time: 10:00 in New York stays 10:00 when New York changes its clocks and London does not")
    func daylightSaving() throws {
        var h = try People.started(length: 12)
        h.say("jo", "!timezone America/New_York", name: "Jo")
        _ = Self.advance(&h, to: "2027-03-08 00:00")
        // The US changes on Sunday 2027-03-14; the UK on 2027-03-28.
        let fortnight = Self.advance(&h, to: "2027-03-20 00:00")
        let days = ["2027-03-08", "2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12",
                    "2027-03-15", "2027-03-16", "2027-03-17", "2027-03-18", "2027-03-19"]
        #expect(fortnight.checkIns["jo"] == days.map { Self.instant("\($0) 10:00", in: "America/New_York") })
        #expect(fortnight.checkIns["jo"]?.first == h.instant("2027-03-08 15:00"))
        #expect(fortnight.checkIns["jo"]?.last == h.instant("2027-03-19 14:00"), "an hour earlier in London once New York springs forward")
    }

    @Test("half-hour offsets and the southern summer: Adelaide and St John's")
    func oddOffsets() throws {
        var h = try People.started()
        h.say("sam", "!timezone Australia/Adelaide", name: "Sam")
        h.say("jo", "!timezone America/St_Johns", name: "Jo")
        _ = Self.advance(&h, to: "2027-01-04 00:00")
        let monday = Self.advance(&h, to: "2027-01-05 00:00")
        // Adelaide is 10:30 ahead in its summer; St John's 3:30 behind.
        #expect(monday.checkIns["sam"] == [h.instant("2027-01-04 23:30")], "Tuesday 10:00 in Adelaide")
        #expect(monday.checkIns["jo"] == [h.instant("2027-01-04 13:30")])
    }

    @Test("the runtime wakes for a member's check-in, not only for the team's")
    func wakeUp() throws {
        var h = try People.started()
        h.say("sam", "!timezone Asia/Kolkata", name: "Sam")
        let midnight = h.instant("2027-01-05 00:00")
        #expect(h.coach.schedule.nextWakeUp(after: midnight) == h.instant("2027-01-05 10:00"))
        #expect(h.coach.nextWakeUp(after: midnight, state: h.state) == h.instant("2027-01-05 04:30"))
    }

    @Test("the team's holidays are dates, and rest a member on their own day of that date")
    func holidays() throws {
        var h = try WeeklyCycleTests.started(length: 6) {
            $0.holidays = [HolidayRange(first: LocalDate("2027-01-06")!, last: LocalDate("2027-01-06")!)]
        }
        h.say("priya", "!timezone Pacific/Auckland", name: "Priya")
        h.say("jo", "!timezone America/Los_Angeles", name: "Jo")
        _ = Self.advance(&h, to: "2027-01-03 00:00")
        let week = Self.advance(&h, to: "2027-01-09 00:00")
        let local = { (id: String, zone: String) in
            (week.checkIns[id] ?? []).map { Self.calendar(zone).localDate(of: $0).description }
        }
        #expect(local("priya", "Pacific/Auckland") == ["2027-01-04", "2027-01-05", "2027-01-07", "2027-01-08"])
        #expect(local("jo", "America/Los_Angeles") == ["2027-01-04", "2027-01-05", "2027-01-07", "2027-01-08"])
    }

    @Test("away dates are the member's own dates")
    func awayOwnDates() throws {
        var h = try People.started()
        h.say("priya", "!timezone Pacific/Auckland", name: "Priya")
        h.say("jo", "!timezone America/Los_Angeles", name: "Jo")
        _ = Self.advance(&h, to: "2027-01-05 02:00")
        // Tuesday 15:00 in Auckland, still Monday 18:00 in Los Angeles.
        let past = try #require(h.say("priya", "!away until 2027-01-04", name: "Priya").first).text
        #expect(past.contains("not one in the past"), "yesterday in Auckland: \(past)")
        let today = try #require(h.say("jo", "!away until 2027-01-04", name: "Jo").first).text
        #expect(today.contains("no nudges from me until 2027-01-04"), "today in Los Angeles: \(today)")
        h.say("priya", "!away until 2027-01-06", name: "Priya")
        let week = Self.advance(&h, to: "2027-01-07 23:00")
        let auckland = Self.calendar("Pacific/Auckland")
        #expect((week.checkIns["priya"] ?? []).map { auckland.localDate(of: $0).description } == ["2027-01-06", "2027-01-07", "2027-01-08"],
            "a day away runs too, so coming back never brings that day's late")
        #expect(week.nudges["priya"]?.contains { auckland.localDate(of: $0.at) <= LocalDate("2027-01-06")! } != true, "nothing while away")
    }

    @Test("a training's reminder reads in its owner's time, on their day")
    func trainingInOwnersTime() throws {
        var h = try People.started()
        h.say("sam", "!timezone Asia/Kolkata", name: "Sam")
        _ = Self.advance(&h, to: "2027-01-04 09:30")
        h.say("alex", "!training thu 15:00 owner @sam", name: "Alex")
        let sent = Self.advance(&h, to: "2027-01-07 23:00")
        let reminder = try #require(sent.nudges["sam"]?.first { $0.text.contains("You're running the training") })
        #expect(reminder.at == Self.instant("2027-01-07 10:00", in: "Asia/Kolkata"))
        #expect(reminder.text.contains("You're running the training on Thursday 20:30"), "\(reminder.text)")
    }

    // MARK: - Changing clocks

    @Test("moving to another zone after the day's check-in brings no second one that day, and the next day's comes")
    func switchAfterCheckIn() throws {
        var h = try People.started()
        _ = Self.advance(&h, to: "2027-01-06 10:30")
        #expect(h.state.jobs["nudges:2027-01-06"] != nil)
        h.say("jo", "!timezone America/New_York", name: "Jo")
        // 15:00 in London is Jo's 10:00 in New York, still Wednesday there: Jo has had Wednesday's.
        var rest = Self.advance(&h, to: "2027-01-07 11:00")
        // Thursday 16:30 in Kolkata, past Sam's check-in time there, and Sam has had none on Thursday: it comes at the
        // next turn of the loop (here the next wake-up, Jo's at 15:00), late that day, and Friday's on time.
        h.say("sam", "!timezone Asia/Kolkata", name: "Sam")
        let more = Self.advance(&h, to: "2027-01-08 08:00")
        rest.checkIns.merge(more.checkIns) { $0 + $1 }
        rest.nudges.merge(more.nudges) { $0 + $1 }
        #expect(rest.nudges["jo"]?.contains { $0.at < h.instant("2027-01-07 00:00") } != true)
        #expect(rest.checkIns["jo"] == [Self.instant("2027-01-07 10:00", in: "America/New_York")])
        #expect(rest.checkIns["sam"] == [h.instant("2027-01-07 15:00"), h.instant("2027-01-08 04:30")])

        // And back: Sam's own clock ran on Friday morning in London; the team's job that day leaves Sam out.
        h.say("sam", "!timezone team", name: "Sam")
        let friday = Self.advance(&h, to: "2027-01-08 23:00")
        #expect(friday.nudges["sam"] == nil)
    }

    @Test("an admin in their own zone gets the weekly digest with their check-in at its time on their clock, once")
    func adminsDigest() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        // Monday 09:30 in London, before the day's check-ins.
        h.say("alex", "!timezone America/Los_Angeles", name: "Alex")
        // Monday 10:00 in London: the members' check-ins and the team's digest job, with Alex on his own clock.
        let london = h.tick(at: "2027-01-18 10:00").queued
        #expect(!london.contains { $0.destination == .direct(userID: "alex") })
        #expect(london.contains { $0.destination == .direct(userID: "sam") })
        #expect(h.coach.nextWakeUp(after: h.now, state: h.state) == h.instant("2027-01-18 18:00"), "10:00 in Los Angeles")
        let week = Self.advance(&h, to: "2027-01-22 23:00")
        let toAlex = week.nudges["alex"] ?? []
        let digests = toAlex.filter { $0.text.contains(ManagerDigestTests.header) }
        #expect(digests.map(\.at) == [h.instant("2027-01-18 18:00")])
        #expect(digests.first?.text.hasPrefix("Hi Alex, your check-in for today, then \(ManagerDigestTests.header)") == true)
        #expect(h.state.members["alex"]?.ridesHad == ["digest:2027-W03"])
        var perDay: [String: Int] = [:]
        for sent in toAlex { perDay[Self.calendar("America/Los_Angeles").localDate(of: sent.at).description, default: 0] += 1 }
        #expect(perDay.values.allSatisfy { $0 == 1 }, "\(perDay)")
    }

    @Test("an admin who had this week's digest on the team's clock does not get it again on their own")
    func digestCarriesOver() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        let london = h.tick(at: "2027-01-18 10:00").queued
        #expect(london.contains { $0.destination == .direct(userID: "alex") && $0.text.contains(ManagerDigestTests.header) })
        h.now = h.instant("2027-01-18 11:00")
        h.say("alex", "!timezone America/Los_Angeles", name: "Alex")
        let week = Self.advance(&h, to: "2027-01-22 23:00")
        #expect(week.nudges["alex"]?.contains { $0.text.contains(ManagerDigestTests.header) } != true)
        #expect(week.checkIns["alex"]?.first == h.instant("2027-01-19 18:00"), "Monday is done; Tuesday in Los Angeles comes")
    }

    @Test("a member's zone is their data: mydata shows it, forget takes it, and no job key names anyone")
    func theirData() throws {
        var h = try ProgrammeFiguresTests.threeWeeks()
        h.say("alex", "!timezone America/Los_Angeles", name: "Alex")
        h.say("sam", "!timezone Asia/Kolkata", name: "Sam")
        _ = Self.advance(&h, to: "2027-01-19 12:00")
        #expect(h.state.members["alex"]?.ridesHad == ["digest:2027-W03"])
        let shown = h.say("sam", "mydata", name: "Sam", direct: true).map(\.text).joined(separator: "\n")
        #expect(shown.contains("working in the time zone Asia/Kolkata"), "\(shown.prefix(300))")
        let footprint = MemberFootprint.collect("alex", in: h.state, names: [:])
        #expect(footprint.counts[.profile] == 1)

        #expect(!h.state.jobs.keys.contains { $0.contains("alex") || $0.contains("sam") })
        h.say("alex", "!forget @sam", name: "Alex")
        h.say("alex", "!forget @sam confirm", name: "Alex")
        #expect(h.state.members["sam"] == nil, "the zone went with the record")
        #expect(MemberFootprint.collect("sam", in: h.state, names: [:]).counts.isEmpty)
    }

    @Test("nothing changes for a team where nobody chose a zone: the team's wake-ups, one job a day, no keys of their own")
    func unchangedForTeams() throws {
        var h = try People.started()
        var nudges: [OutboundMessage] = []
        var checkedIn: [String] = []
        let end = h.instant("2027-01-15 23:00")
        var next = h.coach.nextWakeUp(after: h.now, state: h.state)
        while next <= end {
            h.now = next
            let outcome = h.tick()
            nudges += outcome.queued.filter { $0.kind == .nudge }
            for event in outcome.events { if case .memberCheckedIn(let id, _) = event { checkedIn.append(id) } }
            next = h.coach.nextWakeUp(after: h.now, state: h.state)
            #expect(next == h.coach.schedule.nextWakeUp(after: h.now))
        }
        #expect(h.state.jobs.keys.filter { $0.hasPrefix("nudges:") }.count == 13, "from Wednesday 2026-12-30 to Friday 2027-01-15")
        // The one event the team's clock adds: when each check-in went, so a later move to a zone knows it.
        #expect(checkedIn == nudges.compactMap { if case .direct(let id) = $0.destination { id } else { nil } })
    }
}
