import Foundation
import Gateway
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import GatewayStore
import Synchronization
import Testing

@testable import GatewayCLI

/// Swallows the service's log lines (the privacy test reads a real log file instead).
struct SilentLogHandler: LogHandler {
    func log(_ record: LogRecord) {}
}

/// A gateway node in the test process, on a free loopback port.
final class RunningGateway: @unchecked Sendable {
    let service: GatewayService
    let api: API
    init(
        _ rig: Rig, patch: [String: [String: Any]] = [:], endpoints: [String: String] = [:],
        transport: (any EnvelopeTransport)? = nil
    ) throws {
        service = try GatewayService(
            configuration: rig.configuration(patch: patch), transport: transport,
            logger: Logger(label: "g60-gateway", handler: SilentLogHandler()))
        service.endpointOverrides.withLock { overrides in
            for (id, url) in endpoints { overrides[id] = url }
        }
        try service.start()
        api = try API(base: "http://127.0.0.1:\(service.ports.first ?? 0)")
    }
    var base: String { api.base }
    func stop() { service.stop() }
}

@Suite(.serialized) struct SecurityTests {
    /// Every route of the API (GatewayService+Routes.swift; Contracts/http/openapi.yaml is not in the tree yet) ×
    /// anonymous and every scope: 401 without credentials, 403 `auth.scope` without the scope, 2xx with it.
    @Test func authorisationMatrix() throws {
        let rig = try Rig("authz")
        let gateway = try RunningGateway(rig)
        defer { gateway.stop() }
        let c = rig.credentials
        // One envelope in the log, so that the envelope lookup has something to find.
        let known = try rig.envelope(from: "jiaxing")
        let stored = try gateway.api.post("/v1/envelopes", body: known.bytes, token: c.partners["jiaxing"])
        #expect((200..<300).contains(stored.status), "setup submission: \(stored.status)")

        enum Caller: String, CaseIterable {
            case anonymous, submit, readRecords, lookup, operate, partner
        }
        func token(_ caller: Caller) -> String? {
            switch caller {
            case .anonymous: nil
            case .submit: c.submit
            case .readRecords: c.readRecords
            case .lookup: c.lookup
            case .operate: c.operate
            case .partner: c.partners["jiaxing"]
            }
        }
        struct Route {
            var method: String
            var path: String
            var allowed: Set<Caller>
        }
        let routes = [
            Route(method: "GET", path: "/healthz", allowed: Set(Caller.allCases)),
            Route(method: "GET", path: "/readyz", allowed: Set(Caller.allCases)),
            Route(method: "POST", path: "/v1/envelopes", allowed: [.submit, .partner]),
            Route(
                method: "GET", path: "/v1/envelopes/\(known.messageID)?from=jiaxing",
                allowed: [.submit, .readRecords, .operate, .partner]),
            Route(method: "GET", path: "/v1/subjects/91310000132260250X/records", allowed: [.readRecords, .partner]),
            Route(method: "GET", path: "/v1/queues", allowed: [.operate]),
            Route(method: "GET", path: "/metrics", allowed: [.operate]),
        ]
        var checked = 0
        for route in routes {
            for caller in Caller.allCases {
                let response: HTTPClientResponse
                if route.method == "POST" {
                    // A fresh envelope from the caller's own partner (the partner client) or from jiaxing.
                    let envelope = try rig.envelope(from: "jiaxing", sequence: UInt64(10 + checked))
                    response = try gateway.api.post(route.path, body: envelope.bytes, token: token(caller))
                } else {
                    response = try gateway.api.get(route.path, token: token(caller))
                }
                let body = String(decoding: response.body, as: UTF8.self)
                let what = "\(route.method) \(route.path) as \(caller.rawValue): \(response.status) \(body.prefix(200))"
                if route.allowed.contains(caller) {
                    #expect((200..<300).contains(response.status), "\(what)")
                } else if caller == .anonymous {
                    #expect(response.status == 401, "\(what)")
                } else {
                    #expect(response.status == 403 && body.contains("auth.scope"), "\(what)")
                }
                checked += 1
            }
        }
        #expect(checked == routes.count * Caller.allCases.count)
    }

