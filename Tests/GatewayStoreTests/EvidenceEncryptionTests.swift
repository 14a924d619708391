import Foundation
import GatewayCore
import GatewayCrypto
import Testing

@testable import GatewayStore

/// Evidence encrypted at rest (issue 10): the message log's raw envelopes and the quarantine's raw rows are sealed
/// with the identity cipher, read back in clear with the key, and checked by `verifyChain`.
@Suite struct EvidenceEncryptionTests {
    static let number = IdentityEncryptionTests.residentNumber(42)
    static let otherNumber = IdentityEncryptionTests.residentNumber(43)

    /// An envelope whose bytes carry a clear identity number, as a partner's export does.
    static func envelope(_ id: String, number: String = Self.number) -> EnvelopeSubmission {
        Fixture.envelope(id, body: "{\"envelope\":\"\(id)\",\"payload\":\"张三,\(number),失信\"}")
    }

    static func quarantinedRow(_ row: Int, number: String = Self.number) -> QuarantinedRow {
        QuarantinedRow(
            partner: "jiaxing", messageID: "q1", rowNumber: row, raw: Array("李四,\(number),bad-date".utf8),
            problemsJSON: "[{\"code\":\"mapping.date.unparseable\"}]",
            receivedAt: Date(timeIntervalSince1970: 1_795_000_000))
    }

    static func leaks(_ dir: TempDirectory, _ numbers: [String]) -> [String] {
        var found: [String] = []
        for (name, bytes) in IdentityEncryptionTests.fileBytes(dir) {
            for number in numbers where IdentityEncryptionTests.contains(bytes, number) { found.append(name) }
        }
        return found
    }

    static func sealedColumn(_ path: String, _ sql: String) throws -> [(sealed: Int64, raw: [UInt8])] {
        let raw = try SQLiteConnection(path: path, create: false)
        return try raw.all(sql) { ($0.int(0), $0.blob(1)) }
    }

    /// The header kept in clear for reports: up to and including the first empty line, within the limit, else none.
    @Test func envelopeHeadIsTheHeaderOnly() {
        func head(_ text: String, limit: Int = 8192) -> String? {
            EvidenceSealing.envelopeHead(Array(text.utf8), limit: limit).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(head("from: a\nschema: s\n\n{\"id\":\"\(Self.number)\"}") == "from: a\nschema: s\n\n")
        #expect(head("\n\nbody") == "\n\n")
        #expect(head("{\"id\":\"\(Self.number)\"}") == nil)
        #expect(head("one line\nbody \(Self.number)\n") == nil)
        #expect(head("ab\n\n", limit: 3) == nil)  // the empty line ends past the limit
        #expect(head("ab\n\n", limit: 4) == "ab\n\n")
        #expect(head("") == nil && head("\n") == nil)
    }

    @Test func logAndQuarantineRoundTripSealedAtRest() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("s.db")
        let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        let submitted = Self.envelope("m1")
        guard case .appended(let appended) = try store.append(submitted) else {
            Issue.record("m1 should be new")
            return
        }
        #expect(appended.raw == submitted.raw)
        _ = try store.append(Self.envelope("m2", number: Self.otherNumber))
        try store.quarantine([Self.quarantinedRow(1), Self.quarantinedRow(2, number: Self.otherNumber)])

        // Stored sealed: the version prefix, the GCM overhead, no clear number.
        let logRows = try Self.sealedColumn(path, "SELECT sealed, raw FROM message_log ORDER BY position")
        #expect(logRows.count == 2)
        #expect(logRows.allSatisfy { $0.sealed == 1 && Array($0.raw.prefix(3)) == Array("v1:".utf8) })
        #expect(logRows[0].raw.count == submitted.raw.count + FieldCipher.overhead)
        let quarantineRows = try Self.sealedColumn(path, "SELECT sealed, raw FROM quarantine ORDER BY row_number")
        #expect(quarantineRows.count == 2 && quarantineRows.allSatisfy { $0.sealed == 1 })
        let leaked = Self.leaks(dir, [Self.number, Self.otherNumber])
        #expect(leaked.isEmpty, "clear identity number in \(leaked)")
        #expect(
            IdentityEncryptionTests.fileBytes(dir).contains {
                IdentityEncryptionTests.contains($0.bytes, "receipt-m1")
            },
            "the scan sees stored content")

