import Foundation
import GatewayCore
import GatewayCrypto
import GatewayDispatch
import GatewayHTTP
import GatewayStore
import GatewayTesting
import Testing

@testable import Gateway

/// A real GatewayService (not started: its router is called directly) over a temporary PKI and store, with one
/// client per scope.
final class RouteHarness {
    let dir: URL
    let service: GatewayService
    let router: HTTPRouter
    static let tokens = ["lookup": "tok-lookup", "read-records": "tok-reader", "operate": "tok-operator"]

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-routes-\(UUID().uuidString)")
        let trustDir = dir.appendingPathComponent("pki")
        let hubDir = trustDir.appendingPathComponent("g60-hub")
        try FileManager.default.createDirectory(at: hubDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: trustDir.appendingPathComponent("root"), withIntermediateDirectories: true)
        let now = Date()
        let root = try CertificateAuthority.makeRoot(
            commonName: "Test root", algorithm: .ed25519, notBefore: now - 86400, notAfter: now + 86400 * 30)
        let key = try PrivateKey.generate(.ed25519)
        let cert = try root.issue(
            partnerID: "g60-hub", publicKey: key.publicKey, notBefore: now - 86400, notAfter: now + 86400 * 30)
        try Data(try root.certificate.pem()).write(to: trustDir.appendingPathComponent("root/cert.pem"))
        try Data(try key.pem()).write(to: hubDir.appendingPathComponent("key.pem"))
        try Data(try cert.pem()).write(to: hubDir.appendingPathComponent("cert.pem"))
        let clients: [[String: Any]] = Self.tokens.sorted { $0.key < $1.key }.map { scope, token in
            [
                "id": "client-\(scope)", "scopes": [scope],
                "tokenSha256": Digest.hash(Array(token.utf8), using: .sha256).hexString,
            ]
        }
        let object: [String: Any] = [
            "node": ["id": "g60-hub"],
            "listen": ["http": "127.0.0.1:0"],
            "database": ["path": dir.appendingPathComponent("gateway.sqlite").path],
            "paths": ["partners": TestSupport.partners.path, "contracts": TestSupport.contracts.path],
            "trust": ["directory": trustDir.path],
            "subjectKey": ["demo": true],
            "identityKey": ["demo": true],
            "clients": clients,
            "log": ["level": "error"],
        ]
        let file = dir.appendingPathComponent("gateway.json")
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        let configuration = try Configuration.load(file: file.path, environment: [:])
        service = try GatewayService(
            configuration: configuration, logger: Logger(label: "test", handler: MemoryLogHandler()))
        router = service.makeRouter()
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// GET `target` with the token of `scope` (nil: no credentials); status and body.
    func get(_ target: String, as scope: String?) throws -> (status: Int, body: [String: Any]) {
        var headers = HTTPHeaders()
        if let scope, let token = Self.tokens[scope] { headers.add("Authorization", "Bearer \(token)") }
        let request = HTTPRequest(head: HTTPRequestHead(method: "GET", target: target, headers: headers))
        let route = router.resolve(method: "GET", path: request.path)
        var context = RequestContext(parameters: route.parameters, route: route.pattern, remoteAddress: "127.0.0.1")
        let response = try route.responder(request, &context)
        let body = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return (response.status, body)
    }

    /// Records straight into the node's store and through its dispatcher (as its mapping worker does).
    func store(_ objects: [[String: Any]]) throws {
        var records: [(record: CanonicalRecord, provenance: Provenance)] = []
        for (i, object) in objects.enumerated() {
            var record = try JSONDecoder().decode(
                CanonicalRecord.self, from: try JSONSerialization.data(withJSONObject: object))
            record.assignID(keyring: service.configuration.keyring)
            records.append(
                (
                    record,
                    Provenance(partner: record.sourcePartner, messageID: "m\(i)", rowNumber: i + 1, receivedAt: Date())
                ))
        }
        let results = try service.store.putRecords(records)
        try service.dispatcher.recordsStored(records.map(\.record), results: results)
    }
}

