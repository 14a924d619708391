import CSQLite
import Foundation
import Synchronization

/// A zero-length text that lives for the process (SQLite binds NULL for a nil pointer).
nonisolated(unsafe) private let lookupEmptyText: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()

/// Counts this process's commits of measure decisions per store file (`SQLiteStore+Measures.swift` bumps it after
/// each commit), so a lookup reader holding a read snapshot knows when to take a new one.
final class MeasureWriteCounter: Sendable {
    let value = Atomic<UInt64>(0)
    private static let byPath = Mutex<[String: MeasureWriteCounter]>([:])

    static func forStore(path: String) -> MeasureWriteCounter {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        return byPath.withLock { table in
            if let counter = table[key] { return counter }
            let counter = MeasureWriteCounter()
            table[key] = counter
            return counter
        }
    }

    func bump() { value.add(1, ordering: .releasing) }
}

/// Read-only connections of their own for the eligibility lookup, so the hot path never waits for the store's
/// shared reader (held by scans such as the read API's) and maps the file instead of copying pages.
/// A small pool: each call takes a free connection or opens one (at most `maxConnections` are kept).
///
/// Read snapshots: in WAL mode every autocommit SELECT starts and ends a read transaction, which costs two `fcntl`
/// locks and an `fstat` (≈ 60 % of a lookup's SQLite time here). So a connection keeps its read transaction open
/// across lookups and takes a new snapshot when (a) this process has committed measure decisions since (then the
/// next lookup sees them: exact), or (b) the snapshot is older than `maxSnapshotAge` (bounds how late a decision
/// written by another process — `g60-gateway rules backfill` on a live store — is seen, 50 ms by default). A timer
/// ends idle connections' snapshots after that age, so a reader never holds back WAL checkpoints for longer.
public final class MeasureLookupReader: Sendable {
    public let path: String
    let maxConnections: Int
    /// The oldest a read snapshot may be, in nanoseconds.
    let maxSnapshotAge: UInt64
    private let pool = Mutex<[ConnectionBox]>([])
    private let writes: MeasureWriteCounter
    /// (DispatchSource is thread-safe; the reference itself never changes.)
    nonisolated(unsafe) private let timer: DispatchSourceTimer

    final class ConnectionBox: @unchecked Sendable {
        let connection: SQLiteConnection
        /// The open read transaction: the write count it saw, and when it began (monotonic ns).
        var snapshot: (writes: UInt64, since: UInt64)?
        init(_ connection: SQLiteConnection) { self.connection = connection }

        func endSnapshot() {
            guard snapshot != nil else { return }
            snapshot = nil
            try? connection.exec("COMMIT")
        }
    }

    /// - Parameter path: an existing store (opened by an `SQLiteStore`, which ran the migrations).
    public init(path: String, maxConnections: Int = 8, maxSnapshotAgeMilliseconds: Int = 50) {
        self.path = path
        self.maxConnections = maxConnections
        self.maxSnapshotAge = UInt64(max(0, maxSnapshotAgeMilliseconds)) * 1_000_000
        writes = MeasureWriteCounter.forStore(path: path)
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        let interval = DispatchTimeInterval.milliseconds(max(1, maxSnapshotAgeMilliseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: interval)
        timer.setEventHandler { [weak self] in self?.endIdleSnapshots() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// Ends the snapshots of pooled (idle) connections older than `age` nanoseconds (default `maxSnapshotAge`).
    func endIdleSnapshots(olderThan age: UInt64? = nil) {
        let now = DispatchTime.now().uptimeNanoseconds
        let limit = age ?? maxSnapshotAge
        pool.withLock { boxes in
            for box in boxes {
                if let s = box.snapshot, now &- s.since >= limit { box.endSnapshot() }
            }
        }
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
        // The write count is read before the snapshot begins: a commit after this point bumps it after committing,
        // so the next lookup takes a newer snapshot.
        let seen = writes.value.load(ordering: .acquiring)
        let now = DispatchTime.now().uptimeNanoseconds
        if let s = box.snapshot, s.writes != seen || now &- s.since >= maxSnapshotAge { box.endSnapshot() }
        if box.snapshot == nil {
            try box.connection.exec("BEGIN")
            box.snapshot = (seen, now)
        }
        do {
            return try body(box.connection)
        } catch {
            box.endSnapshot()
            throw error
        }
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
