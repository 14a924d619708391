import CSQLite
import Foundation
import Synchronization

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
/// The read: one row of `measure_lookup` (migration 8, `MeasureLookupTable`), found by the subject key's 33-byte
/// digest: the subject's active measures and the day each ends, written with the decisions in their transaction.
///
/// Read snapshots: in WAL mode every autocommit SELECT starts and ends a read transaction, which costs two `fcntl`
/// locks and an `fstat` (≈ 60 % of a lookup's SQLite time here). So a connection keeps its read transaction open
/// across lookups and takes a new snapshot when (a) this process has committed measure decisions since (then the
/// next lookup sees them: exact), or (b) the snapshot is older than `maxSnapshotAge` (bounds how late a decision
/// written by another process — `g60-gateway rules backfill` on a live store — is seen, 50 ms by default). A timer
/// ends idle connections' snapshots after that age, so a reader never holds back WAL checkpoints for longer.
///
/// No answers are cached beyond the snapshot: an earlier answer cache (dropped whole when full) stalled the event
/// loop for milliseconds at each drop while freeing its entries, and any commit to the store (queues, the log)
/// emptied it; the lookup's table makes the read itself cheap instead (Benchmarks/BENCHMARKS.md, lookup, third
/// pass).
public final class MeasureLookupReader: Sendable {
    public let path: String
    let maxConnections: Int
    /// The oldest a read snapshot may be, in nanoseconds.
    let maxSnapshotAge: UInt64
    private let pool = Mutex<[ConnectionBox]>([])
    private let writes: MeasureWriteCounter
    /// (DispatchSource is thread-safe; the reference itself never changes.)
    nonisolated(unsafe) private let timer: DispatchSourceTimer
    /// Monotonic nanoseconds (injected by tests).
    private let clock: @Sendable () -> UInt64
    /// Each connection's page cache ceiling (`PRAGMA cache_size` in KiB, given negated).
    let cacheKibibytes: Int

    final class ConnectionBox: @unchecked Sendable {
        let connection: SQLiteConnection
        /// The open read transaction: this process's decision write count it was taken after, and when it began
        /// (monotonic ns).
        var snapshot: (writes: UInt64, since: UInt64)?
        /// The lookup's statement on this connection, kept here (no lookup by SQL text per call).
        private var activeCodes: OpaquePointer?
        /// Measure codes read before, by their bytes: a code seen again is not made into a new `String` (the
        /// catalogue has a few dozen codes).
        private var codes: [(bytes: [UInt8], text: String)] = []
        init(_ connection: SQLiteConnection) { self.connection = connection }

        func activeCodesStatement() throws -> OpaquePointer {
            if let activeCodes { return activeCodes }
            let stmt = try connection.statement(MeasureLookupReader.activeCodesSQL)
            activeCodes = stmt
            return stmt
        }

        /// The code whose UTF-8 is `bytes`, made once.
        func code(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
            for known in codes where known.bytes.count == bytes.count {
                if known.bytes.elementsEqual(bytes) { return known.text }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if codes.count < 256 { codes.append((Array(bytes), text)) }
            return text
        }

        func endSnapshot() {
            guard snapshot != nil else { return }
            snapshot = nil
            try? connection.exec("COMMIT")
        }
    }

    /// - Parameter path: an existing store (opened by an `SQLiteStore`, which ran the migrations).
    /// - Parameter cacheMegabytes: the most SQLite page cache each connection may hold (filled only as pages are
    ///   read). SQLite here maps at most 2 GB of the file, and in a larger store the lookup's table may lie beyond:
    ///   its pages are then served from this cache, not read again from the file.
    public convenience init(
        path: String, maxConnections: Int = 8, maxSnapshotAgeMilliseconds: Int = 50, cacheMegabytes: Int = 256
    ) {
        self.init(
            path: path, maxConnections: maxConnections, maxSnapshotAgeMilliseconds: maxSnapshotAgeMilliseconds,
            cacheMegabytes: cacheMegabytes, clock: { DispatchTime.now().uptimeNanoseconds })
    }

    init(
        path: String, maxConnections: Int, maxSnapshotAgeMilliseconds: Int, cacheMegabytes: Int = 256,
        clock: @escaping @Sendable () -> UInt64
    ) {
        self.cacheKibibytes = max(1, cacheMegabytes) * 1024
        self.path = path
        self.maxConnections = maxConnections
        self.maxSnapshotAge = UInt64(max(0, maxSnapshotAgeMilliseconds)) * 1_000_000
        self.clock = clock
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
        let now = clock()
        let limit = age ?? maxSnapshotAge
        pool.withLock { boxes in
            for box in boxes {
                if let s = box.snapshot, now &- s.since >= limit { box.endSnapshot() }
            }
        }
    }

