import Foundation
import GatewayCore
import Synchronization

extension SQLiteStore: RecordStore {
    /// The canonical JSON of a record, the form versions are compared and stored in (sorted keys; the clear
    /// identity number is never encoded). GatewayCore's `CanonicalJSONWriter` writes exactly what `JSONEncoder`
    /// with `.sortedKeys` and `.withoutEscapingSlashes` writes, several times faster.
    static func canonicalJSON(_ record: CanonicalRecord) -> String {
        CanonicalJSONWriter.recordText(record)
    }

    /// Canonical JSON of many records.
    static func canonicalJSONs(_ records: [CanonicalRecord]) -> [String] {
        records.map(canonicalJSON)
    }

    static func decodeRecord(_ json: String, id: String) throws -> CanonicalRecord {
        do {
            return try JSONDecoder().decode(CanonicalRecord.self, from: Data(json.utf8))
        } catch {
            throw StoreError(StoreError.corrupt, "stored record \(id) cannot be decoded", underlying: "\(error)")
        }
    }

    static func normalized(_ s: String) -> String { TextNormalization.trim(TextNormalization.halfWidth(s)) }

    public func putRecords(_ records: [(record: CanonicalRecord, provenance: Provenance)]) throws -> [RecordPutResult] {
        // Encoding happens in the caller's thread (on every core for large batches); the writer compares and writes.
        try putPreparedRecords(try PreparedRecord.prepare(records))
    }

    /// Stores records whose canonical JSON the caller already computed (e.g. in its mapping workers, off the
    /// writer's critical path); otherwise as `putRecords`.
    public func putPreparedRecords(_ records: [PreparedRecord]) throws -> [RecordPutResult] {
        let nowMillis = Millis.from(now)
        let cipher = options.identityCipher
        return try committer.write { ctx in
            let db = ctx.db
            // Whether any retraction waits for its target: when none does (the usual case), new records skip the
            // probe. Read under the write lock, and set again when a retraction of this batch finds no target.
            var state = BatchState(
                pendingRetractions: try db.first(
                    "SELECT 1 FROM retractions WHERE target_record_id IS NULL LIMIT 1") { _ in true } ?? false,
                // The rowid the next version gets: versions are numbered here rather than by SQLite, so that a new
                // record's `current_row` is known before its version is written and one INSERT (ON CONFLICT DO
                // NOTHING) both finds out whether the record is new and writes it. Read under the write lock
                // (BEGIN IMMEDIATE), so no other connection or process appends in between.
                nextVersionRow: (try db.first("SELECT max(version_row) FROM record_versions") { $0.int(0) } ?? 0) + 1)
            var results: [RecordPutResult] = []
            results.reserveCapacity(records.count)
            for r in records {
                results.append(try Self.put(db, r, nowMillis: nowMillis, cipher: cipher, state: &state))
            }
            return results
        }
    }

    /// What the records of one `putPreparedRecords` call share in the writer's transaction.
    private struct BatchState {
        var pendingRetractions: Bool
        var nextVersionRow: Int64
        /// Whether the previous record of the batch was already stored (see `put`).
        var lastWasKnown = false
    }

    /// A record's current version compared with the one being stored.
    private enum Current {
        case absent
        case unchanged(version: Int)
        case changed(version: Int, row: Int64)
    }

    /// The current version's number, rowid and content: one key look-up in records, one rowid look-up in
    /// record_versions; the JSON is compared in place.
    private static func currentVersion(_ db: SQLiteConnection, _ key: RecordKey.Value, _ r: PreparedRecord) throws
        -> Current
    {
        let lookup = try db.statement(
            slot: Slot.current,
            """
            SELECT r.current_version, r.current_row, v.content FROM records r
            JOIN record_versions v ON v.version_row = r.current_row WHERE r.record_key = ?
            """)
        defer { lookup.reset() }
        try key.bind(lookup, 1)
        guard try lookup.step() else { return .absent }
        let row = lookup.row
        let version = Int(row.int(0))
        if row.textEquals(2, bytes: r.canonicalBytes) { return .unchanged(version: version) }
        return .changed(version: version, row: row.int(1))
    }

    /// Slots of the record write path's cached statements (`SQLiteConnection.statement(slot:_:)`).
    private enum Slot {
        static let identityKnown = 0
        static let identityInsert = 1
        static let current = 2
        static let insertVersion = 3
        static let insertRecord = 4
        static let updateRecord = 5
        static let pendingRetraction = 6
    }