@Suite(.serialized) struct DispatchRouteTests {
    @Test func eligibilityAnswersOnlyYesNoBenefitsAndWhere() throws {
        let h = try RouteHarness()
        let person = DispatchFixtures.person
        var (status, body) = try h.get("/v1/trust-travel/eligibility?subject=\(person)", as: "lookup")
        #expect(status == 200)
        #expect(body["eligible"] as? Bool == false)

        try h.store([DispatchFixtures.redList()])
        (status, body) = try h.get("/v1/trust-travel/eligibility?subject=\(person)", as: "lookup")
        #expect(status == 200)
        #expect(body["eligible"] as? Bool == true)
        #expect(Set(body.keys) == ["eligible", "benefits"])
        let benefits = try #require(body["benefits"] as? [[String: Any]])
        // The three shared benefits and Jiaxing's own addition (Partners/jiaxing/rules.json), with where it applies.
        #expect(benefits.count == 4)
        let local = try #require(benefits.first { $0["code"] as? String == "g60.travel.localResidentTreatment" })
        #expect(local["partners"] as? [String] == ["jiaxing", "jinhua", "huzhou"])
        #expect(benefits.allSatisfy { Set($0.keys) == ["code", "title", "titleEn", "partners"] })
        // Nothing about the person, the records or the reasons.
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        for leak in ["王五", person, "trustworthyPerson", "守信激励个人", "rule", "record", "explanation"] {
            #expect(!text.contains(leak), "\(leak)")
        }

        // Suspended by a punishment from another city.
        try h.store([DispatchFixtures.debtor()])
        (status, body) = try h.get("/v1/trust-travel/eligibility?subject=\(person)", as: "lookup")
        #expect(status == 200)
        #expect(body["eligible"] as? Bool == false)
        #expect((body["benefits"] as? [Any])?.isEmpty == true)

        // Masked, invalid or missing subjects: a problem, never an answer.
        (status, body) = try h.get(
            "/v1/trust-travel/eligibility?subject=110102%2A%2A%2A%2A%2A%2A%2A%2A970X", as: "lookup")
        #expect(status == 422)
        #expect(body["code"] as? String == "subject.masked")
        #expect(body["eligible"] == nil)
        (status, body) = try h.get("/v1/trust-travel/eligibility?subject=110102198404069701", as: "lookup")
        #expect(status == 400)
        #expect(body["code"] as? String == "subject.invalid")
        (status, body) = try h.get("/v1/trust-travel/eligibility", as: "lookup")
        #expect(status == 400)
    }

    @Test func measuresWithExplanationsForReaders() throws {
        let h = try RouteHarness()
        try h.store([DispatchFixtures.redList(), DispatchFixtures.debtor()])
        let (status, body) = try h.get("/v1/subjects/\(DispatchFixtures.person)/measures", as: "read-records")
        #expect(status == 200)
        let decisions = try #require(body["decisions"] as? [[String: Any]])
        // 12 for the debtor listing, 3 shared trust-travel benefits and Jiaxing's addition (suspended by it).
        #expect(decisions.count == 16)
        #expect(decisions.allSatisfy { ($0["explanation"] as? String)?.isEmpty == false && $0["versions"] != nil })
        #expect(decisions.filter { $0["status"] as? String == "suspended" }.count == 4)
        #expect(decisions.contains { $0["rule"] as? String == "jiaxing.travel.localResidentTreatment" })
        let keys = try #require(body["subjectKeys"] as? [String])
        #expect(keys.count == 1 && keys[0].hasPrefix("id:") && !keys[0].contains(DispatchFixtures.person))
        // The hashed key works as the path too.
        let again = try h.get("/v1/subjects/\(keys[0])/measures", as: "read-records")
        #expect((again.body["decisions"] as? [Any])?.count == 16)
        #expect(try h.get("/v1/subjects/110102********970X/measures", as: "read-records").status == 422)
    }

