import Foundation
import GatewayCore
import GatewayCrypto
import GatewayDispatch
import GatewayHTTP
import GatewayStore
import GatewayTesting
import Synchronization
import Testing

@testable import Gateway

/// A day the test moves by hand (no waiting for time).
final class TestDay: Sendable {
    let day: Mutex<CivilDate>
    init(_ date: CivilDate) { day = Mutex(date) }
    var today: @Sendable () -> CivilDate { { [self] in day.withLock { $0 } } }
    func set(_ date: CivilDate) { day.withLock { $0 = date } }
}

/// Partners' platforms in memory: each verifies the signed envelope as that partner, answers with its signed
/// receipt, and keeps what it accepted.
final class MemoryPartners: EnvelopeTransport, @unchecked Sendable {
    let trust: TrustStore
    let issuers: [String: ReceiptIssuer]
    let lock = NSLock()
    var received: [String: [Envelope]] = [:]

    init(trust: TrustStore, issuers: [String: ReceiptIssuer]) {
        self.trust = trust
        self.issuers = issuers
    }

    func post(_ envelope: [UInt8], to url: String, partner: String) throws -> (status: Int, body: [UInt8]) {
        guard let issuer = issuers[partner] else { throw GatewayError("test.noPartner", partner) }
        let outcome = EnvelopeVerifier(node: partner, trust: trust).verify(envelope)
        let receipt = try issuer.receipt(for: envelope, outcome: outcome)
        if case .accepted(let e) = outcome {
            lock.lock()
            received[partner, default: []].append(e)
            lock.unlock()
        }
        return (outcome.httpStatus, receipt)
    }

    func envelopes(_ partner: String) -> [Envelope] {
        lock.lock()
        defer { lock.unlock() }
        return received[partner] ?? []
    }
}

/// One node's exchange in a temporary directory: Ed25519 PKI in memory, the repository's partners and rules,
/// inbox → mapping worker (with the dispatcher hook) → store → delivery workers.
final class DispatchHarness {
    let dir: URL
    let store: SQLiteStore
    let day = TestDay(CivilDate(iso: "2026-11-27")!)
    let partners: PartnerDirectory
    let dispatcher: MeasureDispatcher
    let lookup: MeasureLookup
    let inbox: Inbox
    let worker: MappingWorker
    let logs = MemoryLogHandler()
    let root: CertificateAuthority
    let hub: NodeIdentity
    var keys: [String: (PrivateKey, Certificate)] = [:]
    let trust: TrustStore
    let transport: MemoryPartners
    var sequence: UInt64 = 0
    static let keyring = SubjectKeyring.demo

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-dispatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try SQLiteStore(path: dir.appendingPathComponent("gateway.sqlite").path, options: SQLiteStoreOptions(identityCipher: IdentityFieldCipher(cipher: try FieldCipher(key: Configuration.demoIdentityKey))))
        partners = try PartnerDirectory.load(directory: TestSupport.partners)
        let now = Date()
        root = try CertificateAuthority.makeRoot(
            commonName: "Test root", algorithm: .ed25519, notBefore: now - 86400, notAfter: now + 86400 * 30)
        let hubKey = try PrivateKey.generate(.ed25519)
        let hubCert = try root.issue(
            partnerID: "g60-hub", publicKey: hubKey.publicKey, notBefore: now - 86400, notAfter: now + 86400 * 30)
        hub = NodeIdentity(id: "g60-hub", key: hubKey, certificate: hubCert)
        var certificates: [String: [Certificate]] = ["g60-hub": [hubCert]]
        var issuers: [String: ReceiptIssuer] = [:]
        for id in partners.ids {
            let key = try PrivateKey.generate(.ed25519)
            let cert = try root.issue(
                partnerID: id, publicKey: key.publicKey, notBefore: now - 86400, notAfter: now + 86400 * 30)
            keys[id] = (key, cert)
            certificates[id] = [cert]
            issuers[id] = try ReceiptIssuer(node: id, key: key, certificate: cert)
        }
        trust = try TrustStore(roots: [root.certificate], certificatesByPartner: certificates)
        transport = MemoryPartners(trust: trust, issuers: issuers)
        let logger = Logger(label: "test", level: .debug, handler: logs)
        let engine = try RuleEngine.load(contracts: TestSupport.contracts)
        dispatcher = MeasureDispatcher(
            store: store, engine: engine, partners: partners, today: day.today, logger: logger)
        let codes = try TestSupport.codeTables()
        lookup = MeasureLookup(
            store: store, catalogue: engine.catalogue, checker: IdentifierChecker(authorities: codes.usccAuthorities),
            keyring: Self.keyring, today: day.today)
        inbox = Inbox(
            node: "g60-hub", trust: trust, policy: ReceptionPolicy(), store: store,
            issuer: try ReceiptIssuer(node: "g60-hub", key: hubKey, certificate: hubCert))
        worker = MappingWorker(
            store: store, partners: partners, codes: codes, keyring: Self.keyring, today: day.today,
            owner: "test-mapper",
            logger: logger, dispatcher: dispatcher)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// `from` sends canonical records (JSON objects) as a signed envelope; the mapping worker handles it.
    func send(from partner: String, _ records: [[String: Any]], kind: String = "records.batch") throws {
        sequence += 1
        let (key, cert) = try #require(keys[partner])
        let signer = try EnvelopeSigner(from: partner, key: key, certificate: cert)
        let payload =
            try records.map {
                String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
            }
            .joined(separator: "\n") + "\n"
        let bytes = try signer.sign(
            to: "g60-hub", kind: kind, schema: CanonicalRecord.schemaName,
            contentType: "application/x-ndjson; charset=utf-8", payload: Array(payload.utf8),
            recordCount: UInt64(records.count), sequence: sequence)
        let answer = inbox.receive(bytes, caller: partner)
        #expect(answer.outcome == .accepted, "\(answer.errorCode ?? "")")
        #expect(try worker.runOnce() == 1)
    }

