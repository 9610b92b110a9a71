@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// The shipped catalogue, checked against the five source texts (seeds 000 to 004) and against what the bot needs to
/// run a week on each principle. The seeds are not in the repository, so the seed wording that must survive is
/// written out here.
@Suite("Principle catalogue")
struct CatalogueTests {
    let catalogue: Catalogue

    init() throws {
        catalogue = try Fixtures.setup().catalogue
    }

    /// Seed 000's thirteen principles, in its order: the first rating covers these, and they open the catalogue so
    /// their numbers stay 1 to 13.
    static let core = [
        "set-goals-act-on-deviation", "invest-in-training", "service-mindset", "customers-most-important",
        "treat-coworkers-as-customers", "know-your-stuff", "deliver-what-you-promise", "go-the-extra-mile",
        "make-it-a-pleasure", "smile-and-eye-contact", "spot-it-own-it", "treat-as-though-competition",
        "be-an-ambassador",
    ]

    /// The command each principle's awareness challenge names: the one that records what the week asks for. Every
    /// principle is listed, so a new one needs a decision here. `!example` and `!caught` fit any week; the others
    /// belong to one kind of principle (goals, follow-ups, ideas, definitions, customer feedback).
    static let commands: [String: String] = [
        "set-goals-act-on-deviation": "!goal",
        "invest-in-training": "!caught",
        "service-mindset": "!caught",
        "customers-most-important": "!caught",
        "treat-coworkers-as-customers": "!caught",
        "know-your-stuff": "!example",
        "deliver-what-you-promise": "!followup",
        "go-the-extra-mile": "!caught",
        "make-it-a-pleasure": "!feedback",
        "smile-and-eye-contact": "!caught",
        "spot-it-own-it": "!followup",
        "treat-as-though-competition": "!example",
        "be-an-ambassador": "!caught",
        "happy-team-happy-customers": "!caught",
        "know-your-customers": "!example",
        "be-honest-when-things-go-wrong": "!followup",
        "complaints-are-gifts": "!feedback",
        "be-available": "!caught",
        "treat-others-with-respect": "!example",
        "listen-dont-talk": "!example",
        "structure-geared-to-serve": "!idea",
        "right-first-time-every-time": "!example",
        "use-technology-well": "!idea",
        "learn-from-the-best": "!idea",
        "recognise-great-service": "!caught",
        "welcome-new-ideas": "!idea",
        "build-relationships": "!example",
        "easy-to-complain": "!feedback",
        "review-and-improve": "!idea",
        "define-customer-service": "!means",
        "quality-and-value": "!feedback",
    ]

    static let seeds: Set<String> = ["000", "001", "002", "003", "004"]

    func principle(_ id: String) throws -> Principle {
        try #require(catalogue.principle(id: id), "\(id) is missing")
    }

    /// Every text of a principle a person reads, with where it sits.
    static func texts(_ p: Principle) -> [(field: String, text: String)] {
        [("title", p.title), ("why", p.why), ("challenge", p.challenge), ("question", p.question)]
            + p.skills.map { ("skills", $0) } + p.managerSkills.map { ("managerSkills", $0) }
            + p.training.map { ("training", $0) }
    }

    /// The `!words` in a text, without the `!`: "log it with !followup." gives ["followup"].
    static func commandWords(in text: String) -> [String] {
        text.split(separator: "!").dropFirst().compactMap { rest in
            let word = rest.prefix { $0.isLetter }
            return word.isEmpty ? nil : word.lowercased()
        }
    }

    @Test("every principle has skills, training, a challenge, a question and the seeds it came from")
    func everyPrincipleIsComplete() {
        for p in catalogue.principles {
            #expect(!p.why.isEmpty, "\(p.id) why")
            #expect(p.skills.count >= 2, "\(p.id) needs at least two skills everyone can practise")
            #expect(p.skills.allSatisfy { !$0.isEmpty } && p.managerSkills.allSatisfy { !$0.isEmpty }, "\(p.id)")
            #expect(!p.training.isEmpty, "\(p.id) training")
            #expect(!p.challenge.isEmpty, "\(p.id) challenge")
            #expect(p.question.hasSuffix("?"), "\(p.id) question")
            #expect(!p.sources.isEmpty && Set(p.sources).isSubset(of: Self.seeds), "\(p.id) sources \(p.sources)")
            #expect(Set(p.sources).count == p.sources.count, "\(p.id) lists a source twice")
        }
        let used = Set(catalogue.principles.flatMap(\.sources))
        #expect(used == Self.seeds, "every seed is drawn on")
    }