    /// Runs `body` in a read snapshot of a pooled connection.
    private func withSnapshot<T>(_ body: (ConnectionBox) throws -> T) throws -> T {
        let box: ConnectionBox
        if let free = pool.withLock({ $0.popLast() }) {
            box = free
        } else {
            let connection = try SQLiteConnection(path: path, create: false, readOnly: true)
            try connection.exec(
                "PRAGMA mmap_size=4294967296; PRAGMA cache_size=-\(cacheKibibytes); PRAGMA query_only=1")
            box = ConnectionBox(connection)
        }
        defer { pool.withLock { if $0.count < maxConnections { $0.append(box) } } }
        // The write count is read before the snapshot begins: a commit after this point bumps it after committing,
        // so the next lookup takes a newer snapshot.
        let seen = writes.value.load(ordering: .acquiring)
        let now = clock()
        if let s = box.snapshot, s.writes != seen || now &- s.since >= maxSnapshotAge { box.endSnapshot() }
        if box.snapshot == nil {
            try box.connection.exec("BEGIN")
            box.snapshot = (seen, now)
        }
        do {
            return try body(box)
        } catch {
            box.endSnapshot()
            throw error
        }
    }

    static let activeCodesSQL = "SELECT active FROM measure_lookup WHERE subject = ?1"

    /// A pooled connection's `PRAGMA cache_size` (tests).
    func cacheSizeForTesting() throws -> Int64? {
        try withSnapshot { box in try box.connection.first("PRAGMA cache_size") { $0.int(0) } }
    }

    /// The codes of a subject's measures whose code starts with `measurePrefix`, `active` and not ended by
    /// `today` (ISO), distinct and in code order: the eligibility lookup's hot path. One cached statement, the
    /// subject's 33-byte key bound from the stack, the row's text read in place.
    public func activeMeasureCodes(subjectKey: String, measurePrefix: String, today: String) throws -> [String] {
        var prefix = measurePrefix
        var day = today
        return try withSnapshot { box in
            let stmt = try box.activeCodesStatement()
            return try withUnsafeTemporaryAllocation(byteCount: MeasureLookupTable.keyBytes, alignment: 8) { key in
                MeasureLookupTable.digest(subjectKey, into: key)
                // SQLITE_STATIC (nil destructor): the key lives until this closure ends, and the statement is reset
                // and its binding cleared before that.
                defer {
                    sqlite3_reset(stmt)
                    sqlite3_clear_bindings(stmt)
                }
                let rc = sqlite3_bind_blob(stmt, 1, key.baseAddress, Int32(MeasureLookupTable.keyBytes), nil)
                guard rc == SQLITE_OK else {
                    throw StoreError(StoreError.sqlite, "binding the lookup's subject key failed: \(rc)")
                }
                let step = sqlite3_step(stmt)
                if step == SQLITE_DONE { return [] }
                guard step == SQLITE_ROW else {
                    throw StoreError(
                        StoreError.sqlite, "the eligibility lookup's read failed",
                        underlying: String(cString: sqlite3_errstr(step)))
                }
                // (The text first, then its length, as SQLite's documentation asks.)
                guard let text = sqlite3_column_text(stmt, 0) else { return [] }
                let count = Int(sqlite3_column_bytes(stmt, 0))
                guard count > 0 else { return [] }
                return prefix.withUTF8 { p in
                    day.withUTF8 { d in
                        Self.codes(
                            in: UnsafeBufferPointer(start: text, count: count), prefix: p, today: d, box: box)
                    }
                }
            }
        }
    }

    /// The codes of `active` (`measure TAB next_change LF` lines, sorted) that start with `prefix` and whose
    /// next change is empty or after `today`, without repeats.
    private static func codes(
        in active: UnsafeBufferPointer<UInt8>, prefix: UnsafeBufferPointer<UInt8>, today: UnsafeBufferPointer<UInt8>,
        box: ConnectionBox
    ) -> [String] {
        var out: [String] = []
        var lineStart = 0
        let end = active.count
        while lineStart < end {
            var tab = lineStart
            while tab < end && active[tab] != 0x09 { tab += 1 }
            var lineEnd = tab
            while lineEnd < end && active[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            let code = UnsafeBufferPointer(rebasing: active[lineStart..<tab])
            guard code.starts(with: prefix) else { continue }
            // Still active today: no next change, or one after today (ISO days compare as bytes).
            let next = UnsafeBufferPointer(rebasing: active[min(tab + 1, lineEnd)..<lineEnd])
            guard next.isEmpty || today.lexicographicallyPrecedes(next) else { continue }
            let text = box.code(code)
            if out.last != text { out.append(text) }
        }
        return out
    }
}
