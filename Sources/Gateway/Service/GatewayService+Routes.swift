import Foundation
import GatewayCore
import GatewayCrypto
import GatewayDispatch
import GatewayHTTP
import GatewayStore

/// The HTTP API (documented in Contracts/http/openapi.yaml).
extension GatewayService {
    /// Paths anyone may call.
    static let anonymousPaths: Set<String> = ["/healthz", "/readyz"]
    /// The longest period `GET /v1/reports/dual-publicity` builds in one request (ten years).
    static let maxReportDays = 3660

    func makeRouter() -> HTTPRouter {
        var router = HTTPRouter()
        router.use(ProblemMiddleware())
        // Bearer principals built once (the lookup's hot path authenticates every request); first client wins.
        let bearer = BearerTable(
            configuration.clients.compactMap { client in client.tokenHash.map { ($0, principal(client)) } })
        router.use(AuthenticationMiddleware(exempt: GatewayService.anonymousPaths) { [self, bearer] request, context in
            try authenticate(request, context, bearer: bearer)
        })
        router.use(RateLimitMiddleware(requestsPerMinute: configuration.limits.requestsPerMinutePerClient))
        router.get("/healthz") { _, _ in .text("ok\n") }
        router.get("/readyz", blocking: true) { [self] _, _ in
            do {
                _ = try store.queueSummary()
                return .text("ready\n")
            } catch {
                return .problem(HTTPProblem(status: 503, code: "service.notReady", detail: "the store is not readable"))
            }
        }
        router.post("/v1/envelopes", bodyLimit: configuration.limits.maxEnvelopeBytes + 8192, blocking: true) {
            [self] request, context in
            let principal = try require(.submit, context)
            let answer = inbox.receive(request.body, caller: principal.attributes["partner"])
            guard let receipt = answer.receipt else {
                var response = HTTPResponse.problem(
                    HTTPProblem(
                        status: 503, code: answer.errorCode ?? GatewayError.storeUnavailable,
                        detail: "the envelope was not stored; send the same bytes again later"))
                response.headers.set("Retry-After", "5")
                return response
            }
            return .bytes(receipt, contentType: "application/vnd.g60.envelope", status: answer.status)
        }
        router.get("/v1/envelopes/:id", blocking: true) { [self] request, context in
            let principal = try require([.submit, .operate, .readRecords], context)
            let id = context.parameters["id"] ?? ""
            let from = principal.attributes["partner"] ?? query(request, "from")
            guard let from else {
                throw HTTPProblem(status: 400, code: "request.fromRequired", detail: "name the sender with ?from=SLUG")
            }
            guard let entry = try store.logEntry(direction: .inbound, sender: from, messageID: id) else {
                throw HTTPProblem(
                    status: 404, code: "envelope.notFound", detail: "no envelope \(id) from \(from) in the message log")
            }
            let quarantined = try store.quarantined(partner: from, messageID: id, rowNumber: nil).count
            let body: [String: Any] = [
                "messageId": entry.header.messageID, "from": entry.header.sender, "to": entry.header.recipient,
                "kind": entry.header.kind, "recordCount": entry.header.recordCount,
                "loggedAt": JSONLinesLogHandler.rfc3339(entry.loggedAt), "logPosition": entry.position,
                "rowsQuarantined": quarantined,
                "receipt": entry.receipt.map { String(decoding: $0, as: UTF8.self) } ?? NSNull(),
            ]
            return .json(Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])))
        }
        // One lookup (one reader pool and snapshot timer) serves the records and the measure routes.
        let lookup = measureLookup()
        router.get("/v1/subjects/:key/records", blocking: true) { [self] _, context in
            _ = try require(.readRecords, context)
            // As `/v1/subjects/:key/measures`: a masked number → 422, anything else that identifies nobody → 400.
            let text = context.parameters["key"] ?? ""
            let keys = try MeasureLookup.problems { try lookup.subjectKeys(text.removingPercentEncoding ?? text) }
            var lines: [String] = []
            for key in keys {
                for id in try store.recordIDs(subjectKey: key) {
                    guard let stored = try store.record(id: id) else { continue }
                    var object =
                        (try JSONSerialization.jsonObject(with: JSONEncoder().encode(stored.record))) as? [String: Any]
                        ?? [:]
                    object["version"] = stored.version
                    if let w = stored.withdrawal {
                        object["withdrawn"] = ["reason": w.reason, "effectiveDate": w.effectiveDate.description]
                    }
                    lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                }
            }
            return .json(Array(("{\"records\":[" + lines.joined(separator: ",") + "]}").utf8))
        }
        addMeasureRoutes(to: &router, lookup: lookup)
        router.get("/v1/queues", blocking: true) { [self] _, context in
            _ = try require(.operate, context)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            return .json(Array(try encoder.encode(["queues": try store.queueSummary()])))
        }
        router.get("/metrics", blocking: true) { [self] _, context in
            _ = try require(.operate, context)
            return .bytes(Array(try console.metricsText().utf8), contentType: OperationsMetrics.contentType)
        }
        router.get("/v1/reports/dual-publicity", blocking: true) { [self] request, context in
            _ = try require(.operate, context)
            guard let fromText = query(request, "from"), let from = CivilDate(iso: fromText),
                let toText = query(request, "to"), let to = CivilDate(iso: toText)
            else {
                throw HTTPProblem(
                    status: 400, code: "report.period", detail: "give from= and to= as YYYY-MM-DD")
            }
            // A report walks every day of its period: an unbounded one (1900–2100) held a blocking worker for
            // 20 s and more (found by schemathesis), so one request may ask for ten years at most.
            guard to.dayNumber - from.dayNumber <= Self.maxReportDays else {
                throw HTTPProblem(
                    status: 400, code: "report.periodTooLong",
                    detail: "the period \(from)–\(to) is longer than \(Self.maxReportDays) days; ask for it in parts")
            }
            let report: DualPublicityReport
            do {
                // The calendar loaded at start-up with the rules (a new year's file needs a restart, as documented).
                report = try DualPublicityReport.build(
                    store: store, calendar: dispatcher.engine.calendar, from: from, to: to)
            } catch let error as ReportError {
                throw HTTPProblem(status: 400, code: error.code, detail: error.message)
            }
            switch query(request, "format") ?? "json" {
            case "html": return .bytes(Array(report.htmlText().utf8), contentType: "text/html; charset=utf-8")
            case "csv": return .bytes(Array(report.csvText().utf8), contentType: "text/csv; charset=utf-8")
            default: return .json(Array(try report.jsonText().utf8))
            }
        }
        router.get("/ops", blocking: true) { [self] _, context in
            _ = try require(.operate, context)
            return .bytes(Array(try console.dashboardHTML().utf8), contentType: OperationsDashboard.contentType)
        }
        router.post("/ops/dlq/replay", bodyLimit: 4096, blocking: true) { [self] request, context in
            let principal = try require(.operate, context)
            // The dashboard's form: refuse cross-site posts (a browser always sends Origin on a form POST).
            if let origin = request.headers["Origin"], let host = request.headers["Host"],
                !origin.hasSuffix("//" + host)
            {
                throw HTTPProblem(status: 403, code: "ops.crossOrigin", detail: "the replay form must come from /ops")
            }
            guard let id = OperationsConsole.replayItemID(formBody: request.body) else {
                throw HTTPProblem(status: 400, code: "ops.replay.noItem", detail: "the form names no dead item id")
            }
            let replayed: [Int64]
            do {
                replayed = try store.replay(.items([id]), actor: principal.id)
            } catch let error as StoreError where error.code == StoreError.notFound {
                // An id that is not (or no longer) in the queue: the operator's mistake, not the server's.
                throw HTTPProblem(status: 404, code: "ops.replay.notFound", detail: "there is no queue item \(id)")
            } catch let error as StoreError where error.code == StoreError.invalidTransition {
                replayed = []  // not dead (delivered meanwhile, or replayed by someone else): nothing to do
            }
            logger.notice("dead letter replayed", ["queue.item": String(id), "actor": principal.id])
            var response = HTTPResponse.text(replayed.isEmpty ? "item \(id) is not dead\n" : "replayed \(id)\n", status: 303)
            response.headers.set("Location", "/ops")
            return response
        }
        return router
    }

    /// A bearer token (its SHA-256 must match a configured client) or a mutual-TLS client certificate whose SAN
    /// binds a partner that a client is configured for.
    func authenticate(
        _ request: HTTPRequest, _ context: RequestContext, bearer: BearerTable
    ) throws -> HTTPPrincipal? {
        if let authorization = request.headers["Authorization"], authorization.hasPrefix("Bearer ") {
            return bearer.principal(token: authorization.utf8.dropFirst(7))
        }
        if let peer = context.peerCertificate, let certificate = try? Certificate.load(der: peer.der) {
            for partner in certificate.partnerIDs {
                if let client = configuration.clients.first(where: { $0.partner == partner }) {
                    return principal(client)
                }
            }
        }
        return nil
    }

    private func principal(_ client: Configuration.Client) -> HTTPPrincipal {
        var attributes = ["scopes": client.scopes.map(\.rawValue).sorted().joined(separator: ",")]
        if let partner = client.partner { attributes["partner"] = partner }
        return HTTPPrincipal(id: client.id, attributes: attributes)
    }

    /// The caller, when it holds `scope`; 403 `auth.scope` otherwise.
    func require(_ scope: Configuration.Client.Scope, _ context: RequestContext) throws -> HTTPPrincipal {
        // The lookup route's hot path: one scope, checked on the attribute's bytes (no array, no split).
        guard let principal = context.principal else {
            throw HTTPProblem(status: 401, code: "auth.required", detail: "send a bearer token or a client certificate")
        }
        if let held = principal.attributes["scopes"], Self.scopeList(held, contains: scope.rawValue) {
            return principal
        }
        return try require([scope], context)
    }

    /// Whether a comma-separated scope list holds `scope` as a whole member.
    static func scopeList(_ list: String, contains scope: String) -> Bool {
        var list = list
        var scope = scope
        return list.withUTF8 { held in
            scope.withUTF8 { wanted in
                var start = 0
                while start <= held.count {
                    var end = start
                    while end < held.count && held[end] != UInt8(ascii: ",") { end += 1 }
                    if end - start == wanted.count
                        && (0..<wanted.count).allSatisfy({ held[start + $0] == wanted[$0] })
                    {
                        return true
                    }
                    start = end + 1
                }
                return false
            }
        }
    }

    func require(_ scopes: [Configuration.Client.Scope], _ context: RequestContext) throws -> HTTPPrincipal {
        guard let principal = context.principal else {
            throw HTTPProblem(status: 401, code: "auth.required", detail: "send a bearer token or a client certificate")
        }
        let held = (principal.attributes["scopes"] ?? "").split(separator: ",")
        guard scopes.contains(where: { scope in held.contains { $0 == scope.rawValue } }) else {
            throw HTTPProblem(
                status: 403, code: "auth.scope",
                detail: "client \(principal.id) lacks the \(scopes.map(\.rawValue).joined(separator: " or ")) scope")
        }
        return principal
    }

    /// A query parameter of the operator and partner routes; an empty value counts as absent.
    func query(_ request: HTTPRequest, _ name: String) -> String? {
        guard let value = request.head.queryValue(name), !value.isEmpty else { return nil }
        return value
    }
}

