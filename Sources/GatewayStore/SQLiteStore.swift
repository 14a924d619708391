import Foundation
import GatewayCore

/// Settings of an `SQLiteStore`; every source of time and randomness is injectable for tests.
public struct SQLiteStoreOptions: Sendable {
    /// The hash for the log chain and digests (default: GatewayCore's SHA-256; inject OpenSSL's for speed).
    public var hash: StoreHashFunction
    /// The clock.
    public var clock: @Sendable () -> Date
    /// Uniform draws in [0, 1) for retry jitter.
    public var random: @Sendable () -> Double
    public var retryPolicy: RetryPolicy
    /// How long log entries are kept before `pruneExpiredLog` may remove them (default 180 days).
    public var logRetention: TimeInterval
    /// Create the file when it does not exist (the CLI inspects existing stores only).
    public var createIfMissing: Bool
    /// Check the file's integrity at open (on by default): SQLite's whole `PRAGMA quick_check` for files up to
    /// `fullCheckLimitBytes`, the tables every start depends on for larger ones (see `IntegrityCheckAtOpen`).
    public var quickCheckOnOpen: Bool
    /// The largest file that gets the whole `quick_check` at open (default 1 GiB; nil: every file; 0: none, every
    /// file gets the partial check). The whole check reads every page, so it grows with years of records (about a
    /// minute per few GB): above this size the open runs `quick_check` on the log head and checkpoint tables only
    /// (the header, application id and schema version are read at every open), and `checkIntegrity()`
    /// (`g60-gateway store check`) runs the whole check when the operator chooses.
    public var fullCheckLimitBytes: Int64? = 1 << 30
    /// The most writes one group commit takes.
    public var maxBatch: Int
    /// How long to wait for another process's lock before failing with `store.locked`.
    public var busyTimeoutMilliseconds: Int32
    /// Encrypts identity numbers at rest (AES-256-GCM from GatewayCrypto, keyed by the configuration).
    /// Without one the store fails closed: a record carrying a clear identity number is refused with
    /// `store.identityKeyMissing` rather than written in clear, and a schema-1 file that still holds clear numbers
    /// is not opened (they cannot be encrypted in place without a key).
    public var identityCipher: (any IdentityNumberCipher)?
    /// `PRAGMA synchronous` of the writer. Not public: only `StoreBenchmarkSupport.options(synchronous:)` sets it,
    /// to measure the write path apart from the disk's fsync rate; the service always runs with FULL.
    var synchronous = "FULL"
    /// Refuse to open a file that holds encrypted evidence when `identityCipher` is nil (`store.identityKeyMissing`).
    /// A node sets it, so a missing key stops it at start-up; operator verbs that only count or verify leave it off.
    /// With a key, opening always checks that the key opens the newest encrypted evidence (`store.identityKeyWrong`)
    /// and seals clear evidence in place (see `EvidenceSealing`).
    public var requireEvidenceKey: Bool = false
    /// With a key, seal clear evidence rows in place at open (on by default; `log verify` turns it off so that
    /// verifying never writes).
    public var sealClearEvidenceAtOpen: Bool = true
    /// `PRAGMA page_size` for a new file (nil: SQLite's default, 4,096); an existing file keeps its page size. Not
    /// public: only `StoreBenchmarkSupport.options` sets it, to measure the effect before the default changes.
    var pageSize: Int?
    /// Further `PRAGMA` statements run on both connections after the defaults (e.g. `PRAGMA mmap_size=…`). Not
    /// public: only `StoreBenchmarkSupport.options` sets it, to measure a pragma on both sides of the benchmark.
    var extraPragmas = ""

