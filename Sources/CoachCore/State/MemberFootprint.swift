import Foundation

/// Every place in `CoachState` where a member can appear, declared once. `mydata` (collect) and `forget` (erase)
/// are both this declaration walked, in one of two modes (see `FootprintWalk`), so a field cannot be shown by one and
/// kept by the other.
///
/// `places` names every stored property of `CoachState`, each either walked with the shape of its records or marked
/// as holding nothing about anyone; each shape names every field of its record. `MemberFootprintTests` compares both
/// against the types themselves (by `Mirror`), so a property or a field added without being classified here fails a
/// test rather than outliving an erasure.
///
/// What erasing does, field by field, follows from where the field sits:
/// - a member id (`person`) becomes the member's fresh anonymous id, `former-1`, so what they did stays counted
///   (a report-back's contributors, a principle's average, a week's examples) without saying who;
/// - a record that exists only for them (their members entry, a message waiting for them, something waiting for
///   their answer) goes;
/// - their own words (`words` by them) are replaced by the words for erased text, so the record is counted but says
///   nothing; where the state does not record who wrote a text, its owner counts as its writer (a follow-up's
///   owner opened it, `!followup`; a goal's owner records its actions);
/// - everyone else's words lose the member's names, handle and id, which become the words for a former member.
///
/// The team's own wording (its principles, a goal's measure, its agreed definition) is the team's, not the person's
/// who typed it: it stays, without their names.
public enum MemberFootprint {
    /// One stored property of `CoachState`, and how it is walked.
    struct Place: Sendable {
        let property: String
        let walk: @Sendable (inout CoachState, inout FootprintWalk) -> Void
    }

    /// A property that holds nothing about anyone; the comment at each says why.
    static func nothing(_ property: String) -> Place { Place(property: property) { _, _ in } }

