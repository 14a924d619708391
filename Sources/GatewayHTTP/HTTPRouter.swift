/// The caller a request was authenticated as: an opaque id (a partner slug, an operator name) and attributes.
/// Set by authentication middleware; the transport never interprets it.
public struct HTTPPrincipal: Sendable, Hashable {
    public var id: String
    public var attributes: [String: String]

    public init(id: String, attributes: [String: String] = [:]) {
        self.id = id
        self.attributes = attributes
    }
}

/// The client certificate a TLS peer presented and the server verified.
public struct HTTPPeerCertificate: Sendable, Hashable {
    /// The subject in OpenSSL's one-line form, e.g. `CN=jiaxing,O=G60`.
    public var subject: String
    /// The certificate, DER-encoded, for the caller's own trust and identity checks.
    public var der: [UInt8]

    public init(subject: String, der: [UInt8]) {
        self.subject = subject
        self.der = der
    }
}

/// What a handler knows about the request besides its bytes: path parameters, the matched route, the peer and
/// the authenticated caller.
public struct RequestContext: Sendable {
    /// Path parameters by name (`/partners/:id` → `["id": "jiaxing"]`), percent-decoded.
    public var parameters: [String: String]
    /// The route pattern that matched, e.g. `/v1/partners/:id` (a low-cardinality label for metrics and logs).
    public var route: String
    /// The peer's address, `ip:port`.
    public var remoteAddress: String
    /// The verified client certificate on a mutual-TLS connection.
    public var peerCertificate: HTTPPeerCertificate?
    /// The authenticated caller, set by authentication middleware.
    public var principal: HTTPPrincipal?
    /// When the request head was complete, from the server's clock (nanoseconds).
    public var receivedAt: UInt64

    public init(
        parameters: [String: String] = [:], route: String = "", remoteAddress: String = "",
        peerCertificate: HTTPPeerCertificate? = nil, principal: HTTPPrincipal? = nil, receivedAt: UInt64 = 0
    ) {
        self.parameters = parameters
        self.route = route
        self.remoteAddress = remoteAddress
        self.peerCertificate = peerCertificate
        self.principal = principal
        self.receivedAt = receivedAt
    }
}

/// A request handler. Runs on the event loop unless its route is marked `blocking`, so a handler that touches
/// SQLite, OpenSSL or the disk must be registered with `blocking: true`.
public typealias HTTPHandler = @Sendable (HTTPRequest, inout RequestContext) throws -> HTTPResponse

/// A step around every handler: logging, metrics, authentication, error mapping.
public protocol HTTPMiddleware: Sendable {
    func handle(
        _ request: HTTPRequest, context: inout RequestContext,
        next: (HTTPRequest, inout RequestContext) throws -> HTTPResponse
    ) throws -> HTTPResponse
}

/// What the router resolved for a request head.
public struct ResolvedRoute: Sendable {
    public let responder: HTTPHandler
    public let bodyLimit: Int?
    public let blocking: Bool
    public let pattern: String
    public let parameters: [String: String]
}

