import Foundation
import GatewayCore
import GatewayCrypto
import GatewayDispatch
import GatewayStore
import GatewayTesting
import Testing

@testable import Gateway

/// A store with records and a dispatcher whose rule data the test chooses (no HTTP, no workers).
private final class BackfillHarness {
    let dir: URL
    let store: SQLiteStore
    let day = TestDay(CivilDate(iso: "2026-11-27")!)
    let partners: PartnerDirectory
    let logs = MemoryLogHandler()
    static let shared = try! RuleEngine.load(contracts: TestSupport.contracts)
    static let full = try! RuleEngine.load(contracts: TestSupport.contracts, partners: TestSupport.partners)

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-backfill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try SQLiteStore(
            path: dir.appendingPathComponent("gateway.sqlite").path,
            options: SQLiteStoreOptions(
                identityCipher: IdentityFieldCipher(cipher: try FieldCipher(key: Configuration.demoIdentityKey))))
        partners = try PartnerDirectory.load(directory: TestSupport.partners)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    func dispatcher(_ engine: RuleEngine) -> MeasureDispatcher {
        MeasureDispatcher(
            store: store, engine: engine, partners: partners, today: day.today,
            logger: Logger(label: "test", level: .debug, handler: logs))
    }

    /// Stores records; with a dispatcher, it evaluates them as the mapping worker would.
    @discardableResult
    func put(_ objects: [[String: Any]], dispatcher: MeasureDispatcher? = nil) throws -> [CanonicalRecord] {
        var records: [(record: CanonicalRecord, provenance: Provenance)] = []
        for (i, object) in objects.enumerated() {
            var record = try JSONDecoder().decode(
                CanonicalRecord.self, from: try JSONSerialization.data(withJSONObject: object))
            record.assignID(keyring: .demo)
            records.append(
                (record, Provenance(partner: record.sourcePartner, messageID: "m\(UUID())", rowNumber: i + 1, receivedAt: Date())))
        }
        let results = try store.putRecords(records)
        try dispatcher?.recordsStored(records.map(\.record), results: results)
        return records.map(\.record)
    }

    /// Every queued `measures.notice` line per partner (leased, so each call sees only new ones).
    func notices() throws -> [String: [[String: Any]]] {
        var out: [String: [[String: Any]]] = [:]
        for partner in partners.ids {
            for item in try store.lease(direction: .outbound, partner: partner, limit: 1000, owner: "t", duration: 60)
            where item.kind == "measures.notice" {
                // Delivered: notices of one subject are ordered, so the next ones lease only after this one.
                try store.complete(itemID: item.id, owner: "t")
                for line in String(decoding: item.payload, as: UTF8.self).split(separator: "\n") {
                    out[partner, default: []].append(
                        (try JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:])
                }
            }
        }
        return out
    }

    func decisions(_ dispatcher: MeasureDispatcher, person: String = DispatchFixtures.person) throws -> [MeasureDecision] {
        let key = "id:" + SubjectKeyring.demo.hash(documentType: "residentIdCard", number: person)
        return try dispatcher.decisions(subjectKey: key)
    }
}

private func changes(_ lines: [[String: Any]]?, _ change: String) -> [String] {
    (lines ?? []).filter { $0["change"] as? String == change }.compactMap {
        ($0["decision"] as? [String: Any])?["measure"] as? String
    }.sorted()
}

private let organisation = "91310000132260250X"

private func blackList(uscc: String = organisation) -> [String: Any] {
    [
        "schema": "g60.record/v1", "kind": "listEntry", "sourcePartner": "suzhou",
        "subject": ["category": "legalEntity", "name": "上海汽车集团股份有限公司", "uscc": uscc, "legalRepresentative": "王晓秋"],
        "listEntry": [
            "listKind": "black", "listName": "安全生产失信联合惩戒对象", "listCode": "workSafetyBlack",
            "authority": ["name": "苏州市应急管理局"], "basis": "认定依据", "listedDate": "2026-01-05",
            "validUntil": "2028-01-04",
        ],
    ]
}

@Suite struct MeasureBackfillTests {
    /// A city's rule loaded after its records were stored: the backfill issues its measure with notices to the
    /// rule's cities only, records the new rule data, and a second start does nothing.
    @Test func aNewCityRuleIsAppliedToRecordsStoredBefore() throws {
        let h = try BackfillHarness()
        let before = h.dispatcher(BackfillHarness.shared)
        try h.put([DispatchFixtures.redList()], dispatcher: before)
        try MeasureBackfill(dispatcher: before).runToEnd()
        #expect(try MeasureBackfill(dispatcher: before).isCurrent())
        _ = try h.notices()  // the event-driven ones
        #expect(!(try h.decisions(before)).contains { $0.measure == "g60.travel.localResidentTreatment" })

        let after = h.dispatcher(BackfillHarness.full)
        let backfill = MeasureBackfill(dispatcher: after)
        #expect(!(try backfill.isCurrent()))
        let state = try backfill.runToEnd()
        #expect(state.evaluatedWith == BackfillHarness.full.fingerprint && state.target == nil)
        #expect(state.subjects == 1 && state.changes == 1)
        let local = try #require(try h.decisions(after).first { $0.measure == "g60.travel.localResidentTreatment" })
        #expect(local.status == .active && local.rule == "jiaxing.travel.localResidentTreatment")
        #expect(local.versions.rules == BackfillHarness.full.rules.version)
        let notices = try h.notices()
        #expect(Set(notices.keys) == ["jiaxing", "jinhua", "huzhou"])
        for partner in ["jiaxing", "jinhua", "huzhou"] {
            #expect(changes(notices[partner], "issued") == ["g60.travel.localResidentTreatment"], "\(partner)")
        }
        // Nothing changed for the shared measures: no notices about them.
        #expect(notices.values.joined().count == 3)
        // A restart with the same rule data does nothing.
        #expect(try MeasureBackfill(dispatcher: after).runIfDue() == 0)
        #expect(try h.notices().isEmpty)
    }

