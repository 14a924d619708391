import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

/// Migration 8: the natural-number index on an 8-byte hash (`NaturalKeyHash`), re-checked on the exact columns.
@Suite struct NaturalHashMigrationTests {
    /// Every row of every table of the file, each as its columns' SQL literals (`quote`), sorted; `natural_hash`
    /// left out (schema 7 has no such column).
    static func dump(_ db: SQLiteConnection) throws -> [String: [String]] {
        let tables = try db.all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") { $0.text(0) }
        var dump: [String: [String]] = [:]
        for table in tables {
            let columns = try db.all("PRAGMA table_info(\(table))") { $0.text(1) }.filter { $0 != "natural_hash" }
            let select = columns.map { "quote(\($0))" }.joined(separator: " || '|' || ")
            dump[table] = try db.all("SELECT \(select) FROM \(table)") { $0.text(0) }.sorted()
        }
        return dump
    }

    /// The columns and indexes of `records`, as a schema-7 file has them.
    static func recordsShape(_ db: SQLiteConnection) throws -> [String] {
        try db.all("PRAGMA table_info(records)") { "\($0.text(1)) \($0.text(2)) \($0.int(3)) \($0.int(5))" }
            + db.all("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' ORDER BY name") {
                "\($0.text(0)): \($0.optionalText(1) ?? "auto")"
            }
    }

