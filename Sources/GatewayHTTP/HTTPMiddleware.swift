#if canImport(Glibc)
    import Glibc
#endif

/// Turns errors thrown below it into `application/problem+json` responses: an `HTTPError` keeps its status and
/// code; any other error becomes a 500 `http.internal` without details (they go to `report`, not the client).
public struct ProblemMiddleware: HTTPMiddleware {
    let report: @Sendable (any Error, RequestContext) -> Void

    public init(report: @escaping @Sendable (any Error, RequestContext) -> Void = { _, _ in }) {
        self.report = report
    }

    public func handle(
        _ request: HTTPRequest, context: inout RequestContext,
        next: (HTTPRequest, inout RequestContext) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        do {
            return try next(request, &context)
        } catch let error as HTTPError {
            if error.status >= 500 || error.status < 400 { report(error, context) }
            var response = HTTPResponse.problem(HTTPProblem(error))
            if error.code == HTTPError.unauthorized { response.headers.add("WWW-Authenticate", "Bearer") }
            return response
        } catch let error as any HTTPProblemConvertible {
            return .problem(error.problem)
        } catch {
            report(error, context)
            return .problem(HTTPProblem(status: 500, code: HTTPError.internalError))
        }
    }
}

/// An error from another module that knows its problem response (the gateway's domain errors adopt it).
public protocol HTTPProblemConvertible: Error {
    var problem: HTTPProblem { get }
}

/// Requires an authenticated caller: `authenticate` returns the principal (from a token, a client certificate…)
/// or nil, which is answered 401 `http.auth.required`. Paths in `exempt` (exact match) pass unauthenticated.
public struct AuthenticationMiddleware: HTTPMiddleware {
    let authenticate: @Sendable (HTTPRequest, RequestContext) throws -> HTTPPrincipal?
    let exempt: Set<String>

    public init(
        exempt: Set<String> = [],
        authenticate: @escaping @Sendable (HTTPRequest, RequestContext) throws -> HTTPPrincipal?
    ) {
        self.authenticate = authenticate
        self.exempt = exempt
    }

    public func handle(
        _ request: HTTPRequest, context: inout RequestContext,
        next: (HTTPRequest, inout RequestContext) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        // A few exempt paths: compared in place, no String made per request.
        if !exempt.isEmpty {
            let path = request.path
            if exempt.contains(where: { sameBytes($0, path) }) { return try next(request, &context) }
        }
        guard let principal = try authenticate(request, context) else {
            throw HTTPError(HTTPError.unauthorized, "the request carries no valid credentials", status: 401)
        }
        context.principal = principal
        return try next(request, &context)
    }
}

/// Receives one observation per request; the gateway's metrics facade implements it.
public protocol HTTPMetricsRecorder: Sendable {
    func record(
        method: String, route: String, status: Int, durationNanoseconds: UInt64, requestBytes: Int,
        responseBytes: Int)
}

/// Reports every request to a metrics recorder, labelled by route pattern (never by raw path).
public struct MetricsMiddleware: HTTPMiddleware {
    let recorder: any HTTPMetricsRecorder
    let clock: any HTTPClock

    public init(recorder: any HTTPMetricsRecorder, clock: any HTTPClock = MonotonicClock()) {
        self.recorder = recorder
        self.clock = clock
    }

    public func handle(
        _ request: HTTPRequest, context: inout RequestContext,
        next: (HTTPRequest, inout RequestContext) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let start = clock.nowNanoseconds()
        do {
            let response = try next(request, &context)
            recorder.record(
                method: request.method, route: context.route, status: response.status,
                durationNanoseconds: clock.nowNanoseconds() &- start, requestBytes: request.body.count,
                responseBytes: response.body.count)
            return response
        } catch {
            let status = (error as? HTTPError)?.status ?? 500
            recorder.record(
                method: request.method, route: context.route, status: status,
                durationNanoseconds: clock.nowNanoseconds() &- start, requestBytes: request.body.count,
                responseBytes: 0)
            throw error
        }
    }
}

/// Writes one JSON object per request line (dotted keys) to `sink`; stderr by default.
///
/// Logs the route pattern, not the raw target, so identifiers in paths or queries never reach the log.
public struct LoggingMiddleware: HTTPMiddleware {
    let sink: @Sendable (String) -> Void
    let clock: any HTTPClock

    public init(clock: any HTTPClock = MonotonicClock(), sink: @escaping @Sendable (String) -> Void = writeStderr) {
        self.sink = sink
        self.clock = clock
    }

    public func handle(
        _ request: HTTPRequest, context: inout RequestContext,
        next: (HTTPRequest, inout RequestContext) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let start = clock.nowNanoseconds()
        var status = 500
        defer {
            let micros = (clock.nowNanoseconds() &- start) / 1000
            var line = "{\"event\":\"http.request\",\"http.method\":" + jsonString(request.method)
            line += ",\"http.route\":" + jsonString(context.route) + ",\"http.status\":\(status)"
            line += ",\"http.duration_us\":\(micros),\"peer\":" + jsonString(context.remoteAddress)
            if let principal = context.principal { line += ",\"principal.id\":" + jsonString(principal.id) }
            sink(line + "}")
        }
        let response = try next(request, &context)
        status = response.status
        return response
    }
}

/// Writes a line to standard error with write(2) (no shared `FILE*`, see ENGINEERING-NOTES.md).
@Sendable public func writeStderr(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(2, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}
