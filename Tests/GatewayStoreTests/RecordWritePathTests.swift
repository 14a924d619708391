import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

/// The statement pass of the record write path: versions numbered by the writer, one INSERT … ON CONFLICT DO NOTHING
/// deciding whether a record is new, keys bound without a heap allocation.
@Suite struct RecordWritePathTests {
    @Test(arguments: [
        "rec_0123456789abcdef0123456789abcdef",  // canonical: 16 raw bytes
        "rec_0123456789ABCDEF0123456789abcdef",  // upper case: kept as text
        "rec_0123456789abcdef0123456789abcdeg",  // not hex
        "rec_0123456789abcdef0123456789abcde",  // one digit short
        "short-id", "fifteen-chars-1", "",
    ])
    func keyValueHasTheStoredBytes(id: String) {
        let value = RecordKey.Value(id)
        #expect(value.bytes == RecordKey.bytes(id))
        #expect(RecordKey.id(value.bytes) == id)
    }

    @Test func createCorrectAndResendInOneBatch() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let original = Fixture.penalty(fineFen: 500_000)
        let corrected = Fixture.penalty(fineFen: 300_000)
        let other = Fixture.penalty(decision: "嘉执罚〔2026〕99号")
        let third = Fixture.penalty(decision: "嘉执罚〔2026〕98号")
        let results = try store.putRecords([
            (original, Fixture.provenance("m1", row: 1)), (other, Fixture.provenance("m1", row: 2)),
            (corrected, Fixture.provenance("m1", row: 3)), (corrected, Fixture.provenance("m1", row: 4)),
            (original, Fixture.provenance("m1", row: 5)), (third, Fixture.provenance("m1", row: 6)),
            (third, Fixture.provenance("m1", row: 7)),
        ])
        #expect(results.map(\.change) == [.created, .created, .corrected, .unchanged, .corrected, .created, .unchanged])
        #expect(results.map(\.version) == [1, 1, 2, 2, 3, 1, 1])
        #expect(try store.versions(of: third.id!).map(\.provenance.rowNumber) == [6])
        let versions = try store.versions(of: original.id!)
        #expect(versions.map(\.version) == [1, 2, 3])
        #expect(versions.map(\.provenance.rowNumber) == [1, 3, 5])
        #expect(versions.map(\.record) == [original, corrected, original])
        #expect(try store.record(id: original.id!)?.record == original)
        #expect(try store.versions(of: other.id!).map(\.provenance.rowNumber) == [2])
    }

    /// Two stores on one file (two processes, or an operator tool) take turns: each batch numbers its versions from
    /// what the file holds under the write lock, so neither reuses the other's rows.
    @Test func versionRowsFollowOnAcrossConnections() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let a = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let b = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let x1 = Fixture.penalty(decision: "嘉执罚〔2026〕1号", fineFen: 1)
        let x2 = Fixture.penalty(decision: "嘉执罚〔2026〕1号", fineFen: 2)
        let y1 = Fixture.penalty(decision: "嘉执罚〔2026〕2号", fineFen: 1)
        let y2 = Fixture.penalty(decision: "嘉执罚〔2026〕2号", fineFen: 2)
        _ = try a.putRecords([(x1, Fixture.provenance("a1", row: 1))])
        _ = try b.putRecords([(y1, Fixture.provenance("b1", row: 1)), (x2, Fixture.provenance("b1", row: 2))])
        _ = try a.putRecords([(y2, Fixture.provenance("a2", row: 1))])
        for store in [a, b] {
            #expect(try store.versions(of: x1.id!).map(\.record) == [x1, x2])
            #expect(try store.versions(of: y1.id!).map(\.record) == [y1, y2])
            #expect(try store.versions(of: y1.id!).map(\.provenance.messageID) == ["b1", "a2"])
        }
    }

    /// A batch that fails part-way inside the writer (a clear identity number and no key) leaves no version behind,
    /// and the next batch numbers its versions from the file.
    @Test func failedBatchLeavesNoVersionAndNumberingResumes() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(
            path: dir.path("s.db"), options: Fixture.options(clock: TestClock(), identityCipher: nil))
        let good = Fixture.penalty(decision: "嘉执罚〔2026〕7号")
        let person = Fixture.penalty(
            decision: "嘉执罚〔2026〕8号", uscc: nil,
            identity: PersonIdentity(documentType: "residentIdCard", clearNumber: "11010519491231002X"))
        let error = #expect(throws: StoreError.self) {
            try store.putRecords([(good, Fixture.provenance("m1", row: 1)), (person, Fixture.provenance("m1", row: 2))])
        }
        #expect(error?.code == StoreError.identityKeyMissing)
        #expect(try store.record(id: good.id!) == nil)
        let corrected = Fixture.penalty(decision: "嘉执罚〔2026〕7号", fineFen: 1)
        #expect(try store.putRecords([(good, Fixture.provenance("m2", row: 1))]).map(\.change) == [.created])
        #expect(try store.putRecords([(corrected, Fixture.provenance("m3", row: 1))]).map(\.version) == [2])
        #expect(try store.versions(of: good.id!).map(\.provenance.messageID) == ["m2", "m3"])
    }

    /// The benchmark's page-size option applies to a new file only; an existing file keeps its page size.
    @Test func pageSizeOptionAppliesToNewFilesOnly() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        var options = StoreBenchmarkSupport.options(synchronous: "FULL", pageSize: 16_384)
        options.identityCipher = Fixture.identityCipher
        let store = try SQLiteStore(path: dir.path("big.db"), options: options)
        let record = Fixture.penalty()
        _ = try store.putRecords([(record, Fixture.provenance("m1", row: 1))])
        #expect(try store.read { try $0.first("PRAGMA page_size") { $0.int(0) } } == 16_384)
        #expect(try store.record(id: record.id!)?.record == record)

        _ = try SQLiteStore(path: dir.path("small.db"), options: Fixture.options(clock: TestClock()))
        let reopened = try SQLiteStore(path: dir.path("small.db"), options: options)
        #expect(try reopened.read { try $0.first("PRAGMA page_size") { $0.int(0) } } == 4_096)
    }
}