extension HTTPProblem: Error {}
extension HTTPProblem: HTTPProblemConvertible {
    public var problem: HTTPProblem { self }
}

/// Bearer-token principals by the SHA-256 of the token, built once from the configuration's `sha256:<hex>`.
///
/// Per request: one SHA-256 of the presented token (OpenSSL's low-level one-shot into a stack buffer: no context,
/// hex text or `String` keys),
/// compared with every configured digest in constant time (no early exit on the first differing byte or the first
/// match); the first configured client with that digest wins.
struct BearerTable: Sendable {
    let digests: [[UInt8]]
    let principals: [HTTPPrincipal]

    init(_ entries: [(tokenHash: String, principal: HTTPPrincipal)]) {
        var digests: [[UInt8]] = []
        var principals: [HTTPPrincipal] = []
        for (hash, principal) in entries {
            guard hash.hasPrefix("sha256:"), let digest = Configuration.hexBytes(String(hash.dropFirst(7))),
                digest.count == 32
            else {
                continue  // (the configuration refuses such hashes already)
            }
            digests.append(digest)
            principals.append(principal)
        }
        self.digests = digests
        self.principals = principals
    }

    func principal(token: Substring.UTF8View) -> HTTPPrincipal? {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { digest -> HTTPPrincipal? in
            digest.initializeMemory(as: UInt8.self, repeating: 0)
            let hashed =
                token.withContiguousStorageIfAvailable { Digest.sha256(UnsafeRawBufferPointer($0), into: digest) }
                ?? Array(token).withUnsafeBytes { Digest.sha256($0, into: digest) }
            // A failed hash matches nobody (never a digest left over from an earlier request).
            guard hashed else { return nil }
            var found = -1
            for (index, candidate) in digests.enumerated() {
                var difference: UInt8 = 0
                for i in 0..<32 { difference |= candidate[i] ^ digest[i] }
                // Branch-free choice of the first match.
                let match = difference == 0 && found < 0
                found = match ? index : found
            }
            return found >= 0 ? principals[found] : nil
        }
    }
}
