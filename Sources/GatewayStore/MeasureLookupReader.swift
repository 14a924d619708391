import CSQLite
import Foundation
import Synchronization

/// A zero-length text that lives for the process (SQLite binds NULL for a nil pointer).
nonisolated(unsafe) private let lookupEmptyText: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()

/// Read-only connections of their own for the eligibility lookup, so the hot path never waits for the store's
/// shared reader (held by scans such as the read API's) and maps the file instead of copying pages.
/// A small pool: each call takes a free connection or opens one (at most `maxConnections` are kept).
public final class MeasureLookupReader: Sendable {
    public let path: String
    let maxConnections: Int
    private let pool = Mutex<[ConnectionBox]>([])

    final class ConnectionBox: @unchecked Sendable {
        let connection: SQLiteConnection
        init(_ connection: SQLiteConnection) { self.connection = connection }
    }

    /// - Parameter path: an existing store (opened by an `SQLiteStore`, which ran the migrations).
    public init(path: String, maxConnections: Int = 8) {
        self.path = path
        self.maxConnections = maxConnections
    }

    private func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let box: ConnectionBox
        if let free = pool.withLock({ $0.popLast() }) {
            box = free
        } else {
            let connection = try SQLiteConnection(path: path, create: false, readOnly: true)
            try connection.exec("PRAGMA mmap_size=4294967296; PRAGMA cache_size=-32768; PRAGMA query_only=1")
            box = ConnectionBox(connection)
        }
        defer { pool.withLock { if $0.count < maxConnections { $0.append(box) } } }
        return try body(box.connection)
    }

    static let activeCodesSQL = """
        SELECT measure FROM measure_decisions INDEXED BY measure_decisions_lookup
        WHERE subject_key = ?1 AND measure >= ?2 AND measure < ?3 AND status = 'active'
        AND (next_change IS NULL OR next_change > ?4)
        """

    /// The codes of a subject's measures whose code starts with `measurePrefix`, `active` and not ended by
    /// `today` (ISO): the eligibility lookup's hot path. One cached statement, arguments bound in place (no copies,
    /// no `String` round trips), read from the covering index `measure_decisions_lookup`.
    public func activeMeasureCodes(subjectKey: String, measurePrefix: String, today: String) throws -> [String] {
        var key = subjectKey
        var low = measurePrefix
        var high = measurePrefix + "\u{10FFFF}"
        var day = today
        return try withConnection { db in
            let stmt = try db.statement(Self.activeCodesSQL)
            defer {
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)
            }
            return try key.withUTF8 { k in
                try low.withUTF8 { l in
                    try high.withUTF8 { h in
                        try day.withUTF8 { d in
                            // SQLITE_STATIC (nil destructor): the buffers outlive every step below.
                            for (index, text) in [(Int32(1), k), (2, l), (3, h), (4, d)] {
                                let rc: Int32
                                if let base = text.baseAddress, text.count > 0 {
                                    rc = base.withMemoryRebound(to: CChar.self, capacity: text.count) {
                                        sqlite3_bind_text(stmt, index, $0, Int32(text.count), nil)
                                    }
                                } else {
                                    rc = sqlite3_bind_text(stmt, index, lookupEmptyText, 0, nil)
                                }
                                guard rc == SQLITE_OK else {
                                    throw StoreError(StoreError.sqlite, "binding the lookup's argument \(index) failed: \(rc)")
                                }
                            }
                            var codes: [String] = []
                            while true {
                                let rc = sqlite3_step(stmt)
                                if rc == SQLITE_DONE { return codes }
                                guard rc == SQLITE_ROW else {
                                    throw StoreError(
                                        StoreError.sqlite, "the eligibility lookup's read failed",
                                        underlying: String(cString: sqlite3_errstr(rc)))
                                }
                                let count = Int(sqlite3_column_bytes(stmt, 0))
                                guard let text = sqlite3_column_text(stmt, 0) else { continue }
                                codes.append(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
                            }
                        }
                    }
                }
            }
        }
    }

    /// As `SQLiteStore.measureStatuses`: measure, status and next change of a subject's decisions whose measure
    /// code starts with `prefix`, from the covering index.
    public func measureStatuses(subjectKey: String, measurePrefix: String) throws
        -> [(measure: String, status: String, nextChange: String?)]
    {
        try withConnection { db in
            try db.all(
                """
                SELECT measure, status, next_change FROM measure_decisions INDEXED BY measure_decisions_lookup
                WHERE subject_key = ? AND measure >= ? AND measure < ?
                """, [.text(subjectKey), .text(measurePrefix), .text(measurePrefix + "\u{10FFFF}")]
            ) { row in (row.text(0), row.text(1), row.optionalText(2)) }
        }
    }
}
