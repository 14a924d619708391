import CSQLite
import Foundation

/// A value bound to or read from an SQL statement. Internal: no SQLite type leaves this module.
enum SQLValue {
    case null
    case int(Int64)
    case text(String)
    case blob([UInt8])
}

/// A zero-length buffer for empty text and blobs: SQLite binds NULL when given a nil pointer.
nonisolated(unsafe) private let emptyBuffer: UnsafeMutablePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()

/// One SQLite connection; owns the `sqlite3*` handle and its cached prepared statements.
///
/// Not Sendable: a connection is used by one thread at a time (the store guards each with a lock), which is why
/// it is opened with `SQLITE_OPEN_NOMUTEX` (ENGINEERING-NOTES §12).
final class SQLiteConnection {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Statements of hot paths, found by a small integer instead of hashing their SQL text on every call.
    private var slots: [Statement?] = []
    let path: String

    /// Opens (creating if asked) the database at `path`, in WAL mode with `synchronous=FULL`.
    init(path: String, create: Bool, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX
        if readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if create { flags |= SQLITE_OPEN_CREATE }
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let text = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw StoreError(StoreError.cannotOpen, "cannot open the store database \(path)", underlying: text)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit {
        for (_, statement) in statements { sqlite3_finalize(statement) }
        for case let statement? in slots { sqlite3_finalize(statement.stmt) }
        if let handle { sqlite3_close_v2(handle) }
    }

    private var db: OpaquePointer {
        guard let handle else { preconditionFailure("SQLiteConnection used after close") }
        return handle
    }

    /// Runs one or more statements that return no rows we need (DDL, PRAGMA settings).
    func exec(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(message)
            throw Self.error(rc, text, context: sql)
        }
    }