extension RecordWritePathTests {
    /// A record whose key is in `records` but whose current version row is gone (a store damaged by hand) is
    /// refused with `store.corrupt`, naming the record and its row, whichever statement the batch tries first:
    /// the INSERT (first record of a batch) or the look-up (after a record the store already had).
    @Test(arguments: [false, true])
    func recordWithoutItsCurrentVersionRowIsCorrupt(afterAKnownRecord: Bool) throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let damaged = Fixture.penalty(decision: "嘉执罚〔2026〕31号")
        let intact = Fixture.penalty(decision: "嘉执罚〔2026〕32号")
        _ = try store.putRecords([
            (damaged, Fixture.provenance("m1", row: 1)), (intact, Fixture.provenance("m1", row: 2)),
        ])
        // A second connection deletes the damaged record's versions behind the store's back.
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        let key: SQLValue = .blob(RecordKey.bytes(damaged.id!))
        try raw.run("DELETE FROM record_versions WHERE record_key = ?", [key])
        #expect(try raw.first("SELECT count(*) FROM records WHERE record_key = ?", [key]) { $0.int(0) } == 1)

        var batch = [(damaged, Fixture.provenance("m2", row: 2))]
        if afterAKnownRecord { batch.insert((intact, Fixture.provenance("m2", row: 1)), at: 0) }
        let error = #expect(throws: StoreError.self) { try store.putRecords(batch) }
        #expect(error?.code == StoreError.corrupt)
        #expect(
            error?.message
                == "record \(damaged.id!) (jiaxing message m2 row 2) has a key in records but no current version row")
        // Nothing of the batch was written; the intact record is still readable.
        #expect(try store.versions(of: intact.id!).map(\.provenance.messageID) == ["m1"])
    }
}