    /// A rule removed (or changed so it no longer fires): its measures are lifted with notices.
    @Test func aRemovedRuleIsLiftedWithNotices() throws {
        let h = try BackfillHarness()
        let before = h.dispatcher(BackfillHarness.shared)
        try h.put([blackList()], dispatcher: before)
        try MeasureBackfill(dispatcher: before).runToEnd()
        let issued = try h.notices()
        #expect(changes(issued["hefei"], "issued").contains("g60.punish.procurementBan"))

        var rules = BackfillHarness.shared.rules
        rules.rules.removeAll { $0.id == "list.black" }
        rules.version += "-without-black"
        let e = BackfillHarness.shared
        let after = h.dispatcher(RuleEngine(catalogue: e.catalogue, rules: rules, periods: e.periods, calendar: e.calendar))
        let state = try MeasureBackfill(dispatcher: after).runToEnd()
        #expect(state.changes == 3)
        let lifted = try h.notices()
        #expect(lifted.count == 9)
        #expect(changes(lifted["hefei"], "lifted") == ["g60.punish.closerInspection", "g60.punish.noHonours", "g60.punish.procurementBan"])
        let key = "uscc:" + organisation
        #expect(try after.decisions(subjectKey: key).allSatisfy { $0.status == .lifted })
    }

    /// Records stored before any dispatcher ran (not indexed): the index phase finds them.
    @Test func recordsNeverEvaluatedAreFound() throws {
        let h = try BackfillHarness()
        try h.put([DispatchFixtures.redList(), DispatchFixtures.debtor(), blackList()])
        let dispatcher = h.dispatcher(BackfillHarness.full)
        let state = try MeasureBackfill(dispatcher: dispatcher, batchSize: 2).runToEnd()
        #expect(state.subjects == 2)
        let person = try h.decisions(dispatcher)
        #expect(person.contains { $0.measure == "g60.spc.flights" && $0.status == .active })
        #expect(person.contains { $0.measure == "g60.travel.localResidentTreatment" && $0.status == .suspended })
        #expect(try dispatcher.decisions(subjectKey: "uscc:" + organisation).contains { $0.status == .active })
    }

    /// Bounded batches with a durable cursor: a restart (a new backfill over the same store) resumes where the
    /// last committed batch ended; no subject is evaluated twice and the outcome equals one uninterrupted pass.
    @Test func aRestartResumesFromTheCursor() throws {
        let h = try BackfillHarness()
        let usccs = ["91310000132260250X", "91310000MA1K3XW200", "91310000MA1K4YA50U", "91310000MA1K5B7C0G"]
        let valid = usccs.filter { IdentifierChecker().check($0, as: .uscc).isValid }
        #expect(valid.count == 4)
        try h.put(valid.map { blackList(uscc: $0) } + [DispatchFixtures.redList()])
        let first = MeasureBackfill(dispatcher: h.dispatcher(BackfillHarness.full), batchSize: 2)
        try first.begin()
        // Index phase: the records in batches of 2, then the switch to evaluation.
        var handled = 0
        while try h.store.measureBackfillState().phase == .index { handled += try first.runBatch() }
        #expect(handled >= valid.count + 1)
        #expect(try first.runBatch() == 2)
        var state = try h.store.measureBackfillState()
        #expect(state.phase == .evaluate && state.subjects == 2 && !state.cursor.isEmpty)
        let partial = try h.notices().values.joined().count
        #expect(partial > 0)

        // "Restart": a new instance over the same store and rule data continues.
        let second = MeasureBackfill(dispatcher: h.dispatcher(BackfillHarness.full), batchSize: 2)
        #expect(try second.begin().subjects == 2)
        state = try second.runToEnd()
        #expect(state.subjects == valid.count + 1 && state.target == nil)
        let rest = try h.notices().values.joined().count

        // The same in one pass over a fresh store.
        let g = try BackfillHarness()
        try g.put(valid.map { blackList(uscc: $0) } + [DispatchFixtures.redList()])
        let whole = try MeasureBackfill(dispatcher: g.dispatcher(BackfillHarness.full), batchSize: 500).runToEnd()
        #expect(whole.subjects == state.subjects && whole.changes == state.changes)
        #expect(try g.notices().values.joined().count == partial + rest)
    }

    /// Other rule data while a pass is under way (a restart with changed files): a new pass from the start.
    @Test func changedRuleDataRestartsThePass() throws {
        let h = try BackfillHarness()
        try h.put([DispatchFixtures.redList(), blackList()])
        let old = MeasureBackfill(dispatcher: h.dispatcher(BackfillHarness.shared), batchSize: 1)
        try old.begin()
        try old.runBatch()
        #expect(try h.store.measureBackfillState().target == BackfillHarness.shared.fingerprint)
        let new = MeasureBackfill(dispatcher: h.dispatcher(BackfillHarness.full), batchSize: 1)
        #expect(try new.runIfDue() > 0)
        var state = try h.store.measureBackfillState()
        #expect(state.target == BackfillHarness.full.fingerprint)
        while try new.runIfDue() > 0 {}
        state = try h.store.measureBackfillState()
        #expect(state.evaluatedWith == BackfillHarness.full.fingerprint && state.target == nil && state.subjects == 2)
    }
}
