/// One line of `coach check`'s report on a transport's setup.
public struct CheckFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable { case ok, warning, problem }
    public var status: Status
    /// What was checked: "token", "channel", "webhook".
    public var subject: String
    /// What was found, and for a problem, the fix.
    public var detail: String

    public init(_ status: Status, _ subject: String, _ detail: String) {
        self.status = status
        self.subject = subject
        self.detail = detail
    }

    public static func ok(_ subject: String, _ detail: String) -> Self { .init(.ok, subject, detail) }
    public static func warning(_ subject: String, _ detail: String) -> Self { .init(.warning, subject, detail) }
    public static func problem(_ subject: String, _ detail: String) -> Self { .init(.problem, subject, detail) }

    public var description: String { "\(status.rawValue): \(subject): \(detail)" }
}