    /// Prepares `sql` once and reuses it (SQLITE_PREPARE_PERSISTENT). Internal for the lookup reader's hot path.
    func statement(_ sql: String) throws -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw Self.error(rc, String(cString: sqlite3_errmsg(db)), context: sql)
        }
        statements[sql] = stmt
        return stmt
    }

    /// The statement kept in `slot` (prepared from `sql` on first use, then reused): the hot write paths bind and
    /// step it directly, with no argument array and no lookup by SQL text. Slots are numbered per connection by
    /// their one user: on the store's writer, 0–6 belong to the record write path (`SQLiteStore+Records.swift`).
    func statement(slot: Int, _ sql: @autoclosure () -> String) throws -> Statement {
        if slot < slots.count, let cached = slots[slot] { return cached }
        let text = sql()
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw Self.error(rc, String(cString: sqlite3_errmsg(db)), context: text)
        }
        if slot >= slots.count { slots.append(contentsOf: repeatElement(nil, count: slot + 1 - slots.count)) }
        let statement = Statement(stmt: stmt, sql: text)
        slots[slot] = statement
        return statement
    }

    /// Runs `sql` with `arguments` bound and calls `row` for each result row.
    ///
    /// Text and blobs are bound with a nil destructor (SQLITE_STATIC) from inside nested `withUnsafe…` scopes, and
    /// the statement is stepped to completion and reset before those scopes end, so SQLite never keeps a pointer
    /// to Swift memory and nothing is copied (ENGINEERING-NOTES §12.2).
    func query(_ sql: String, _ arguments: [SQLValue] = [], row: (SQLRow) throws -> Void) throws {
        let stmt = try statement(sql)
        try bind(stmt, arguments[...], index: 1) {
            defer {
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)
            }
            while true {
                let rc = sqlite3_step(stmt)
                if rc == SQLITE_ROW {
                    try row(SQLRow(stmt: stmt))
                } else if rc == SQLITE_DONE {
                    return
                } else {
                    throw Self.error(rc, String(cString: sqlite3_errmsg(db)), context: sql)
                }
            }
        }
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int {
        try query(sql, arguments) { _ in }
        return Int(sqlite3_changes(db))
    }

    /// The first row mapped by `map`, or nil.
    func first<T>(_ sql: String, _ arguments: [SQLValue] = [], _ map: (SQLRow) throws -> T) throws -> T? {
        var result: T?
        try query(sql, arguments) { row in
            if result == nil { result = try map(row) }
        }
        return result
    }

    /// Every row mapped by `map`.
    func all<T>(_ sql: String, _ arguments: [SQLValue] = [], _ map: (SQLRow) throws -> T) throws -> [T] {
        var result: [T] = []
        try query(sql, arguments) { row in result.append(try map(row)) }
        return result
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }

    /// Rows changed by the last INSERT, UPDATE or DELETE that completed (0 when `ON CONFLICT DO NOTHING` skipped).
    var changes: Int { Int(sqlite3_changes(db)) }

    /// Pages this connection has written to the WAL since it opened (`SQLITE_DBSTATUS_CACHE_WRITE`): every dirty
    /// page of every commit (and of cache spills), each one WAL frame of page size + 24 bytes. The store benchmark
    /// reads it to count dirty pages per 1,000 records.
    var pagesWritten: Int {
        var current: Int32 = 0
        var highwater: Int32 = 0
        sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highwater, 0)
        return Int(current)
    }

    private func bind<T>(
        _ stmt: OpaquePointer, _ values: ArraySlice<SQLValue>, index: Int32, _ body: () throws -> T
    ) throws -> T {
        guard let value = values.first else { return try body() }
        let rest = values.dropFirst()
        var rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(stmt, index)
        case .int(let v):
            rc = sqlite3_bind_int64(stmt, index, v)
        case .text(var s):
            return try s.withUTF8 { buffer in
                let base = buffer.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(emptyBuffer)
                let rc = sqlite3_bind_text(
                    stmt, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), nil)
                try check(rc, "bind")
                return try bind(stmt, rest, index: index + 1, body)
            }
        case .blob(let bytes):
            return try bytes.withUnsafeBytes { buffer in
                let base = buffer.baseAddress ?? UnsafeRawPointer(emptyBuffer)
                let rc = sqlite3_bind_blob(stmt, index, base, Int32(buffer.count), nil)
                try check(rc, "bind")
                return try bind(stmt, rest, index: index + 1, body)
            }
        }
        try check(rc, "bind")
        return try bind(stmt, rest, index: index + 1, body)
    }

    private func check(_ rc: Int32, _ what: String) throws {
        if rc != SQLITE_OK { throw Self.error(rc, String(cString: sqlite3_errmsg(db)), context: what) }
    }

    /// Maps an SQLite result code to a StoreError with a stable code.
    static func error(_ rc: Int32, _ text: String, context: String) -> StoreError {
        let primary = rc & 0xff
        let shortContext = context.count > 80 ? String(context.prefix(80)) + "…" : context
        switch primary {
        case SQLITE_FULL:
            return StoreError(
                StoreError.diskFull, "the disk holding the store is full; the write was rolled back", underlying: text)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(
                StoreError.locked, "the store database is locked by another process or connection", underlying: text)
        case SQLITE_NOTADB:
            return StoreError(StoreError.corrupt, "the file is not an SQLite database", underlying: text)
        case SQLITE_CORRUPT:
            return StoreError(StoreError.corrupt, "the store database is corrupt", underlying: text)
        case SQLITE_CANTOPEN:
            return StoreError(StoreError.cannotOpen, "cannot open the store database", underlying: text)
        case SQLITE_IOERR:
            return StoreError(StoreError.sqlite, "I/O error in the store (\(shortContext))", underlying: text)
        default:
            return StoreError(StoreError.sqlite, "SQLite error \(rc) in: \(shortContext)", underlying: text)
        }
    }
}

