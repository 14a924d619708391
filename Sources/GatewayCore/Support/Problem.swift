/// One problem found in a record or a row: where (field path), what (stable code) and why (message).
///
/// Validation returns every problem of a record at once, so a partner can fix a row in one round.
public struct Problem: Hashable, Codable, Sendable, CustomStringConvertible {
    /// How serious a problem is: errors reject the record, warnings are reported and the record is kept.
    public enum Severity: String, Codable, Sendable {
        case error
        case warning
    }

    /// The path of the field in the canonical record, e.g. `subject.uscc` or `penalty.fineAmount`.
    public var field: String
    /// The stable code, e.g. `subject.uscc.checksum`.
    public var code: String
    /// A sentence for a person, naming the value and why it is wrong.
    public var message: String
    public var severity: Severity

    public init(field: String, code: String, message: String, severity: Severity = .error) {
        self.field = field
        self.code = code
        self.message = message
        self.severity = severity
    }

    public static func error(_ field: String, _ code: String, _ message: String) -> Problem {
        Problem(field: field, code: code, message: message, severity: .error)
    }

    public static func warning(_ field: String, _ code: String, _ message: String) -> Problem {
        Problem(field: field, code: code, message: message, severity: .warning)
    }

    public var description: String { "\(severity.rawValue) \(field) \(code): \(message)" }
}

extension Array where Element == Problem {
    /// Whether any problem is an error (and so rejects the record).
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
