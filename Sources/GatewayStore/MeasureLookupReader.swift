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
///
/// Answer cache: `activeMeasureCodes` answers are kept by subject key (the HMAC'd key the caller passes, never a
/// clear number), at most `maxCachedAnswers` of them (all are dropped when the bound is reached). An answer is
/// tagged with the snapshot it was read from — (this process's decision write count, the count of other
/// connections' commits seen) — and served only while both are unchanged: a decision committed by this process
/// is seen by the next lookup (exact); a commit by any other connection or process is noticed by
/// `PRAGMA data_version` on a connection of its own, read at most every `maxSnapshotAge` by the lookups
/// themselves, so it is seen within the same bound as the snapshots'.
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
    /// The most answers kept (0: no cache).
    public let maxCachedAnswers: Int
    private let answers = Mutex<AnswerTable>(AnswerTable())
    /// Commits by other connections noticed so far (see `checkOtherCommits`).
    private let otherCommits = Atomic<UInt64>(0)
    /// When `checkOtherCommits` last ran (monotonic ns; 0: never).
    private let lastCommitCheck = Atomic<UInt64>(0)
    private let commitCheck = Mutex<CommitCheck>(CommitCheck())

    /// What a read snapshot (and every answer read from it) was taken after.
    struct Tag: Equatable {
        var writes: UInt64
        var otherCommits: UInt64
    }

    struct CachedAnswer {
        var tag: Tag
        var measurePrefix: String
        var today: String
        var codes: [String]
    }

    /// Answers by subject key; stale ones (another tag) are overwritten when read again, and the whole table is
    /// dropped when it reaches its bound (amortised O(1) per insert, no per-entry bookkeeping on the hot path).
    struct AnswerTable {
        var entries: [String: CachedAnswer] = [:]
    }

    /// The connection that reads `PRAGMA data_version` and the last value it gave.
    struct CommitCheck: @unchecked Sendable {
        var connection: SQLiteConnection?
        var dataVersion: Int64?
    }

    final class ConnectionBox: @unchecked Sendable {
        let connection: SQLiteConnection
        /// The open read transaction: the counts it was taken after, and when it began (monotonic ns).
        var snapshot: (tag: Tag, since: UInt64)?
        /// The lookup's statement on this connection, kept here (no lookup by SQL text per call).
        private var activeCodes: OpaquePointer?
        init(_ connection: SQLiteConnection) { self.connection = connection }

        func activeCodesStatement() throws -> OpaquePointer {
            if let activeCodes { return activeCodes }
            let stmt = try connection.statement(MeasureLookupReader.activeCodesSQL)
            activeCodes = stmt
            return stmt
        }

        func endSnapshot() {
            guard snapshot != nil else { return }
            snapshot = nil
            try? connection.exec("COMMIT")
        }
    }

    /// - Parameter path: an existing store (opened by an `SQLiteStore`, which ran the migrations).
    /// - Parameter maxCachedAnswers: the answer cache's bound in entries (0: no cache).
    public convenience init(
        path: String, maxConnections: Int = 8, maxSnapshotAgeMilliseconds: Int = 50, maxCachedAnswers: Int = 32_768
    ) {
        self.init(
            path: path, maxConnections: maxConnections, maxSnapshotAgeMilliseconds: maxSnapshotAgeMilliseconds,
            maxCachedAnswers: maxCachedAnswers, clock: { DispatchTime.now().uptimeNanoseconds })
    }

    init(
        path: String, maxConnections: Int, maxSnapshotAgeMilliseconds: Int, maxCachedAnswers: Int,
        clock: @escaping @Sendable () -> UInt64
    ) {
        self.path = path
        self.maxConnections = maxConnections
        self.maxSnapshotAge = UInt64(max(0, maxSnapshotAgeMilliseconds)) * 1_000_000
        self.maxCachedAnswers = max(0, maxCachedAnswers)
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
    /// Also looks for other connections' commits when the last look is older than `age` (so an aged cached answer
    /// goes with its aged snapshot).
    func endIdleSnapshots(olderThan age: UInt64? = nil) {
        let now = clock()
        let limit = age ?? maxSnapshotAge
        pool.withLock { boxes in
            for box in boxes {
                if let s = box.snapshot, now &- s.since >= limit { box.endSnapshot() }
            }
        }
        if maxCachedAnswers > 0 { checkOtherCommits(now: now, ifOlderThan: limit) }
    }

    /// Whether the last look for other connections' commits is `age` old or more (or there was none).
    private func commitCheckDue(now: UInt64, age: UInt64) -> Bool {
        let last = lastCommitCheck.load(ordering: .acquiring)
        return last == 0 || (now > last ? now - last : 0) >= age
    }

    /// Reads `PRAGMA data_version` on a connection of its own (outside any transaction): it changes when any other
    /// connection, in this process or another, has committed since the last reading. A change counts in
    /// `otherCommits`, which retires every cached answer and every snapshot taken before it. A failure counts as a
    /// change (the cache must never outlive what it cannot check).
    private func checkOtherCommits(now: UInt64, ifOlderThan age: UInt64) {
        guard commitCheckDue(now: now, age: age) else { return }
        commitCheck.withLock { check in
            // Another thread may have looked while this one waited for the lock.
            guard commitCheckDue(now: now, age: age) else { return }
            var version: Int64? = nil
            do {
                if check.connection == nil {
                    let connection = try SQLiteConnection(path: path, create: false, readOnly: true)
                    try connection.exec("PRAGMA query_only=1")
                    check.connection = connection
                }
                version = try check.connection?.first("PRAGMA data_version") { $0.int(0) }
            } catch {
                check.connection = nil
            }
            if version == nil || check.dataVersion == nil || version != check.dataVersion {
                // (The first reading has nothing to compare with: it counts, since answers may predate it.)
                otherCommits.add(1, ordering: .releasing)
            }
            check.dataVersion = version
            lastCommitCheck.store(now == 0 ? 1 : now, ordering: .releasing)
        }
    }

    /// The counts a snapshot taken now would be taken after (read before the snapshot begins).
    private func currentTag() -> Tag {
        Tag(
            writes: writes.value.load(ordering: .acquiring), otherCommits: otherCommits.load(ordering: .acquiring))
    }

    /// Runs `body` in a read snapshot of a pooled connection; also gives the snapshot's tag.
    private func withSnapshot<T>(_ body: (ConnectionBox, Tag) throws -> T) throws -> T {
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
        let seen = currentTag()
        let now = clock()
        if let s = box.snapshot, s.tag != seen || now &- s.since >= maxSnapshotAge { box.endSnapshot() }
        if box.snapshot == nil {
            try box.connection.exec("BEGIN")
            box.snapshot = (seen, now)
        }
        do {
            return try body(box, box.snapshot?.tag ?? seen)
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
    /// Served from the answer cache while nothing was committed since (see the type's comment).
    public func activeMeasureCodes(subjectKey: String, measurePrefix: String, today: String) throws -> [String] {
        guard maxCachedAnswers > 0 else {
            return try readActiveMeasureCodes(subjectKey: subjectKey, measurePrefix: measurePrefix, today: today).codes
        }
        let now = clock()
        // Other connections' commits are looked for at most once per snapshot age, by whichever lookup comes first.
        checkOtherCommits(now: now, ifOlderThan: maxSnapshotAge)
        let tag = currentTag()
        let hit = answers.withLock { table -> [String]? in
            guard let entry = table.entries[subjectKey], entry.tag == tag, entry.today == today,
                entry.measurePrefix == measurePrefix
            else { return nil }
            return entry.codes
        }
        if let hit { return hit }
        let (codes, snapshotTag) = try readActiveMeasureCodes(
            subjectKey: subjectKey, measurePrefix: measurePrefix, today: today)
        answers.withLock { table in
            // An answer from a snapshot older than the counts now is not kept (it may already be stale).
            guard snapshotTag == currentTag() else { return }
            if table.entries.count >= maxCachedAnswers && table.entries[subjectKey] == nil {
                table.entries.removeAll(keepingCapacity: true)
            }
            table.entries[subjectKey] = CachedAnswer(
                tag: snapshotTag, measurePrefix: measurePrefix, today: today, codes: codes)
        }
        return codes
    }

    /// The number of answers in the cache (for tests of its bound).
    var cachedAnswerCount: Int { answers.withLock { $0.entries.count } }

    /// The SQLite read behind `activeMeasureCodes`, and the tag of the snapshot it read.
    private func readActiveMeasureCodes(subjectKey: String, measurePrefix: String, today: String) throws
        -> (codes: [String], tag: Tag)
    {
        var key = subjectKey
        var low = measurePrefix
        var high = measurePrefix + "\u{10FFFF}"
        var day = today
        return try withSnapshot { box, tag in
            let stmt = try box.activeCodesStatement()
            defer {
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)
            }
            return try key.withUTF8 { k in
                try low.withUTF8 { l in
                    try high.withUTF8 { h in
                        try day.withUTF8 { d in
                            // SQLITE_STATIC (nil destructor): the buffers outlive every step below.
                            func bind(_ index: Int32, _ text: UnsafeBufferPointer<UInt8>) throws {
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
                            try bind(1, k)
                            try bind(2, l)
                            try bind(3, h)
                            try bind(4, d)
                            var codes: [String] = []
                            while true {
                                let rc = sqlite3_step(stmt)
                                if rc == SQLITE_DONE { return (codes, tag) }
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
}
