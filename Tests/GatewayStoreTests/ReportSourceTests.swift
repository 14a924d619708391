import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

/// The report queries: half-open intervals, inbound only, reference dates read from stored JSON, no payloads.
@Test func reportQueriesSelectByHalfOpenIntervals() throws {
    let dir = try TempDirectory()
    defer { dir.cleanup() }
    let clock = TestClock(Date(timeIntervalSince1970: 1_000))
    let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock))
    var early = Fixture.envelope("E1")
    early.header.sequence = 3
    _ = try store.append(early)  // logged at 1,000 s
    clock.advance(1_000)  // 2,000 s
    var inPeriod = Fixture.envelope("E2", body: String(repeating: "x", count: 10_000))
    inPeriod.header.sequence = 4
    inPeriod.header.kind = "records.batch"
    _ = try store.append(inPeriod)
    var outbound = Fixture.envelope("O1", sender: "g60-hub", direction: .outbound)
    outbound.header.sequence = 99
    _ = try store.append(outbound)
    var withHeader = Fixture.envelope("E2b", body: "schema: a.b\n\n{\"payload\":1}")
    withHeader.header.sequence = 5
    _ = try store.append(withHeader)
    clock.advance(1_000)  // 3,000 s: the end of the period, excluded
    _ = try store.append(Fixture.envelope("E3"))

    let from = Date(timeIntervalSince1970: 2_000)
    let before = Date(timeIntervalSince1970: 3_000)
    let envelopes = try store.inboundEnvelopes(loggedFrom: from, before: before)
    #expect(envelopes.map(\.messageID) == ["E2", "E2b"])
    #expect(envelopes[1].head == Array("schema: a.b\n\n".utf8))
    #expect(
        envelopes[0].kind == "records.batch" && envelopes[0].sequence == 4
            && envelopes[0].recordCount == 1)
    // No header (no empty line): the bytes are all payload, encrypted at rest, so nothing of them is returned.
    #expect(envelopes[0].head.isEmpty)
    #expect(envelopes[0].loggedAt == from)
    #expect(try store.inboundEnvelope(sender: "jiaxing", messageID: "E2b")?.head == Array("schema: a.b\n\n".utf8))
    #expect(try store.inboundEnvelope(sender: "jiaxing", messageID: "E1")?.sequence == 3)
    #expect(try store.inboundEnvelope(sender: "g60-hub", messageID: "O1") == nil)  // outbound
    #expect(try store.lastInboundSequences(loggedBefore: from) == ["jiaxing": 3])
    #expect(
        try store.lastInboundSequences(loggedBefore: Date(timeIntervalSince1970: 3_001)) == [
            "jiaxing": 7
        ])
    #expect(try store.lastInboundSequences(loggedBefore: before) == ["jiaxing": 5])  // E3 (7) is not before

    let penalty = Fixture.penalty()
    _ = try store.putRecords([
        (penalty, Provenance(partner: "jiaxing", messageID: "E2", rowNumber: 1, receivedAt: from)),
        (
            Fixture.penalty(decision: "嘉执罚〔2026〕13号"),
            Provenance(partner: "jiaxing", messageID: "E3", rowNumber: 1, receivedAt: before)
        ),
    ])
    let retraction = Fixture.retraction(of: penalty, byID: true)
    _ = try store.putRecords([
        (retraction, Provenance(partner: "jiaxing", messageID: "E2", rowNumber: 2, receivedAt: from))
    ])
    let rows = try store.acceptedRows(receivedFrom: from, before: before)
    #expect(rows.map(\.kind) == ["penalty", "retraction"])
    #expect(rows.map(\.referenceDate) == ["2026-03-02", "2026-06-01"])
    #expect(rows[0].recordID == penalty.id && rows[0].messageID == "E2" && rows[0].rowNumber == 1)

    try store.quarantine([
        QuarantinedRow(
            partner: "jiaxing", messageID: "E2", rowNumber: 3, raw: [1], problemsJSON: "[]",
            receivedAt: from),
        QuarantinedRow(
            partner: "jiaxing", messageID: "E3", rowNumber: 2, raw: [1], problemsJSON: "[]",
            receivedAt: before),
    ])
    let quarantined = try store.quarantinedRows(receivedFrom: from, before: before)
    #expect(quarantined.map(\.rowNumber) == [3] && quarantined[0].problemsJSON == "[]")
}
