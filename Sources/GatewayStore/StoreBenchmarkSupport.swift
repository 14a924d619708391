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
    public static func options(synchronous: String, pageSize: Int? = nil) -> SQLiteStoreOptions {
        var options = SQLiteStoreOptions()
        options.synchronous = synchronous == "NORMAL" ? "NORMAL" : "FULL"
        options.pageSize = pageSize
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

    /// Inserts `rows` rows of `payloadBytes` bytes (plus a key and an integer) into a fresh WAL database at `path`
    /// with `synchronous` (FULL or NORMAL) and the store's other pragmas, `batchSize` rows per transaction, one
    /// reused prepared statement bound directly (the leanest a Swift caller gets); returns rows per second of
    /// wall time and per CPU second (of the insert loop only).
    /// With `randomKeys` the keys arrive in random order (as record ids, which are hashes, do).
    public static func rawBatchedInsertRates(
        path: String, rows: Int, batchSize: Int, payloadBytes: Int, randomKeys: Bool = false,
        synchronous: String = "FULL", pageSize: Int? = nil
    ) throws -> (perSecond: Double, perCPUSecond: Double) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let db = try SQLiteConnection(path: path, create: true)
        if let pageSize { try db.exec("PRAGMA page_size=\(pageSize)") }
        _ = try db.first("PRAGMA journal_mode=WAL") { $0.text(0) }
        try db.exec("PRAGMA synchronous=\(synchronous == "NORMAL" ? "NORMAL" : "FULL"); \(storePragmas)")
        try db.exec("CREATE TABLE raw (key TEXT PRIMARY KEY, n INTEGER NOT NULL, payload TEXT NOT NULL)")
        let payload = String(repeating: "x", count: payloadBytes)
        var generator = SystemRandomNumberGenerator()
        let keys = (0..<rows).map { randomKeys ? "rec_" + String(generator.next() as UInt64, radix: 16) : "rec_\($0)" }
        let insert = try db.statement(slot: 0, "INSERT INTO raw (key, n, payload) VALUES (?, ?, ?)")
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = cpuSeconds()
        var done = 0
        while done < rows {
            try db.exec("BEGIN")
            let end = min(rows, done + batchSize)
            while done < end {
                try insert.bind(1, keys[done])
                try insert.bind(2, Int64(done))
                try insert.bind(3, payload)
                try insert.run()
                done += 1
            }
            try db.exec("COMMIT")
        }
        let cpu = cpuSeconds() - cpuStart
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (Double(rows) / seconds, Double(rows) / cpu)
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
