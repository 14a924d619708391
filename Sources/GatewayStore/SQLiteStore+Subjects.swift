import Foundation
import GatewayCore

extension SQLiteStore {
    /// The ids of current records about one subject, found by its match key (`uscc:<code>` or `id:<keyed hash>`,
    /// see `Subject.matchKey`), at most `limit`.
    ///
    /// A scan with SQLite's JSON functions over the current versions: adequate for the service's read API at the
    /// exchange's volumes; a subject-key index is the next step for the 1M-subject lookup target.
    public func recordIDs(subjectKey: String, limit: Int = 1000) throws -> [String] {
        let (path, value): (String, String)
        if subjectKey.hasPrefix("uscc:") {
            (path, value) = ("$.subject.uscc", String(subjectKey.dropFirst(5)))
        } else if subjectKey.hasPrefix("id:") {
            (path, value) = ("$.subject.identity.hash", String(subjectKey.dropFirst(3)))
        } else {
            throw StoreError("store.invalidArgument", "subject key '\(subjectKey)' is neither uscc:… nor id:…")
        }
        // Keys order like the ids they stand for (16 raw bytes of the hex digits); sorted again as text so that ids
        // of the other stored form (RecordKey) come in text order too.
        return try read { db in
            try db.all(
                """
                SELECT r.record_key FROM records r JOIN record_versions v ON v.version_row = r.current_row
                WHERE json_extract(v.content, ?) = ? ORDER BY r.record_key LIMIT ?
                """, [.text(path), .text(value), .int(Int64(limit))]
            ) { row in RecordKey.id(row.blob(0)) }
        }.sorted()
    }
}