    /// Delivers everything queued for `partner`; returns the measures notices it received (all of them so far).
    func deliver(to partner: String) throws -> [MeasureNotice] {
        let p = try #require(partners.partner(partner))
        let delivery = try DeliveryWorker(
            store: store, partner: p, url: "memory://\(partner)", node: hub, trust: trust, transport: transport,
            owner: "test-delivery", logger: Logger(label: "test", handler: logs))
        while try delivery.runOnce() > 0 {}
        var notices: [MeasureNotice] = []
        for envelope in transport.envelopes(partner) where envelope.header.kind == "measures.notice" {
            #expect(envelope.header.schema == MeasureNotice.schema)
            for line in envelope.payload.split(separator: UInt8(ascii: "\n")) {
                notices.append(try JSONDecoder().decode(MeasureNotice.self, from: Data(line)))
            }
        }
        return notices
    }

    func queuedNotices(_ partner: String) throws -> Int {
        try store.queueSummary().filter { $0.partner == partner && $0.direction == .outbound }.map(\.depth).reduce(0, +)
    }
}

enum DispatchFixtures {
    static let person = "11010219840406970X"
    static var personSubject: [String: Any] {
        [
            "category": "naturalPerson", "name": "王五",
            "identity": ["documentType": "residentIdCard", "number": person],
        ]
    }

    static func redList(validUntil: String = "2027-12-31") -> [String: Any] {
        [
            "schema": "g60.record/v1", "kind": "listEntry", "sourcePartner": "jiaxing", "subject": personSubject,
            "listEntry": [
                "listKind": "red", "listName": "守信激励个人", "listCode": "trustworthyPerson",
                "authority": ["name": "嘉兴市发展和改革委员会"], "basis": "认定依据", "listedDate": "2025-01-01",
                "validUntil": validUntil,
            ],
        ]
    }

    static let caseNumber = "(2026)皖01执9号"

    static func debtor() -> [String: Any] {
        [
            "schema": "g60.record/v1", "kind": "dishonestDebtor", "sourcePartner": "hefei", "subject": personSubject,
            "dishonestDebtor": [
                "caseNumber": caseNumber, "court": "合肥市中级人民法院", "province": "安徽",
                "enforcementBasisNumber": "(2024)皖0104民初1号", "basisIssuer": "合肥市蜀山区人民法院",
                "caseFilingDate": "2024-01-10", "obligation": "支付货款", "performance": "none", "situations": ["5"],
                "publishedDate": "2026-03-02",
            ],
        ]
    }

    static func delisting(effective: String) -> [String: Any] {
        [
            "schema": "g60.record/v1", "kind": "retraction", "sourcePartner": "hefei", "subject": personSubject,
            "retraction": [
                "targetKind": "dishonestDebtor", "targetNumber": caseNumber, "reason": "courtDelisting",
                "effectiveDate": effective, "authority": ["name": "合肥市中级人民法院"],
            ],
        ]
    }
}

