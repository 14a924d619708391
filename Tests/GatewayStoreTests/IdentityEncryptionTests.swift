import Foundation
import GatewayCore
import GatewayCrypto
import Testing

@testable import GatewayStore

/// Identity numbers encrypted at rest (issue 10): AES-256-GCM through the injected cipher, bound to their row.
@Suite struct IdentityEncryptionTests {
    /// A valid 18-character resident number for `index` (distinct per index).
    static func residentNumber(_ index: Int) -> String {
        let body = "110105" + String(format: "%04d", 1950 + index % 50) + "0101" + String(format: "%03d", index % 1000)
        return body + String(ResidentID.checkCharacter(forBody: body) ?? "0")
    }

    static func personRecord(_ index: Int, number: String) -> CanonicalRecord {
        Fixture.penalty(
            decision: "嘉执罚〔2026〕\(1000 + index)号", uscc: nil,
            identity: PersonIdentity(documentType: "residentIdCard", clearNumber: number))
    }

    /// Every byte of the store's files (main database and WAL) on disk right now.
    static func fileBytes(_ dir: TempDirectory) -> [(name: String, bytes: [UInt8])] {
        ["s.db", "s.db-wal"].compactMap { name in
            FileManager.default.contents(atPath: dir.path(name)).map { (name, [UInt8]($0)) }
        }
    }

