/// An error raised by GatewayCore: a stable `code` for machines, a message for people.
///
/// Codes read like `calendar.outOfRange` or `codes.unreadable`; equality compares codes only, so tests and callers
/// match on the code and never on the wording (the pattern of swift-certificates' `CertificateError`).
public struct CoreError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The stable machine-readable code, e.g. `calendar.outOfRange`.
    public let code: String
    /// What went wrong, for a person: which file, which key, which value, why.
    public let message: String
    /// Where the error was raised in the gateway's own code.
    public let location: String

    public init(_ code: String, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = "\(file):\(line)"
    }

    public static func == (lhs: CoreError, rhs: CoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { "\(code): \(message)" }
}

extension CoreError {
    public static let calendarOutOfRange = "calendar.outOfRange"
    public static let calendarUnreadable = "calendar.unreadable"
    public static let codesUnreadable = "codes.unreadable"
    public static let contractsNotFound = "contracts.notFound"
    public static let dateInvalid = "date.invalid"
    public static let moneyInvalid = "money.invalid"
}