@Suite(.serialized) struct DispatchEndToEndTests {
    /// Two writers evaluating one subject at once (two mapping workers, the daily sweep, `rules backfill` on a live
    /// store) both find the same changes: only the first write stands; the second, computed from decisions that are
    /// no longer the stored ones, writes nothing and queues no notice, and the dispatcher evaluates it again.
    @Test func aSubjectEvaluatedByTwoWritersAtOnceQueuesEachNoticeOnce() throws {
        let h = try DispatchHarness()
        try h.send(from: "jiaxing", [DispatchFixtures.redList(validUntil: "2026-12-31")])
        let key = try #require(try h.lookup.subjectKeys(DispatchFixtures.person).first)
        func queued() throws -> Int { try h.partners.ids.map { try h.queuedNotices($0) }.reduce(0, +) }
        let before = try queued()
        // The red list expires: both writers evaluate before either writes.
        let day = CivilDate(iso: "2027-01-05")!
        h.day.set(day)
        let first = try h.dispatcher.evaluate(subjectKey: key, asOf: day)
        let second = try h.dispatcher.evaluate(subjectKey: key, asOf: day)
        #expect(first.changes.count == 3 && second.changes.count == 3)
        #expect(first.changes.allSatisfy { $0.change == .lifted })
        #expect(try h.store.replaceMeasureDecisions([first.stored]).isEmpty)
        let afterFirst = try queued()
        #expect(afterFirst > before)
        #expect(try h.store.replaceMeasureDecisions([second.stored]) == [key])
        #expect(try queued() == afterFirst)
        // Evaluated again, it finds nothing new.
        #expect(try h.dispatcher.reevaluate(subjectKeys: [key], asOf: day).isEmpty)
        #expect(try queued() == afterFirst)
        #expect(try h.dispatcher.decisions(subjectKey: key).allSatisfy { $0.status == .lifted })
    }

    /// A red list entry issues trust-travel benefits; a debtor listing from another city issues punishments and
    /// suspends the benefits; the court's de-listing (a retraction) lifts the punishments and resumes the
    /// benefits — every change as a signed measures.notice envelope to the partners in each measure's scope.
    @Test func measuresIssuedSuspendedLiftedWithNotices() throws {
        let h = try DispatchHarness()
        try h.send(from: "jiaxing", [DispatchFixtures.redList()])
        var answer = try h.lookup.eligibility(subject: DispatchFixtures.person)
        #expect(answer.eligible)
        #expect(
            answer.benefits.map(\.code) == [
                "g60.travel.depositFreeHotel", "g60.travel.priorityLane", "g60.travel.scenicDiscount",
            ])
        let hotel = try #require(answer.benefits.first { $0.code == "g60.travel.depositFreeHotel" })
        #expect(hotel.partners == ["songjiang", "jiaxing", "hangzhou", "huzhou", "suzhou"])

        // Scope decides who hears of it: wuhu is outside the hotel benefit's scope, songjiang inside.
        let wuhu = try h.deliver(to: "wuhu")
        #expect(Set(wuhu.map(\.decision.measure)) == ["g60.travel.scenicDiscount", "g60.travel.priorityLane"])
        #expect(wuhu.allSatisfy { $0.change == .issued })
        let songjiang = try h.deliver(to: "songjiang")
        #expect(songjiang.count == 3)
        // Pull partners (hangzhou, suzhou) receive deliveries too: their notices are queued like everyone's.
        #expect(try h.queuedNotices("hangzhou") > 0)

        try h.send(from: "hefei", [DispatchFixtures.debtor()])
        answer = try h.lookup.eligibility(subject: DispatchFixtures.person)
        #expect(!answer.eligible)
        #expect(answer.benefits.isEmpty)
        let key = try #require(try h.lookup.subjectKeys(DispatchFixtures.person).first)
        let decisions = try h.lookup.decisions(keys: [key])
        let punishments = decisions.filter { $0.rule == "debtor.notPerformed" }
        #expect(punishments.count == 12)
        #expect(punishments.allSatisfy { $0.status == .active && $0.explanation.contains(DispatchFixtures.caseNumber) })
        #expect(punishments.allSatisfy { $0.versions.rules == h.dispatcher.engine.rules.version })
        #expect(decisions.filter { $0.measure.hasPrefix("g60.travel.") }.allSatisfy { $0.status == .suspended })

        var notices = try h.deliver(to: "wuhu")
        #expect(notices.filter { $0.change == .issued && $0.decision.rule == "debtor.notPerformed" }.count == 12)
        #expect(notices.filter { $0.change == .suspended }.count == 2)