    /// (Callers bind the result to a name before `#expect`, so a failure does not print the whole file.)
    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard !n.isEmpty, haystack.count >= n.count else { return false }
        var i = 0
        while i <= haystack.count - n.count {
            if haystack[i] == n[0] && Array(haystack[i..<(i + n.count)]) == n { return true }
            i += 1
        }
        return false
    }

    @Test func identityNumberRoundTripsThroughTheCipher() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let number = Self.residentNumber(1)
        let record = Self.personRecord(1, number: number)
        _ = try store.putRecords([(record, Fixture.provenance("m1", row: 1))])
        let hash = try #require(record.subject.identity?.hash)
        #expect(try store.clearIdentityNumber(hash: hash) == number)
        #expect(try store.clearIdentityNumber(hash: "hmac-sha256:unknown") == nil)

        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        let sealed = try #require(
            try raw.first("SELECT sealed_number FROM identity_sealed WHERE identity_hash = ?", [.text(hash)]) {
                $0.blob(0)
            })
        #expect(Array(sealed.prefix(3)) == Array("v1:".utf8))
        #expect(sealed.count == number.utf8.count + FieldCipher.overhead)
        #expect(!Self.contains(sealed, number))
        // The clear table of schema 1 is gone.
        #expect(try raw.first("SELECT name FROM sqlite_master WHERE name = 'identity_numbers'") { $0.text(0) } == nil)
    }

    @Test func withoutAnIdentityKeyTheStoreRefusesClearNumbers() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(
            path: dir.path("s.db"), options: Fixture.options(clock: TestClock(), identityCipher: nil))
        let record = Self.personRecord(2, number: Self.residentNumber(2))
        let error = #expect(throws: StoreError.self) {
            try store.putRecords([(record, Fixture.provenance("m7", row: 3))])
        }
        #expect(error?.code == StoreError.identityKeyMissing)
        #expect(error?.message.contains("m7 row 3") == true, "\(String(describing: error))")
        #expect(try store.record(id: record.id!) == nil)
        // Records without a clear number still go in.
        let company = Fixture.penalty(decision: "嘉执罚〔2026〕99号")
        #expect(try store.putRecords([(company, Fixture.provenance("m8", row: 1))]).first?.change == .created)
    }

    @Test func tamperedCiphertextIsRejected() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let record = Self.personRecord(3, number: Self.residentNumber(3))
        _ = try store.putRecords([(record, Fixture.provenance("m1", row: 1))])
        let hash = try #require(record.subject.identity?.hash)
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        var sealed = try #require(
            try raw.first("SELECT sealed_number FROM identity_sealed WHERE identity_hash = ?", [.text(hash)]) {
                $0.blob(0)
            })
        sealed[sealed.count / 2] ^= 0x01
        try raw.run(
            "UPDATE identity_sealed SET sealed_number = ? WHERE identity_hash = ?", [.blob(sealed), .text(hash)])
        let error = #expect(throws: StoreError.self) { try store.clearIdentityNumber(hash: hash) }
        #expect(error?.code == StoreError.identityUnreadable)
        #expect(error?.message.contains(hash) == true)
        #expect(error?.message.contains("altered, copied from another row") == true)
    }

    @Test func ciphertextMovedToAnotherRowIsRejected() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let a = Self.personRecord(4, number: Self.residentNumber(4))
        let b = Self.personRecord(5, number: Self.residentNumber(5))
        _ = try store.putRecords([(a, Fixture.provenance("m1", row: 1)), (b, Fixture.provenance("m1", row: 2))])
        let hashA = try #require(a.subject.identity?.hash)
        let hashB = try #require(b.subject.identity?.hash)
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        try raw.run(
            """
            UPDATE identity_sealed SET sealed_number = (SELECT sealed_number FROM identity_sealed WHERE identity_hash = ?)
            WHERE identity_hash = ?
            """, [.text(hashA), .text(hashB)])
        #expect(try store.clearIdentityNumber(hash: hashA) == Self.residentNumber(4))
        let error = #expect(throws: StoreError.self) { try store.clearIdentityNumber(hash: hashB) }
        #expect(error?.code == StoreError.identityUnreadable)
    }

    @Test func anotherKeyCannotReadAndNoKeyIsAClearError() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let record = Self.personRecord(6, number: Self.residentNumber(6))
        let hash = try #require(record.subject.identity?.hash)
        do {
            let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
            _ = try store.putRecords([(record, Fixture.provenance("m1", row: 1))])
        }
        let other = try SQLiteStore(
            path: dir.path("s.db"),
            options: Fixture.options(
                clock: TestClock(), identityCipher: TestIdentityCipher(key: [UInt8](repeating: 9, count: 32))))
        #expect(throws: StoreError(StoreError.identityUnreadable, "")) { try other.clearIdentityNumber(hash: hash) }
        let keyless = try SQLiteStore(
            path: dir.path("s.db"), options: Fixture.options(clock: TestClock(), identityCipher: nil))
        #expect(throws: StoreError(StoreError.identityKeyMissing, "")) { try keyless.clearIdentityNumber(hash: hash) }
    }

    /// The privacy check of issue 10: after storing records with clear numbers, no clear number is anywhere in
    /// the database file or its WAL (the record id is, which shows the scan reads the stored content).
    @Test func noClearIdentityNumberInTheDatabaseFileOrWAL() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let numbers = (10..<60).map { Self.residentNumber($0) }
        let records = numbers.enumerated().map { Self.personRecord(10 + $0.offset, number: $0.element) }
        do {
            let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
            _ = try store.putRecords(
                records.enumerated().map { ($0.element, Fixture.provenance("m1", row: $0.offset + 1)) })
            // Corrections and repeats of the same numbers too.
            _ = try store.putRecords(
                records.prefix(5).enumerated().map { ($0.element, Fixture.provenance("m2", row: $0.offset + 1)) })
            #expect(try store.clearIdentityNumber(hash: try #require(records[7].subject.identity?.hash)) == numbers[7])

            let open = Self.fileBytes(dir)
            #expect(open.contains { $0.name == "s.db-wal" && !$0.bytes.isEmpty }, "the records are in the WAL")
            #expect(open.contains { Self.contains($0.bytes, records[0].id!) }, "the scan sees stored content")
            for (name, bytes) in open {
                for number in numbers {
                    let leaked = Self.contains(bytes, number)
                    #expect(!leaked, "clear identity number found in \(name)")
                }
            }
            let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
            _ = try raw.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }
        }
        let checkpointed = Self.fileBytes(dir)
        #expect(checkpointed.contains { Self.contains($0.bytes, records[0].id!) })
        for (name, bytes) in checkpointed {
            for number in numbers {
                let leaked = Self.contains(bytes, number)
                #expect(!leaked, "clear identity number found in \(name)")
            }
        }
    }

    // MARK: - Migration of a schema-1 file that holds clear numbers

    /// A schema-1 store with two clear numbers: one in the main file (checkpointed), one still in the WAL.
    private func makeSchema1Store(_ dir: TempDirectory, numbers: [String]) throws -> SQLiteConnection {
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: true)
        _ = try raw.first("PRAGMA journal_mode=WAL") { $0.text(0) }
        try raw.exec(Schema.migrations[0])
        try raw.exec("PRAGMA user_version = 1; PRAGMA application_id = \(Schema.applicationID)")
        for (i, number) in numbers.enumerated() {
            try raw.run(
                "INSERT INTO identity_numbers (identity_hash, document_type, clear_number) VALUES (?, ?, ?)",
                [.text("hmac-sha256:legacy\(i)"), .text("residentIdCard"), .text(number)])
            if i == 0 { _ = try raw.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) } }
        }
        return raw
    }

    @Test func schema1ClearNumbersAreRefusedWithoutAKey() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let raw = try makeSchema1Store(dir, numbers: [Self.residentNumber(70), Self.residentNumber(71)])
        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock(), identityCipher: nil))
        }
        #expect(error?.code == StoreError.identityKeyMissing)
        #expect(error?.message.contains("holds 2 clear identity numbers from schema 1") == true)
        #expect(try raw.first("PRAGMA user_version") { $0.int(0) } == 1)
        #expect(try raw.first("SELECT count(*) FROM identity_numbers") { $0.int(0) } == 2)
    }

    @Test func schema1ClearNumbersAreEncryptedInPlace() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let numbers = [Self.residentNumber(80), Self.residentNumber(81)]
        let raw = try makeSchema1Store(dir, numbers: numbers)
        let before = Self.fileBytes(dir)
        #expect(before.contains { Self.contains($0.bytes, numbers[0]) }, "the clear number is on disk before")
        #expect(before.contains { Self.contains($0.bytes, numbers[1]) }, "the clear number is on disk before")

        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        #expect(try store.clearIdentityNumber(hash: "hmac-sha256:legacy0") == numbers[0])
        #expect(try store.clearIdentityNumber(hash: "hmac-sha256:legacy1") == numbers[1])
        #expect(try raw.first("PRAGMA user_version") { $0.int(0) } == Int64(SQLiteStore.schemaVersion))
        for (name, bytes) in Self.fileBytes(dir) {
            for number in numbers {
                let leaked = Self.contains(bytes, number)
                #expect(!leaked, "clear identity number left in \(name)")
            }
        }
    }
}
