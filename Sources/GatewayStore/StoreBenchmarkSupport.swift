import Foundation

/// The baseline for the store benchmark (Benchmarks/store): raw batched SQLite inserts, measured on the same
/// machine in the same run as the store's own rates. Lives here because GatewayStore is the only SQLite importer.
public enum StoreBenchmarkSupport {
    /// The pragmas the store's writer runs with (SQLiteStore.init) apart from `synchronous`: the raw baselines use
    /// them too, so that neither side gets a larger page cache or rarer checkpoints than the other.
    static let storePragmas = "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=8192"

    /// Store options for the benchmark: `synchronous` is "FULL" (what the service runs) or "NORMAL" (no fsync per
    /// commit in WAL mode: measures the write path apart from the disk's sync rate).
    /// `pageSize` (nil: SQLite's default, 4,096) is `PRAGMA page_size` of the new file.
    /// `pragmas` (e.g. `PRAGMA mmap_size=1073741824`) run after the store's own, on both of its connections; pass
    /// the same to the raw baselines.
    public static func options(synchronous: String, pageSize: Int? = nil, pragmas: String = "") -> SQLiteStoreOptions {
        var options = SQLiteStoreOptions()
        options.synchronous = synchronous == "NORMAL" ? "NORMAL" : "FULL"
        options.pageSize = pageSize
        options.extraPragmas = pragmas
        return options
    }

    /// CPU time (user + system, every thread) this process has used so far, in seconds.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// One measured stretch of inserts: rows, wall and CPU seconds, pages written to the WAL.
    public struct Stretch: Sendable {
        public var rows = 0
        public var wall = 0.0
        public var cpu = 0.0
        public var pages = 0
        public init() {}
        public var perSecond: Double { Double(rows) / wall }
        public var perCPUSecond: Double { Double(rows) / cpu }
        /// Dirty pages written to the WAL per 1,000 rows (each a frame of page size + 24 bytes).
        public var pagesPer1000: Double { 1000 * Double(pages) / Double(max(1, rows)) }
        public static func += (a: inout Stretch, b: Stretch) {
            a.rows += b.rows
            a.wall += b.wall
            a.cpu += b.cpu
            a.pages += b.pages
        }
    }

    /// Inserts `rows` rows of `payloadBytes` bytes (plus a key and an integer) into a fresh WAL database at `path`
    /// with `synchronous` (FULL or NORMAL) and the store's other pragmas, `batchSize` rows per transaction, one
    /// reused prepared statement bound directly (the leanest a Swift caller gets); returns rows per second of
    /// wall time and per CPU second (of the insert loop only).
    /// With `randomKeys` the keys arrive in random order (as record ids, which are hashes, do).
    public static func rawBatchedInsertRates(
        path: String, rows: Int, batchSize: Int, payloadBytes: Int, randomKeys: Bool = false,
        synchronous: String = "FULL", pageSize: Int? = nil
    ) throws -> (perSecond: Double, perCPUSecond: Double) {
        let total = try rawBatchedInsertStretches(
            path: path, rows: rows, batchSize: batchSize, payloadBytes: payloadBytes, randomKeys: randomKeys,
            synchronous: synchronous, pageSize: pageSize, segments: 1
        ).total
        return (total.perSecond, total.perCPUSecond)
    }

    /// As `rawBatchedInsertRates`, cut into `segments` equal stretches (to show how the rate changes as the table
    /// grows), each with the pages it wrote to the WAL. Keys are made before the clock starts.
    public static func rawBatchedInsertStretches(
        path: String, rows: Int, batchSize: Int, payloadBytes: Int, randomKeys: Bool = false,
        synchronous: String = "FULL", pageSize: Int? = nil, segments: Int = 1, pragmas: String = ""
    ) throws -> (total: Stretch, segments: [Stretch]) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let db = try SQLiteConnection(path: path, create: true)
        if let pageSize { try db.exec("PRAGMA page_size=\(pageSize)") }
        _ = try db.first("PRAGMA journal_mode=WAL") { $0.text(0) }
        try db.exec("PRAGMA synchronous=\(synchronous == "NORMAL" ? "NORMAL" : "FULL"); \(storePragmas)")
        if !pragmas.isEmpty { try db.exec(pragmas) }
        try db.exec("CREATE TABLE raw (key TEXT PRIMARY KEY, n INTEGER NOT NULL, payload TEXT NOT NULL)")
        let payload = String(repeating: "x", count: payloadBytes)
        var generator = SystemRandomNumberGenerator()
        let keys = (0..<rows).map { randomKeys ? "rec_" + String(generator.next() as UInt64, radix: 16) : "rec_\($0)" }
        let insert = try db.statement(slot: 0, "INSERT INTO raw (key, n, payload) VALUES (?, ?, ?)")
        let per = max(batchSize, (rows + max(1, segments) - 1) / max(1, segments))
        var stretches: [Stretch] = []
        var total = Stretch()
        var done = 0
        while done < rows {
            let pages = db.pagesWritten
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = cpuSeconds()
            let stop = min(rows, done + per)
            let first = done
            while done < stop {
                try db.exec("BEGIN")
                let end = min(stop, done + batchSize)
                while done < end {
                    try insert.bind(1, keys[done])
                    try insert.bind(2, Int64(done))
                    try insert.bind(3, payload)
                    try insert.run()
                    done += 1
                }
                try db.exec("COMMIT")
            }
            var s = Stretch()
            s.cpu = cpuSeconds() - cpuStart
            s.wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            s.rows = done - first
            s.pages = db.pagesWritten - pages
            stretches.append(s)
            total += s
        }
        return (total, stretches)
    }

    /// Pages the store's writer connection has written to the WAL since it opened (`SQLITE_DBSTATUS_CACHE_WRITE`).
    /// Call it between timed sections: it waits for any batch in progress.
    public static func pagesWritten(_ store: SQLiteStore) throws -> Int {
        try store.committer.withIdleWriter { $0.pagesWritten }
    }

    /// Copies the WAL back into the database and truncates it (`PRAGMA wal_checkpoint(TRUNCATE)`), so that the
    /// next timed section starts with an empty WAL, as a fresh raw baseline does.
    public static func checkpoint(_ store: SQLiteStore) throws {
        _ = try store.committer.withIdleWriter { try $0.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) } }
    }

    /// As `rawBatchedInsertRates` with `synchronous=FULL`; returns rows/s (wall time).
    public static func rawBatchedInserts(
        path: String, rows: Int, batchSize: Int, payloadBytes: Int, randomKeys: Bool = false
    ) throws -> Double {
        try rawBatchedInsertRates(
            path: path, rows: rows, batchSize: batchSize, payloadBytes: payloadBytes, randomKeys: randomKeys
        ).perSecond
    }

    /// Commits of one small row each (the disk's durable commit rate with `synchronous=FULL`); returns commits/s.
    public static func rawSingleRowCommits(path: String, rows: Int) throws -> Double {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let db = try SQLiteConnection(path: path, create: true)
        _ = try db.first("PRAGMA journal_mode=WAL") { $0.text(0) }
        try db.exec("PRAGMA synchronous=FULL")
        try db.exec("CREATE TABLE raw (key TEXT PRIMARY KEY, payload TEXT NOT NULL)")
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<rows {
            try db.run("INSERT INTO raw (key, payload) VALUES (?, ?)", [.text("k\(i)"), .text("small row")])
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(rows) / seconds
    }
}
