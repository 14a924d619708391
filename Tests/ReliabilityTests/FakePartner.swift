import Foundation
import Gateway
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import Synchronization

/// A partner platform on loopback whose behaviour the test switches at run time: healthy, answering 500, answering
/// only after the gateway's delivery timeout, answering receipts signed with the wrong key, or down (its port
/// closed). It verifies every envelope as a real partner would and records each delivered record by id and version
/// (`?` while canonical lines carry no version) with a digest of its content, so duplicates are counted and a changed
/// content under the same id+version shows.
final class FakePartner: @unchecked Sendable {
    enum Mode: Int {
        case healthy, fail500, slow, badSignature
    }

    struct Received {
        /// `id@version` → digests of the contents received under it.
        var contents: [String: Set<String>] = [:]
        /// Source partner → distinct `id@version` received from it.
        var bySource: [String: Set<String>] = [:]
        var recordArrivals = 0
        var reports = 0
        var rejectedEnvelopes = 0
        var posts = 0
        /// Monotonic seconds of each POST.
        var postTimes: [Double] = []
        /// `inReplyTo` of the validation reports received (distinct).
        var reportsFor: Set<String> = []
        var distinct: Int { contents.count }
        var duplicates: Int { recordArrivals - contents.count }
        var conflicts: [String] { contents.filter { $0.value.count > 1 }.map(\.key).sorted() }
    }

    let id: String
    let mode = Atomic<Int>(Mode.healthy.rawValue)
    let slowSeconds: Double
    let received = Mutex(Received())
    private let issuer: ReceiptIssuer
    private let verifier: Mutex<EnvelopeVerifierHolder>
    private let server = Mutex<HTTPServer?>(nil)
    private(set) var port: UInt16 = 0
    /// HTTPS with this certificate when set (the endpoint is then `https://127.0.0.1:port/g60`).
    private let tls: Mutex<HTTPTLSConfiguration?>

    init(id: String, rig: Rig, slowSeconds: Double = 1.5, tls: HTTPTLSConfiguration? = nil) throws {
        self.id = id
        self.slowSeconds = slowSeconds
        self.tls = Mutex(tls)
        let (key, cert) = try rig.identity(id)
        issuer = try ReceiptIssuer(node: id, key: key, certificate: cert)
        verifier = Mutex(EnvelopeVerifierHolder(EnvelopeVerifier(node: id, trust: rig.trust)))
        try up()
    }

    var url: String { (tls.withLock { $0 } == nil ? "http" : "https") + "://127.0.0.1:\(port)/g60" }
    func set(_ m: Mode) { mode.store(m.rawValue, ordering: .sequentiallyConsistent) }
    var snapshot: Received { received.withLock { $0 } }

    /// Starts listening (on the same port as before, after `down()`).
    func up() throws {
        var router = HTTPRouter()
        router.post("/g60", bodyLimit: 64 << 20, blocking: true) { [self] request, _ in try handle(request.body) }
        let server = try HTTPServer(
            configuration: HTTPServerConfiguration(
                host: "127.0.0.1", port: port, loopCount: 1, workerCount: 4, tls: tls.withLock { $0 },
                allowPlaintext: tls.withLock { $0 } == nil),
            router: router)
        try server.start()
        port = server.port
        self.server.withLock { $0 = server }
    }

    /// Serves a new TLS certificate from now on (the partner fixed or broke its certificate): restarts the listener
    /// on the same port.
    func replaceCertificate(_ configuration: HTTPTLSConfiguration) throws {
        down()
        tls.withLock { $0 = configuration }
        try up()
    }

    /// Closes the port: the gateway's connections are refused.
    func down() {
        let s = server.withLock { s -> HTTPServer? in
            defer { s = nil }
            return s
        }
        s?.shutdown()
    }

    private func handle(_ body: [UInt8]) throws -> HTTPResponse {
        let mode = Mode(rawValue: mode.load(ordering: .sequentiallyConsistent)) ?? .healthy
        received.withLock {
            $0.posts += 1
            $0.postTimes.append(Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
        }
        if mode == .fail500 { return .text("simulated outage\n", status: 500) }
        let outcome = verifier.withLock { $0.verifier.verify(body) }
        received.withLock { r in
            guard let envelope = outcome.envelope, outcome.error == nil else {
                r.rejectedEnvelopes += 1
                return
            }
            if envelope.header.kind == "validation.report" {
                r.reports += 1
                if let first = envelope.payload.split(separator: UInt8(ascii: "\n")).first,
                    let object = try? JSONSerialization.jsonObject(with: Data(first)) as? [String: Any],
                    let inReplyTo = object["inReplyTo"] as? String
                {
                    r.reportsFor.insert(inReplyTo)
                }
                return
            }
            for line in envelope.payload.split(separator: UInt8(ascii: "\n")) {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                    let recordID = object["id"] as? String
                else { continue }
                let version = (object["version"] as? Int).map(String.init) ?? "?"
                let key = recordID + "@" + version
                let source = object["sourcePartner"] as? String ?? "?"
                r.recordArrivals += 1
                r.contents[key, default: []].insert(Digest.hash(Array(line), using: .sha256).hexString)
                r.bySource[source, default: []].insert(key)
            }
        }
        // Processed, but the answer comes after the gateway gave up: the gateway must retry and we must see a
        // duplicate, never a loss.
        if mode == .slow { usleep(UInt32(slowSeconds * 1_000_000)) }
        var receipt = try issuer.receipt(for: body, outcome: outcome)
        if mode == .badSignature { receipt = Self.corruptSignature(receipt) }
        return .bytes(receipt, contentType: "application/vnd.g60.envelope", status: outcome.httpStatus)
    }
}

extension FakePartner {
    /// The same receipt with one bit of its signature flipped (still canonical base64): `signature.invalid`.
    static func corruptSignature(_ envelope: [UInt8]) -> [UInt8] {
        let marker = Array("\nsignature: ".utf8)
        guard
            let start = (0...(envelope.count - marker.count)).first(where: {
                envelope[$0..<$0 + marker.count].elementsEqual(marker)
            })
        else { return envelope }
        let from = start + marker.count
        guard let end = envelope[from...].firstIndex(of: UInt8(ascii: "\n")),
            var signature = Data(base64Encoded: Data(envelope[from..<end]))
        else { return envelope }
        signature[signature.startIndex + signature.count / 2] ^= 0x01
        return Array(envelope[..<from]) + Array(signature.base64EncodedString().utf8) + Array(envelope[end...])
    }
}

/// EnvelopeVerifier is not thread-safe; the partner uses it under a lock.
struct EnvelopeVerifierHolder: @unchecked Sendable {
    let verifier: EnvelopeVerifier
    init(_ verifier: EnvelopeVerifier) { self.verifier = verifier }
}