    /// Every stored property of `CoachState`, in the order they are walked. The outbox comes last: by then the walk
    /// has seen everything the member wrote, and a message waiting to go that quotes it loses it too.
    static let places: [Place] = [
        Place(property: "members") { state, walk in walk.walk("members", &state.members, member) },
        Place(property: "teamPrinciples") { state, walk in walk.walk("teamPrinciples", &state.teamPrinciples, principle) },
        Place(property: "principleDetails") { state, walk in
            for id in state.principleDetails.keys.sorted() {
                guard var details = state.principleDetails[id] else { continue }
                var changed = false
                for detail in PrincipleDetail.allCases {
                    guard var words = details[detail] else { continue }
                    var record = DetailWords(principleID: id, detail: detail.rawValue, words: words)
                    if walk.visit("principleDetails", &record, detailWords).changed {
                        words = record.words
                        details[detail] = words
                        changed = true
                    }
                }
                if changed { state.principleDetails[id] = details }
            }
        },
        Place(property: "ratingRounds") { state, walk in walk.walk("ratingRounds", &state.ratingRounds, ratingRound) },
        Place(property: "programme") { state, walk in
            var programme = state.programme
            if walk.visit("programme", &programme, MemberFootprint.programme).changed { state.programme = programme }
        },
        Place(property: "weeks") { state, walk in walk.walk("weeks", &state.weeks, week) },
        Place(property: "examples") { state, walk in
            // `weekStarts` and `weekCounts` are derived from `all` on decode; `nextID` counts.
            walk.declare("ExampleLog", ["all", "nextID", "weekStarts", "weekCounts"])
            for i in state.examples.all.indices {
                var item = state.examples.all[i]
                if walk.visit("examples", &item, example).changed { state.examples.rewrite(at: i, item) }
            }
        },
        Place(property: "goals") { state, walk in walk.walk("goals", &state.goals, goal) },
        Place(property: "followUps") { state, walk in
            // A complaint's follow-up carries the complaint's words, written by whoever logged it.
            var loggedBy: [Int: String] = [:]
            for entry in state.feedback { loggedBy[entry.id] = entry.reporterID }
            walk.walk("followUps", &state.followUps) { v, item in
                followUp(&v, &item, writer: item.feedbackID.map { loggedBy[$0] ?? "" } ?? item.ownerID)
            }
        },
        // The last example a report-back covered: an id.
        nothing("reportedThroughExampleID"),
        Place(property: "pendingSuggestions") { state, walk in
            for key in state.pendingSuggestions.keys.sorted() {
                guard let suggestion = state.pendingSuggestions[key] else { continue }
                var record = Keyed(memberID: key, value: suggestion)
                let result = walk.visit("pendingSuggestions", &record) { v, r in
                    v.person("memberID", &r.memberID, .pending, drops: true)
                    pendingSuggestion(&v, &r.value, askedBy: r.memberID)
                }
                if result.drops && walk.subject.erasing {
                    state.pendingSuggestions[key] = nil
                } else if result.changed {
                    state.pendingSuggestions[key] = record.value
                }
            }
        },
        Place(property: "ideas") { state, walk in walk.walk("ideas", &state.ideas, idea) },
        Place(property: "definitions") { state, walk in walk.walk("definitions", &state.definitions, definition) },
        Place(property: "agreedDefinitions") { state, walk in
            walk.walk("agreedDefinitions", &state.agreedDefinitions, agreedDefinition)
        },
        Place(property: "feedback") { state, walk in walk.walk("feedback", &state.feedback, feedback) },
        // The last feedback a report-back counted: an id.
        nothing("reportedThroughFeedbackID"),
        Place(property: "trainings") { state, walk in walk.walk("trainings", &state.trainings, training) },
        Place(property: "reportBacks") { state, walk in walk.walk("reportBacks", &state.reportBacks, reportBack) },
        // Keys of scheduled jobs name days, weeks and cycles (`nudges:2027-01-04`, `digest:2027-W02`), never people.
        nothing("jobs"),
        nothing("nextOutboxNumber"),
        // The platforms' reading positions (an update id, a timestamp, a sync token).
        nothing("cursors"),
        // The platforms' ids of messages already read, never their words or their senders.
        nothing("recentMessageIDs"),
        nothing("installID"),
        // What retention let go of: each week's counts, the highest ids given and a date; numbers only, no person.
        nothing("retention"),
        // Anonymous ids, made by counting, and the words shown for them.
        nothing("formerMembers"),
        Place(property: "pendingErasures") { state, walk in
            for key in state.pendingErasures.keys.sorted() {
                guard let pending = state.pendingErasures[key] else { continue }
                var record = Keyed(memberID: key, value: pending)
                let result = walk.visit("pendingErasures", &record) { v, r in
                    v.person("adminID", &r.memberID, .pending, drops: true)
                    pendingErasure(&v, &r.value)
                }
                if result.drops && walk.subject.erasing {
                    state.pendingErasures[key] = nil
                } else if result.changed {
                    state.pendingErasures[key] = record.value
                }
            }
        },
        Place(property: "outbox") { state, walk in
            let queued = Set(state.outbox.map(\.id))
            walk.walk("outbox", &state.outbox, outboundMessage)
            // A message waiting to go in the thread of one that was dropped goes to the channel, as after `.dropped`.
            let gone = queued.subtracting(state.outbox.map(\.id))
            for i in state.outbox.indices where state.outbox[i].threadUnder.map(gone.contains) == true {
                state.outbox[i].threadUnder = nil
                state.outbox[i].destination = .channel
            }
        },
    ]

    // MARK: - Records

    static func member(_ v: inout FootprintVisit, _ m: inout Member) {
        // Their names are dropped with the record; another member's stay as they are.
        v.person("id", &m.id, .profile, drops: true)
        v.plain("name", m.name)
        v.plain("handle", m.handle)
        v.plain("awayUntil", m.awayUntil)
        // Where they work (`timezone`), when their last check-in ran, and what rode on an admin's there: theirs
        // alone, shown by `mydata` and gone with the record.
        v.plain("timeZone", m.timeZone)
        v.plain("checkedInAt", m.checkedInAt)
        v.plain("ridesHad", m.ridesHad)
    }

    static func principle(_ v: inout FootprintVisit, _ p: inout Principle) {
        v.plain("id", p.id)
        v.words("title", &p.title, by: nil)
        v.words("why", &p.why, by: nil)
        v.wordList("skills", &p.skills)
        v.wordList("training", &p.training)
        v.words("challenge", &p.challenge, by: nil)
        v.words("question", &p.question, by: nil)
        v.wordList("sources", &p.sources)
        v.wordList("managerSkills", &p.managerSkills)
        v.plain("core", p.core)
    }

    /// One part of a principle in the team's own words.
    struct DetailWords {
        var principleID: String
        var detail: String
        var words: [String]
    }

