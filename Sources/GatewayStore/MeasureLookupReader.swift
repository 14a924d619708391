import Foundation
import Synchronization

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
