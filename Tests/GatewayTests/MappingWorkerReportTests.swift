import Foundation
import GatewayCore
import GatewayCrypto
import GatewayMapping
import GatewayTesting
@testable import GatewayStore
import Testing

@testable import Gateway

/// The mapping worker's validation report is the `map` CLI's row report (`CanonicalJSONWriter.writeReport` of each
/// `RowOutcome`, one line each) under a first line with the counts: the same bytes for the same input, rejected,
/// duplicate and skipped rows included.
@Suite struct MappingWorkerReportTests {
    /// Every partner fixture that holds at least one rejected or skipped row, as (partner, fixture folder).
    static let fixtures: [(String, URL)] = {
        guard let partners = try? PartnerDirectory.load(directory: TestSupport.partners) else { return [] }
        var out: [(String, URL)] = []
        for id in partners.ids {
            guard let partner = partners.partner(id) else { continue }
            for folder in PartnerFixtures.folders(of: partner) {
                let url = folder.appendingPathComponent("expected-report.jsonl")
                let report = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
                if report.contains("\"verdict\":\"rejected\"") || report.contains("\"verdict\":\"skipped\"") {
                    out.append((id, folder))
                }
            }
        }
        return out
    }()

    /// Sends `payload` from `partner` as a `dialect/<kind>` envelope, maps it with the worker and returns the stored
    /// `validation.report` payload.
    static func workerReport(_ h: DispatchHarness, from partner: String, kind: RecordKind, payload: [UInt8]) throws
        -> [UInt8]
    {
        h.sequence += 1
        let (key, cert) = try #require(h.keys[partner])
        let signer = try EnvelopeSigner(from: partner, key: key, certificate: cert)
        let bytes = try signer.sign(
            to: "g60-hub", kind: "records.batch", schema: "dialect/\(kind.rawValue)",
            contentType: "application/octet-stream", payload: payload, recordCount: 1, sequence: h.sequence)
        let answer = h.inbox.receive(bytes, caller: partner)
        #expect(answer.outcome == .accepted, "\(answer.errorCode ?? "")")
        #expect(try h.worker.runOnce() == 1)
        let id = try #require(
            try h.store.read { db in
                try db.first(
                    "SELECT max(id) FROM queue_items WHERE kind = 'validation.report' AND partner = ?", [.text(partner)]
                ) { $0.optionalInt(0) }
            } ?? nil)
        return try #require(try h.store.queueItem(id: id)).payload
    }

    @Test func fixturesWithRejectedRowsAreCovered() {
        // The comparison below must see rejected rows, duplicates among them, and every fixture format.
        #expect(Self.fixtures.count >= 5)
        let reports = Self.fixtures.compactMap {
            try? String(contentsOf: $0.1.appendingPathComponent("expected-report.jsonl"), encoding: .utf8)
        }
        #expect(reports.contains { $0.contains("mapping.duplicate") || $0.contains("duplicate") })
    }

    @Test(arguments: fixtures.map { "\($0.0)/\($0.1.lastPathComponent)" })
    func workerReportEqualsTheMapCommandsReport(_ name: String) throws {
        let (partnerID, folder) = try #require(Self.fixtures.first { "\($0.0)/\($0.1.lastPathComponent)" == name })
        let h = try DispatchHarness()
        let partner = try #require(h.partners.partner(partnerID))
        let fixture = try JSONDecoder().decode(
            PartnerFixture.self, from: Data(contentsOf: folder.appendingPathComponent("fixture.json")))
        let payload = Array(try Data(contentsOf: folder.appendingPathComponent(fixture.input)))

        // The `map` CLI's path: one writer, `writeReport(RowOutcome)` and a newline per row.
        let engine = try MappingEngine(
            partner: partner, kind: fixture.kind, codes: try TestSupport.codeTables(), today: h.day.today(),
            keyring: DispatchHarness.keyring, detectDuplicates: true)
        var mapped = CanonicalJSONWriter()
        var counts = (rows: 0, accepted: 0, rejected: 0, skipped: 0)
        var failed = false
        do {
            try engine.run(.bytes(payload)) { outcome in
                mapped.writeReport(outcome)
                mapped.bytes.append(0x0A)
                counts.rows += 1
                switch outcome.verdict {
                case .accepted: counts.accepted += 1
                case .rejected: counts.rejected += 1
                case .skipped: counts.skipped += 1
                }
            }
        } catch {
            failed = true
        }

        let report = try Self.workerReport(h, from: partnerID, kind: fixture.kind, payload: payload)
        let newline = try #require(report.firstIndex(of: 0x0A))
        let header = try JSONDecoder().decode(ValidationReport.self, from: Data(report[..<newline]))
        let rows = Array(report[(newline + 1)...])
        if failed {
            // The worker adds one rejected row for the unreadable rest of the file after the rows read so far.
            #expect(Array(rows.prefix(mapped.bytes.count)) == mapped.bytes)
            #expect(header.rows == counts.rows + 1)
            #expect(header.rejected == counts.rejected + 1)
        } else {
            #expect(rows == mapped.bytes, "\(name): worker report = map report, byte for byte")
            #expect(header.rows == counts.rows)
            #expect(header.rejected == counts.rejected)
        }
        #expect(counts.rejected > 0 || counts.skipped > 0)
        #expect(header.accepted == counts.accepted)
        #expect(header.skipped == counts.skipped)
        #expect(header.inReplyTo.isEmpty == false)
    }
}
