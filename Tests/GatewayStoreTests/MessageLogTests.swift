import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

@Suite struct MessageLogTests {
    @Test func appendsAndReadsBackWithChain() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock))
        let first = try store.append(Fixture.envelope("m1"))
        clock.advance(1)
        let second = try store.append(Fixture.envelope("m2"))
        guard case .appended(let e1) = first, case .appended(let e2) = second else {
            Issue.record("expected two appends, got \(first) \(second)")
            return
        }
        #expect(e1.position == 1 && e2.position == 2)
        #expect(e1.previousHash == HashChain.genesis)
        #expect(e2.previousHash == e1.entryHash)
        let stored = try #require(try store.logEntry(direction: .inbound, sender: "jiaxing", messageID: "m2"))
        #expect(stored == e2)
        #expect(try store.logEntries(after: 0, limit: 10).map(\.header.messageID) == ["m1", "m2"])
        let verification = try store.verifyChain()
        #expect(verification.isIntact)
        #expect(verification.entriesChecked == 2)
    }

    @Test func sameMessageIDFromSameSenderChangesNothing() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let first = try store.append(Fixture.envelope("m1", enqueue: true))
        let again = try store.append(Fixture.envelope("m1", enqueue: true))
        let altered = try store.append(Fixture.envelope("m1", body: "{\"different\":true}", enqueue: true))
        #expect(again == .duplicate(first.entry, sameBytes: true))
        #expect(altered == .duplicate(first.entry, sameBytes: false))
        #expect(again.entry.receipt == Array("receipt-m1".utf8))
        #expect(try store.logCount() == 1)
        #expect(try store.queueSummary().first?.depth == 1)
        // Another sender may use the same message id; so may the same id in the other direction.
        guard case .appended = try store.append(Fixture.envelope("m1", sender: "hefei")),
            case .appended = try store.append(Fixture.envelope("m1", direction: .outbound))
        else {
            Issue.record("the same id from another sender or direction must be a new entry")
            return
        }
        #expect(try store.logCount() == 3)
    }

    @Test func rejectsEnvelopeWithoutID() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        #expect(throws: StoreError(StoreError.invalidArgument, "")) { try store.append(Fixture.envelope("")) }
        #expect(try store.logCount() == 0)
    }

    @Test func chainSurvivesReopen() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        do {
            let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock))
            for i in 1...3 { _ = try store.append(Fixture.envelope("m\(i)")) }
        }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock))
        guard case .appended(let e) = try store.append(Fixture.envelope("m4")) else {
            Issue.record("m4 should be new")
            return
        }
        #expect(e.position == 4)
        #expect(try store.verifyChain().isIntact)
    }

    /// Edits the database behind the store's back with a raw connection.
    private func tampered(_ sql: String) throws -> ChainVerification.BrokenLink? {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let path = dir.path("s.db")
        do {
            let store = try SQLiteStore(path: path, options: Fixture.options(clock: clock))
            for i in 1...5 {
                clock.advance(1)
                _ = try store.append(Fixture.envelope("m\(i)"))
            }
            #expect(try store.verifyChain().isIntact)
        }
        let raw = try SQLiteConnection(path: path, create: false)
        try raw.exec(sql)
        let store = try SQLiteStore(path: path, options: Fixture.options(clock: clock))
        return try store.verifyChain().firstBroken
    }

    @Test func detectsEditedRawBytes() throws {
        let broken = try tampered("UPDATE message_log SET raw = X'00' WHERE position = 3")
        #expect(broken?.position == 3)
        #expect(broken?.reason.contains("raw bytes") == true)
    }

    @Test func detectsEditedRawBytesWithRecomputedDigest() throws {
        // Even with the stored digest fixed up, the entry hash no longer matches.
        let broken = try tampered(
            "UPDATE message_log SET raw = X'00', raw_digest = X'6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d' WHERE position = 3"
        )
        #expect(broken?.position == 3)
    }

    @Test func detectsEditedHeader() throws {
        let broken = try tampered("UPDATE message_log SET sender = 'hefei' WHERE position = 2")
        #expect(broken?.position == 2)
    }

    @Test func detectsEditedReceipt() throws {
        let broken = try tampered("UPDATE message_log SET receipt = X'01' WHERE position = 4")
        #expect(broken?.position == 4)
    }

    @Test func detectsDeletedRow() throws {
        let broken = try tampered("DELETE FROM message_log WHERE position = 2")
        #expect(broken?.position == 3)
        #expect(broken?.reason.contains("missing") == true)
    }

    @Test func detectsDeletedNewestRow() throws {
        let broken = try tampered("DELETE FROM message_log WHERE position = 5")
        #expect(broken != nil)
    }

    @Test func detectsSwappedRows() throws {
        // Swap every column but the position of entries 2 and 3.
        let columns = [
            "direction", "message_id", "sender", "recipient", "kind", "sequence", "record_count", "payload_digest",
            "issued_at", "logged_at", "raw", "raw_digest", "receipt", "previous_hash", "entry_hash",
        ]
        let broken = try tampered(
            """
            CREATE TEMP TABLE swap AS SELECT * FROM message_log WHERE position IN (2, 3);
            DELETE FROM message_log WHERE position IN (2, 3);
            INSERT INTO message_log (position, \(columns.joined(separator: ", ")))
              SELECT 5 - position, \(columns.joined(separator: ", ")) FROM swap;
            """)
        #expect(broken?.position == 2)
    }

    @Test func pruningKeepsTheChainVerifiable() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try SQLiteStore(
            path: dir.path("s.db"), options: Fixture.options(clock: clock, policy: RetryPolicy(maxAge: 400 * 86_400)))
        for i in 1...4 { _ = try store.append(Fixture.envelope("old\(i)")) }
        // old1's work item is still open: pruning must stop before it… so deliver it first.
        _ = try store.append(Fixture.envelope("old5", enqueue: true))
        clock.advance(200 * 86_400)
        for i in 1...3 { _ = try store.append(Fixture.envelope("new\(i)")) }
        // The work item of old5 is open: only old1…old4 may go.
        var result = try store.pruneExpiredLog()
        #expect(result.removed == 4)
        #expect(result.checkpointPosition == 4)
        #expect(
            try store.verifyChain()
                == ChainVerification(
                    entriesChecked: 4, checkpointPosition: 4, firstBroken: nil, encryptedEntriesOpened: 4))
        let items = try store.lease(direction: .inbound, partner: nil, limit: 10, owner: "w", duration: 60)
        try store.complete(itemID: try #require(items.first).id, owner: "w")
        result = try store.pruneExpiredLog()
        #expect(result.removed == 1)
        #expect(try store.verifyChain().isIntact)
        #expect(try store.logCount() == 3)
        // A pruned id is forgotten by the log, but the entries kept still verify after more appends.
        _ = try store.append(Fixture.envelope("new4"))
        #expect(try store.verifyChain().entriesChecked == 4)
        // Removing the first entry after the checkpoint is detected.
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        try raw.exec("DELETE FROM message_log WHERE position = 6")
        #expect(try store.verifyChain().firstBroken?.position == 7)
    }

    @Test func injectedHashFunctionIsUsed() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        var options = Fixture.options(clock: clock)
        options.hash = { bytes in SHA256.hash(bytes + [0x42]) }
        let store = try SQLiteStore(path: dir.path("s.db"), options: options)
        let e = try store.append(Fixture.envelope("m1")).entry
        #expect(try store.verifyChain().isIntact)
        let plain = HashChain(hash: { SHA256.hash($0) })
        let rawDigest = SHA256.hash(e.raw)
        #expect(
            plain.entryHash(
                previous: HashChain.genesis, position: 1, direction: .inbound, header: e.header,
                loggedAtMillis: Millis.from(e.loggedAt), rawDigest: rawDigest,
                receiptDigest: e.receipt.map { SHA256.hash($0) })
                != e.entryHash)
        // Opened with the default hash, the chain no longer verifies: the function is part of the database.
        let other = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock))
        #expect(try other.verifyChain().isIntact == false)
    }

    @Test func outboundReceiptIsLoggedAsItsOwnEntry() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        var out = Fixture.envelope("o1", sender: "songjiang", direction: .outbound)
        out.header.recipient = "hefei"
        out.receipt = nil
        _ = try store.append(out)
        #expect(try store.outboundReceipt(messageID: "o1", partner: "hefei") == nil)
        #expect(throws: StoreError(StoreError.notFound, "")) {
            try store.appendOutboundReceipt(messageID: "o1", partner: "wuhu", receipt: [1])
        }
        guard
            case .appended(let entry) = try store.appendOutboundReceipt(
                messageID: "o1", partner: "hefei", receipt: [1, 2])
        else {
            Issue.record("the first receipt must be appended")
            return
        }
        #expect(entry.header.kind == "receipt" && entry.header.recipient == "songjiang")
        guard case .duplicate = try store.appendOutboundReceipt(messageID: "o1", partner: "hefei", receipt: [1, 2])
        else {
            Issue.record("the same receipt again must be a duplicate")
            return
        }
        #expect(try store.outboundReceipt(messageID: "o1", partner: "hefei") == [1, 2])
        #expect(try store.verifyChain().entriesChecked == 2)
    }

    @Test func twoStoresOnOneFileKeepOneChain() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let a = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock))
        let b = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock))
        for i in 0..<6 { _ = try (i % 2 == 0 ? a : b).append(Fixture.envelope("m\(i)")) }
        #expect(try a.logEntries(after: 0, limit: 10).map(\.position) == Array(1...6))
        #expect(try b.verifyChain().isIntact)
    }
}