    /// Seals a clear identity number the store has not seen yet (a known number keeps its first ciphertext).
    private static func sealIdentity(
        _ db: SQLiteConnection, _ identity: PersonIdentity?, cipher: (any IdentityNumberCipher)?, id: String,
        _ provenance: Provenance
    ) throws {
        guard let identity, let clear = identity.clearNumber, let hash = identity.hash else { return }
        let known = try db.statement(
            slot: Slot.identityKnown, "SELECT 1 FROM identity_sealed WHERE identity_hash = ?")
        defer { known.reset() }
        try known.bind(1, hash)
        if try known.step() { return }
        let sealed = try IdentitySealing.seal(
            cipher, clear: clear, hash: hash, documentType: identity.documentType,
            what: "record \(id) (\(provenance.partner) message \(provenance.messageID) row \(provenance.rowNumber))")
        let insert = try db.statement(
            slot: Slot.identityInsert,
            "INSERT INTO identity_sealed (identity_hash, document_type, sealed_number) VALUES (?, ?, ?)")
        try insert.bind(1, hash)
        try insert.bind(2, identity.documentType)
        try insert.bind(3, bytes: sealed)
        try insert.run()
    }

    /// One record in the writer's transaction.
    ///
    /// A new record costs two statements: an INSERT into `records` that does nothing when the key exists (one
    /// random-order insert into the 16-byte key index, one into `records_natural`, the row appended) and the append
    /// of its version, numbered by the writer (`BatchState.nextVersionRow`). A known record costs a look-up of its
    /// current version (a key look-up and a rowid look-up, the JSON compared in place); unchanged, it stops there;
    /// changed, it appends a version and moves `records.current_row`. Which of the INSERT and the look-up is tried
    /// first follows the previous record of the batch. A pending-retraction probe runs only while one is pending.
    private static func put(
        _ db: SQLiteConnection, _ r: PreparedRecord, nowMillis: Int64, cipher: (any IdentityNumberCipher)?,
        state: inout BatchState
    ) throws -> RecordPutResult {
        let record = r.record
        let id = r.recordID
        let provenance = r.provenance
        try sealIdentity(db, record.subject.identity, cipher: cipher, id: id, provenance)
        try sealIdentity(db, record.subject.legalRepresentativeIdentity, cipher: cipher, id: id, provenance)
        let key = RecordKey.Value(id)
        let versionRow = state.nextVersionRow

        // Which statement goes first follows the previous record of the batch: after a new record, the INSERT
        // (which is all a new record needs); after a known one, the look-up (all an unchanged re-sent one needs).
        // A batch of new records or of re-sent ones thus pays one statement per record before its version.
        var current: (version: Int, row: Int64)?
        var created = false
        var lookedUp = false
        if state.lastWasKnown {
            lookedUp = true
            switch try currentVersion(db, key, r) {
            case .unchanged(let version):
                return RecordPutResult(recordID: id, version: version, change: .unchanged, withdrewRecordID: nil)
            case .changed(let version, let row): current = (version, row)
            case .absent: break
            }
        }
        let naturalNumber = current == nil ? normalized(record.naturalNumber) : ""
        if current == nil {
            let insert = try db.statement(
                slot: Slot.insertRecord,
                """
                INSERT INTO records (record_key, kind, source_partner, natural_number, current_version, current_row,
                  updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (record_key) DO NOTHING
                """)
            try key.bind(insert, 1)
            try insert.bind(2, record.kind.rawValue)
            try insert.bind(3, record.sourcePartner)
            try insert.bind(4, naturalNumber)
            try insert.bind(5, versionRow)
            try insert.bind(6, nowMillis)
            try insert.run()
            created = db.changes == 1
            if !created {
                // The key is in records. Already looked up (and found absent, or `current` would be set), or looked
                // up now: either way, absent means the current version row is missing.
                switch lookedUp ? .absent : try currentVersion(db, key, r) {
                case .unchanged(let version):
                    state.lastWasKnown = true
                    return RecordPutResult(recordID: id, version: version, change: .unchanged, withdrewRecordID: nil)
                case .changed(let version, let row): current = (version, row)
                case .absent:
                    throw StoreError(
                        StoreError.corrupt,
                        "record \(id) (\(provenance.partner) message \(provenance.messageID) row "
                            + "\(provenance.rowNumber)) has a key in records but no current version row")
                }
            }
        }
        state.lastWasKnown = !created

        let version = (current?.version ?? 0) + 1
        let insertVersion = try db.statement(
            slot: Slot.insertVersion,
            """
            INSERT INTO record_versions (version_row, record_key, version, previous_row, content, partner, message_id,
              row_number, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insertVersion.bind(1, versionRow)
        try key.bind(insertVersion, 2)
        try insertVersion.bind(3, Int64(version))
        if let current { try insertVersion.bind(4, current.row) }
        try insertVersion.bind(5, text: r.canonicalBytes)
        try insertVersion.bind(6, provenance.partner)
        try insertVersion.bind(7, provenance.messageID)
        try insertVersion.bind(8, Int64(provenance.rowNumber))
        try insertVersion.bind(9, Millis.from(provenance.receivedAt))
        try insertVersion.run()
        state.nextVersionRow += 1

        if current != nil {
            let update = try db.statement(
                slot: Slot.updateRecord,
                """
                UPDATE records SET current_version = ?, current_row = ?, updated_at = ? WHERE record_key = ?
                """)
            try update.bind(1, Int64(version))
            try update.bind(2, versionRow)
            try update.bind(3, nowMillis)
            try key.bind(update, 4)
            try update.run()
        }
        let change: RecordChange = created ? .created : .corrected

        var withdrew: String?
        if case .retraction(let retraction) = record.body {
            withdrew = try applyRetraction(db, retractionID: id, sourcePartner: record.sourcePartner, retraction)
            if withdrew == nil { state.pendingRetractions = true }
        } else if created && state.pendingRetractions {
            // A retraction that arrived before its target takes effect now.
            let probe = try db.statement(
                slot: Slot.pendingRetraction,
                """
                SELECT retraction_id, reason, effective_date FROM retractions
                WHERE source_partner = ? AND target_kind = ? AND target_number = ? AND target_record_id IS NULL
                ORDER BY effective_date DESC LIMIT 1
                """)
            try probe.bind(1, record.sourcePartner)
            try probe.bind(2, record.kind.rawValue)
            try probe.bind(3, naturalNumber)
            var pending: (id: String, reason: String, effective: String)?
            if try probe.step() {
                let row = probe.row
                pending = (row.text(0), row.text(1), row.text(2))
            }
            probe.reset()
            if let pending {
                try withdraw(db, target: id, reason: pending.reason, effective: pending.effective, by: pending.id)
                try db.run(
                    "UPDATE retractions SET target_record_id = ? WHERE retraction_id = ?",
                    [.text(id), .text(pending.id)])
            }
        }
        return RecordPutResult(recordID: id, version: version, change: change, withdrewRecordID: withdrew)
    }

    /// Records the retraction and withdraws its target when the target is known; returns the target id.
    private static func applyRetraction(
        _ db: SQLiteConnection, retractionID: String, sourcePartner: String, _ r: Retraction
    ) throws -> String? {
        let number = normalized(r.targetNumber)
        var target = r.targetRecordId
        if target == nil {
            target = try db.first(
                """
                SELECT record_key FROM records WHERE source_partner = ? AND kind = ?
                  AND (natural_number = ? OR natural_number LIKE '%|' || ?) ORDER BY updated_at DESC LIMIT 1
                """,
                [.text(sourcePartner), .text(r.targetKind.rawValue), .text(number), .text(number)],
                { RecordKey.id($0.blob(0)) })
        }
        if let known = target,
            try db.first("SELECT 1 FROM records WHERE record_key = ?", [.blob(RecordKey.bytes(known))], { _ in true })
                == nil
        {
            target = nil
        }
        try db.run(
            """
            INSERT INTO retractions (retraction_id, source_partner, target_kind, target_number, target_record_id, \
            reason, effective_date) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (retraction_id) DO UPDATE SET target_record_id = excluded.target_record_id, \
            reason = excluded.reason, effective_date = excluded.effective_date
            """,
            [
                .text(retractionID), .text(sourcePartner), .text(r.targetKind.rawValue), .text(number),
                target.map { .text($0) } ?? .null, .text(r.reason), .text(r.effectiveDate.description),
            ])
        if let target {
            try withdraw(db, target: target, reason: r.reason, effective: r.effectiveDate.description, by: retractionID)
        }
        return target
    }

    private static func withdraw(_ db: SQLiteConnection, target: String, reason: String, effective: String, by: String)
        throws
    {
        try db.run(
            "UPDATE records SET withdrawn_reason = ?, withdrawn_effective = ?, withdrawn_by = ? WHERE record_key = ?",
            [.text(reason), .text(effective), .text(by), .blob(RecordKey.bytes(target))])
    }

    public func record(id: String) throws -> StoredRecord? {
        let row = try read { db in
            try db.first(
                """
                SELECT r.current_version, v.content, r.withdrawn_reason, r.withdrawn_effective, r.withdrawn_by,
                       v.partner, v.message_id, v.row_number, v.received_at
                FROM records r JOIN record_versions v ON v.version_row = r.current_row
                WHERE r.record_key = ?
                """, [.blob(RecordKey.bytes(id))]
            ) { row in
                (
                    Int(row.int(0)), row.text(1), row.optionalText(2), row.optionalText(3), row.optionalText(4),
                    Provenance(
                        partner: row.text(5), messageID: row.text(6), rowNumber: Int(row.int(7)),
                        receivedAt: Millis.date(row.int(8)))
                )
            }
        }
        guard let row else { return nil }
        var withdrawal: Withdrawal?
        if let reason = row.2, let effective = row.3.flatMap({ CivilDate(iso: $0) }) {
            withdrawal = Withdrawal(reason: reason, effectiveDate: effective, retractionRecordID: row.4 ?? "")
        }
        return StoredRecord(
            recordID: id, version: row.0, record: try Self.decodeRecord(row.1, id: id), provenance: row.5,
            withdrawal: withdrawal)
    }

    public func versions(of id: String) throws -> [RecordVersion] {
        // Walks the chain from the current version back through previous_row: rowid look-ups, no version index.
        // UNION (not UNION ALL) ends the walk even if a damaged file linked a version back to a later one.
        let rows = try read { db in
            try db.all(
                """
                WITH RECURSIVE chain(version_row) AS (
                  SELECT current_row FROM records WHERE record_key = ?
                  UNION
                  SELECT v.previous_row FROM record_versions v JOIN chain c ON v.version_row = c.version_row
                  WHERE v.previous_row IS NOT NULL
                )
                SELECT v.version, v.content, v.partner, v.message_id, v.row_number, v.received_at
                FROM chain c JOIN record_versions v ON v.version_row = c.version_row ORDER BY v.version
                """, [.blob(RecordKey.bytes(id))]
            ) { row in
                (
                    Int(row.int(0)), row.text(1),
                    Provenance(
                        partner: row.text(2), messageID: row.text(3), rowNumber: Int(row.int(4)),
                        receivedAt: Millis.date(row.int(5)))
                )
            }
        }
        return try rows.map {
            RecordVersion(recordID: id, version: $0.0, record: try Self.decodeRecord($0.1, id: id), provenance: $0.2)
        }
    }

    public func quarantine(_ rows: [QuarantinedRow]) throws {
        // Raw bytes sealed before the writer (EvidenceSealing); stored clear only by a store without a key.
        let stored = try rows.map { try sealedQuarantineRaw($0) }
        let sealedFlag: Int64 = options.identityCipher == nil ? 0 : 1
        try committer.write { ctx in
            for (row, raw) in zip(rows, stored) {
                try ctx.db.run(
                    """
                    INSERT OR IGNORE INTO quarantine (partner, message_id, row_number, raw, problems, received_at, \
                    sealed)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(row.partner), .text(row.messageID), .int(Int64(row.rowNumber)), .blob(raw),
                        .text(row.problemsJSON), .int(Millis.from(row.receivedAt)), .int(sealedFlag),
                    ])
            }
        }
    }

    public func quarantined(partner: String, messageID: String?, rowNumber: Int?) throws -> [QuarantinedRow] {
        let m: SQLValue = messageID.map { .text($0) } ?? .null
        let r: SQLValue = rowNumber.map { .int(Int64($0)) } ?? .null
        return try read { db in
            try db.all(
                """
                SELECT partner, message_id, row_number, raw, problems, received_at, sealed FROM quarantine
                WHERE partner = ? AND (? IS NULL OR message_id = ?) AND (? IS NULL OR row_number = ?)
                ORDER BY received_at, message_id, row_number
                """, [.text(partner), m, m, r, r]
            ) { row in
                try openedQuarantinedRow(
                    QuarantinedRow(
                        partner: row.text(0), messageID: row.text(1), rowNumber: Int(row.int(2)), raw: row.blob(3),
                        problemsJSON: row.text(4), receivedAt: Millis.date(row.int(5))),
                    sealed: row.int(6) != 0)
            }
        }
    }

    /// The clear identity number behind `hash`, decrypted with the configured identity key.
    ///
    /// - Throws: `store.identityKeyMissing` without a key, `store.identityUnreadable` when the stored ciphertext
    ///   was altered, moved from another row, or sealed under another key.
    public func clearIdentityNumber(hash: String) throws -> String? {
        let row = try read { db in
            try db.first(
                "SELECT document_type, sealed_number FROM identity_sealed WHERE identity_hash = ?", [.text(hash)]
            ) { ($0.text(0), $0.blob(1)) }
        }
        guard let row else { return nil }
        return try IdentitySealing.open(options.identityCipher, sealed: row.1, hash: hash, documentType: row.0)
    }
}
