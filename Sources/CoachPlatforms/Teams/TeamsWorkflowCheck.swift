import CoachChat
import Foundation

extension TeamsWorkflowTransport {
    /// A message with no cards: a live workflow accepts it and posts nothing (its run history shows a run).
    public func check() async -> [CheckFinding] {
        let variable = client.variable
        return await Webhook.check(client, body: TeamsWorkflowWire.Payload(attachments: []), label: "teams-workflow check",
            variable: variable) { response in
            if TeamsWorkflowClient.isThrottled(response) {
                return .warning("webhook", "Teams is throttling this webhook right now; try coach check again in a minute")
            } else if response.isSuccess || response.status == 400 {
                return .ok("webhook", "the Workflows URL in \(variable) is live (HTTP \(response.status) to a test message without cards; nothing was posted, though the workflow's run history shows the test run)")
            } else if (500...599).contains(response.status) {
                return .warning("webhook", "Teams had a temporary problem (HTTP \(response.status)); try coach check again later")
            } else if let failure = client.failure(response, TeamsWorkflowClient.label) {
                return .problem("webhook", failure)
            } else {
                return .problem("webhook", "HTTP \(response.status)")
            }
        }
    }
}
