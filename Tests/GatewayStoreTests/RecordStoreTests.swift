import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

@Suite struct RecordStoreTests {
    private func makeStore(_ dir: TempDirectory) throws -> SQLiteStore {
        try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
    }

    @Test func sameRecordUnderNewMessageAddsNoVersion() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir)
        let record = Fixture.penalty()
        let first = try store.putRecords([(record, Fixture.provenance("m1", row: 3))])
        let again = try store.putRecords([(record, Fixture.provenance("m2", row: 9))])
        #expect(first.map(\.change) == [.created])
        #expect(again == [RecordPutResult(recordID: record.id!, version: 1, change: .unchanged, withdrewRecordID: nil)])
        let versions = try store.versions(of: record.id!)
        #expect(versions.count == 1)
        #expect(versions.first?.provenance == Fixture.provenance("m1", row: 3))
        #expect(versions.first?.record == record)
    }

    @Test func changedRecordAddsVersionWithProvenance() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir)
        let original = Fixture.penalty(fineFen: 500_000)
        let corrected = Fixture.penalty(fineFen: 300_000)
        #expect(original.id == corrected.id)
        _ = try store.putRecords([(original, Fixture.provenance("m1", row: 1))])
        let result = try store.putRecords([(corrected, Fixture.provenance("m2", row: 4))])
        #expect(result.first?.change == .corrected)
        #expect(result.first?.version == 2)
        let current = try #require(try store.record(id: original.id!))
        #expect(current.version == 2)
        #expect(current.record == corrected)
        #expect(current.provenance == Fixture.provenance("m2", row: 4))
        #expect(try store.versions(of: original.id!).map(\.provenance.messageID) == ["m1", "m2"])
        // Sending the original again is a change back: version 3.
        #expect(try store.putRecords([(original, Fixture.provenance("m3", row: 1))]).first?.version == 3)
    }

    @Test func recordWithoutIDIsRefusedAndNothingWritten() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir)
        var record = Fixture.penalty()
        let good = Fixture.penalty(decision: "嘉执罚〔2026〕13号")
        record.id = nil
        let error = #expect(throws: StoreError.self) {
            try store.putRecords([(good, Fixture.provenance("m1", row: 1)), (record, Fixture.provenance("m1", row: 2))])
        }
        #expect(error?.message.contains("row 2") == true)
        #expect(try store.record(id: good.id!) == nil)
    }

    @Test func clearIdentityNumberIsKeptApartFromRecordJSON() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir)
        let number = "11010519491231002X"
        let record = Fixture.penalty(
            uscc: nil, identity: PersonIdentity(documentType: "residentIdCard", clearNumber: number))
        _ = try store.putRecords([(record, Fixture.provenance("m1", row: 1))])
        let hash = try #require(record.subject.identity?.hash)
        #expect(try store.clearIdentityNumber(hash: hash) == number)
        let raw = try SQLiteConnection(path: dir.path("s.db"), create: false)
        let contents = try raw.all("SELECT content FROM record_versions") { $0.text(0) }
        #expect(contents.count == 1)
        #expect(contents.allSatisfy { !$0.contains(number) })
        #expect(try store.record(id: record.id!)?.record.subject.identity?.clearNumber == nil)
    }

    @Test func retractionWithdrawsItsTarget() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir)
        let target = Fixture.penalty()
        _ = try store.putRecords([(target, Fixture.provenance("m1", row: 1))])
        #expect(try store.record(id: target.id!)?.withdrawal == nil)
        let retraction = Fixture.retraction(of: target, byID: false)
        let result = try store.putRecords([(retraction, Fixture.provenance("m2", row: 1))])
        #expect(result.first?.withdrewRecordID == target.id)
        let withdrawn = try #require(try store.record(id: target.id!)?.withdrawal)
        #expect(withdrawn.reason == "creditRepair")
        #expect(withdrawn.effectiveDate == CivilDate(year: 2026, month: 6, day: 1))
        #expect(withdrawn.retractionRecordID == retraction.id)
        // The retraction sent again changes nothing.
        #expect(try store.putRecords([(retraction, Fixture.provenance("m3", row: 1))]).first?.change == .unchanged)
    }

    @Test func retractionArrivingBeforeItsTargetAppliesWhenTheTargetArrives() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir)
        let target = Fixture.penalty()
        let retraction = Fixture.retraction(of: target, byID: true)
        let early = try store.putRecords([(retraction, Fixture.provenance("m1", row: 1))])
        #expect(early.first?.withdrewRecordID == nil)
        _ = try store.putRecords([(target, Fixture.provenance("m2", row: 1))])
        #expect(try store.record(id: target.id!)?.withdrawal?.retractionRecordID == retraction.id)
    }

    @Test func quarantineKeepsRawRowsFindableByPartnerMessageAndRow() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir)
        let rows = (1...3).map { row in
            QuarantinedRow(
                partner: "wuhu", messageID: row < 3 ? "m1" : "m2", rowNumber: row, raw: Array("行\(row),\u{0}bad".utf8),
                problemsJSON: "[{\"code\":\"mapping.missingField\",\"field\":\"decisionNumber\"}]",
                receivedAt: Date(timeIntervalSince1970: 1_795_000_000))
        }
        try store.quarantine(rows)
        try store.quarantine([rows[0]])  // idempotent
        #expect(try store.quarantined(partner: "wuhu", messageID: nil, rowNumber: nil) == rows)
        #expect(try store.quarantined(partner: "wuhu", messageID: "m1", rowNumber: nil).count == 2)
        #expect(try store.quarantined(partner: "wuhu", messageID: "m1", rowNumber: 2) == [rows[1]])
        #expect(try store.quarantined(partner: "hefei", messageID: nil, rowNumber: nil).isEmpty)
    }

    @Test func preparedRecordsBehaveLikePutRecords() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir)
        let records = (0..<300).map { Fixture.penalty(decision: "嘉执罚〔2026〕\($0)号") }
        let prepared = try PreparedRecord.prepare(records.map { ($0, Fixture.provenance("m1", row: 1)) })
        #expect(prepared.map(\.recordID) == records.map { $0.id ?? "" })
        #expect(prepared[7].canonicalJSON == SQLiteStore.canonicalJSON(records[7]))
        // The store's canonical JSON is byte for byte JSONEncoder's (versions stored before the fast writer compare equal).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for r in [records[0], records[299]] {
            #expect(SQLiteStore.canonicalJSON(r) == String(decoding: try encoder.encode(r), as: UTF8.self))
        }
        #expect(try store.putPreparedRecords(prepared).allSatisfy { $0.change == .created })
        #expect(
            try store.putRecords(records.map { ($0, Fixture.provenance("m2", row: 1)) }).allSatisfy {
                $0.change == .unchanged
            })
        var noID = records[0]
        noID.id = nil
        #expect(throws: StoreError(StoreError.invalidArgument, "")) {
            try PreparedRecord.prepare([(noID, Fixture.provenance("m3", row: 5))])
        }
    }
}