/// SQLite's SQLITE_TRANSIENT (a macro, so not imported): SQLite copies the bound bytes before the bind returns.
nonisolated(unsafe) private let transient = unsafeBitCast(
    OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A cached prepared statement of one connection, bound by position and stepped by its user (same thread rules as
/// the connection). Text and blobs are copied by SQLite at bind time (SQLITE_TRANSIENT), so no Swift buffer has to
/// outlive a closure; for the few hundred bytes of a record version that copy costs less than the closures.
final class Statement {
    fileprivate let stmt: OpaquePointer
    private let sql: String

    fileprivate init(stmt: OpaquePointer, sql: String) {
        self.stmt = stmt
        self.sql = sql
    }

    func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(stmt, index, value))
    }

    func bind(_ index: Int32, _ value: String) throws {
        var value = value
        let rc = value.withUTF8 { buffer in
            let base = buffer.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(emptyBuffer)
            return sqlite3_bind_text(
                stmt, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), transient)
        }
        try check(rc)
    }

    func bind(_ index: Int32, _ value: String?) throws {
        if let value { try bind(index, value) } else { try check(sqlite3_bind_null(stmt, index)) }
    }

    func bind(_ index: Int32, bytes: [UInt8]) throws {
        let rc = bytes.withUnsafeBytes { buffer in
            sqlite3_bind_blob(
                stmt, index, buffer.baseAddress ?? UnsafeRawPointer(emptyBuffer), Int32(buffer.count), transient)
        }
        try check(rc)
    }

    /// Binds UTF-8 bytes as TEXT (copied by SQLite before this returns).
    func bind(_ index: Int32, text utf8: [UInt8]) throws {
        let rc = utf8.withUnsafeBytes { buffer in
            sqlite3_bind_text(
                stmt, index, (buffer.baseAddress ?? UnsafeRawPointer(emptyBuffer)).assumingMemoryBound(to: CChar.self),
                Int32(buffer.count), transient)
        }
        try check(rc)
    }

    /// Binds raw bytes as a BLOB (copied by SQLite before this returns).
    func bind(_ index: Int32, raw: UnsafeRawBufferPointer) throws {
        try check(
            sqlite3_bind_blob(
                stmt, index, raw.baseAddress ?? UnsafeRawPointer(emptyBuffer), Int32(raw.count), transient))
    }

    /// Steps once: true when a row is available (read it through `row`), false when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let text = String(cString: sqlite3_errmsg(sqlite3_db_handle(stmt)))
        sqlite3_reset(stmt)
        throw SQLiteConnection.error(rc, text, context: sql)
    }

    /// The current row (valid until the next `step` or `reset`).
    var row: SQLRow { SQLRow(stmt: stmt) }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws {
        defer { reset() }
        while try step() {}
    }

    /// Makes the statement ready for new bindings.
    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    private func check(_ rc: Int32) throws {
        if rc != SQLITE_OK {
            throw SQLiteConnection.error(rc, String(cString: sqlite3_errmsg(sqlite3_db_handle(stmt))), context: "bind")
        }
    }
}

/// One result row; valid only inside the `query` callback.
struct SQLRow {
    fileprivate let stmt: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_NULL }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }

    func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, column) else { return "" }
        let count = Int(sqlite3_column_bytes(stmt, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    func blob(_ column: Int32) -> [UInt8] {
        guard let p = sqlite3_column_blob(stmt, column) else { return [] }
        let count = Int(sqlite3_column_bytes(stmt, column))
        return Array(UnsafeRawBufferPointer(start: p, count: count))
    }

    func optionalBlob(_ column: Int32) -> [UInt8]? { isNull(column) ? nil : blob(column) }

    /// Whether the text column holds exactly `utf8`, compared in place.
    func textEquals(_ column: Int32, bytes utf8: [UInt8]) -> Bool {
        let p = sqlite3_column_text(stmt, column)
        let count = Int(sqlite3_column_bytes(stmt, column))
        return utf8.withUnsafeBytes { buffer in
            guard buffer.count == count else { return false }
            guard count > 0, let p, let base = buffer.baseAddress else { return count == 0 }
            return memcmp(base, p, count) == 0
        }
    }

    /// Whether the text column holds exactly the UTF-8 of `text`, compared in place (no String is made).
    func textEquals(_ column: Int32, _ text: String) -> Bool {
        let p = sqlite3_column_text(stmt, column)
        let count = Int(sqlite3_column_bytes(stmt, column))
        var text = text
        return text.withUTF8 { buffer in
            guard buffer.count == count else { return false }
            guard count > 0, let p, let base = buffer.baseAddress else { return count == 0 }
            return memcmp(base, p, count) == 0
        }
    }
}