        // Mutual recognition of the repair: hefei's court de-lists; every city hears the lifts and resumptions.
        try h.send(from: "hefei", [DispatchFixtures.delisting(effective: "2026-11-20")])
        answer = try h.lookup.eligibility(subject: DispatchFixtures.person)
        #expect(answer.eligible)
        notices = try h.deliver(to: "wuhu")
        let lifted = notices.filter { $0.change == .lifted }
        #expect(lifted.count == 12)
        #expect(
            lifted.allSatisfy {
                $0.decision.endReason == "courtDelisting" && $0.decision.endsOn == CivilDate(iso: "2026-11-20")
            })
        #expect(notices.filter { $0.change == .resumed }.count == 2)
        // The retraction itself propagated as a record to the subscribers (wuhu subscribes to retractions).
        let batches = h.transport.envelopes("wuhu").filter { $0.header.kind == "records.batch" }
        #expect(batches.contains { String(decoding: $0.payload, as: UTF8.self).contains("courtDelisting") })
        let xuancheng = try h.deliver(to: "xuancheng")
        #expect(xuancheng.filter { $0.change == .lifted }.count == 12)

        // The clear identity number is never logged.
        #expect(
            !h.logs.records.contains { r in
                r.message.contains(DispatchFixtures.person)
                    || r.fields.values.contains { $0.contains(DispatchFixtures.person) }
            })
    }

    /// A new version of a record (a correction from its source) re-evaluates the subject: a shortened validity
    /// already past lifts the benefits, with notices.
    @Test func aNewVersionReevaluates() throws {
        let h = try DispatchHarness()
        try h.send(from: "jiaxing", [DispatchFixtures.redList()])
        #expect(try h.lookup.eligibility(subject: DispatchFixtures.person).eligible)
        _ = try h.deliver(to: "wuhu")
        try h.send(from: "jiaxing", [DispatchFixtures.redList(validUntil: "2026-11-20")])
        #expect(!(try h.lookup.eligibility(subject: DispatchFixtures.person).eligible))
        let lifted = try h.deliver(to: "wuhu").filter { $0.change == .lifted }
        #expect(lifted.count == 2)
        #expect(lifted.allSatisfy { $0.decision.endsOn == CivilDate(iso: "2026-11-21") })
    }

    /// A retraction that arrives before the record it retracts still lifts (and never issues) the measures.
    @Test func retractionBeforeItsRecord() throws {
        let h = try DispatchHarness()
        try h.send(from: "hefei", [DispatchFixtures.delisting(effective: "2026-06-01")])
        try h.send(from: "hefei", [DispatchFixtures.debtor()])
        let key = try #require(try h.lookup.subjectKeys(DispatchFixtures.person).first)
        let decisions = try h.lookup.decisions(keys: [key])
        #expect(decisions.count == 12)
        #expect(decisions.allSatisfy { $0.status == .lifted && $0.endReason == "courtDelisting" })
        #expect(try h.deliver(to: "wuhu").isEmpty)
    }

    /// Time-driven: when the red list entry's validity ends, the daily sweep lifts the benefits with notices.
    @Test func sweepLiftsExpiredMeasures() throws {
        let h = try DispatchHarness()
        try h.send(from: "jiaxing", [DispatchFixtures.redList(validUntil: "2026-12-31")])
        _ = try h.deliver(to: "wuhu")
        #expect(try h.dispatcher.sweepIfDue() == 0)  // nothing due yet
        h.day.set(CivilDate(iso: "2027-01-01")!)
        // Before the sweep runs, the lookup already refuses a stale yes.
        #expect(!(try h.lookup.eligibility(subject: DispatchFixtures.person).eligible))
        #expect(try h.dispatcher.sweepIfDue() == 3)
        #expect(try h.dispatcher.sweepIfDue() == 0)  // once a day
        let notices = try h.deliver(to: "wuhu")
        #expect(notices.filter { $0.change == .lifted }.map(\.decision.endReason) == ["expired", "expired"])
        #expect(try h.store.subjectsWithMeasureChangesDue(on: "2099-01-01").isEmpty)
    }

    /// A masked or invalid subject is refused, never answered; a USCC without measures is simply not eligible.
    @Test func subjectsThatIdentifyNobodyAreRefused() throws {
        let h = try DispatchHarness()
        #expect(throws: GatewayError(MeasureLookup.subjectMasked, "")) {
            try h.lookup.eligibility(subject: "110102********970X")
        }
        #expect(throws: GatewayError(MeasureLookup.subjectInvalid, "")) {
            try h.lookup.eligibility(subject: "110102198404069701")
        }
        #expect(!(try h.lookup.eligibility(subject: "91310000132260250X").eligible))
    }
}
