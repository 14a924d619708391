import Foundation
import GatewayCore
import GatewayCrypto

@testable import GatewayStore

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = start }

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(_ seconds: TimeInterval) {
        lock.lock()
        current = current.addingTimeInterval(seconds)
        lock.unlock()
    }
}

/// A fresh directory under the system temporary directory, removed by `cleanup()`.
struct TempDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("g60-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

enum Fixture {
    static func options(
        clock: TestClock, random: Double = 0.5, policy: RetryPolicy = RetryPolicy(),
        identityCipher: (any IdentityNumberCipher)? = Fixture.identityCipher
    ) -> SQLiteStoreOptions {
        SQLiteStoreOptions(clock: { clock.now }, random: { random }, retryPolicy: policy, identityCipher: identityCipher)
    }

    /// The tests' identity key (AES-256-GCM through GatewayCrypto), never a production key.
    static let identityKey: [UInt8] = (0..<32).map { UInt8($0 &* 7 &+ 3) }

    static var identityCipher: any IdentityNumberCipher { TestIdentityCipher(key: identityKey) }

    static func envelope(
        _ id: String, sender: String = "jiaxing", direction: EnvelopeDirection = .inbound, body: String? = nil,
        enqueue: Bool = false
    ) -> EnvelopeSubmission {
        let raw = Array((body ?? "{\"envelope\":\"\(id)\",\"payload\":\"abc\"}").utf8)
        let header = EnvelopeHeader(
            messageID: id, sender: sender, recipient: "songjiang", kind: "records", sequence: 7, recordCount: 1,
            payloadDigest: "sha256:" + SHA256.hash(raw).hexString,
            issuedAt: Date(timeIntervalSince1970: 1_795_000_000.123))
        return EnvelopeSubmission(
            direction: direction, header: header, raw: raw, receipt: Array("receipt-\(id)".utf8),
            enqueueForMapping: enqueue)
    }

    static let day = CivilDate(year: 2026, month: 3, day: 2)!

    /// A penalty record with its id assigned (demo keyring).
    static func penalty(
        partner: String = "jiaxing", decision: String = "嘉执罚〔2026〕12号", uscc: String? = "91330400MA2B1234X5",
        fineFen: Int64 = 500_000, identity: PersonIdentity? = nil
    ) -> CanonicalRecord {
        let authority = Authority(name: "嘉兴市市场监督管理局")
        let body = PenaltyDecision(
            decisionNumber: decision, violationType: "虚假宣传", facts: "事实", legalBasis: "《反不正当竞争法》第八条",
            categories: ["fine"], content: "罚款", fineAmount: Money(fen: fineFen), decisionDate: day,
            validUntil: .date(CivilDate(year: 2029, month: 3, day: 2)!), authority: authority, sourceUnit: authority)
        let subject = Subject(
            category: identity == nil ? "legalEntity" : "naturalPerson", name: "嘉兴某某贸易有限公司", uscc: uscc,
            identity: identity)
        var record = CanonicalRecord(sourcePartner: partner, subject: subject, body: .penalty(body))
        record.assignID(keyring: .demo)
        return record
    }

    /// A retraction of `target` (by natural number, optionally by id).
    static func retraction(of target: CanonicalRecord, byID: Bool, reason: String = "creditRepair") -> CanonicalRecord {
        let r = Retraction(
            targetKind: target.kind, targetNumber: target.naturalNumber, targetRecordId: byID ? target.id : nil,
            reason: reason, effectiveDate: CivilDate(year: 2026, month: 6, day: 1)!,
            authority: Authority(name: "嘉兴市信用办"))
        var record = CanonicalRecord(sourcePartner: target.sourcePartner, subject: target.subject, body: .retraction(r))
        record.assignID(keyring: .demo)
        return record
    }

    static func provenance(_ message: String, row: Int, partner: String = "jiaxing") -> Provenance {
        Provenance(
            partner: partner, messageID: message, rowNumber: row, receivedAt: Date(timeIntervalSince1970: 1_795_000_000)
        )
    }
}

/// GatewayCrypto's `FieldCipher` as the store's `IdentityNumberCipher` (Gateway's `IdentityFieldCipher` in tests).
struct TestIdentityCipher: IdentityNumberCipher {
    let cipher: FieldCipher?

    init(key: [UInt8]) { cipher = try? FieldCipher(key: key) }

    func seal(_ plaintext: [UInt8], context: [UInt8]) throws -> [UInt8] {
        guard let cipher else { throw StoreError(StoreError.invalidArgument, "test cipher has a bad key") }
        return try cipher.seal(plaintext, context: context)
    }

    func open(_ sealed: [UInt8], context: [UInt8]) throws -> [UInt8] {
        guard let cipher else { throw StoreError(StoreError.invalidArgument, "test cipher has a bad key") }
        return try cipher.open(sealed, context: context)
    }
}
