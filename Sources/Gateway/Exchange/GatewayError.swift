/// An error of the gateway service: a stable `code`, a message naming the partner, envelope or setting, and the
/// HTTP status it travels with when it reaches a client.
public struct GatewayError: Error, Hashable, CustomStringConvertible, Sendable {
    public let code: String
    public let message: String
    public let status: Int

    public init(_ code: String, _ message: String, status: Int = 500) {
        self.code = code
        self.message = message
        self.status = status
    }

    public static func == (lhs: GatewayError, rhs: GatewayError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "\(code): \(message)" }

    public static let nodeIdentity = "node.identity"
    public static let partnersInvalid = "partners.invalid"
    public static let senderNotAuthenticated = "sender.notAuthenticated"
    public static let storeUnavailable = "store.unavailable"
    public static let schemaUnknown = "envelope.schemaUnknown"
    public static let payloadUnreadable = "payload.unreadable"
    public static let deliveryFailed = "delivery.failed"
}
