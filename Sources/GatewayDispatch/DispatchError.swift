/// An error of the dispatcher: a stable `code` and a message naming the file, rule or measure.
public struct DispatchError: Error, Hashable, CustomStringConvertible, Sendable {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: DispatchError, rhs: DispatchError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "\(code): \(message)" }

    public static let catalogueInvalid = "rules.catalogueInvalid"
    public static let rulesInvalid = "rules.rulesInvalid"
    public static let periodsInvalid = "rules.periodsInvalid"
    public static let testInvalid = "rules.testInvalid"
}