    static func detailWords(_ v: inout FootprintVisit, _ d: inout DetailWords) {
        v.plain("principleID", d.principleID)
        v.plain("detail", d.detail)
        v.wordList("words", &d.words)
    }

    static func ratingRound(_ v: inout FootprintVisit, _ r: inout RatingRound) {
        v.plain("cycle", r.cycle)
        v.plain("purpose", r.purpose.rawValue)
        v.keyed("scores", &r.scores, .rating) { scores in
            .records(scores.keys.sorted().map { id in
                [FootprintField("principleID", .text(id)), FootprintField("score", .integer(scores[id] ?? 0))]
            })
        }
        v.plain("principleIDs", r.principleIDs)
    }

    static func programme(_ v: inout FootprintVisit, _ p: inout Programme) {
        v.plain("cycle", p.cycle)
        v.plain("phase", p.phase.rawValue)
        v.plain("plan", p.plan)
        v.plain("planAccepted", p.planAccepted)
        v.plain("startDate", p.startDate)
        v.plain("paused", p.paused)
        v.plain("skippedWeeks", p.skippedWeeks)
        v.plain("liveSince", p.liveSince)
        v.plain("finishedOn", p.finishedOn)
        v.keyed("votes", &p.votes, .vote) { .list($0.map(FootprintValue.text)) }
    }

    static func week(_ v: inout FootprintVisit, _ w: inout ProgrammeWeek) {
        v.plain("key", w.key)
        v.plain("monday", w.monday)
        v.plain("cycle", w.cycle)
        v.plain("index", w.index)
        v.plain("principleID", w.principleID)
        v.plain("announcementOutboxID", w.announcementOutboxID)
        v.plain("announcementPlatformID", w.announcementPlatformID)
    }

    static func example(_ v: inout FootprintVisit, _ e: inout Example) {
        v.plain("id", e.id)
        v.plain("weekKey", e.weekKey)
        v.plain("principleID", e.principleID)
        v.person("reporterID", &e.reporterID, e.caughtIDs.isEmpty ? .example : .shoutOutGiven)
        v.people("caughtIDs", &e.caughtIDs, .shoutOutReceived)
        v.words("text", &e.text, by: e.reporterID)
        v.plain("at", e.at)
        v.plain("source", e.source.rawValue)
        v.plain("deleted", e.deleted)
    }

    static func goal(_ v: inout FootprintVisit, _ g: inout Goal) {
        v.plain("id", g.id)
        v.words("kpi", &g.kpi, by: nil)
        v.plain("target", g.target)
        v.words("unit", &g.unit, by: nil)
        v.plain("direction", g.direction.rawValue)
        v.person("ownerID", &g.ownerID, .goalOwned)
        v.plain("due", g.due)
        v.plain("tolerance", g.tolerance)
        v.plain("tolerancePercent", g.tolerancePercent)
        v.plain("createdAt", g.createdAt)
        v.nested("history", &g.history, goalUpdate)
        let owner = g.ownerID
        v.nested("actions", &g.actions) { v, action in goalAction(&v, &action, writer: owner) }
        v.plain("closed", g.closed)
        v.plain("lastNudgedAt", g.lastNudgedAt)
    }

    static func goalUpdate(_ v: inout FootprintVisit, _ u: inout Goal.Update) {
        v.plain("value", u.value)
        v.person("byID", &u.byID, .goalReading)
        v.words("note", &u.note, by: u.byID)
        v.plain("at", u.at)
    }

    /// An action has no writer of its own: the goal's owner records it (or an admin, for them).
    static func goalAction(_ v: inout FootprintVisit, _ a: inout Goal.Action, writer: String) {
        v.words("text", &a.text, by: writer)
        v.plain("at", a.at)
        v.plain("followUpID", a.followUpID)
    }

    static func followUp(_ v: inout FootprintVisit, _ f: inout FollowUp, writer: String) {
        v.plain("id", f.id)
        v.person("ownerID", &f.ownerID, .followUpOwned)
        v.words("text", &f.text, by: writer)
        v.plain("openedAt", f.openedAt)
        v.plain("goalID", f.goalID)
        v.plain("feedbackID", f.feedbackID)
        v.plain("fixedAt", f.fixedAt)
        // Written by the owner, who closes it (or an admin, for them).
        v.words("resolution", &f.resolution, by: f.ownerID)
        v.plain("lastNudgedAt", f.lastNudgedAt)
    }

