import CoachChat

extension CheckFinding {
    /// `coach check`'s finding for a call that failed, worded the same way on every platform: the client's reason
    /// (a refusal's reason already names the setting or permission to fix), or for a rate limit, when to try again.
    ///
    /// - Parameters:
    ///   - fix: what to do about `subject` whatever went wrong, when the check knows more than the call did
    ///     ("Add the bot to the group …"). A sentence; added to every failure but a rate limit.
    ///   - unreachable: what to check when the platform could not be reached or did not answer properly (a
    ///     temporary failure, a closed connection): "Check transport.settings.baseURL and the network".
    static func problem(_ subject: String, _ error: TransportError, fix: String? = nil, unreachable: String? = nil) -> CheckFinding {
        let said: [String?]
        switch error {
        case .unauthorized(let reason), .rejected(let reason), .tooLong(let reason):
            said = [reason, fix]
        case .temporary(let reason):
            said = [reason, unreachable, fix]
        case .closed:
            said = ["the connection closed", unreachable, fix]
        case .rateLimited(let wait):
            said = ["rate limited (retry after \(wait)); run coach check again shortly"]
        }
        return .problem(subject, said.compactMap { $0 }.joined(separator: ". "))
    }
}
