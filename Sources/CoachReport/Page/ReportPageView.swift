import CoachCore

/// The HTML report's one view: everything `Prompts/report/page.mustache` and the partials it includes show, typed, so
/// a misspelt key is a compile error. Strings are member, catalogue or config text and are escaped as HTML where the
/// template substitutes them; numbers for the charts are canvas coordinates the templates draw (see `Charts`).
struct ReportPageView: MessageView {
    static let template = Template.reportPage

    var team: String
    /// When the report was made, in the team's time zone, as the bot writes times.
    var generated: String
    var timeZone: String
    var cycle: Int
    var phase: Phase
    var teamDefinition: String?
    var memberCount: Int
    /// The fewest raters whose average is shown (`ratings.minRaters`).
    var minRaters: Int
    var totals: Totals
    var weeks: [WeekCard]
    var hasWeeks: Bool
    var ratings: RatingsSection?
    var participation: ParticipationSection?
    var recognition: RecognitionSection?
    var goals: [GoalSection]
    var hasGoals: Bool
    /// The principle of each week marked on the goals' time axes, once for all of them.
    var goalWeeks: [WeekKey]
    var hasGoalWeeks: Bool
    var followUps: FollowUpSection
    var ideas: IdeasSection
    var definitions: DefinitionsSection

    enum Phase: String, TemplateFlag {
        case setup, running, finished
    }

    /// The programme so far in a line of numbers.
    struct Totals: Encodable {
        var weeks: Int
        var examples: Int
        var shoutOuts: Int
        var contributors: Int
        /// Different people recognised at least once.
        var recognised: Int
    }

    /// One programme week of the timeline.
    struct WeekCard: Encodable {
        /// The week's key (`2027-W03`), also its anchor, which the ratings' rows link to.
        var key: String
        var number: Int
        var cycle: Int
        var monday: String
        var principle: String
        /// Week 0, "Customer Service means…".
        var opening: Bool
        var examples: Int
        var own: Int
        var shoutOuts: Int
        var contributors: Int
        var recognised: [Recognised]
        var hasRecognised: Bool
        /// The week's examples, shout-outs first; at most `ReportPage.examplesPerWeek` of them.
        var entries: [ExampleLine]
        var hasEntries: Bool
        /// Examples of the week not listed here (they are all in `examples.csv`).
        var notListed: Int
    }

    struct Recognised: Encodable {
        var name: String
        var count: Int
        var several: Bool
    }

    struct ExampleLine: Encodable {
        var reporter: String
        /// The people caught doing something right, joined for reading; nil for the sender's own example.
        var caught: String?
        var text: String
        var day: String
    }

    /// Ratings before and after, per principle of the plan.
    struct RatingsSection: Encodable {
        var chart: RatingChartView
        var rows: [RatingRow]
        var beforeRaters: Int
        var afterRaters: Int
        /// Some average is not shown because too few people rated it.
        var anyHidden: Bool
        /// There is a re-rating to compare with.
        var hasAfter: Bool
    }

    struct RatingRow: Encodable {
        var title: String
        var before: String?
        var after: String?
        var change: String?
        var beforeRaters: Int
        var afterRaters: Int
        var beforeAgreement: Int?
        var afterAgreement: Int?
        /// The examples the principle's weeks drew, and the weeks, to link to the timeline.
        var examples: Int
        var shoutOuts: Int
        var weeks: [WeekLink]
        var hasWeeks: Bool
    }

    struct RatingChartView: Encodable {
        var frame: ChartFrame
        var rows: [Row]

        struct Row: Encodable {
            var title: String
            var titleY: String
            var before: RatingBarChart.Bar?
            var after: RatingBarChart.Bar?
            /// Neither average is shown: say why, in the bars' place.
            var hidden: Bool
        }
    }

    struct WeekLink: Encodable {
        var key: String
        var number: Int
    }

