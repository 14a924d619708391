import Foundation
import GatewayCrypto
import Synchronization

/// A clock the tests set by hand.
final class TestClock: EnvelopeClock {
    private let current: Mutex<Date>
    init(_ date: Date) { current = Mutex(date) }
    func now() -> Date { current.withLock { $0 } }
    func set(_ date: Date) { current.withLock { $0 = date } }
}

/// 2026-11-27T10:00:00+08:00, the tests' "now".
let testNow = RFC3339Timestamp("2026-11-27T10:00:00+08:00")!.date

/// An in-memory exchange: one root, the hub, and partners with keys of each algorithm.
struct TestPKI {
    let root: CertificateAuthority
    let hubKey: PrivateKey
    let hubCert: Certificate
    var keys: [String: PrivateKey] = [:]
    var certs: [String: [Certificate]] = [:]
    var crls: [RevocationList] = []

    static let day: TimeInterval = 86400

    /// Partners `songjiang` (SM2), `jiaxing` (P-256), `hangzhou` (Ed25519) under a root of `rootAlgorithm`.
    init(rootAlgorithm: SignatureAlgorithm = .sm2) throws {
        root = try CertificateAuthority.makeRoot(
            commonName: "Test root", algorithm: rootAlgorithm, notBefore: testNow - 10 * Self.day,
            notAfter: testNow + 3650 * Self.day)
        hubKey = try PrivateKey.generate(.sm2)
        hubCert = try root.issue(
            partnerID: "g60-hub", publicKey: hubKey.publicKey, notBefore: testNow - Self.day,
            notAfter: testNow + 365 * Self.day)
        certs["g60-hub"] = [hubCert]
        for (partner, algorithm) in [("songjiang", SignatureAlgorithm.sm2), ("jiaxing", .p256), ("hangzhou", .ed25519)]
        {
            try add(partner: partner, algorithm: algorithm)
        }
        crls = [try root.makeCRL(revoking: [], thisUpdate: testNow - Self.day, nextUpdate: testNow + 30 * Self.day)]
    }

    mutating func add(
        partner: String, algorithm: SignatureAlgorithm, keyName: String? = nil, notBefore: Date = testNow - TestPKI.day,
        notAfter: Date = testNow + 365 * TestPKI.day, bindTo: String? = nil
    ) throws {
        let key = try PrivateKey.generate(algorithm)
        let cert = try root.issue(
            partnerID: bindTo ?? partner, publicKey: key.publicKey, notBefore: notBefore, notAfter: notAfter)
        keys[keyName ?? partner] = key
        certs[partner, default: []].append(cert)
    }

    func trust() throws -> TrustStore {
        try TrustStore(roots: [root.certificate], revocationLists: crls, certificatesByPartner: certs)
    }

    func signer(_ partner: String, keyName: String? = nil, certIndex: Int = 0, clock: TestClock) throws
        -> EnvelopeSigner
    {
        try EnvelopeSigner(
            from: partner, key: keys[keyName ?? partner]!, certificate: certs[partner]![certIndex], clock: clock)
    }
}