    public init(
        hash: @escaping StoreHashFunction = { SHA256.hash($0) },
        clock: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        retryPolicy: RetryPolicy = RetryPolicy(), logRetention: TimeInterval = 180 * 86_400,
        createIfMissing: Bool = true, quickCheckOnOpen: Bool = true, maxBatch: Int = 1_000,
        busyTimeoutMilliseconds: Int32 = 5_000, identityCipher: (any IdentityNumberCipher)? = nil
    ) {
        self.hash = hash
        self.clock = clock
        self.random = random
        self.retryPolicy = retryPolicy
        self.logRetention = logRetention
        self.createIfMissing = createIfMissing
        self.quickCheckOnOpen = quickCheckOnOpen
        self.maxBatch = maxBatch
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.identityCipher = identityCipher
    }
}

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, implementing the message log, the
/// record store and the queues. Writes go through one writer connection with group commit; reads use a second
/// connection (WAL readers do not block the writer). Safe to share between threads.
///
/// A PostgreSQL backend for several nodes would implement the same three protocols; nothing here leaks SQLite.
public final class SQLiteStore: @unchecked Sendable {
    public let path: String
    let options: SQLiteStoreOptions
    let chain: HashChain
    let committer: GroupCommitter
    private let readLock = NSLock()
    private let reader: SQLiteConnection
    /// What opening sealed in place (clear evidence of an older schema or a keyless store).
    public let evidenceSealedAtOpen: EvidenceSealingReport

