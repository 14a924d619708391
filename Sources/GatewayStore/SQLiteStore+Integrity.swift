import Foundation

/// What a store's integrity check at open covered.
public enum IntegrityCheckAtOpen: Equatable, Sendable {
    /// No check (`quickCheckOnOpen` off, or a new empty file).
    case skipped
    /// SQLite's whole `quick_check`: every page of the file.
    case full(fileBytes: Int64)
    /// Only the tables every start reads, because the file is larger than `fullCheckLimitBytes`: the rest waits for
    /// `checkIntegrity()` (`g60-gateway store check`).
    case partial(fileBytes: Int64)
}

/// The result of `SQLiteStore.checkIntegrity`.
public struct IntegrityReport: Sendable {
    /// The file's size in bytes when checked.
    public var fileBytes: Int64
    /// Whether SQLite's stricter `integrity_check` ran (it also compares every index with its table), rather than
    /// `quick_check`.
    public var thorough: Bool
    /// SQLite's findings, at most `limit` of them; empty when the file is sound.
    public var problems: [String]
    /// How long the check took.
    public var seconds: Double
}

extension SQLiteStore {
    /// Checks every page of the database file, on a connection of its own (reads and writes of this store go on
    /// meanwhile; the check sees one snapshot). `thorough` runs `integrity_check` (also every index against its
    /// table, slower) instead of `quick_check`, then compares the eligibility lookup's table with the measure
    /// decisions it is made from. Returns at most `limit` problems.
    public func checkIntegrity(thorough: Bool = false, limit: Int = 20) throws -> IntegrityReport {
        let started = Date()
        let db = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        let bytes = try Self.fileBytes(db)
        let pragma = thorough ? "integrity_check" : "quick_check"
        var problems: [String]
        do {
            problems = try Self.integrityProblems(db, pragma: pragma, argument: String(max(1, limit)))
        } catch let error as StoreError {
            return IntegrityReport(
                fileBytes: bytes, thorough: thorough, problems: ["\(pragma) stopped: \(error)"],
                seconds: Date().timeIntervalSince(started))
        }
        if thorough && problems.isEmpty {
            // The lookup's table against the decisions it is made from, in one read snapshot.
            do {
                try db.exec("BEGIN")
                defer { try? db.exec("COMMIT") }
                problems = try MeasureLookupTable.problems(db, limit: max(1, limit))
            } catch {
                problems = ["comparing measure_lookup with the measure decisions stopped: \(error)"]
            }
        }
        return IntegrityReport(
            fileBytes: bytes, thorough: thorough, problems: problems, seconds: Date().timeIntervalSince(started))
    }
}
