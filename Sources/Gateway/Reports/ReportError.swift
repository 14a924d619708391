/// An error raised while building a report: a stable `code` for machines, a message for people.
public struct ReportError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The stable machine-readable code, e.g. `report.invalidPeriod`.
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: ReportError, rhs: ReportError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "\(code): \(message)" }

    /// The period ends before it starts.
    public static let invalidPeriod = "report.invalidPeriod"
}