    /// Opens (or creates) the store at `path`, checks that it is a sound G60 store and runs pending migrations.
    ///
    /// - Throws: `StoreError` `store.cannotOpen`, `store.foreign` (another application's SQLite file),
    ///   `store.corrupt` (not a database or failing `quick_check`), `store.schemaTooNew`, `store.locked`.
    public init(path: String, options: SQLiteStoreOptions = SQLiteStoreOptions()) throws {
        self.path = path
        self.options = options
        self.chain = HashChain(hash: options.hash)
        if !options.createIfMissing && !FileManager.default.fileExists(atPath: path) {
            throw StoreError(StoreError.cannotOpen, "there is no store database at \(path)")
        }
        let writer = try SQLiteConnection(
            path: path, create: options.createIfMissing, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        integrityCheckAtOpen = try Self.checkFile(
            writer, path: path, quickCheck: options.quickCheckOnOpen, fullCheckLimit: options.fullCheckLimitBytes)
        if let pageSize = options.pageSize {
            // Takes effect only while the file is empty (before the first table, before WAL mode).
            try writer.exec("PRAGMA page_size=\(pageSize)")
        }
        let mode = try writer.first("PRAGMA journal_mode=WAL") { $0.text(0) }
        guard mode?.lowercased() == "wal" else {
            throw StoreError(StoreError.cannotOpen, "\(path): cannot switch to WAL (journal mode is \(mode ?? "?"))")
        }
        // A 64 MB page cache: record ids are hashes, so inserts touch index pages all over the file.
        // Checkpoints every 8,192 WAL pages (32 MB) rather than 1,000: index pages rewritten by many commits are
        // copied back to the database file once per checkpoint, not once per commit.
        try writer.exec(
            "PRAGMA synchronous=\(options.synchronous); PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; "
                + "PRAGMA wal_autocheckpoint=8192")
        if !options.extraPragmas.isEmpty { try writer.exec(options.extraPragmas) }
        try Self.migrate(writer, path: path, cipher: options.identityCipher)
        evidenceSealedAtOpen = try Self.prepareEvidence(
            writer, path: path, cipher: options.identityCipher, requireKey: options.requireEvidenceKey,
            sealClear: options.sealClearEvidenceAtOpen)
        let context = WriteContext(db: writer, headPosition: 0, headHash: HashChain.genesis)
        try context.reloadHead()
        committer = GroupCommitter(context: context, maxBatch: options.maxBatch)
        reader = try SQLiteConnection(
            path: path, create: false, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        if !options.extraPragmas.isEmpty { try reader.exec(options.extraPragmas) }
    }

    /// What the integrity check at open covered (see `SQLiteStoreOptions.fullCheckLimitBytes`).
    public let integrityCheckAtOpen: IntegrityCheckAtOpen

    /// The schema version this build writes.
    public static var schemaVersion: Int { Schema.migrations.count }

    /// Runs `body` on the reader connection.
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        readLock.lock()
        defer { readLock.unlock() }
        return try body(reader)
    }

    var now: Date { options.clock() }

    // MARK: - Opening checks and migrations

    private static func checkFile(
        _ db: SQLiteConnection, path: String, quickCheck: Bool, fullCheckLimit: Int64?
    ) throws -> IntegrityCheckAtOpen {
        let applicationID: Int64
        let userVersion: Int64
        let objects: Int64
        do {
            applicationID = try db.first("PRAGMA application_id") { $0.int(0) } ?? 0
            userVersion = try db.first("PRAGMA user_version") { $0.int(0) } ?? 0
            objects = try db.first("SELECT count(*) FROM sqlite_master") { $0.int(0) } ?? 0
        } catch let error as StoreError where error.code == StoreError.corrupt {
            throw StoreError(
                StoreError.corrupt, "\(path) is not a G60 store: not an SQLite database, or damaged",
                underlying: error.underlying)
        }
        if applicationID != Int64(Schema.applicationID) && (applicationID != 0 || objects > 0) {
            throw StoreError(
                StoreError.foreign,
                "\(path) is an SQLite database of another application (application_id \(applicationID), "
                    + "\(objects) schema objects); refusing to touch it")
        }
        if userVersion > Int64(Schema.migrations.count) {
            throw StoreError(
                StoreError.schemaTooNew,
                "\(path) has schema version \(userVersion) but this build knows up to \(Schema.migrations.count); "
                    + "run a newer g60-gateway")
        }
        guard quickCheck && objects > 0 else { return .skipped }
        let bytes = try fileBytes(db)
        let scope: IntegrityCheckAtOpen
        var problems: [String] = []
        do {
            if let fullCheckLimit, bytes > fullCheckLimit {
                scope = .partial(fileBytes: bytes)
                let present = Set(
                    try db.all(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (\(startTables.map { "'\($0)'" }.joined(separator: ", ")))"
                    ) { $0.text(0) })
                for table in startTables where present.contains(table) {
                    problems += try integrityProblems(db, pragma: "quick_check", argument: table)
                }
            } else {
                scope = .full(fileBytes: bytes)
                problems = try integrityProblems(db, pragma: "quick_check")
            }
        } catch let error as StoreError {
            throw StoreError(StoreError.corrupt, "\(path) fails its integrity check", underlying: error.description)
        }
        if !problems.isEmpty {
            throw StoreError(
                StoreError.corrupt, "\(path) fails its integrity check: " + problems.prefix(3).joined(separator: "; "))
        }
        return scope
    }

    /// SQLite's findings of `PRAGMA pragma(argument)` (`quick_check` or `integrity_check`; a table, or the most
    /// problems to report), without its "ok".
    static func integrityProblems(_ db: SQLiteConnection, pragma: String, argument: String? = nil) throws -> [String] {
        try db.all("PRAGMA \(pragma)" + (argument.map { "(\($0))" } ?? "")) { $0.text(0) }.filter { $0 != "ok" }
    }

    /// The small tables every start reads (the log's head and checkpoints): checked at open even in a large file.
    static let startTables = ["log_head", "log_checkpoint"]

    /// The file's size as SQLite sees it (pages × page size, from the header: no file system call).
    static func fileBytes(_ db: SQLiteConnection) throws -> Int64 {
        let pages = try db.first("PRAGMA page_count") { $0.int(0) } ?? 0
        let pageSize = try db.first("PRAGMA page_size") { $0.int(0) } ?? 0
        return pages * pageSize
    }

    private static func migrate(_ db: SQLiteConnection, path: String, cipher: (any IdentityNumberCipher)?) throws {
        var sealedClearNumbers = false
        try db.exec("BEGIN IMMEDIATE")
        do {
            let current = try db.first("PRAGMA user_version") { Int($0.int(0)) } ?? 0
            if current < Schema.migrations.count {
                for version in (current + 1)...Schema.migrations.count {
                    try db.exec(Schema.migrations[version - 1])
                    if version == Schema.identitySealingVersion, current >= 1 {
                        sealedClearNumbers = try sealClearIdentityNumbers(db, path: path, cipher: cipher)
                    }
                    if version == Schema.identitySealingVersion {
                        try db.exec("DROP TABLE identity_numbers")
                    }
                    if version == Schema.leanRecordsVersion {
                        try copyRecordsToLeanLayout(db)
                        try db.exec(Schema.leanRecordsFinish)
                    }
                    if version == Schema.measureLookupVersion {
                        // The old index goes first, so the new table can take its freed pages. Those pages held
                        // keyed hashes and codes the decisions keep anyway: they are freed without being zeroed
                        // (secure_delete is on by default here, and would write the whole index again).
                        let secureDelete = try db.first("PRAGMA secure_delete") { $0.int(0) } ?? 1
                        try db.exec("PRAGMA secure_delete = FAST")
                        try db.exec(Schema.measureLookupDropIndex)
                        try db.exec("PRAGMA secure_delete = \(secureDelete)")
                        try MeasureLookupTable.fill(db)
                    }
                    try db.exec("PRAGMA user_version = \(version)")
                }
                try db.exec("PRAGMA application_id = \(Schema.applicationID)")
            }
            try db.exec("COMMIT")
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
        if sealedClearNumbers {
            // The dropped clear pages were zeroed (secure_delete) in the WAL; copy them over the main file and
            // truncate the WAL so no earlier frame with a clear number survives either.
            _ = try db.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }
        }
    }

    /// Migration 2's data step: encrypts the clear numbers schema 1 kept into `identity_sealed`, in the migration's
    /// transaction. Returns whether there were any.
    ///
    /// - Throws: `store.identityKeyMissing` when there are clear numbers and no cipher (the file is left at
    ///   schema 1, untouched).
    private static func sealClearIdentityNumbers(
        _ db: SQLiteConnection, path: String, cipher: (any IdentityNumberCipher)?
    ) throws -> Bool {
        let count = try db.first("SELECT count(*) FROM identity_numbers") { $0.int(0) } ?? 0
        guard count > 0 else { return false }
        guard cipher != nil else {
            throw StoreError(
                StoreError.identityKeyMissing,
                "\(path) holds \(count) clear identity numbers from schema 1 that must be encrypted in place "
                    + "(migration 2); open it once with an identity key (identityKey.file, identityKey.hex or "
                    + "identityKey.demo). The file was not changed")
        }
        // Overwrite deleted content with zeros, so the clear numbers do not linger in free pages. Debian's SQLite
        // has this on by default; it is set here for builds that do not, and left on for this connection.
        try db.exec("PRAGMA secure_delete = ON")
        let rows = try db.all("SELECT identity_hash, document_type, clear_number FROM identity_numbers") {
            ($0.text(0), $0.text(1), $0.text(2))
        }
        for (hash, documentType, clear) in rows {
            let sealed = try IdentitySealing.seal(
                cipher, clear: clear, hash: hash, documentType: documentType, what: "\(path) identity row \(hash)")
            try db.run(
                "INSERT OR IGNORE INTO identity_sealed (identity_hash, document_type, sealed_number) VALUES (?, ?, ?)",
                [.text(hash), .text(documentType), .blob(sealed)])
        }
        try db.exec("DELETE FROM identity_numbers")
        return true
    }
}

extension SQLiteStore {
    /// Runs `body` on the writer connection inside a group-commit transaction (tests: simulate a full disk).
    func withWriterForTesting(_ body: @escaping (SQLiteConnection) throws -> Void) throws {
        try committer.write { try body($0.db) }
    }
}
