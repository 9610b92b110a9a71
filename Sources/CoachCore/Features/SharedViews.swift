/// Views more than one feature shows: a principle, the numbered list of principles, and the replies for a reference
/// that matches nothing or an entry that belongs to someone else.

/// One principle as posts show it. A principle the catalogue no longer has (a plan edited by hand, a catalogue
/// changed under a running programme) still shows its id as its title.
struct PrincipleView: Encodable {
    var id: String
    var title: String
    var why: String?
    var skills: [String]?
    var hasSkills: Bool?
    /// What the owner or manager does, shown after what everyone practises.
    var managerSkills: [String]?
    var hasManagerSkills: Bool?
    var training: [String]?
    var hasTraining: Bool?
    var challenge: String?
    var question: String?

    init(_ principle: Principle?, id: String) {
        guard let principle else {
            self.id = id
            title = id
            return
        }
        self.id = principle.id
        title = principle.title
        why = principle.why
        skills = principle.skills
        hasSkills = !principle.skills.isEmpty
        managerSkills = principle.managerSkills
        hasManagerSkills = !principle.managerSkills.isEmpty
        training = principle.training
        hasTraining = !principle.training.isEmpty
        challenge = principle.challenge
        question = principle.question
    }
}

/// A principle with the number people use for it in `!rate 4 5` and `!principle 4`.
struct NumberedPrinciple: Encodable {
    var number: Int
    var id: String
    var title: String

    /// Every principle, catalogue first, then the team's own.
    static func all(_ tx: Transaction) -> [NumberedPrinciple] {
        tx.allPrinciples.enumerated().map { NumberedPrinciple(number: $0.offset + 1, id: $0.element.id, title: $0.element.title) }
    }
}

/// A reference that matches nothing: a principle, a member, an example, a goal or a follow-up.
struct NotFoundView: MessageView {
    static let template = Template.notFound
    var kind: Kind
    var ref: String
    /// With `member` and `outsider`: some of the people the bot knows, to help with spelling.
    var known: [String]?

    enum Kind: String, TemplateFlag {
        /// `member`: a typed name nobody has. `outsider`: a platform mention of someone who is not one of the team as
        /// far as the bot can tell (never wrote, not in the roster, not confirmed in the channel). `bot`: the bot
        /// itself where a member is needed; `ref` is its name.
        case principle, member, outsider, bot, example, goal, followup, week, definition, feedback, idea
    }
}

/// Someone else's entry: only its owner (or, for some, an admin) may change it.
struct NotYoursView: MessageView {
    static let template = Template.notYours
    var kind: Kind
    var id: Int
    var owner: String?

    enum Kind: String, TemplateFlag {
        case example, goal, followup, training
    }
}

/// A short text and who wrote it: an idea, a definition.
struct AuthoredText: Encodable {
    var text: String
    var author: String
}
