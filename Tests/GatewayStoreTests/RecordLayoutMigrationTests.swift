import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

/// Migration 4 (the lean record layout) on a file written by schema 3, and the stored key form of record ids.
@Suite struct RecordLayoutMigrationTests {
    /// Writes rows exactly as schema 3's record store did (the same statements as its put path), on a raw
    /// connection to a file at schema 3.
    private struct Schema3Writer {
        let db: SQLiteConnection

        init(path: String) throws {
            db = try SQLiteConnection(path: path, create: true)
            _ = try db.first("PRAGMA journal_mode=WAL") { $0.text(0) }
            try db.exec(Schema.migrations[0])
            try db.exec(Schema.migrations[1])
            try db.exec("DROP TABLE identity_numbers")
            try db.exec(Schema.migrations[2])
            try db.exec("PRAGMA user_version = 3; PRAGMA application_id = \(Schema.applicationID)")
        }

        func put(_ record: CanonicalRecord, _ provenance: Provenance, version: Int) throws {
            let id = record.id ?? ""
            if version == 1 {
                try db.run(
                    """
                    INSERT INTO records (record_id, kind, source_partner, natural_number, current_version, updated_at)
                    VALUES (?, ?, ?, ?, 1, ?)
                    """,
                    [
                        .text(id), .text(record.kind.rawValue), .text(record.sourcePartner),
                        .text(SQLiteStore.normalized(record.naturalNumber)), .int(1_795_000_000_000),
                    ])
            } else {
                try db.run(
                    "UPDATE records SET current_version = ?, updated_at = ? WHERE record_id = ?",
                    [.int(Int64(version)), .int(1_795_000_000_000 + Int64(version)), .text(id)])
            }
            try db.run(
                """
                INSERT INTO record_versions (record_id, version, content, partner, message_id, row_number, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(id), .int(Int64(version)), .text(SQLiteStore.canonicalJSON(record)),
                    .text(provenance.partner), .text(provenance.messageID), .int(Int64(provenance.rowNumber)),
                    .int(Millis.from(provenance.receivedAt)),
                ])
        }

        func retract(_ retraction: CanonicalRecord, target: String?) throws {
            guard case .retraction(let r) = retraction.body else { return }
            try db.run(
                """
                INSERT INTO retractions (retraction_id, source_partner, target_kind, target_number, target_record_id,
                  reason, effective_date) VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(retraction.id ?? ""), .text(retraction.sourcePartner), .text(r.targetKind.rawValue),
                    .text(SQLiteStore.normalized(r.targetNumber)), target.map { .text($0) } ?? .null, .text(r.reason),
                    .text(r.effectiveDate.description),
                ])
            if let target {
                try db.run(
                    """
                    UPDATE records SET withdrawn_reason = ?, withdrawn_effective = ?, withdrawn_by = ?
                    WHERE record_id = ?
                    """,
                    [.text(r.reason), .text(r.effectiveDate.description), .text(retraction.id ?? ""), .text(target)])
            }
        }
    }

    @Test func schema3RecordsSurviveMigrationAndKeepEveryBehaviour() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("old.db")
        let a1 = Fixture.penalty(fineFen: 500_000)
        let a2 = Fixture.penalty(fineFen: 300_000)
        let b = Fixture.penalty(decision: "嘉执罚〔2026〕13号")
        let rb = Fixture.retraction(of: b, byID: true)
        let c = Fixture.penalty(decision: "嘉执罚〔2026〕14号")
        let rc = Fixture.retraction(of: c, byID: true)
        var legacy = Fixture.penalty(decision: "嘉执罚〔2026〕15号")
        legacy.id = "legacy-15"
        do {
            let old = try Schema3Writer(path: path)
            try old.db.exec("BEGIN")
            // Interleaved, as envelopes arrive: a's second version is not next to its first.
            try old.put(a1, Fixture.provenance("m1", row: 1), version: 1)
            try old.put(b, Fixture.provenance("m1", row: 2), version: 1)
            try old.put(legacy, Fixture.provenance("m1", row: 3), version: 1)
            try old.put(a2, Fixture.provenance("m2", row: 4), version: 2)
            try old.put(rb, Fixture.provenance("m3", row: 1), version: 1)
            try old.retract(rb, target: b.id)
            try old.put(rc, Fixture.provenance("m3", row: 2), version: 1)
            try old.retract(rc, target: nil)  // its target has not arrived yet
            try old.db.exec("COMMIT")
        }

        let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        let raw = try SQLiteConnection(path: path, create: false)
        #expect(try raw.first("PRAGMA user_version") { Int($0.int(0)) } == SQLiteStore.schemaVersion)
        #expect(try raw.all("PRAGMA table_info(records)") { $0.text(1) }.contains("current_row"))
        #expect(try raw.first("SELECT count(*) FROM record_versions") { $0.int(0) } == 6)
        #expect(
            try raw.first("SELECT typeof(record_key), length(record_key) FROM records LIMIT 1") {
                "\($0.text(0)) \($0.int(1))"
            } == "blob 16")

        // Current state and every version, with provenance, in version order.
        let a = try #require(try store.record(id: a1.id!))
        #expect(a.version == 2)
        #expect(a.record == a2)
        #expect(a.provenance == Fixture.provenance("m2", row: 4))
        let versions = try store.versions(of: a1.id!)
        #expect(versions.map(\.version) == [1, 2])
        #expect(versions.map(\.record) == [a1, a2])
        #expect(versions.map(\.provenance.messageID) == ["m1", "m2"])
        #expect(try store.record(id: "legacy-15")?.record == legacy)
        #expect(try store.versions(of: "legacy-15").count == 1)
        #expect(try store.record(id: b.id!)?.withdrawal?.retractionRecordID == rb.id)

        // Idempotent re-send against the migrated current versions; a change adds a version linked to the old ones.
        #expect(try store.putRecords([(a2, Fixture.provenance("m4", row: 1))]).first?.change == .unchanged)
        #expect(try store.putRecords([(b, Fixture.provenance("m4", row: 2))]).first?.change == .unchanged)
        #expect(try store.putRecords([(legacy, Fixture.provenance("m4", row: 3))]).first?.change == .unchanged)
        let back = try store.putRecords([(a1, Fixture.provenance("m5", row: 1))])
        #expect(back == [RecordPutResult(recordID: a1.id!, version: 3, change: .corrected, withdrewRecordID: nil)])
        #expect(try store.versions(of: a1.id!).map(\.provenance.messageID) == ["m1", "m2", "m5"])

        // The pending retraction stored by schema 3 withdraws its target when it arrives.
        #expect(try store.putRecords([(c, Fixture.provenance("m6", row: 1))]).first?.change == .created)
        #expect(try store.record(id: c.id!)?.withdrawal?.retractionRecordID == rc.id)

        // Subject lookups and the report source read the new layout.
        let all = [a1.id!, b.id!, rb.id!, c.id!, rc.id!, "legacy-15"].sorted()
        #expect(try store.recordIDs(subjectKey: "uscc:91330400MA2B1234X5") == all)
        let accepted = try store.acceptedRows(
            receivedFrom: Date(timeIntervalSince1970: 0), before: Date(timeIntervalSince1970: 2_000_000_000))
        #expect(accepted.count == 8)
        #expect(Set(accepted.map(\.recordID)) == Set(all))
        #expect(accepted.filter { $0.recordID == a1.id! }.map(\.version).sorted() == [1, 2, 3])
    }

    @Test func retractionBeforeItsTargetInTheSameBatchStillApplies() throws {
        // New records skip the pending-retraction probe while none is pending; a retraction earlier in the same
        // batch must switch it back on.
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let other = Fixture.penalty(decision: "嘉执罚〔2026〕20号")
        _ = try store.putRecords([(other, Fixture.provenance("m0", row: 1))])
        let target = Fixture.penalty(decision: "嘉执罚〔2026〕21号")
        let retraction = Fixture.retraction(of: target, byID: false)
        let results = try store.putRecords([
            (retraction, Fixture.provenance("m1", row: 1)), (target, Fixture.provenance("m1", row: 2)),
        ])
        #expect(results.map(\.change) == [.created, .created])
        #expect(try store.record(id: target.id!)?.withdrawal?.retractionRecordID == retraction.id)
        #expect(try store.record(id: other.id!)?.withdrawal == nil)
    }

    @Test(.timeLimit(.minutes(1))) func versionChainWithALoopEnds() throws {
        // A damaged file whose first version links back to the second must not hang versions(of:).
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let original = Fixture.penalty(fineFen: 500_000)
        _ = try store.putRecords([(original, Fixture.provenance("m1", row: 1))])
        _ = try store.putRecords([(Fixture.penalty(fineFen: 300_000), Fixture.provenance("m2", row: 1))])
        try store.withWriterForTesting { db in
            try db.run(
                "UPDATE record_versions SET previous_row = (SELECT max(version_row) FROM record_versions) WHERE version = 1"
            )
        }
        #expect(try store.versions(of: original.id!).map(\.version) == [1, 2])
    }

    @Test func freshStoreHasTheLeanRecordLayout() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        _ = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        let indexes = try raw.all("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'record%'") {
            $0.text(0)
        }
        // One secondary index on the record tables (natural numbers, for retractions); versions have none.
        #expect(indexes.filter { !$0.hasPrefix("sqlite_autoindex") } == ["records_natural"])
        #expect(indexes.filter { $0.hasPrefix("sqlite_autoindex_records") }.count == 1)  // UNIQUE (record_key)
        #expect(try raw.first("PRAGMA user_version") { Int($0.int(0)) } == SQLiteStore.schemaVersion)
        #expect(SQLiteStore.schemaVersion >= Schema.leanRecordsVersion)
    }

    @Test(arguments: [
        "rec_0123456789abcdef0123456789abcdef", "rec_ffffffffffffffffffffffffffffffff", "legacy-15",
        "rec_0123456789ABCDEF0123456789ABCDEF", "", "fifteen-bytes!!", "sixteen-bytes!!!", "記録-甲",
    ])
    func recordKeysConvertBackExactly(_ id: String) {
        let key = RecordKey.bytes(id)
        #expect(RecordKey.id(key) == id)
        let canonical = id.count == 36 && id.hasPrefix("rec_") && id == id.lowercased()
        #expect((key.count == 16) == canonical)
    }

    @Test func canonicalKeysOrderLikeTheirIDs() {
        let ids = (0..<50).map { _ in
            "rec_" + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        }
        let byKey = ids.sorted { RecordKey.bytes($0).lexicographicallyPrecedes(RecordKey.bytes($1)) }
        #expect(byKey == ids.sorted())
    }
}
