import Foundation
import Testing

@testable import GatewayStore

@Suite struct StoreFileTests {
    @Test func createsSchemaWithVersionAndApplicationID() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        _ = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        #expect(try raw.first("PRAGMA user_version") { Int($0.int(0)) } == SQLiteStore.schemaVersion)
        #expect(try raw.first("PRAGMA application_id") { Int32($0.int(0)) } == Schema.applicationID)
        #expect(try raw.first("PRAGMA journal_mode") { $0.text(0) } == "wal")
        // Reopening runs no migration twice.
        _ = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
    }

    @Test func refusesForeignDatabase() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let raw = try SQLiteConnection(path: dir.path("other.db"), create: true)
        try raw.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: dir.path("other.db"), options: Fixture.options(clock: TestClock()))
        }
        #expect(error?.code == StoreError.foreign)
        #expect(error?.message.contains("other.db") == true)
        // Nothing was added to the foreign file.
        #expect(try raw.first("SELECT count(*) FROM sqlite_master") { $0.int(0) } == 1)
    }

    @Test func refusesNonDatabaseFile() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("garbage.db")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        }
        #expect(error?.code == StoreError.corrupt)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 0x41, count: 8192))
    }

    /// A store with 200 logged envelopes, checkpointed into the file, and a raw connection to it.
    private static func storeWithLog(_ path: String) throws -> (SQLiteStore, SQLiteConnection) {
        let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        for i in 0..<200 {
            _ = try store.append(Fixture.envelope("m\(i)", body: String(repeating: "x", count: 500)))
        }
        let raw = try SQLiteConnection(path: path, create: false)
        try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        return (store, raw)
    }

    @Test func refusesDamagedDatabase() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("s.db")
        do {
            _ = try Self.storeWithLog(path)
        }
        // Overwrite a page in the middle of the file with garbage (the header page stays intact).
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 4096 * 3)
        try handle.write(contentsOf: Data(repeating: 0xFF, count: 4096))
        try handle.close()
        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        }
        #expect(error?.code == StoreError.corrupt)
    }

    /// A large file gets only the tables every start reads checked at open (its start does not grow with years of
    /// records); `checkIntegrity` finds what that left out, and a damaged log head still stops the open.
    @Test func largeFileIsCheckedInPartAtOpenAndWhollyOnRequest() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("s.db")
        var logPage: Int64 = 0
        var headPage: Int64 = 0
        do {
            let (store, raw) = try Self.storeWithLog(path)
            defer { withExtendedLifetime(store) {} }
            logPage = try #require(
                try raw.first("SELECT pageno FROM dbstat WHERE name = 'message_log' AND pagetype = 'leaf' LIMIT 1 OFFSET 5") {
                    $0.int(0)
                })
            headPage = try #require(try raw.first("SELECT pageno FROM dbstat WHERE name = 'log_head'") { $0.int(0) })
        }
        func damage(page: Int64) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seek(toOffset: UInt64(4096 * (page - 1)))
            try handle.write(contentsOf: Data(repeating: 0xFF, count: 4096))
            try handle.close()
        }
        try damage(page: logPage)
        var partial = Fixture.options(clock: TestClock())
        partial.fullCheckLimitBytes = 0
        let store = try SQLiteStore(path: path, options: partial)
        guard case .partial(let bytes) = store.integrityCheckAtOpen else {
            Issue.record("expected a partial check, got \(store.integrityCheckAtOpen)")
            return
        }
        #expect(bytes > 100_000)
        let report = try store.checkIntegrity()
        #expect(!report.problems.isEmpty)
        #expect(report.fileBytes == bytes)
        // With the default limit this small file is checked whole, and refused.
        let whole = #expect(throws: StoreError.self) {
            try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        }
        #expect(whole?.code == StoreError.corrupt)
        // The log head is checked even in part.
        try damage(page: headPage)
        let head = #expect(throws: StoreError.self) { try SQLiteStore(path: path, options: partial) }
        #expect(head?.code == StoreError.corrupt)
    }

    @Test func soundFileIsCheckedWholeAtOpenAndOnRequest() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        _ = try store.append(Fixture.envelope("m1"))
        let reopened = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        guard case .full = reopened.integrityCheckAtOpen else {
            Issue.record("expected a whole check, got \(reopened.integrityCheckAtOpen)")
            return
        }
        let report = try reopened.checkIntegrity(thorough: true)
        #expect(report.problems.isEmpty && report.thorough)
    }

    @Test func refusesNewerSchema() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        _ = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        try raw.exec("PRAGMA user_version = 99")
        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        }
        #expect(error?.code == StoreError.schemaTooNew)
    }

    @Test func doesNotCreateWhenAskedNotTo() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        var options = Fixture.options(clock: TestClock())
        options.createIfMissing = false
        #expect(throws: StoreError(StoreError.cannotOpen, "")) {
            try SQLiteStore(path: dir.path("none.db"), options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path("none.db")))
    }

    @Test func lockedDatabaseFailsCleanlyAndLosesNothing() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        var options = Fixture.options(clock: TestClock())
        options.busyTimeoutMilliseconds = 50
        let store = try SQLiteStore(path: dir.path("s.db"), options: options)
        _ = try store.append(Fixture.envelope("m1"))
        let other = try SQLiteConnection(path: dir.path("s.db"), create: false)
        try other.exec("BEGIN IMMEDIATE")
        let error = #expect(throws: StoreError.self) { try store.append(Fixture.envelope("m2")) }
        #expect(error?.code == StoreError.locked)
        try other.exec("ROLLBACK")
        // The store keeps working once the lock is gone; the refused envelope was not half-written.
        #expect(try store.logEntry(direction: .inbound, sender: "jiaxing", messageID: "m2") == nil)
        guard case .appended(let e) = try store.append(Fixture.envelope("m2")) else {
            Issue.record("m2 should append after the lock is released")
            return
        }
        #expect(e.position == 2)
        #expect(try store.verifyChain().isIntact)
    }

    @Test func fullDiskFailsCleanlyAndLosesNothing() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        _ = try store.append(Fixture.envelope("m1"))
        // Simulate a full disk: cap the file at its current page count.
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        let pages = try #require(try raw.first("PRAGMA page_count") { $0.int(0) })
        try store.withWriterForTesting { db in try db.exec("PRAGMA max_page_count = \(pages)") }
        let big = String(repeating: "y", count: 200_000)
        let error = #expect(throws: StoreError.self) { try store.append(Fixture.envelope("m2", body: big)) }
        #expect(error?.code == StoreError.diskFull, "\(String(describing: error))")
        #expect(try store.logEntry(direction: .inbound, sender: "jiaxing", messageID: "m2") == nil)
        try store.withWriterForTesting { db in try db.exec("PRAGMA max_page_count = 1073741823") }
        guard case .appended(let e) = try store.append(Fixture.envelope("m2", body: big)) else {
            Issue.record("m2 should append once space is back")
            return
        }
        #expect(e.position == 2)
        #expect(try store.verifyChain().isIntact)
    }
}
