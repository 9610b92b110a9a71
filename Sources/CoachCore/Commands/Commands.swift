/// Every chat command, gathered from the features that declare them. The parser's vocabulary, the admin check, the
/// dispatch and `help` are derived from this list; `Prompts/commands.json` must have wording for each.
enum Commands {
    static let all: [CommandDeclaration] =
        Help.commands + Principles.commands + Ratings.commands + Votes.commands + Plan.commands + ProgrammeControl.commands
        + Examples.commands + Goals.commands + FollowUps.commands + IdeasAndDefinitions.commands + Presence.commands
        + CustomerFeedback.commands + Trainings.commands + History.commands + PersonRecord.commands
        + ManagerDigest.commands + MyData.commands + Forget.commands + MemberTimeZones.commands
}
