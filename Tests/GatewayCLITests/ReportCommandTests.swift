import Foundation
import GatewayCrypto
import Gateway
import GatewayCore
import GatewayStore
import GatewayTesting
import Testing

/// `g60-gateway report` in-process on a small store: one Jiaxing envelope of 2 declared rows, 1 accepted penalty
/// decided 2024-09-27 and received on the make-up Saturday 2024-10-12 (its deadline: on time).
@Suite(.serialized) struct ReportCommandTests {
    static func withStore(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "g60-report-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("store.db").path
        let received = Date(
            timeIntervalSince1970: TimeInterval(CivilDate(iso: "2024-10-12")!.dayNumber * 86_400))
        do {
            let store = try SQLiteStore(
                path: path,
                options: SQLiteStoreOptions(
                    clock: { received },
                    identityCipher: IdentityFieldCipher(cipher: try FieldCipher(key: Configuration.demoIdentityKey))))
            let raw = Array("g60-envelope: 1\nschema: jiaxing.xzcf.v1\n\n{}".utf8)
            _ = try store.append(
                EnvelopeSubmission(
                    direction: .inbound,
                    header: EnvelopeHeader(
                        messageID: "M1", sender: "jiaxing", recipient: "g60-hub", kind: "records.batch",
                        sequence: 1,
                        recordCount: 2, payloadDigest: "sha256:" + SHA256.hash(raw).hexString,
                        issuedAt: received),
                    raw: raw))
            let authority = Authority(name: "嘉兴市市场监督管理局")
            let decided = CivilDate(iso: "2024-09-27")!
            var record = CanonicalRecord(
                sourcePartner: "jiaxing",
                subject: Subject(category: "legalEntity", name: "某公司", uscc: "91330100716105852F"),
                body: .penalty(
                    PenaltyDecision(
                        decisionNumber: "嘉罚〔2024〕1号", violationType: "v", facts: "f", legalBasis: "b",
                        categories: ["fine"], content: "c", decisionDate: decided,
                        validUntil: .date(decided.adding(years: 1)),
                        authority: authority, sourceUnit: authority)))
            record.assignID(keyring: .demo)
            _ = try store.putRecords([
                (
                    record,
                    Provenance(partner: "jiaxing", messageID: "M1", rowNumber: 1, receivedAt: received)
                )
            ])
        }
        try body(path)
    }

    static let period = [
        "--from", "2024-10-01", "--to", "2024-10-31", "--contracts", TestSupport.contracts.path,
    ]

    @Test func jsonToStandardOutput() throws {
        try Self.withStore { db in
            let r = run(["report", "--format", "json", "--db", db] + Self.period)
            #expect(r.status == 0, "\(r.err)")
            let root = try #require(
                try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let partners = try #require(root["partners"] as? [[String: Any]])
            let jiaxing = try #require(
                partners.first { ($0["partner"] as? [String: Any])?["slug"] as? String == "jiaxing" })
            let penalty = try #require(
                (jiaxing["kinds"] as? [[String: Any]])?.first { $0["kind"] as? String == "penalty" })
            let total = try #require(penalty["total"] as? [String: Any])
            #expect(
                total["declared"] as? Int == 2 && total["received"] as? Int == 1
                    && total["onTime"] as? Int == 1)
            #expect(total["reportingRate"] as? Double == 0.5 && total["timelinessRate"] as? Double == 1.0)
        }
    }

    @Test func csvAndHtmlToFiles() throws {
        try Self.withStore { db in
            let dir = URL(fileURLWithPath: db).deletingLastPathComponent()
            let csvPath = dir.appendingPathComponent("r.csv").path
            let csv = run(["report", "--format", "csv", "--db", db, "--out", csvPath] + Self.period)
            #expect(csv.status == 0 && csv.out.isEmpty)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: csvPath))
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])  // the byte-order mark spreadsheets need
            let csvText = String(decoding: bytes, as: UTF8.self)
            #expect(
                csvText.contains(
                    "total,period,2024-10-01,2024-10-31,jiaxing,嘉兴市,penalty,2,1,1,0,1,0,0,0.5000,1.0000,1.0000,,"
                ))
            let html = run(["report", "--db", db] + Self.period)  // html is the default
            #expect(html.status == 0 && html.out.hasPrefix("<!DOCTYPE html>"))
            #expect(html.out.contains("data-partner=\"jiaxing\""))
        }
    }

    @Test func usageAndStoreErrors() throws {
        try Self.withStore { db in
            #expect(run(["report", "--format", "xml", "--db", db] + Self.period).status == 2)
            #expect(run(["report", "--db", db, "--to", "2024-10-31"]).status == 2)
            #expect(
                run(["report", "--db", db, "--from", "2024-10-31", "--to", "2024-10-01"]).status == 2)
            #expect(
                run(["report", "--db", db, "--from", "2024-13-01", "--to", "2024-10-01"]).status == 2)
            #expect(run(["report", "extra", "--db", db] + Self.period).status == 2)
        }
        let missing = run(["report", "--db", "/nonexistent/g60.db"] + Self.period)
        #expect(missing.status == 4 && missing.err.contains("store.cannotOpen"))
    }
}