    /// A record kept in a map under a member's id.
    struct Keyed<Value> {
        var memberID: String
        var value: Value
    }

    static func pendingSuggestion(_ v: inout FootprintVisit, _ s: inout PendingSuggestion, askedBy: String) {
        v.words("text", &s.text, by: askedBy)
        v.plain("at", s.at)
    }

    static func pendingErasure(_ v: inout FootprintVisit, _ p: inout PendingErasure) {
        v.person("memberID", &p.memberID, .pending, drops: true)
        v.plain("at", p.at)
    }

    static func idea(_ v: inout FootprintVisit, _ i: inout Idea) {
        v.plain("id", i.id)
        v.person("authorID", &i.authorID, .idea)
        v.words("text", &i.text, by: i.authorID)
        v.plain("at", i.at)
        v.plain("weekKey", i.weekKey)
        v.nested("answer", &i.answer, ideaAnswer)
    }

    static func ideaAnswer(_ v: inout FootprintVisit, _ a: inout IdeaAnswer) {
        v.person("byID", &a.byID, .ideaAnswer)
        v.words("text", &a.text, by: a.byID)
        v.plain("at", a.at)
    }

    static func definition(_ v: inout FootprintVisit, _ d: inout Definition) {
        v.plain("id", d.id)
        v.person("authorID", &d.authorID, .definition)
        v.words("text", &d.text, by: d.authorID)
        v.plain("at", d.at)
        v.plain("cycle", d.cycle)
    }

    /// The team's definition, made from its answers: the team's words, not the admin's who agreed it.
    static func agreedDefinition(_ v: inout FootprintVisit, _ d: inout AgreedDefinition) {
        v.words("text", &d.text, by: nil)
        v.plain("cycle", d.cycle)
        v.plain("fromIDs", d.fromIDs)
        v.person("agreedByID", &d.agreedByID, .agreedDefinition)
        v.plain("at", d.at)
    }

    static func feedback(_ v: inout FootprintVisit, _ f: inout Feedback) {
        v.plain("id", f.id)
        v.plain("kind", f.kind.rawValue)
        v.person("reporterID", &f.reporterID, .feedbackLogged)
        v.words("text", &f.text, by: f.reporterID)
        v.plain("at", f.at)
    }

    static func training(_ v: inout FootprintVisit, _ t: inout Training) {
        v.plain("id", t.id)
        v.plain("weekKey", t.weekKey)
        v.plain("cycle", t.cycle)
        v.plain("principleID", t.principleID)
        v.plain("at", t.at)
        v.person("ownerID", &t.ownerID, .trainingOwned)
        v.person("scheduledByID", &t.scheduledByID, .trainingScheduled)
        v.plain("scheduledAt", t.scheduledAt)
        v.nested("outcome", &t.outcome, trainingOutcome)
        v.plain("remindedAt", t.remindedAt)
        v.plain("askedAt", t.askedAt)
        v.plain("reported", t.reported)
    }

    static func trainingOutcome(_ v: inout FootprintVisit, _ o: inout Training.Outcome) {
        v.plain("held", o.held)
        v.people("attendeeIDs", &o.attendeeIDs, .trainingAttended)
        v.person("byID", &o.byID, .trainingRecorded)
        v.words("note", &o.note, by: o.byID)
        v.plain("at", o.at)
    }

    static func reportBack(_ v: inout FootprintVisit, _ r: inout ReportBackRecord) {
        v.plain("weekKey", r.weekKey)
        v.plain("cycle", r.cycle)
        v.plain("at", r.at)
        v.plain("afterExampleID", r.afterExampleID)
        v.plain("throughExampleID", r.throughExampleID)
        v.plain("afterFeedbackID", r.afterFeedbackID)
        v.plain("throughFeedbackID", r.throughFeedbackID)
        v.plain("trainingIDs", r.trainingIDs)
        v.plain("goalIDs", r.goalIDs)
    }

    /// A message waiting to be sent: one to the member goes (nobody is there to read it); any other loses their
    /// names and the words they wrote that it quotes.
    static func outboundMessage(_ v: inout FootprintVisit, _ m: inout OutboundMessage) {
        v.plain("id", m.id)
        if case .direct(var userID) = m.destination {
            v.person("destination", &userID, .message, drops: true)
        } else {
            v.plain("destination", m.destination.label)
        }
        v.plain("kind", m.kind.rawValue)
        v.words("text", &m.text, by: nil, quotes: true)
        v.plain("createdAt", m.createdAt)
        v.plain("threadUnder", m.threadUnder)
        if case .memberData(var memberID) = m.attachment {
            v.person("attachment", &memberID, .message, drops: true)
        } else {
            v.plain("attachment", m.attachment?.label)
        }
    }
}

