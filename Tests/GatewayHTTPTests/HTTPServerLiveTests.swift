import Dispatch
import Foundation
import GatewayHTTP
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct Boom: Error {}

/// Records metrics observations for assertions.
final class RecordingMetrics: HTTPMetricsRecorder {
    let seen = Mutex<[(String, Int)]>([])
    func record(
        method: String, route: String, status: Int, durationNanoseconds: UInt64, requestBytes: Int,
        responseBytes: Int
    ) {
        seen.withLock { $0.append((route, status)) }
    }
}

func testRouter(gate: DispatchSemaphore? = nil, entered: DispatchSemaphore? = nil) -> HTTPRouter {
    var router = HTTPRouter()
    router.use(ProblemMiddleware())
    router.get("/ping") { _, _ in .text("pong") }
    router.post("/echo", bodyLimit: 64 * 1024) { request, _ in
        .bytes(request.body, contentType: "application/octet-stream")
    }
    router.post("/small", bodyLimit: 10) { request, _ in .bytes(request.body, contentType: "text/plain") }
    router.get("/partners/:id/records/:record") { _, context in
        .text("\(context.parameters["id"] ?? "?")/\(context.parameters["record"] ?? "?") via \(context.route)")
    }
    router.get("/boom") { _, _ in throw Boom() }
    router.get("/blocking", blocking: true) { request, _ in
        entered?.signal()
        gate?.wait()
        return .text("blocked " + String(request.head.query ?? ""))
    }
    return router
}

func startServer(
    _ router: HTTPRouter, loops: Int = 1, clock: any HTTPClock = MonotonicClock(), maxConnections: Int = 10_000,
    tick: Duration = .milliseconds(20), configure: (inout HTTPServerConfiguration) -> Void = { _ in }
) throws -> HTTPServer {
    var configuration = HTTPServerConfiguration(
        loopCount: loops, workerCount: 2, maxConnections: maxConnections, idleTimeout: .seconds(60),
        headerTimeout: .seconds(10), bodyTimeout: .seconds(30), shutdownGracePeriod: .seconds(5), tick: tick,
        allowPlaintext: true, clock: clock)
    configure(&configuration)
    let server = try HTTPServer(configuration: configuration, router: router)
    try server.start()
    return server
}

