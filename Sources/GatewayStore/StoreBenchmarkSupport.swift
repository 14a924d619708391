import Foundation

/// The baseline for the store benchmark (Benchmarks/store): raw batched SQLite inserts, measured on the same
/// machine in the same run as the store's own rates. Lives here because GatewayStore is the only SQLite importer.
public enum StoreBenchmarkSupport {
    /// Inserts `rows` rows of `payloadBytes` bytes (plus a key and an integer) into a fresh WAL database at `path`
    /// with `synchronous=FULL`, `batchSize` rows per transaction, one reused prepared statement; returns rows/s.
    /// With `randomKeys` the keys arrive in random order (as record ids, which are hashes, do).
    public static func rawBatchedInserts(
        path: String, rows: Int, batchSize: Int, payloadBytes: Int, randomKeys: Bool = false
    ) throws -> Double {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let db = try SQLiteConnection(path: path, create: true)
        _ = try db.first("PRAGMA journal_mode=WAL") { $0.text(0) }
        try db.exec("PRAGMA synchronous=FULL")
        try db.exec("CREATE TABLE raw (key TEXT PRIMARY KEY, n INTEGER NOT NULL, payload TEXT NOT NULL)")
        let payload = String(repeating: "x", count: payloadBytes)
        var generator = SystemRandomNumberGenerator()
        let keys = randomKeys ? (0..<rows).map { _ in "rec_" + String(generator.next() as UInt64, radix: 16) } : []
        let start = DispatchTime.now().uptimeNanoseconds
        var done = 0
        while done < rows {
            try db.exec("BEGIN")
            let end = min(rows, done + batchSize)
            while done < end {
                try db.run(
                    "INSERT INTO raw (key, n, payload) VALUES (?, ?, ?)",
                    [.text(randomKeys ? keys[done] : "rec_\(done)"), .int(Int64(done)), .text(payload)])
                done += 1
            }
            try db.exec("COMMIT")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(rows) / seconds
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