    @Test("each challenge names the command that records it, and every command it names exists")
    func challengesNameTheirCommand() {
        #expect(Set(Self.commands.keys) == Set(catalogue.principles.map(\.id)),
            "every principle, and only those, has its command decided")
        for p in catalogue.principles {
            guard let command = Self.commands[p.id] else { continue }
            #expect(Self.commandWords(in: p.challenge).contains(String(command.dropFirst())),
                "\(p.id): the challenge should name \(command)")
            for word in Self.commandWords(in: p.challenge) {
                #expect(CommandParser.vocabulary[word] != nil,
                    "\(p.id) names !\(word), which is no command")
            }
        }
    }

    @Test("skills are what a person practises; the owner's and manager's tasks are listed apart")
    func skillsAndManagerTasks() throws {
        // Words that mark a task only the owner or a manager can do: hiring, appraisals, incentives, benchmarking.
        let managerWords = ["hiring", "hire ", "appraisal", "job description", "incentive", "benchmark", "two or three measures"]
        for p in catalogue.principles {
            for skill in p.skills {
                #expect(!managerWords.contains { skill.lowercased().contains($0) }, "\(p.id): \"\(skill)\" is a manager task")
            }
        }
        #expect(try principle("set-goals-act-on-deviation").managerSkills.contains("Choose two or three measures that show good service"))
        #expect(try principle("happy-team-happy-customers").managerSkills.contains("Look for a service attitude when hiring"))
        #expect(try principle("learn-from-the-best").managerSkills.contains { $0.contains("Benchmark") })
        #expect(try principle("spot-it-own-it").managerSkills.contains { $0.contains("power and authority") })
        #expect(catalogue.principles.filter { !$0.managerSkills.isEmpty }.count >= 10)
    }

    @Test("the first rating's thirteen: seed 000's principles, marked core, first and in its order")
    func corePrinciples() {
        let core = catalogue.principles.filter(\.core)
        #expect(core.map(\.id) == Self.core)
        #expect(core.allSatisfy { $0.sources.contains("000") })
        #expect(catalogue.principles.prefix(13).map(\.id) == Self.core)
        #expect(catalogue.corePrinciples.map(\.id) == Self.core)
    }

    @Test("principle 10 says \"where culturally acceptable\" wherever it asks for eye contact")
    func eyeContactWhereCulturallyAcceptable() throws {
        let p = try principle("smile-and-eye-contact")
        #expect(catalogue.principles[9].id == p.id)
        let mentions = Self.texts(p).filter { $0.text.lowercased().contains("eye contact") }
        #expect(Set(mentions.map(\.field)).isSuperset(of: ["title", "why", "skills", "training", "challenge"]))
        for mention in mentions {
            #expect(mention.text.lowercased().contains("where culturally acceptable"), "\(mention.field): \(mention.text)")
        }
    }

    @Test("principle 3 keeps seed 003's \"Do not tolerate poor customer service\"")
    func poorServiceNotTolerated() throws {
        let p = try principle("service-mindset")
        #expect(p.why.contains("Do not tolerate poor customer service"))
        #expect(p.skills.contains { $0.contains("Do not tolerate poor service") })
        #expect(p.managerSkills.contains { $0.contains("Do not tolerate poor customer service") })
        #expect(!Self.texts(p).contains { $0.text.lowercased().contains("kindly") })
        #expect(p.sources.contains("003"))
    }

    @Test("principle 13 makes motivating the team the leaders' duty, as seed 001 does")
    func ambassadorsAreTheLeadersDuty() throws {
        let p = try principle("be-an-ambassador")
        #expect(p.why.contains("leaders' business"))
        let toStaff = [p.why, p.challenge, p.question] + p.skills + p.training
        #expect(!toStaff.contains { $0.contains("lousy brand ambassadors") })
        #expect(p.managerSkills.contains { $0.contains("demotivated employees make lousy brand ambassadors") })
        for q in catalogue.principles {
            #expect(!Self.texts(q).contains { $0.text.contains("Raise criticism inside the team") }, "\(q.id)")
        }
        #expect(p.sources.contains("001"))
    }

    @Test("seed 002's goals line: actions that push toward the goals and live the principles")
    func goalsAndPrinciples() throws {
        let p = try principle("set-goals-act-on-deviation")
        #expect(p.why.contains("Take actions that push you toward your goals but which also live your customer service principles"))
        #expect(p.skills.contains { $0.contains("push toward the goal") && $0.contains("service principles") })
        #expect(p.sources.contains("002"))
    }

    @Test("seed 001's \"Quality and value\" is a principle of its own")
    func qualityAndValue() throws {
        let p = try principle("quality-and-value")
        #expect(p.sources == ["001"])
        #expect(!p.core)
        #expect(p.why.contains("decided in the customer's mind"))
        #expect(p.why.contains("added cost"))
        #expect(!p.managerSkills.isEmpty)
        // The point now has its own week, so the principle it was folded into no longer carries it.
        #expect(try !principle("listen-dont-talk").why.contains("Quality and value"))
    }

    @Test("a catalogue entry without the newer fields loads with their defaults")
    func olderEntriesLoad() throws {
        let json = #"{"schema":1,"principles":[{"id":"a","title":"A","why":"w","skills":["s"]},{"id":"b","title":"B","why":"w"}]}"#
        let catalogue = try Catalogue(json: Array(json.utf8))
        #expect(catalogue.principles.map(\.managerSkills) == [[], []])
        #expect(catalogue.principles.map(\.core) == [false, false])
        #expect(catalogue.corePrinciples.map(\.id) == ["a", "b"], "a catalogue that marks none rates everything first")
    }

    @Test("a wrong value for the newer fields is refused, naming where it is")
    func badNewerFields() {
        let core = #"{"schema":1,"principles":[{"id":"a","title":"A","why":"w","core":"yes"}]}"#
        let coreError = #expect(throws: ConfigError.self) { try Catalogue(json: Array(core.utf8)) }
        #expect(coreError?.description.contains("principles[0].core should be true or false") == true, "\(String(describing: coreError))")
        let manager = #"{"schema":1,"principles":[{"id":"a","title":"A","why":"w","managerSkills":"hire well"}]}"#
        let managerError = #expect(throws: ConfigError.self) { try Catalogue(json: Array(manager.utf8)) }
        #expect(managerError?.description.contains("principles[0].managerSkills should be a list") == true,
            "\(String(describing: managerError))")
    }

    @Test("a team's own principle journals as before: the newer fields are written only when set")
    func encoding() throws {
        let own = Principle(id: "tidy", title: "Tidy", why: "Because", skills: ["a", "b"])
        let text = String(decoding: try JSONCoding.encoder.encode(own), as: UTF8.self)
        #expect(!text.contains("managerSkills") && !text.contains("core"))
        let full = Principle(id: "x", title: "X", why: "w", managerSkills: ["m"], core: true)
        let back = try JSONCoding.decoder.decode(Principle.self, from: try JSONCoding.encoder.encode(full))
        #expect(back == full)
    }

    @Test("!principle shows the manager's list after the skills, and no heading when there is none")
    func principleReplyShowsManagerSkills() throws {
        var h = Harness(coach: try Fixtures.coach(), at: "2027-01-06 10:00")
        h.tick()
        let p = try principle("spot-it-own-it")
        let text = try #require(h.say("sam", "!principle \(p.id)", name: "Sam").first?.text)
        let skill = try #require(text.range(of: p.skills.last!))
        let heading = try #require(text.range(of: "For the owner or manager:"))
        let training = try #require(text.range(of: p.training[0]))
        #expect(skill.upperBound <= heading.lowerBound && heading.upperBound <= training.lowerBound)
        for task in p.managerSkills { #expect(text.contains("- " + task)) }
        #expect(text.contains(p.challenge))

        let plain = try principle("customers-most-important")
        #expect(plain.managerSkills.isEmpty)
        let reply = try #require(h.say("sam", "!principle \(plain.id)", name: "Sam").first?.text)
        #expect(reply.contains(plain.skills[0]) && !reply.contains("For the owner or manager:"))
    }

    @Test("the Monday post shows the manager's list after the skills")
    func announcementShowsManagerSkills() throws {
        let coach = try Fixtures.coach {
            $0.holidays = []
            $0.programme.openingWeek = false
        }
        var h = Harness(coach: coach, at: "2027-01-04 08:00")
        h.tick()
        let p = try principle("set-goals-act-on-deviation")
        for text in ["!programme add \(p.id) 1", "!programme move \(p.id) to 1", "!programme accept", "!start now"] {
            h.say("alex", text, name: "Alex")
        }
        #expect(h.state.programme.plan.first == p.id)
        let post = try #require(h.tick(at: "2027-01-04 09:00").queued.first { $0.kind == .announcement }?.text)
        let skill = try #require(post.range(of: p.skills.last!))
        let heading = try #require(post.range(of: "For the owner or manager:"))
        let training = try #require(post.range(of: p.training[0]))
        #expect(skill.upperBound <= heading.lowerBound && heading.upperBound <= training.lowerBound)
        for task in p.managerSkills { #expect(post.contains("- " + task)) }
    }
}
