import Foundation
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import Synchronization

/// A partner city's platform in miniature, on loopback: it receives the gateway's deliveries, verifies each signed
/// envelope, answers with its own signed receipt, and remembers what it got (record id and version, so duplicates
/// show). Used by the demo and the end-to-end tests; it never leaves 127.0.0.1.
public final class SimulatedPartner: Sendable {
    /// What a partner received, per kind of envelope.
    public struct Received: Sendable {
        public var envelopes = 0
        public var rejectedEnvelopes = 0
        /// `<record id>@<version>` → how many times it arrived (`@?` when a line carries no version).
        public var records: [String: Int] = [:]
        /// Source partner → records received from it.
        public var recordsBySource: [String: Int] = [:]
        public var validationReports: [String] = []
        public var duplicates: Int { records.values.reduce(0) { $0 + max(0, $1 - 1) } }
    }

    /// The partner's mutable state, shared with its route handler.
    final class Shared: Sendable {
        let received = Mutex(Received())
        let verifiers = Mutex<[EnvelopeVerifierBox]>([])
        let failures: Atomic<Int>
        /// Signed envelopes waiting to be pulled by the gateway (pull-mode partners), oldest first.
        let exports = Mutex<[[UInt8]]>([])
        let pulled = Atomic<Int>(0)
        init(failFirst: Int) { failures = Atomic(failFirst) }
    }

    public let id: String
    let server: HTTPServer
    let shared: Shared

    /// - Parameters:
    ///   - failFirst: answer 500 to the first N deliveries (to exercise retries).
    public init(id: String, key: PrivateKey, certificate: Certificate, trust: TrustStore, failFirst: Int = 0) throws {
        self.id = id
        let shared = Shared(failFirst: failFirst)
        self.shared = shared
        let issuer = try ReceiptIssuer(node: id, key: key, certificate: certificate)
        var router = HTTPRouter()
        router.post("/g60", blocking: true) { request, _ in
            if shared.failures.load(ordering: .relaxed) > 0 {
                shared.failures.subtract(1, ordering: .relaxed)
                return .text("simulated outage\n", status: 500)
            }
            let box = shared.verifiers.withLock { $0.popLast() } ?? EnvelopeVerifierBox(EnvelopeVerifier(node: id, trust: trust))
            defer { shared.verifiers.withLock { $0.append(box) } }
            let outcome = box.verifier.verify(request.body)
            let receipt = try issuer.receipt(for: request.body, outcome: outcome)
            shared.received.withLock { received in
                guard let envelope = outcome.envelope, outcome.error == nil else {
                    received.rejectedEnvelopes += 1
                    return
                }
                received.envelopes += 1
                if envelope.header.kind == "validation.report" {
                    received.validationReports.append(String(decoding: envelope.payload, as: UTF8.self))
                    return
                }
                for line in envelope.payload.split(separator: UInt8(ascii: "\n")) {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                        let recordID = object["id"] as? String
                    else { continue }
                    let source = object["sourcePartner"] as? String ?? "?"
                    let version = (object["version"] as? Int).map(String.init) ?? "?"
                    received.records["\(recordID)@\(version)", default: 0] += 1
                    received.recordsBySource[source, default: 0] += 1
                }
            }
            return .bytes(receipt, contentType: "application/vnd.g60.envelope", status: outcome.httpStatus)
        }
        // The export a pull-mode partner offers: one envelope per page, the cursor is the page number.
        router.get("/export") { request, _ in
            let query = request.head.query.map(String.init) ?? ""
            let cursor = query.split(separator: "&").compactMap { pair -> Int? in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return parts.count == 2 && ["since", "updatedSince"].contains(String(parts[0])) ? Int(parts[1]) : nil
            }.first ?? 0
            let exports = shared.exports.withLock { $0 }
            guard cursor < exports.count else { return HTTPResponse(status: 204) }
            shared.pulled.add(1, ordering: .relaxed)
            var response = HTTPResponse.bytes(exports[cursor], contentType: "application/vnd.g60.envelope")
            response.headers.set("X-G60-Next-Cursor", String(cursor + 1))
            if cursor + 1 < exports.count { response.headers.set("X-G60-More", "true") }
            return response
        }
        server = try HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 1, workerCount: 1, allowPlaintext: true),
            router: router)
    }

    public func start() throws { try server.start() }
    /// Offers a signed envelope in the export the gateway pulls.
    public func offer(_ envelope: [UInt8]) { shared.exports.withLock { $0.append(envelope) } }
    /// How many export pages the gateway fetched.
    public var pulledPages: Int { shared.pulled.load(ordering: .relaxed) }
    /// Where the gateway pulls this partner's export.
    public var exportURL: String { "http://127.0.0.1:\(server.port)/export" }
    public func stop() { server.shutdown() }
    /// Where the gateway should deliver.
    public var url: String { "http://127.0.0.1:\(server.port)/g60" }
    public var received: Received { shared.received.withLock { $0 } }
}