        // Read back in clear.
        #expect(try store.logEntry(direction: .inbound, sender: "jiaxing", messageID: "m1")?.raw == submitted.raw)
        #expect(
            try store.logEntries(after: 0, limit: 10).map(\.raw) == [
                submitted.raw, Self.envelope("m2", number: Self.otherNumber).raw,
            ])
        let rows = try store.quarantined(partner: "jiaxing", messageID: "q1", rowNumber: nil)
        #expect(rows == [Self.quarantinedRow(1), Self.quarantinedRow(2, number: Self.otherNumber)])

        // Duplicate intake compares and returns the clear bytes.
        guard case .duplicate(let same, let sameBytes) = try store.append(submitted) else {
            Issue.record("m1 again should be a duplicate")
            return
        }
        #expect(sameBytes && same.raw == submitted.raw && same.receipt == submitted.receipt)
        guard case .duplicate(_, let differs) = try store.append(Self.envelope("m1", number: Self.otherNumber)) else {
            Issue.record("m1 with other bytes should be a duplicate")
            return
        }
        #expect(!differs)

        // The chain verifies with every envelope opened; the checkpointed file holds no clear number either.
        let verification = try store.verifyChain()
        #expect(verification.isIntact && verification.encryptedEntriesOpened == 2)
        let raw = try SQLiteConnection(path: path, create: false)
        _ = try raw.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }
        let afterCheckpoint = Self.leaks(dir, [Self.number, Self.otherNumber])
        #expect(afterCheckpoint.isEmpty, "clear identity number in \(afterCheckpoint)")
    }

    @Test func wrongKeyAtOpenIsAClearErrorAndChangesNothing() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("s.db")
        do {
            let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
            for i in 1...3 { _ = try store.append(Self.envelope("m\(i)")) }
        }
        let before = try Self.sealedColumn(path, "SELECT sealed, raw FROM message_log ORDER BY position").map(\.raw)
        let wrong = TestIdentityCipher(key: [UInt8](repeating: 9, count: 32))
        let error = #expect(throws: StoreError.self) {
            _ = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock(), identityCipher: wrong))
        }
        #expect(error?.code == StoreError.identityKeyWrong)
        #expect(error?.message.contains("entry 3") == true, "\(String(describing: error))")
        #expect(error?.message.contains("Nothing was changed") == true)
        // A node without a key refuses a file that holds encrypted evidence.
        var nodeOptions = Fixture.options(clock: TestClock(), identityCipher: nil)
        nodeOptions.requireEvidenceKey = true
        let missing = #expect(throws: StoreError.self) { _ = try SQLiteStore(path: path, options: nodeOptions) }
        #expect(missing?.code == StoreError.identityKeyMissing)
        #expect(missing?.message.contains("3 message-log entries") == true, "\(String(describing: missing))")

        let after = try Self.sealedColumn(path, "SELECT sealed, raw FROM message_log ORDER BY position").map(\.raw)
        #expect(after == before)
        let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        #expect(try store.verifyChain().encryptedEntriesOpened == 3)
        #expect(
            try store.logEntry(direction: .inbound, sender: "jiaxing", messageID: "m2")?.raw == Self.envelope("m2").raw)
    }

    @Test func withoutTheKeyTheChainVerifiesButContentsAreNotDecrypted() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("s.db")
        do {
            let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
            for i in 1...4 { _ = try store.append(Self.envelope("m\(i)")) }
            try store.quarantine([Self.quarantinedRow(1)])
        }
        let keyless = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock(), identityCipher: nil))
        let verification = try keyless.verifyChain()
        #expect(verification.isIntact)
        #expect(verification.encryptedEntriesNotOpened == 4 && verification.encryptedEntriesOpened == 0)
        #expect(throws: StoreError(StoreError.identityKeyMissing, "")) {
            try keyless.logEntry(direction: .inbound, sender: "jiaxing", messageID: "m1")
        }
        #expect(throws: StoreError(StoreError.identityKeyMissing, "")) {
            try keyless.quarantined(partner: "jiaxing", messageID: nil, rowNumber: nil)
        }
        // Edits of headers are still found without the key.
        let raw = try SQLiteConnection(path: path, create: false)
        try raw.exec("UPDATE message_log SET recipient = 'hefei' WHERE position = 2")
        #expect(try keyless.verifyChain().firstBroken?.position == 2)
    }

    @Test func tamperedOrSwappedCiphertextIsDetected() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("s.db")
        let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        for i in 1...4 { _ = try store.append(Self.envelope("m\(i)")) }
        try store.quarantine([Self.quarantinedRow(1), Self.quarantinedRow(2)])
        let raw = try SQLiteConnection(path: path, create: false)

        // One bit of one ciphertext byte flipped (after the prefix and nonce).
        let sealed = try #require(try raw.first("SELECT raw FROM message_log WHERE position = 3") { $0.blob(0) })
        var flipped = sealed
        flipped[20] ^= 0x01
        _ = try raw.run("UPDATE message_log SET raw = ? WHERE position = 3", [.blob(flipped)])
        let broken = try store.verifyChain().firstBroken
        #expect(broken?.position == 3)
        #expect(broken?.reason.contains("do not open") == true, "\(String(describing: broken))")
        #expect(throws: StoreError(StoreError.evidenceUnreadable, "")) {
            try store.logEntry(direction: .inbound, sender: "jiaxing", messageID: "m3")
        }
        _ = try raw.run("UPDATE message_log SET raw = ? WHERE position = 3", [.blob(sealed)])
        #expect(try store.verifyChain().isIntact)

        // Two entries' ciphertexts swapped (each valid, each sealed for its own entry).
        try raw.exec(
            """
            UPDATE message_log SET raw = CASE position WHEN 1 THEN (SELECT raw FROM message_log WHERE position = 2)
              ELSE (SELECT raw FROM message_log WHERE position = 1) END WHERE position IN (1, 2)
            """)
        #expect(try store.verifyChain().firstBroken?.position == 1)

        // A quarantined row's ciphertext moved to another row does not open.
        try raw.exec(
            "UPDATE quarantine SET raw = (SELECT raw FROM quarantine WHERE row_number = 1) WHERE row_number = 2")
        #expect(try store.quarantined(partner: "jiaxing", messageID: "q1", rowNumber: 1) == [Self.quarantinedRow(1)])
        #expect(throws: StoreError(StoreError.evidenceUnreadable, "")) {
            try store.quarantined(partner: "jiaxing", messageID: "q1", rowNumber: 2)
        }
    }

    /// A store without a key writes evidence in clear; the next open with a key seals it in place, chain unchanged.
    @Test func clearEvidenceIsSealedInPlaceAtTheNextOpenWithAKey() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("s.db")
        var hashes: [[UInt8]] = []
        do {
            let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock(), identityCipher: nil))
            for i in 1...5 { _ = try store.append(Self.envelope("m\(i)")) }
            try store.quarantine([Self.quarantinedRow(1)])
            hashes = try store.logEntries(after: 0, limit: 10).map(\.entryHash)
        }
        #expect(!Self.leaks(dir, [Self.number]).isEmpty, "the keyless store kept the number in clear")
        let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        #expect(store.evidenceSealedAtOpen == .init(sealedLogEntries: 5, sealedQuarantinedRows: 1))
        let leaked = Self.leaks(dir, [Self.number])
        #expect(leaked.isEmpty, "clear identity number left in \(leaked)")
        #expect(try store.logEntries(after: 0, limit: 10).map(\.entryHash) == hashes)
        #expect(try store.verifyChain().encryptedEntriesOpened == 5)
        #expect(try store.quarantined(partner: "jiaxing", messageID: nil, rowNumber: nil) == [Self.quarantinedRow(1)])
    }

    /// A schema-4 file as the code before migration 5 wrote it (no `sealed` columns, clear raw bytes, a valid
    /// chain; made by writing with today's keyless path, then removing what migrations 5, 6 and 7 add):
    /// migration 5 and the open-time step seal it in place, the chain's hashes unchanged.
    @Test func schema4FileIsMigratedAndSealedInPlace() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let path = dir.path("s.db")
        var entries: [LogEntry] = []
        do {
            let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock(), identityCipher: nil))
            for i in 1...6 {
                _ = try store.append(Self.envelope("m\(i)", number: i % 2 == 0 ? Self.number : Self.otherNumber))
            }
            try store.quarantine([Self.quarantinedRow(1), Self.quarantinedRow(2, number: Self.otherNumber)])
            entries = try store.logEntries(after: 0, limit: 10)
        }
        do {
            let raw = try SQLiteConnection(path: path, create: false)
            try raw.exec(
                """
                DROP INDEX message_log_clear; DROP INDEX quarantine_clear;
                ALTER TABLE message_log DROP COLUMN sealed; ALTER TABLE message_log DROP COLUMN head;
                ALTER TABLE quarantine DROP COLUMN sealed;
                DROP TABLE measure_backfill;
                DROP INDEX queue_errors; DROP INDEX message_log_outbound_id; DROP TABLE queue_payloads;
                ALTER TABLE queue_items DROP COLUMN payload_ref;
                PRAGMA user_version = \(Schema.evidenceSealingVersion - 1);
                """)
            _ = try raw.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }
            let columns = try raw.all("PRAGMA table_info(message_log)") { $0.text(1) }
            #expect(!columns.contains("sealed") && !columns.contains("head"))
        }
        #expect(Self.leaks(dir, [Self.number, Self.otherNumber]).count >= 2, "the old file holds clear numbers")

        let store = try SQLiteStore(path: path, options: Fixture.options(clock: TestClock()))
        #expect(store.evidenceSealedAtOpen == .init(sealedLogEntries: 6, sealedQuarantinedRows: 2))
        let leaked = Self.leaks(dir, [Self.number, Self.otherNumber])
        #expect(leaked.isEmpty, "clear identity number left in \(leaked)")
        let raw = try SQLiteConnection(path: path, create: false)
        #expect(try raw.first("PRAGMA user_version") { $0.int(0) } == Int64(SQLiteStore.schemaVersion))
        #expect(try store.logEntries(after: 0, limit: 10) == entries)
        let verification = try store.verifyChain()
        #expect(verification.isIntact && verification.encryptedEntriesOpened == 6)
        // New appends continue the same chain.
        guard case .appended(let next) = try store.append(Self.envelope("m7")) else {
            Issue.record("m7 should be new")
            return
        }
        #expect(next.position == 7 && next.previousHash == entries.last?.entryHash)
        #expect(try store.verifyChain().encryptedEntriesOpened == 7)
    }
}
