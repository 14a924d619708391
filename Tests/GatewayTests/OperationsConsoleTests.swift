import Foundation
import GatewayCore
import GatewayMapping
import GatewayStore
import Testing

@testable import Gateway

/// `OperationsConsole`: the two pages as the service serves them, the replay form, certificate dates.
@Suite(.serialized) struct OperationsConsoleTests {
    @Test func servesMetricsAndDashboardFromTheStore() throws {
        let f = try OperationsFixture()
        defer { f.cleanup() }
        let metrics = OperationsMetrics(history: f.history, clock: { OperationsFixture.now })
        metrics.envelopeReceived(partner: "jiaxing", receiptLatency: 0.02)
        let console = OperationsConsole(
            store: f.store, partners: f.partners, metrics: metrics, certificates: f.certificates,
            clock: { OperationsFixture.now })
        let text = try console.metricsText()
        #expect(text.contains(#"g60_queue_dead_items{direction="outbound",partner="wuhu"} 3"#))
        #expect(text.contains(#"g60_certificate_expiry_days{partner="xuancheng"} 5"#))
        #expect(text.contains(#"g60_certificate_expiry_days{partner="jinhua"} 21"#))
        #expect(text.contains(#"g60_envelopes_received_total{partner="jiaxing"} 1"#))
        let html = try console.dashboardHTML()
        #expect(html.components(separatedBy: #"<tr class="partner""#).count - 1 == 9)
        #expect(html.contains("宣城市"))
        #expect(html.contains("2026-11-27 10:30:00"))
    }

    @Test(
        arguments: [
            ("id=42", Int64(42)), ("x=1&id=7", 7), ("id=", nil), ("id=abc", nil), ("id=-3", nil), ("id=0", nil),
            ("other=5", nil), ("", nil), ("id=99999999999999999999", nil),
        ] as [(String, Int64?)])
    func replayFormBody(body: String, expected: Int64?) {
        #expect(OperationsConsole.replayItemID(formBody: Array(body.utf8)) == expected)
    }

    @Test func certificateExpiryComesFromThePartnersPEMFiles() throws {
        guard let openssl = OperationsTools.find(["openssl"]) else {
            print("NOTICE: openssl command not found; skipping the certificate expiry test")
            return
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("g60-ops-cert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = OperationsFixture.repositoryRoot.appendingPathComponent("Partners/jiaxing")
        let folder = root.appendingPathComponent("jiaxing")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: folder)
        let json = folder.appendingPathComponent("partner.json")
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        object["certificates"] = ["certs/partner.pem", "certs/missing.pem"]
        try JSONSerialization.data(withJSONObject: object).write(to: json)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("certs"), withIntermediateDirectories: true)
        let made = try OperationsTools.run(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                "-subj", "/CN=jiaxing", "-keyout", folder.appendingPathComponent("certs/partner.key").path,
                "-out", folder.appendingPathComponent("certs/partner.pem").path,
            ], timeout: 30)
        #expect(made.status == 0, "openssl: \(made.error)")
        let partner = try Partner.load(folder: folder)
        let expiries = OperationsConsole.certificateExpiries(of: [partner])
        let notAfter = try #require(expiries["jiaxing"])
        let days = notAfter.timeIntervalSince(Date()) / 86_400
        #expect(days > 29 && days <= 30.01, "certificate expires in \(days) days")
    }
}
