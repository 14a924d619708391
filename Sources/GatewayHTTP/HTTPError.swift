/// An error raised by GatewayHTTP: a stable `code` for machines, a message for people, and the HTTP status a
/// server answers with when the error reaches it.
///
/// Equality compares codes only (the pattern of GatewayCore's `CoreError`). Handlers throw it to produce a
/// `application/problem+json` response; the parser reports malformed requests with it; the client classifies
/// transport failures with `retryable`.
public struct HTTPError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The stable machine-readable code, e.g. `http.request.contentLength`.
    public let code: String
    /// What went wrong, for a person.
    public let message: String
    /// The status a server sends for it (400, 413, 431…); 0 for client-side errors.
    public let status: Int
    /// For client errors: whether trying again later may succeed (timeouts, refused connections, 5xx).
    public let retryable: Bool
    /// Where the error was raised in the gateway's own code.
    public let location: String

    public init(
        _ code: String, _ message: String, status: Int = 500, retryable: Bool = false, file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.retryable = retryable
        self.location = "\(file):\(line)"
    }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "\(code): \(message)" }
}

extension HTTPError {
    // Request parsing (server side).
    public static let requestLine = "http.request.line"
    public static let requestLineTooLong = "http.request.lineTooLong"
    public static let version = "http.request.version"
    public static let header = "http.request.header"
    public static let headerFold = "http.request.obsFold"
    public static let headersTooLarge = "http.request.headersTooLarge"
    public static let bareLineFeed = "http.request.bareLF"
    public static let contentLength = "http.request.contentLength"
    public static let transferEncoding = "http.request.transferEncoding"
    public static let host = "http.request.host"
    public static let expectation = "http.request.expectation"
    public static let chunk = "http.request.chunk"
    public static let bodyTooLarge = "http.request.bodyTooLarge"
    public static let timeout = "http.request.timeout"
    // Routing and handlers.
    public static let notFound = "http.route.notFound"
    public static let methodNotAllowed = "http.route.methodNotAllowed"
    public static let unauthorized = "http.auth.required"
    public static let internalError = "http.internal"
    public static let overloaded = "http.server.overloaded"
    // Server set-up.
    public static let socket = "http.server.socket"
    public static let tls = "http.tls"
    // Client.
    public static let clientSetup = "http.client.setup"
    public static let clientConnect = "http.client.connect"
    public static let clientTimeout = "http.client.timeout"
    public static let clientTLS = "http.client.tls"
    public static let clientResponseTooLarge = "http.client.responseTooLarge"
    public static let clientTransport = "http.client.transport"
    public static let clientStatus = "http.client.status"
}