    /// The records route reads its subject as the measures route does: masked → 422, invalid → 400, never `[]`.
    @Test func recordsOfAnInvalidSubjectAreAProblem() throws {
        let h = try RouteHarness()
        try h.store([DispatchFixtures.redList(), DispatchFixtures.debtor()])
        var (status, body) = try h.get("/v1/subjects/\(DispatchFixtures.person)/records", as: "read-records")
        #expect(status == 200)
        #expect((body["records"] as? [Any])?.count == 2)
        (status, body) = try h.get("/v1/subjects/110102********970X/records", as: "read-records")
        #expect(status == 422)
        #expect(body["code"] as? String == "subject.masked")
        #expect(body["records"] == nil)
        (status, body) = try h.get("/v1/subjects/110102%2A%2A%2A%2A%2A%2A%2A%2A970X/records", as: "read-records")
        #expect(status == 422)
        for invalid in ["110102198404069701", "not-a-subject", "91310000132260250Y"] {
            (status, body) = try h.get("/v1/subjects/\(invalid)/records", as: "read-records")
            #expect(status == 400, "\(invalid)")
            #expect(body["code"] as? String == "subject.invalid", "\(invalid)")
            #expect(body["detail"] as? String != nil && !(body["detail"] as? String ?? "").contains(invalid))
        }
        // Match keys as they are.
        let keys = try #require(
            try h.get("/v1/subjects/\(DispatchFixtures.person)/measures", as: "read-records").body["subjectKeys"] as? [String])
        (status, body) = try h.get("/v1/subjects/\(keys[0])/records", as: "read-records")
        #expect(status == 200)
        #expect((body["records"] as? [Any])?.count == 2)
    }

    @Test func newRoutesRequireTheirScopes() throws {
        let h = try RouteHarness()
        let eligibility = "/v1/trust-travel/eligibility?subject=91310000132260250X"
        let measures = "/v1/subjects/91310000132260250X/measures"
        #expect(try h.get(eligibility, as: nil).status == 401)
        #expect(try h.get(eligibility, as: "read-records").status == 403)
        #expect(try h.get(eligibility, as: "operate").status == 403)
        #expect(try h.get(eligibility, as: "lookup").status == 200)
        #expect(try h.get(measures, as: nil).status == 401)
        #expect(try h.get(measures, as: "lookup").status == 403)
        #expect(try h.get(measures, as: "read-records").status == 200)
    }
}

/// The lookup routes' query parsing, on bytes: which parameter, percent and `+` decoding, edge cases.
@Suite struct QueryValueTests {
    func q(_ query: String?) -> String? {
        HTTPRequestHead(method: "GET", target: "/v1/x" + (query.map { "?" + $0 } ?? ""), minorVersion: 1,
            headers: HTTPHeaders(), keepAlive: true).queryValue("subject")
    }

    @Test func findsTheNamedParameterOnly() {
        #expect(q("subject=110105194912310029") == "110105194912310029")
        #expect(q("a=1&subject=2") == "2")
        #expect(q("subjects=1&subject=2") == "2")
        #expect(q("&&subject=3&") == "3")
        #expect(q("subject=1&subject=2") == "1")
        #expect(q("subject=") == "")
        #expect(q("subject") == nil)
        #expect(q("other=1") == nil)
        #expect(q("") == nil)
        #expect(q(nil) == nil)
    }

    @Test func decodesPercentAndPlus() {
        #expect(q("subject=a+b") == "a b")
        #expect(q("subject=%E5%BC%A0%20x") == "张 x")
        #expect(q("subject=x=y") == "x=y")
        #expect(q("subject=%zz") == nil)
    }

    /// The path and query split at the first `?`, also after multi-byte characters and in a bridged (non-native)
    /// target string.
    @Test func pathAndQuerySplitAtTheFirstQuestionMark() {
        func head(_ target: String) -> HTTPRequestHead {
            HTTPRequestHead(method: "GET", target: target, minorVersion: 1, headers: HTTPHeaders(), keepAlive: true)
        }
        for (target, path, query) in [
            ("/v1/subjects/张三/measures?subject=x?y", "/v1/subjects/张三/measures", "subject=x?y"),
            ("/v1/x", "/v1/x", nil), ("/v1/x?", "/v1/x", ""), ("?a=1", "", "a=1"), ("/é?z=张", "/é", "z=张"),
        ] as [(String, String, String?)] {
            #expect(head(target).path == path, "\(target)")
            #expect(head(target).query.map(String.init) == query, "\(target)")
            let bridged = String(NSString(string: target))
            #expect(head(bridged).path == path, "bridged \(target)")
        }
    }
}