extension OutboundMessage.Destination {
    /// As the journal writes it: `channel`, `thread:<root id>` or `direct:<user id>`.
    var label: String {
        switch self {
        case .channel: "channel"
        case .thread(let root): "thread:" + root
        case .direct(let user): "direct:" + user
        }
    }
}

// MARK: - Collecting and erasing

extension MemberFootprint {
    /// Who `memberID` is, for a walk over `state`: the names to look for in other people's words, and which other
    /// names to leave alone.
    static func subject(
        _ memberID: String, in state: CoachState, formerID: String?, label: String, erasedText: String,
        peopleNames: [String: String] = [:]
    ) -> FootprintSubject {
        var names = [memberID]
        let others = state.members.values.filter { $0.id != memberID }
        if let member = state.members[memberID] {
            names.append(member.name)
            if let handle = member.handle { names.append(handle) }
            // An unambiguous first name, by the rule `@`-mentions follow (`Coach.typedMember`): if it would find them,
            // it names them.
            let parts = member.name.split(separator: " ")
            if parts.count > 1 {
                let first = Coach.nameKey(String(parts[0]))
                let shared = others.contains { Coach.nameKey(String($0.name.split(separator: " ").first ?? "")) == first }
                if !shared { names.append(String(parts[0])) }
            }
        }
        let protected = others.flatMap { [$0.name] + ($0.handle.map { [$0] } ?? []) }
        return FootprintSubject(
            memberID: memberID, formerID: formerID, names: NameMatch(names: names, protected: protected), label: label,
            erasedText: erasedText, peopleNames: peopleNames)
    }

    /// Everything `state` holds about `memberID`: each record they appear in and how, and the counts by role. Reads
    /// only. `names` shows the people in the records by name (`ProgrammeFigures.names`).
    public static func collect(_ memberID: String, in state: CoachState, names: [String: String]) -> FootprintWalk {
        walk(memberID, in: state, names: names, showing: true)
    }

    /// How often `memberID` appears in each role: what `forget` would erase, counted without gathering the records.
    public static func count(_ memberID: String, in state: CoachState) -> [FootprintRole: Int] {
        walk(memberID, in: state, names: [:], showing: false).counts
    }

    private static func walk(
        _ memberID: String, in state: CoachState, names: [String: String], showing: Bool
    ) -> FootprintWalk {
        var copy = state
        var walk = FootprintWalk(
            subject: subject(memberID, in: state, formerID: nil, label: "", erasedText: "", peopleNames: names),
            showing: showing)
        // Collecting never writes, so `copy` shares the state's storage throughout.
        for place in places { place.walk(&copy, &walk) }
        return walk
    }

    /// The fields every record type declared, by type name, over `state` (which should fill every list): for the
    /// test that every field of every record is classified.
    public static func declaredFields(
        in state: CoachState, about memberID: String
    ) -> (places: [String], fields: [String: Set<String>]) {
        var copy = state
        var walk = FootprintWalk(
            subject: subject(memberID, in: state, formerID: nil, label: "", erasedText: "", peopleNames: [:]), showing: true,
            declaring: true)
        for place in places { place.walk(&copy, &walk) }
        return (places.map(\.property), walk.declaredFields ?? [:])
    }
}

extension CoachState {
    /// Erases `memberID` (see `MemberFootprint`): their id becomes `formerID` wherever what they did is counted,
    /// their own words become `erasedText`, their names in other people's words become `label`, and what existed
    /// only for them goes. Pure and deterministic, so replaying the journal's `memberForgotten` does the same again.
    /// Returns the counts by role.
    @discardableResult
    mutating func forget(
        _ memberID: String, as formerID: String, label: String, erasedText: String
    ) -> [FootprintRole: Int] {
        var walk = FootprintWalk(
            subject: MemberFootprint.subject(memberID, in: self, formerID: formerID, label: label, erasedText: erasedText))
        for place in MemberFootprint.places { place.walk(&self, &walk) }
        formerMembers[formerID] = label
        return walk.counts
    }
}
