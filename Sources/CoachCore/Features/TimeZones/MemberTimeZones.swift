import Foundation

/// A member's own time zone: `timezone Asia/Kolkata`, and their private check-ins (with an admin's weekly digest)
/// come at the nudge time of their own working days there, daylight saving included (`DailyDigest.runOwnClocks`).
/// Posts in the channel keep the team's time zone: they are for everyone at once.
///
/// A setting per member, like `away`. `timezone` alone says which zone the member follows and the time there;
/// `timezone team` goes back to the team's.
enum MemberTimeZones {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("timezone", aliases: ["tz", "zone"]) { words in
            let args = words.args
            guard let first = args.first else { return .form(Show()) }
            if args.count == 1, teamWords.contains(first.lowercased()) { return .form(Choose(name: nil, typed: first)) }
            // `New York` is how people say the database's `New_York`; more words than any zone's name has (`America/
            // Port of Spain`) is not a zone at all.
            guard args.count <= 3 else { return .malformed(.badForm) }
            return .form(Choose(name: args.joined(separator: "_"), typed: words.rest))
        }
    ]

    /// The words that mean "the team's time zone again".
    static let teamWords: Set<String> = ["team", "default", "reset"]

    /// `timezone`: which zone the member follows, and the time there now.
    struct Show: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            tx.reply(request, TimeZoneView(.show, for: request.senderID, tx))
        }
    }

    /// `timezone <IANA name>`, or `timezone team` (`name` nil).
    struct Choose: CommandForm {
        static let access = Access.everyone
        var name: String?
        /// The words as typed, to show back when they name no zone.
        var typed: String

        func run(_ request: Request, _ tx: inout Transaction) {
            let id = request.senderID
            var zone: String?
            if let name {
                guard let known = TimeZoneNames.canonical(name) else {
                    var view = TimeZoneView(.unknown, for: id, tx)
                    view.typed = typed
                    view.suggestions = TimeZoneNames.suggestions(for: name)
                    view.hasSuggestions = !view.suggestions.isEmpty
                    // One clear guess is offered as a whole command, so "yes" sets it (`Help.Confirm`).
                    if view.suggestions.count == 1 {
                        let offer = "!timezone \(view.suggestions[0])"
                        tx.record(.suggestionOffered(memberID: id, suggestion: PendingSuggestion(text: offer, at: tx.now)))
                        view.offer = offer
                    }
                    tx.reply(request, view)
                    return
                }
                zone = known
            }
            guard tx.state.members[id]?.timeZone != zone else {
                tx.reply(request, TimeZoneView(.unchanged, for: id, tx))
                return
            }
            MemberTimeZones.changeClock(of: id, to: zone, &tx)
            tx.reply(request, TimeZoneView(zone == nil ? .followTeam : .chosen, for: id, tx))
        }
    }

    /// Moves a member to another clock without a second check-in on one day, or a second digest, reward prompt or
    /// request to agree the definition in one period. A check-in needs nothing: `checkedInAt` says when they had
    /// their last, on either clock. What rides on an admin's check-in is kept under the team's keys on the team's
    /// clock, so leaving it writes down the ones already given in the admin's own record (`Member.ridesHad`), as
    /// their own clock would have; leaving their own clock needs nothing, since the team's reads that record too.
    static func changeClock(of id: String, to zone: String?, _ tx: inout Transaction) {
        guard let member = tx.state.members[id] else { return }
        if member.timeZone == nil {
            // A state from before `checkedInAt` cannot say whether today's went to them: assume it did.
            if member.checkedInAt == nil, tx.hasRun("nudges:\(tx.today)") { tx.record(.memberCheckedIn(id: id, at: tx.now)) }
            if tx.config.isAdmin(id) {
                let teamKeys = [
                    ManagerDigest.jobKey(tx.weekKey), MonthlyPosts.jobKey(Month(tx.today).adding(-1)),
                    DefinitionWeek.agreementJob(tx.state),
                ]
                let had = teamKeys.filter { tx.hasRun($0) && !member.hasHad($0) }
                if !had.isEmpty { tx.record(.memberHadRides(id: id, jobs: had)) }
            }
        }
        tx.record(.memberTimeZone(id: id, zone: zone))
    }
}

/// The answer to `timezone`: the zone a member follows and the time there, or why a name is no zone.
struct TimeZoneView: MessageView {
    static let template = Template.timeZone
    var what: What
    /// The zone the member follows now: their own, or the team's.
    var zone: String
    var own: Bool
    var teamZone: String
    /// The day and time there now, e.g. "Tuesday 14:05".
    var localTime: String
    /// The daily nudge time, on the member's clock.
    var checkInTime: String
    /// The platform has private messages, so there are check-ins to time.
    var checkIns: Bool
    /// With `unknown`: the words typed, up to three close names, and the one offered for "yes" when there is one.
    var typed: String?
    var suggestions: [String] = []
    var hasSuggestions = false
    var offer: String?

    enum What: String, TemplateFlag, CaseIterable {
        case show, chosen, followTeam, unchanged, unknown
    }

    init(_ what: What, for memberID: String, _ tx: Transaction) {
        let member = tx.state.members[memberID]
        let calendar = tx.coach.calendar(for: member)
        self.what = what
        teamZone = tx.calendar.timeZone.identifier
        zone = member?.timeZone ?? teamZone
        own = member?.timeZone != nil
        localTime = tx.coach.prompts.dayAndTime(tx.now, in: calendar)
        let nudge = tx.config.schedule.dailyNudge
        checkInTime = "\(nudge.hour.zeroPadded(2)):\(nudge.minute.zeroPadded(2))"
        checkIns = tx.coach.capabilities.directMessages
    }

    /// For `TemplateSamples`: one of each answer, with every optional part filled.
    init(sample what: What) {
        self.what = what
        zone = what == .followTeam ? "Europe/London" : "Asia/Kolkata"
        own = what != .followTeam
        teamZone = "Europe/London"
        localTime = "Tuesday 14:35"
        checkInTime = "10:00"
        checkIns = true
        if what == .unknown {
            typed = "Europe/Berln"
            suggestions = ["Europe/Berlin"]
            hasSuggestions = true
            offer = "!timezone Europe/Berlin"
        }
    }
}
