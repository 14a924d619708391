import Foundation
import GatewayCore

extension SQLiteStore {
    /// Migration 4's data step, inside the migration's transaction: copies `records` and `record_versions` of
    /// schema 3 into the new tables (`Schema.leanRecordsMigration`). Versions keep their rowids, so arrival order
    /// is unchanged; each gets the rowid of its record's previous version, and each record its current version's
    /// rowid. Streams row by row: memory does not grow with the store.
    static func copyRecordsToLeanLayout(_ db: SQLiteConnection) throws {
        let insertVersion = """
            INSERT INTO record_versions_v4 (version_row, record_key, version, previous_row, content, partner,
              message_id, row_number, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        try db.query(
            """
            SELECT v.rowid, v.record_id, v.version, p.rowid, v.content, v.partner, v.message_id, v.row_number,
                   v.received_at
            FROM record_versions v
            LEFT JOIN record_versions p ON p.record_id = v.record_id AND p.version = v.version - 1
            ORDER BY v.rowid
            """
        ) { row in
            try db.run(
                insertVersion,
                [
                    .int(row.int(0)), .blob(RecordKey.bytes(row.text(1))), .int(row.int(2)),
                    row.optionalInt(3).map { .int($0) } ?? .null, .text(row.text(4)), .text(row.text(5)),
                    .text(row.text(6)), .int(row.int(7)), .int(row.int(8)),
                ])
        }
        let insertRecord = """
            INSERT INTO records_v4 (record_key, kind, source_partner, natural_number, current_version, current_row,
              updated_at, withdrawn_reason, withdrawn_effective, withdrawn_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        try db.query(
            """
            SELECT r.record_id, r.kind, r.source_partner, r.natural_number, r.current_version, v.rowid, r.updated_at,
                   r.withdrawn_reason, r.withdrawn_effective, r.withdrawn_by
            FROM records r JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.current_version
            """
        ) { row in
            let optional: (Int32) -> SQLValue = { row.optionalText($0).map { .text($0) } ?? .null }
            try db.run(
                insertRecord,
                [
                    .blob(RecordKey.bytes(row.text(0))), .text(row.text(1)), .text(row.text(2)), .text(row.text(3)),
                    .int(row.int(4)), .int(row.int(5)), .int(row.int(6)), optional(7), optional(8), optional(9),
                ])
        }
        // A record whose current version row is missing would be dropped by the join above: refuse instead.
        let before = try db.first("SELECT count(*) FROM records") { $0.int(0) } ?? 0
        let after = try db.first("SELECT count(*) FROM records_v4") { $0.int(0) } ?? 0
        if before != after {
            throw StoreError(
                StoreError.corrupt,
                "\(db.path): \(before - after) of \(before) records have no row for their current version; "
                    + "migration 4 (record layout) was not applied and the file was not changed")
        }
    }
}