@Suite struct HTTPServerLiveTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let server = try startServer(testRouter(), loops: 2)
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        for _ in 0..<3 {
            try client.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == "pong")
            #expect(response.header("Date") != nil)
            #expect(response.header("Connection") == nil)
        }
        try client.send("GET /ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(try client.readResponse().header("Connection") == "close")
        #expect(try client.readsEOF())
    }

    @Test func http10KeepAliveIsAnnouncedAndPlain10Closes() throws {
        let server = try startServer(testRouter())
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        for _ in 0..<2 {
            try client.send("GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.bodyText == "pong")
            #expect(response.header("Connection") == "keep-alive")
        }
        try client.send("GET /blocking?old HTTP/1.0\r\n\r\n")
        let last = try client.readResponse()
        #expect(last.bodyText == "blocked old")
        #expect(last.header("Connection") == "close")
        #expect(try client.readsEOF())
    }

    @Test func pipelinedRequestsAreAnsweredInOrderIncludingBlockingRoutes() throws {
        let server = try startServer(testRouter())
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send(
            "GET /blocking?1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /blocking?2 HTTP/1.1\r\nHost: t\r\n\r\nGET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().bodyText == "blocked 1")
        #expect(try client.readResponse().bodyText == "abc")
        #expect(try client.readResponse().bodyText == "blocked 2")
        #expect(try client.readResponse().bodyText == "pong")
    }

    @Test func aClientThatDoesNotReadIsBackPressuredNotBuffered() throws {
        let server = try startServer(tlsRouter())
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        // 60 pipelined requests for 100 KB each (6 MB): far above the socket buffers and the output high-water
        // mark, so the server must stop parsing, wait for EPOLLOUT and resume.
        try client.send(String(repeating: "GET /big HTTP/1.1\r\nHost: t\r\n\r\n", count: 60))
        var complete = 0
        for _ in 0..<60 {
            let response = try client.readResponse()
            if response.status == 200 && response.body.count == 100_000 { complete += 1 }
        }
        #expect(complete == 60)
    }

    @Test func chunkedRequestBodyIsDecoded() throws {
        let server = try startServer(testRouter())
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n")
        try client.send("5\r\npedia\r\n0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "Wikipedia")
    }

    @Test func expectContinueGetsAnInterimResponseOrA413() throws {
        let server = try startServer(testRouter())
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("hello")
        let final = try client.readResponse()
        #expect(final.status == 200)
        #expect(final.bodyText == "hello")

        let refused = try RawClient(port: server.port)
        try refused.send("POST /small HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n")
        let response = try refused.readResponse()
        #expect(response.status == 413)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.bodyText.contains("\"code\":\"http.request.bodyTooLarge\""))
        #expect(try refused.readsEOF())
    }

    @Test func malformedRequestGetsAProblemAndTheConnectionCloses() throws {
        let server = try startServer(testRouter())
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("GET /ping HTTP/1.1\r\nHost : t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.bodyText.contains("\"code\":\"http.request.header\""))
        #expect(response.header("Connection") == "close")
        #expect(try client.readsEOF())
        #expect(server.stats.malformed.load(ordering: .relaxed) == 1)
    }

    @Test func routingParametersNotFoundMethodNotAllowedAndErrors() throws {
        let server = try startServer(testRouter())
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("GET /partners/jia%78ing/records/42 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().bodyText == "jiaxing/42 via /partners/:id/records/:record")
        try client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")
        let missing = try client.readResponse()
        #expect(missing.status == 404)
        #expect(missing.bodyText.contains("\"code\":\"http.route.notFound\""))
        try client.send("DELETE /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 405)
        try client.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n")
        let boom = try client.readResponse()
        #expect(boom.status == 500)
        #expect(boom.bodyText.contains("\"code\":\"http.internal\""))
        try client.send("HEAD /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(headRequest: true)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "4")
        try client.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().bodyText == "pong")
    }

    @Test func middlewareAuthenticatesLogsAndCounts() throws {
        let metrics = RecordingMetrics()
        let lines = Mutex<[String]>([])
        var router = HTTPRouter()
        router.use(LoggingMiddleware { line in lines.withLock { $0.append(line) } })
        router.use(MetricsMiddleware(recorder: metrics))
        router.use(ProblemMiddleware())
        router.use(
            AuthenticationMiddleware(exempt: ["/health"]) { request, _ in
                guard let value = request.headers["Authorization"], value.hasPrefix("Bearer ") else { return nil }
                return HTTPPrincipal(id: String(value.dropFirst(7)))
            })
        router.get("/health") { _, _ in .text("ok") }
        router.get("/whoami") { _, context in .text(context.principal?.id ?? "nobody") }
        let server = try startServer(router)
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("GET /whoami HTTP/1.1\r\nHost: t\r\n\r\n")
        let denied = try client.readResponse()
        #expect(denied.status == 401)
        #expect(denied.bodyText.contains("http.auth.required"))
        try client.send("GET /whoami HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer jiaxing\r\n\r\n")
        #expect(try client.readResponse().bodyText == "jiaxing")
        try client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().bodyText == "ok")
        let seen = metrics.seen.withLock { $0 }
        #expect(seen.map(\.0) == ["/whoami", "/whoami", "/health"])
        #expect(seen.map(\.1) == [401, 200, 200])
        let logged = lines.withLock { $0 }
        #expect(logged.count == 3)
        #expect(logged[1].contains("\"principal.id\":\"jiaxing\""))
        #expect(logged[0].contains("\"http.status\":401"))
    }

    @Test func headerAndIdleTimeoutsCloseSlowClients() throws {
        let clock = ManualClock()
        let server = try startServer(testRouter(), clock: clock) {
            $0.headerTimeout = .seconds(5)
            $0.idleTimeout = .seconds(30)
        }
        defer { server.shutdown() }
        // Slowloris: a head that never ends, sent one byte at a time.
        let slow = try RawClient(port: server.port)
        try slow.send("GET /ping HTTP/1.1\r\nHo")
        // An idle keep-alive connection after one request.
        let idle = try RawClient(port: server.port)
        try idle.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponse().status == 200)
        // Make sure the server has seen the slow bytes before time moves (a request on the same loop is answered
        // after earlier events).
        let probe = try RawClient(port: server.port)
        try probe.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try probe.readResponse()
        clock.advance(.seconds(4))
        try slow.send("s")
        clock.advance(.seconds(2))
        let timeout = try slow.readResponse()
        #expect(timeout.status == 408)
        #expect(try slow.readsEOF())
        // The idle connection survives the header timeout, then goes after the idle timeout.
        try idle.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponse().status == 200)
        clock.advance(.seconds(31))
        #expect(try idle.readsEOF())
        #expect(server.stats.timedOut.load(ordering: .relaxed) >= 2)
    }

    @Test func aBodyThatTricklesInIsCutOffByTheBodyTimeout() throws {
        let clock = ManualClock()
        let server = try startServer(testRouter(), clock: clock) { $0.bodyTimeout = .seconds(20) }
        defer { server.shutdown() }
        let slow = try RawClient(port: server.port)
        try slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        // Same loop, later event: once this is answered the slow head has been read.
        let probe = try RawClient(port: server.port)
        try probe.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try probe.readResponse()
        clock.advance(.seconds(15))
        try slow.send("de")
        clock.advance(.seconds(6))
        let response = try slow.readResponse()
        #expect(response.status == 408)
        #expect(response.bodyText.contains("http.request.timeout"))
        #expect(try slow.readsEOF())
    }

    @Test func connectionLimitAnswers503() throws {
        let server = try startServer(testRouter(), maxConnections: 2)
        defer { server.shutdown() }
        let a = try RawClient(port: server.port)
        let b = try RawClient(port: server.port)
        try a.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        try b.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try a.readResponse()
        _ = try b.readResponse()
        let c = try RawClient(port: server.port)
        let refused = try c.readResponse()
        #expect(refused.status == 503)
        #expect(refused.bodyText.contains("http.server.overloaded"))
    }

    @Test func aThousandConcurrentConnections() throws {
        let server = try startServer(testRouter(), loops: 2)
        defer { server.shutdown() }
        var clients: [RawClient] = []
        for _ in 0..<1000 { clients.append(try RawClient(port: server.port)) }
        for (i, client) in clients.enumerated() {
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(String(i).utf8.count)\r\n\r\n\(i)")
        }
        var good = 0
        for (i, client) in clients.enumerated() {
            let response = try client.readResponse()
            if response.status == 200 && response.bodyText == String(i) { good += 1 }
        }
        #expect(good == 1000)
        #expect(server.stats.open.load(ordering: .relaxed) == 1000)
    }

    @Test func gracefulShutdownFinishesTheRequestInFlight() throws {
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let server = try startServer(testRouter(gate: gate, entered: entered))
        let busy = try RawClient(port: server.port)
        let idle = try RawClient(port: server.port)
        try idle.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try idle.readResponse()
        try busy.send("GET /blocking?inflight HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(entered.wait(timeout: .now() + 10) == .success)
        let done = DispatchSemaphore(value: 0)
        Thread {
            server.shutdown()
            done.signal()
        }.start()
        // The idle connection is closed at once; the busy one still gets its answer.
        #expect(try idle.readsEOF())
        gate.signal()
        let response = try busy.readResponse()
        #expect(response.bodyText == "blocked inflight")
        #expect(response.header("Connection") == "close")
        #expect(done.wait(timeout: .now() + 10) == .success)
        // Every connection is closed once shutdown returns. (Connecting again is no test: with tests running in
        // parallel, the freed port may already belong to another test's server.)
        #expect(server.stats.open.load(ordering: .relaxed) == 0)
    }

    @Test func plainHTTPMustBeAllowedExplicitly() {
        #expect(throws: HTTPError(HTTPError.tls, "")) {
            _ = try HTTPServer(configuration: HTTPServerConfiguration(allowPlaintext: false), router: HTTPRouter())
        }
    }

    @Test func curlAsARealClient() throws {
        let server = try startServer(testRouter())
        defer { server.shutdown() }
        let result = try runTool(
            "/usr/bin/curl",
            [
                "-sS", "--max-time", "10", "-H", "Expect: 100-continue", "--data-binary", "@-",
                "http://127.0.0.1:\(server.port)/echo",
            ],
            input: Array(String(repeating: "x", count: 3000).utf8))
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == String(repeating: "x", count: 3000))
        let get = try runTool("/usr/bin/curl", ["-sS", "--max-time", "10", "http://127.0.0.1:\(server.port)/ping"])
        #expect(get.output == "pong")
    }
}

/// The default number of event loops follows the CPUs this process may run on (its affinity), not every online CPU.
@Suite struct EventLoopSizingTests {
    /// The CPUs in this process's `Cpus_allowed_list` (e.g. "0-1" or "0,2-3"), read independently of the shim.
    static func allowedFromProcStatus() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        var count = 0
        for part in line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            count += bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1
        }
        return count
    }

    @Test func defaultLoopCountIsTheAffinityCPUCount() throws {
        let allowed = try Self.allowedFromProcStatus()
        #expect(HTTPServerConfiguration.availableCPUs == allowed)
        #expect(HTTPServerConfiguration(loopCount: 0).loopCount == allowed)
        #expect(HTTPServerConfiguration(loopCount: 3).loopCount == 3)
    }
}