    /// An empty file taken to schema 7 by the migrations as released (1–7, with their SQL steps).
    static func freshSchema7(_ path: String) throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: path, create: true)
        for version in 1...7 {
            try db.exec(Schema.migrations[version - 1])
            if version == Schema.identitySealingVersion { try db.exec("DROP TABLE identity_numbers") }
            if version == Schema.leanRecordsVersion { try db.exec(Schema.leanRecordsFinish) }
        }
        return db
    }

    @Test func schema7FileMigratesInPlaceWithEveryRowAndBehaviour() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("seven.db")
        let clock = TestClock()
        let a1 = Fixture.penalty(fineFen: 500_000)
        let a2 = Fixture.penalty(fineFen: 300_000)
        let b = Fixture.penalty(decision: "嘉执罚〔2026〕13号")
        let rb = Fixture.retraction(of: b, byID: false)
        let c = Fixture.penalty(decision: "嘉执罚〔2026〕14号")
        let rc = Fixture.retraction(of: c, byID: false)
        let person = PersonIdentity(documentType: "residentIdCard", clearNumber: "11010219840406970X")
        let d = Fixture.penalty(decision: "嘉执罚〔2026〕15号", uscc: nil, identity: person)
        let e = Fixture.penalty(decision: "嘉执罚〔2026〕16号")

        // Written by this store's own code paths (records, versions, a retraction by natural number, a pending one,
        // a sealed identity, quarantine, the log with inbound work, outbound items with a shared payload, a retry),
        // then taken back to exactly schema 7's layout.
        var before: [String: [String]] = [:]
        do {
            let store = try SQLiteStore(path: path, options: Fixture.options(clock: clock))
            _ = try store.putRecords([(a1, Fixture.provenance("m1", row: 1)), (b, Fixture.provenance("m1", row: 2))])
            _ = try store.putRecords([(a2, Fixture.provenance("m2", row: 1)), (d, Fixture.provenance("m2", row: 2))])
            #expect(try store.putRecords([(rb, Fixture.provenance("m3", row: 1))]).first?.withdrewRecordID == b.id)
            #expect(try store.putRecords([(rc, Fixture.provenance("m3", row: 2))]).first?.withdrewRecordID == nil)
            try store.quarantine([
                QuarantinedRow(
                    partner: "jiaxing", messageID: "m3", rowNumber: 3, raw: Array("bad row".utf8), problemsJSON: "[]",
                    receivedAt: clock.now)
            ])
            _ = try store.append(Fixture.envelope("env-1", enqueue: true))
            _ = try store.append(Fixture.envelope("env-2", enqueue: true))
            let big = Array(repeating: UInt8(ascii: "r"), count: 4_096)
            let items = try store.enqueue(
                ["hefei", "wuhu", "huzhou"].map {
                    QueueItemSubmission(direction: .outbound, partner: $0, kind: "records", payload: big)
                })
            let leased = try store.lease(direction: .outbound, partner: "wuhu", limit: 1, owner: "w", duration: 60)
            #expect(leased.map(\.id) == [items[1]])
            _ = try store.fail(itemID: items[1], owner: "w", error: "partner down")
        }
        do {
            let raw = try SQLiteConnection(path: path, create: false)
            try raw.exec(
                """
                DROP INDEX records_natural_hash;
                ALTER TABLE records DROP COLUMN natural_hash;
                CREATE INDEX records_natural ON records (source_partner, kind, natural_number);
                PRAGMA user_version = 7;
                """)
            let fresh = try Self.freshSchema7(dir.path("fresh7.db"))
            #expect(try Self.recordsShape(raw) == Self.recordsShape(fresh), "the fixture has schema 7's layout")
            before = try Self.dump(raw)
            #expect(before["records"]?.count == 5)
            #expect(before["record_versions"]?.count == 6)
            #expect(before["retractions"]?.count == 2)
            #expect(before["queue_items"]?.count == 5, "two inbound work items, three outbound")
            #expect(before["queue_payloads"]?.count == 1, "the three outbound items share one payload")
            #expect(before["identity_sealed"]?.count == 1)
            #expect(before["quarantine"]?.count == 1)
        }

        let store = try SQLiteStore(path: path, options: Fixture.options(clock: clock))
        let raw = try SQLiteConnection(path: path, create: false)
        #expect(try raw.first("PRAGMA user_version") { Int($0.int(0)) } == 8)
        #expect(try Self.dump(raw) == before, "every row of every table survives, unchanged")
        let indexes = try raw.all("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'") {
            $0.text(0)
        }
        #expect(indexes.contains("records_natural_hash"))
        #expect(!indexes.contains("records_natural"))
        let hashes = try raw.all("SELECT source_partner, kind, natural_number, natural_hash FROM records") {
            ($0.text(0), $0.text(1), $0.text(2), $0.int(3))
        }
        #expect(hashes.count == 5)
        for (partner, kind, natural, hash) in hashes {
            #expect(hash == NaturalKeyHash.of(partner: partner, kind: kind, natural: natural), "\(natural)")
        }

        // Behaviours on the migrated file: idempotent re-send, a correction, the pending retraction when its target
        // arrives, a new retraction by natural number, identity, versions with provenance.
        #expect(try store.putRecords([(a2, Fixture.provenance("m4", row: 1))]).first?.change == .unchanged)
        #expect(try store.putRecords([(a1, Fixture.provenance("m4", row: 2))]).first?.version == 3)
        #expect(try store.versions(of: a1.id!).map(\.provenance.messageID) == ["m1", "m2", "m4"])
        #expect(try store.record(id: b.id!)?.withdrawal?.retractionRecordID == rb.id)
        _ = try store.putRecords([(c, Fixture.provenance("m5", row: 1)), (e, Fixture.provenance("m5", row: 2))])
        #expect(try store.record(id: c.id!)?.withdrawal?.retractionRecordID == rc.id)
        let re = Fixture.retraction(of: e, byID: false)
        #expect(try store.putRecords([(re, Fixture.provenance("m6", row: 1))]).first?.withdrewRecordID == e.id)
        let hash = try #require(d.subject.identity?.hash)
        #expect(try store.clearIdentityNumber(hash: hash) == "11010219840406970X")
        #expect(try store.quarantined(partner: "jiaxing", messageID: "m3", rowNumber: 3).count == 1)
        #expect(try store.verifyChain().isIntact)
    }

    @Test func collidingHashesAreToldApartByTheExactColumns() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock))
        let target = Fixture.penalty(decision: "嘉执罚〔2026〕21号")
        let other = Fixture.penalty(decision: "嘉执罚〔2026〕22号")
        _ = try store.putRecords([(target, Fixture.provenance("m1", row: 1))])
        clock.advance(60)
        _ = try store.putRecords([(other, Fixture.provenance("m1", row: 2))])
        // Force a collision: `other` (updated later, so first in the look-up's order) gets the target's hash.
        let raw = try SQLiteConnection(path: store.path, create: false)
        let targetHash = NaturalKeyHash.of(partner: "jiaxing", kind: "penalty", natural: "嘉执罚〔2026〕21号")
        #expect(
            try raw.run(
                "UPDATE records SET natural_hash = ? WHERE natural_number = ?",
                [.int(targetHash), .text("嘉执罚〔2026〕22号")]) == 1)
        #expect(
            try raw.first("SELECT count(*) FROM records WHERE natural_hash = ?", [.int(targetHash)]) { $0.int(0) } == 2)

        let retraction = Fixture.retraction(of: target, byID: false)
        let result = try store.putRecords([(retraction, Fixture.provenance("m2", row: 1))])
        #expect(result.first?.withdrewRecordID == target.id)
        #expect(try store.record(id: target.id!)?.withdrawal != nil)
        #expect(try store.record(id: other.id!)?.withdrawal == nil, "the colliding record is not withdrawn")
    }

    @Test func hashCoversWhatTheLookUpMatches() throws {
        let h = NaturalKeyHash.of
        // A list entry's natural number is `listName|document`; a retraction may name the document alone.
        #expect(h("jiaxing", "listEntry", "守信激励个人|AB-12") == h("jiaxing", "listEntry", "AB-12"))
        #expect(h("jiaxing", "listEntry", "守信激励个人|AB-12") == h("jiaxing", "listEntry", "其他名单|ab-12"))
        // LIKE folds ASCII letters only.
        #expect(h("jiaxing", "penalty", "ABC") == h("jiaxing", "penalty", "abc"))
        #expect(h("jiaxing", "penalty", "Ａ") != h("jiaxing", "penalty", "ａ"))
        #expect(h("jiaxing", "penalty", "12号") != h("hefei", "penalty", "12号"))
        #expect(h("jiaxing", "penalty", "12号") != h("jiaxing", "license", "12号"))
        #expect(h("jiaxing", "penalty", "12号") != h("jiaxing", "penalty", "13号"))
        // Stored values: 64-bit FNV-1a of `jiaxing␟penalty␟12`, fixed across builds and processes.
        #expect(h("jiaxing", "penalty", "12") == Int64(bitPattern: 0x8242_ac15_1a39_2849))
    }

    @Test func retractionLookUpUsesTheHashIndex() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        _ = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        let plan = try raw.all(
            """
            EXPLAIN QUERY PLAN SELECT record_key FROM records WHERE natural_hash = ? AND source_partner = ? AND kind = ?
              AND (natural_number = ? OR natural_number LIKE '%|' || ?) ORDER BY updated_at DESC LIMIT 1
            """, [.int(1), .text("p"), .text("k"), .text("n"), .text("n")]
        ) { $0.text(3) }
        #expect(plan.contains { $0.contains("records_natural_hash") }, "\(plan)")
    }
}
