/// Every message template in `Prompts/`, one case per `<name>.mustache` file.
///
/// A view names its template with one of these cases, so a view cannot point at a file that does not exist, and the
/// list of files a deployment must have is `allCases`: adding a view means adding its case here, and a deployment
/// without the file then fails at start, not on a Friday.
public enum Template: String, CaseIterable, Sendable {
    case adminOnly = "admin-only"
    case announcement
    case awayAck = "away-ack"
    case backAck = "back-ack"
    /// A partial: what a backup holds, counted, for `coach backup` and `coach restore`.
    case backupCounts = "backup-counts"
    /// `coach backup`'s report of what it wrote.
    case backupWritten = "backup-written"
    case beforeAfter = "before-after"
    case chatLine = "chat-line"
    case checkReport = "check-report"
    case checkTeams = "check-teams"
    case consoleHelp = "console-help"
    case consoleSwitched = "console-switched"
    case consoleUnknownMember = "console-unknown-member"
    case consoleWelcome = "console-welcome"
    case consoleWho = "console-who"
    case cycleStarted = "cycle-started"
    case definitionAgreed = "definition-agreed"
    case definitions
    /// A partial: a part of a principle by name.
    case detailName = "detail-name"
    case duplicatePrinciple = "duplicate-principle"
    case exampleAck = "example-ack"
    case exampleDeleted = "example-deleted"
    case exampleEdited = "example-edited"
    case examples
    case feedback
    case feedbackAck = "feedback-ack"
    case followUpFixed = "followup-fixed"
    case followUpOpened = "followup-opened"
    case followUps = "followups"
    /// Every answer to `forget`.
    case forget
    /// A partial: how a member appears in a record (`FootprintRole`), for `mydata` and `forget`.
    case footprintRole = "footprint-role"
    /// The words that take a forgotten member's place: their names in others' words, their own words.
    case formerMember = "former-member"
    case goalAction = "goal-action"
    case goalAdded = "goal-added"
    case goalClosed = "goal-closed"
    case goalUpdated = "goal-updated"
    case goals
    /// A partial: one goal's figures over a period, for the record and the monthly goal review.
    case goalFigures = "goal-figures"
    /// A partial: a goal's readings as a sparkline, with its aim and direction.
    case goalTrend = "goal-trend"
    /// The channel's monthly goal review: figures only, no names.
    case goalReview = "goal-review"
    case helpCommand = "help-command"
    case help
    case history
    case historyWeek = "history-week"
    case ideaAck = "idea-ack"
    case ideaAnswered = "idea-answered"
    case ideas
    case intro
    case lateNote = "late-note"
    /// A partial: the admins' weekly digest, inside their check-in.
    case managerDigest = "manager-digest"
    case meansAck = "means-ack"
    /// The first message of `mydata`: the file's caption, or the head of the text form.
    case myData = "mydata"
    /// A part of `mydata`'s text form: a few records.
    case myDataRecords = "mydata-records"
    case notFound = "not-found"
    case nothingToConfirm = "nothing-to-confirm"
    case notUnderstood = "not-understood"
    case notYours = "not-yours"
    case nudgeDigest = "nudge-digest"
    /// A partial: what the report-back says about next week.
    case nextWeek = "next-week"
    case paused
    case principle
    case principleDetailSet = "principle-detail-set"
    case principles
    case programmeChanged = "programme-changed"
    case programmeFinished = "programme-finished"
    case programmeStarted = "programme-started"
    case programme
    case rateAck = "rate-ack"
    case ratePrompt = "rate-prompt"
    case ratingWidened = "rating-widened"
    case record
    case recordPrivate = "record-private"
    case reminder
    /// The caption of the report file sent in the chat.
    case reportFile = "report-file"
    /// Where the report file went, or why it could not go.
    case reportFileNotice = "report-file-notice"
    /// The HTML report (`coach report --html`): the page, and the partials it is made of, in `Prompts/report/`.
    case reportPage = "report/page"
    /// A partial of the report: its style sheet, for the screen and for A4 paper.
    case reportStyle = "report/style"
    /// A partial of the report: a chart's gridlines and the numbers on its axes.
    case reportAxes = "report/axes"
    /// Partials of the report, one per section.
    case reportTimeline = "report/timeline"
    case reportRatings = "report/ratings"
    case reportParticipation = "report/participation"
    case reportRecognition = "report/recognition"
    case reportGoals = "report/goals"
    case reportFollowUps = "report/followups"
    /// A partial of the report's follow-up tables: what kind of follow-up a row is.
    case reportFollowUpKind = "report/followup-kind"
    case reportIdeas = "report/ideas"
    case resumed
    case scores
    /// A partial: the scores' lines, in `scores` and `scores-shared`.
    case scoreRows = "score-rows"
    case scoresShared = "scores-shared"
    case scoresSharedAck = "scores-shared-ack"
    case sentPrivately = "sent-privately"
    case session
    /// A partial: the report-back session's ten-minute agenda.
    case sessionAgenda = "session-agenda"
    case simulateProgress = "simulate-progress"
    case skipped
    /// `coach restore`'s report of what it restored and where the replaced state went.
    case stateRestored = "state-restored"
    case status
    case summary
    case summaryHeadline = "summary-headline"
    /// The answer to `timezone`: a member's own time zone, or the team's they follow.
    case timeZone = "timezone"
    case trained
    /// A partial: participation per week as sparklines.
    case trends
    case training
    case unknownCommand = "unknown-command"
    case usage
    case votes
    case weekday
}
