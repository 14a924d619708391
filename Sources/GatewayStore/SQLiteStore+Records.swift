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
            try records.map { r in
                try Self.put(
                    ctx.db, record: r.record, id: r.recordID, json: r.canonicalJSON, provenance: r.provenance,
                    nowMillis: nowMillis, cipher: cipher)
            }
        }
    }

    private static func put(
        _ db: SQLiteConnection, record: CanonicalRecord, id: String, json: String, provenance: Provenance,
        nowMillis: Int64, cipher: (any IdentityNumberCipher)?
    ) throws -> RecordPutResult {
        for identity in [record.subject.identity, record.subject.legalRepresentativeIdentity] {
            if let identity, let clear = identity.clearNumber, let hash = identity.hash {
                // Sealed only when the hash is new: a known number keeps its first ciphertext.
                if try db.first("SELECT 1 FROM identity_sealed WHERE identity_hash = ?", [.text(hash)], { _ in true })
                    == nil
                {
                    let sealed = try IdentitySealing.seal(
                        cipher, clear: clear, hash: hash, documentType: identity.documentType,
                        what: "record \(id) (\(provenance.partner) message \(provenance.messageID) "
                            + "row \(provenance.rowNumber))")
                    try db.run(
                        "INSERT INTO identity_sealed (identity_hash, document_type, sealed_number) VALUES (?, ?, ?)",
                        [.text(hash), .text(identity.documentType), .blob(sealed)])
                }
            }
        }
        let current = try db.first(
            """
            SELECT r.current_version, v.content FROM records r
            JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.current_version WHERE r.record_id = ?
            """, [.text(id)]
        ) { (Int($0.int(0)), $0.text(1)) }
        let version: Int
        let change: RecordChange
        if let current {
            if current.1 == json {
                return RecordPutResult(recordID: id, version: current.0, change: .unchanged, withdrewRecordID: nil)
            }
            version = current.0 + 1
            change = .corrected
            try db.run(
                "UPDATE records SET current_version = ?, updated_at = ? WHERE record_id = ?",
                [.int(Int64(version)), .int(nowMillis), .text(id)])
        } else {
            version = 1
            change = .created
            try db.run(
                """
                INSERT INTO records (record_id, kind, source_partner, natural_number, current_version, updated_at)
                VALUES (?, ?, ?, ?, 1, ?)
                """,
                [
                    .text(id), .text(record.kind.rawValue), .text(record.sourcePartner),
                    .text(normalized(record.naturalNumber)), .int(nowMillis),
                ])
        }
        try db.run(
            """
            INSERT INTO record_versions (record_id, version, content, partner, message_id, row_number, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(id), .int(Int64(version)), .text(json), .text(provenance.partner), .text(provenance.messageID),
                .int(Int64(provenance.rowNumber)), .int(Millis.from(provenance.receivedAt)),
            ])
        var withdrew: String?
        if case .retraction(let r) = record.body {
            withdrew = try applyRetraction(db, retractionID: id, sourcePartner: record.sourcePartner, r)
        } else if change == .created {
            // A retraction that arrived before its target takes effect now.
            if let pending = try db.first(
                """
                SELECT retraction_id, reason, effective_date FROM retractions
                WHERE source_partner = ? AND target_kind = ? AND target_number = ? AND target_record_id IS NULL
                ORDER BY effective_date DESC LIMIT 1
                """,
                [.text(record.sourcePartner), .text(record.kind.rawValue), .text(normalized(record.naturalNumber))],
                { ($0.text(0), $0.text(1), $0.text(2)) })
            {
                try withdraw(db, target: id, reason: pending.1, effective: pending.2, by: pending.0)
                try db.run(
                    "UPDATE retractions SET target_record_id = ? WHERE retraction_id = ?",
                    [.text(id), .text(pending.0)])
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
                SELECT record_id FROM records WHERE source_partner = ? AND kind = ?
                  AND (natural_number = ? OR natural_number LIKE '%|' || ?) ORDER BY updated_at DESC LIMIT 1
                """,
                [.text(sourcePartner), .text(r.targetKind.rawValue), .text(number), .text(number)], { $0.text(0) })
        }
        if let known = target,
            try db.first("SELECT 1 FROM records WHERE record_id = ?", [.text(known)], { _ in true }) == nil
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
            "UPDATE records SET withdrawn_reason = ?, withdrawn_effective = ?, withdrawn_by = ? WHERE record_id = ?",
            [.text(reason), .text(effective), .text(by), .text(target)])
    }

    public func record(id: String) throws -> StoredRecord? {
        let row = try read { db in
            try db.first(
                """
                SELECT r.current_version, v.content, r.withdrawn_reason, r.withdrawn_effective, r.withdrawn_by,
                       v.partner, v.message_id, v.row_number, v.received_at
                FROM records r JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.current_version
                WHERE r.record_id = ?
                """, [.text(id)]
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
        let rows = try read { db in
            try db.all(
                """
                SELECT version, content, partner, message_id, row_number, received_at FROM record_versions
                WHERE record_id = ? ORDER BY version
                """, [.text(id)]
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