    /// jiaxing's token with an envelope signed by hefei: 403 with a signed `sender.notAuthenticated` receipt, and
    /// nothing is logged under hefei's name.
    @Test func aPartnerCannotSubmitAsAnother() throws {
        let rig = try Rig("impersonate")
        let gateway = try RunningGateway(rig)
        defer { gateway.stop() }
        let forged = try rig.envelope(from: "hefei")
        let response = try gateway.api.post(
            "/v1/envelopes", body: forged.bytes, token: rig.credentials.partners["jiaxing"])
        #expect(response.status == 403)
        let receipt = try EnvelopeVerifier(node: "hefei", trust: rig.trust).confirmReceipt(
            response.body, for: forged.bytes)
        #expect(receipt.status == .rejected)
        #expect(receipt.errorCode == "sender.notAuthenticated")
        #expect(
            try gateway.service.store.logEntry(direction: .inbound, sender: "hefei", messageID: forged.messageID) == nil
        )
        // The same envelope with hefei's own token goes through.
        let own = try gateway.api.post("/v1/envelopes", body: forged.bytes, token: rig.credentials.partners["hefei"])
        #expect((200..<300).contains(own.status))
    }

    /// A lookup client (scenic spots, hotels) checks a subject's standing; it never reads the records themselves.
    @Test func aLookupClientCannotReadRecordsOrEnvelopes() throws {
        let rig = try Rig("lookup")
        let gateway = try RunningGateway(rig)
        defer { gateway.stop() }
        for path in [
            "/v1/subjects/91310000132260250X/records", "/v1/envelopes/x?from=jiaxing", "/v1/queues", "/metrics",
        ] {
            let response = try gateway.api.get(path, token: rig.credentials.lookup)
            #expect(response.status == 403, "\(path): \(response.status)")
        }
    }

    /// A body above `limits.maxEnvelopeBytes` (+ the envelope's header allowance) is refused with 413 before it is
    /// read whole; a small one from the same client still goes through afterwards.
    @Test func requestSizeLimit() throws {
        let rig = try Rig("size")
        let gateway = try RunningGateway(rig, patch: ["limits": ["maxEnvelopeBytes": 2048]])
        defer { gateway.stop() }
        let token = rig.credentials.partners["jiaxing"]
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 64 << 10)
        let response = try gateway.api.post("/v1/envelopes", body: big, token: token)
        #expect(response.status == 413, "\(response.status) \(String(decoding: response.body, as: UTF8.self))")
        let small = try rig.envelope(from: "jiaxing")
        let fresh = try API(base: gateway.base)
        #expect((200..<300).contains(try fresh.post("/v1/envelopes", body: small.bytes, token: token).status))
    }

    /// `limits.requestsPerMinutePerClient` over HTTP: the client's budget runs out with 429 + Retry-After, another
    /// client is unaffected, anonymous health checks are not charged.
    @Test func rateLimitPerClient() throws {
        let rig = try Rig("rate")
        let gateway = try RunningGateway(rig, patch: ["limits": ["requestsPerMinutePerClient": 5]])
        defer { gateway.stop() }
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<8 {
            let response = try gateway.api.get("/v1/queues", token: rig.credentials.operate)
            statuses.append(response.status)
            if response.status == 429 { retryAfter = response.headers["Retry-After"] }
        }
        #expect(statuses.prefix(5).allSatisfy { $0 == 200 }, "\(statuses)")
        #expect(statuses.suffix(3).allSatisfy { $0 == 429 }, "\(statuses)")
        let seconds = try #require(retryAfter.flatMap { Int($0) })
        #expect(seconds >= 1 && seconds <= 12)
        #expect(
            try gateway.api.get("/v1/subjects/91310000132260250X/records", token: rig.credentials.readRecords).status
                == 200)
        for _ in 0..<10 { #expect(try gateway.api.get("/healthz").status == 200) }
    }

    /// The token bucket itself, on an injected clock: a minute's allowance, then refill at the per-second rate.
    @Test func tokenBucketRefillsOnItsClock() {
        final class FakeClock: HTTPClock, @unchecked Sendable {
            let now = Atomic<UInt64>(1_000_000_000)
            func nowNanoseconds() -> UInt64 { now.load(ordering: .relaxed) }
            func advance(seconds: Double) { now.add(UInt64(seconds * 1e9), ordering: .relaxed) }
        }
        let clock = FakeClock()
        let limiter = RateLimitMiddleware(requestsPerMinute: 60, clock: clock)
        for i in 0..<60 { #expect(limiter.take(client: "a") == nil, "request \(i)") }
        #expect(limiter.take(client: "a") == 1)
        #expect(limiter.take(client: "b") == nil)
        clock.advance(seconds: 1)
        #expect(limiter.take(client: "a") == nil)
        #expect(limiter.take(client: "a") != nil)
        clock.advance(seconds: 3600)
        for _ in 0..<60 { #expect(limiter.take(client: "a") == nil) }
        #expect(limiter.take(client: "a") != nil)
        let slow = RateLimitMiddleware(requestsPerMinute: 2, clock: clock)
        #expect(slow.take(client: "c") == nil)
        #expect(slow.take(client: "c") == nil)
        #expect(slow.take(client: "c") == 30)
    }
}

/// The two settings this suite added: `delivery.timeoutSeconds` and `workers.leaseSeconds`.
@Suite struct ReliabilitySettingsTests {
    @Test func deliveryTimeoutAndLeaseAreReadAndChecked() throws {
        let rig = try Rig("settings")
        let defaults = try rig.configuration()
        #expect(defaults.deliveryTimeoutSeconds == 30)
        #expect(defaults.leaseSeconds == nil)
        let set = try rig.configuration(patch: ["delivery": ["timeoutSeconds": 2.5], "workers": ["leaseSeconds": 10]])
        #expect(set.deliveryTimeoutSeconds == 2.5)
        #expect(set.leaseSeconds == 10)
        do {
            _ = try rig.configuration(patch: ["delivery": ["timeoutSeconds": 20], "workers": ["leaseSeconds": 10]])
            Issue.record("a lease shorter than the delivery timeout was accepted")
        } catch let error as ConfigurationError {
            #expect(error.problems.contains { $0.contains("workers.leaseSeconds") }, "\(error.problems)")
        }
        do {
            _ = try rig.configuration(patch: ["delivery": ["timeoutSeconds": 0]])
            Issue.record("a zero delivery timeout was accepted")
        } catch let error as ConfigurationError {
            #expect(error.problems.contains { $0.contains("delivery.timeoutSeconds") }, "\(error.problems)")
        }
    }
}