    /// Examples and contributors per week.
    struct ParticipationSection: Encodable {
        var frame: ChartFrame
        var examples: ChartLine
        var contributors: ChartLine
        var rows: [ParticipationRow]
        var weekCount: Int
        var first: String
        var last: String
        var most: Int
    }

    struct ParticipationRow: Encodable {
        var number: Int
        var principle: String
        var examples: Int
        var shoutOuts: Int
        var contributors: Int
        /// Contributors as a share of the team, in percent.
        var share: Int
    }

    /// How many different people were recognised, week by week and so far, against the team's size.
    struct RecognitionSection: Encodable {
        var frame: ChartFrame
        var thisWeek: ChartLine
        var soFar: ChartLine
        var team: ChartRule
        var rows: [RecognitionRow]
        var memberCount: Int
        var recognisedSoFar: Int
        var neverRecognised: Int
        /// Who gave recognition: how many different people caught someone doing something right.
        var givers: Int
    }

    struct RecognitionRow: Encodable {
        var number: Int
        var thisWeek: Int
        var soFar: Int
        var shoutOuts: Int
    }

    /// One goal: its chart and the table of its readings.
    struct GoalSection: Encodable {
        var id: Int
        var kpi: String
        var unit: String
        var owner: String
        var target: String
        var low: String
        var high: String
        var hasTolerance: Bool
        var higher: Bool
        var lower: Bool
        var closed: Bool
        var latest: String?
        var offTarget: Bool
        var readingCount: Int
        var offCount: Int
        var chart: GoalChartView?
        var readings: [Reading]
        var hasReadings: Bool
        var actions: [Action]
        var hasActions: Bool

        struct Reading: Encodable {
            var day: String
            var value: String
            var off: Bool
            var by: String
            var note: String
            /// The programme week the reading fell in, and its principle: context for the figure, not its cause.
            var week: Int?
            var principle: String?
        }

        struct Action: Encodable {
            var day: String
            var text: String
            var followUpID: Int
            var closed: Bool
        }
    }

    struct GoalChartView: Encodable {
        var frame: ChartFrame
        var readings: ChartLine
        var target: ChartRule
        var band: ChartBox?
        var weeks: [Mark]

        struct Mark: Encodable {
            var x: String
            var labelX: String
            var number: Int
            var principle: String
        }
    }

    struct WeekKey: Encodable {
        var number: Int
        var principle: String
    }

    /// Corrective actions and follow-ups: what is open, what was closed, and how long each took.
    struct FollowUpSection: Encodable {
        var open: [FollowUpRow]
        var closed: [FollowUpRow]
        var hasOpen: Bool
        var hasClosed: Bool
        var openCount: Int
        var closedCount: Int
        /// Median days to close, over the closed ones.
        var medianDays: Int?
        var longestOpenDays: Int?
        var empty: Bool
    }

    struct FollowUpRow: Encodable {
        var id: Int
        var text: String
        var owner: String
        var opened: String
        var closedOn: String?
        var days: Int
        var resolution: String?
        var kind: FollowUpKind
        /// For a corrective action, its goal.
        var goal: String?
    }

    enum FollowUpKind: String, TemplateFlag {
        case correctiveAction, complaint, followUp
    }

    struct IdeasSection: Encodable {
        var ideas: [IdeaRow]
        /// The ideas no admin has answered yet, oldest first: what the manager owes the team.
        var waiting: [IdeaRow]
        var hasWaiting: Bool
        var count: Int
        var unanswered: Int
        var empty: Bool
    }

    struct IdeaRow: Encodable {
        var text: String
        var author: String
        var day: String
        var week: Int?
        var answer: String?
    }

    /// "Customer Service means…": the team's answers and the definitions it agreed.
    struct DefinitionsSection: Encodable {
        var agreed: [Agreed]
        var hasAgreed: Bool
        var answers: [Answer]
        var count: Int
        var empty: Bool

        struct Agreed: Encodable {
            var text: String
            var cycle: Int
            var day: String
            var by: String
        }

        struct Answer: Encodable {
            var text: String
            var author: String
            var cycle: Int
        }
    }
}