/// Method + path routing with `:name` parameters and a trailing `*` wildcard; middleware wraps every route
/// (and the 404/405 answers, so they are logged and counted too).
///
/// Build it, then hand it to the server, which freezes it: routes are immutable while serving.
public struct HTTPRouter: Sendable {
    struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Segment]
        let handler: HTTPHandler
        let bodyLimit: Int?
        let blocking: Bool
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest
    }

    private var routes: [Route] = []
    private var middleware: [any HTTPMiddleware] = []
    /// Static paths → indexes into `compiled`, the fast path for routes without parameters.
    /// Static paths and their routes, scanned by length then bytes: the request's path (a slice of its target) is
    /// found without a `String` copy or a hash (a `Dictionary` lookup by `Substring` allocated per request).
    private var exact: [(path: String, indexes: [Int])] = []
    private var compiled: [(route: Route, responder: HTTPHandler)] = []
    private var notFound: HTTPHandler = { _, _ in throw HTTPError(HTTPError.notFound, "no route", status: 404) }

    public init() {}

    /// Adds middleware; the first added is the outermost.
    public mutating func use(_ m: any HTTPMiddleware) {
        middleware.append(m)
        recompile()
    }

    /// Adds a route.
    /// - Parameters:
    ///   - bodyLimit: this route's largest request body (413 above it); nil keeps the server's limit.
    ///   - blocking: run the handler on the worker pool instead of the event loop.
    public mutating func add(
        _ method: String, _ pattern: String, bodyLimit: Int? = nil, blocking: Bool = false,
        _ handler: @escaping HTTPHandler
    ) {
        let segments: [Segment] = pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part == "*" { return .rest }
            if part.hasPrefix(":") { return .parameter(String(part.dropFirst())) }
            return .literal(String(part))
        }
        routes.append(
            Route(
                method: method, pattern: pattern, segments: segments, handler: handler, bodyLimit: bodyLimit,
                blocking: blocking))
        recompile()
    }

    public mutating func get(_ pattern: String, blocking: Bool = false, _ handler: @escaping HTTPHandler) {
        add("GET", pattern, blocking: blocking, handler)
    }

    public mutating func post(
        _ pattern: String, bodyLimit: Int? = nil, blocking: Bool = false, _ handler: @escaping HTTPHandler
    ) {
        add("POST", pattern, bodyLimit: bodyLimit, blocking: blocking, handler)
    }

    private mutating func recompile() {
        compiled = routes.map { ($0, Self.wrap($0.handler, in: middleware)) }
        exact = []
        for (index, route) in routes.enumerated() {
            var literals: [String] = []
            for segment in route.segments {
                guard case .literal(let text) = segment else { break }
                literals.append(text)
            }
            if literals.count == route.segments.count {
                let path = "/" + literals.joined(separator: "/")
                if let slot = exact.firstIndex(where: { $0.path == path }) {
                    exact[slot].indexes.append(index)
                } else {
                    exact.append((path, [index]))
                }
            }
        }
        let base: HTTPHandler = { _, _ in throw HTTPError(HTTPError.notFound, "no route", status: 404) }
        notFound = Self.wrap(base, in: middleware)
    }

    private static func wrap(_ handler: @escaping HTTPHandler, in middleware: [any HTTPMiddleware]) -> HTTPHandler {
        var responder = handler
        for m in middleware.reversed() {
            let next = responder
            responder = { request, context in try m.handle(request, context: &context, next: next) }
        }
        return responder
    }

    /// Resolves a method and path to a responder (always: 404 and 405 are responders too).
    public func resolve(method: String, path: Substring) -> ResolvedRoute {
        if let candidates = exactRoutes(path) {
            for index in candidates
            where compiled[index].route.method == method
                || (method == "HEAD" && compiled[index].route.method == "GET")
            {
                let route = compiled[index].route
                return ResolvedRoute(
                    responder: compiled[index].responder, bodyLimit: route.bodyLimit, blocking: route.blocking,
                    pattern: route.pattern, parameters: [:])
            }
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for entry in compiled {
            guard let parameters = Self.match(entry.route.segments, parts) else { continue }
            if entry.route.method == method || (method == "HEAD" && entry.route.method == "GET") {
                return ResolvedRoute(
                    responder: entry.responder, bodyLimit: entry.route.bodyLimit, blocking: entry.route.blocking,
                    pattern: entry.route.pattern, parameters: parameters)
            }
            allowed.append(entry.route.method)
        }
        if !allowed.isEmpty {
            let allow = allowed.joined(separator: ", ")
            let base: HTTPHandler = { _, _ in
                throw HTTPError(HTTPError.methodNotAllowed, "allowed methods: \(allow)", status: 405)
            }
            return ResolvedRoute(
                responder: Self.wrap(base, in: middleware), bodyLimit: nil, blocking: false, pattern: "(405)",
                parameters: [:])
        }
        return ResolvedRoute(responder: notFound, bodyLimit: nil, blocking: false, pattern: "(404)", parameters: [:])
    }

    private func exactRoutes(_ path: Substring) -> [Int]? {
        let length = path.utf8.count
        for entry in exact where entry.path.utf8.count == length && sameBytes(entry.path, path) {
            return entry.indexes
        }
        return nil
    }

    private static func match(_ segments: [Segment], _ parts: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        var i = 0
        for segment in segments {
            switch segment {
            case .rest:
                parameters["*"] = parts[i...].joined(separator: "/")
                return parameters
            case .literal(let text):
                guard i < parts.count, parts[i] == text else { return nil }
            case .parameter(let name):
                guard i < parts.count, let value = percentDecode(parts[i]) else { return nil }
                parameters[name] = value
            }
            i += 1
        }
        return i == parts.count ? parameters : nil
    }
}

/// Decodes `%XX` escapes; nil for a malformed escape or invalid UTF-8.
func percentDecode(_ text: Substring) -> String? {
    if !text.utf8.contains(UInt8(ascii: "%")) { return String(text) }
    var out: [UInt8] = []
    var iterator = text.utf8.makeIterator()
    while let b = iterator.next() {
        if b == UInt8(ascii: "%") {
            guard let h = iterator.next(), let l = iterator.next(), let hv = hexDigit(h), let lv = hexDigit(l) else {
                return nil
            }
            out.append(hv << 4 | lv)
        } else {
            out.append(b)
        }
    }
    return String(validating: out, as: UTF8.self)
}

private func hexDigit(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: return b - 0x30
    case 0x41...0x46: return b - 0x41 + 10
    case 0x61...0x66: return b - 0x61 + 10
    default: return nil
    }
}

/// Whether a string and a substring hold the same UTF-8 bytes: compared through pointers when both are contiguous
/// (the generic `elementsEqual` over the two views stood out in the lookup route's instruction counts).
func sameBytes(_ a: String, _ b: Substring) -> Bool {
    guard a.utf8.count == b.utf8.count else { return false }
    let compared: Bool?? = a.utf8.withContiguousStorageIfAvailable { x in
        b.utf8.withContiguousStorageIfAvailable { y in
            for i in 0..<x.count where x[i] != y[i] { return false }
            return true
        }
    }
    if let compared, let compared { return compared }
    return a.utf8.elementsEqual(b.utf8)
}
