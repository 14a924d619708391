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
        return try read { db in
            try db.all(
                """
                SELECT r.record_id FROM records r
                JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.current_version
                WHERE json_extract(v.content, ?) = ? ORDER BY r.record_id LIMIT ?
                """, [.text(path), .text(value), .int(Int64(limit))]
            ) { row in row.text(0) }
        }
    }
}
