import Foundation
import GatewayCore
import GatewayStore
import Testing

@testable import Gateway

/// The `/ops` snapshot and page on the operations fixture, the per-minute history, and a headless Chromium run.
@Suite(.serialized) struct OperationsDashboardTests {
    static func withSnapshot(_ body: (OperationsFixture, OperationsSnapshot) throws -> Void) throws {
        let fixture = try OperationsFixture()
        defer { fixture.cleanup() }
        let snapshot = try OperationsSnapshot.load(
            store: fixture.store, partners: fixture.partners, history: fixture.history, now: OperationsFixture.now,
            certificates: fixture.certificates)
        try body(fixture, snapshot)
    }

    static func row(_ s: OperationsSnapshot, _ id: String) throws -> OperationsSnapshot.PartnerRow {
        try #require(s.partners.first { $0.id == id })
    }

    static func find(_ s: OperationsSnapshot, _ id: String) -> OperationsSnapshot.PartnerRow? {
        s.partners.first { $0.id == id }
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    // MARK: - Snapshot

    @Test func snapshotHasNinePartnersWithTheirStatus() throws {
        try Self.withSnapshot { _, s in
            #expect(
                s.partners.map(\.id) == [
                    "hangzhou", "hefei", "huzhou", "jiaxing", "jinhua", "songjiang", "suzhou", "wuhu", "xuancheng",
                ])
            #expect(Self.find(s, "jiaxing")?.nameZH == "嘉兴市")
            #expect(Self.find(s, "jiaxing")?.status == .ok)
            #expect(Self.find(s, "wuhu")?.status == .critical)  // dead letters
            #expect(Self.find(s, "wuhu")?.dead == 3)
            #expect(Self.find(s, "xuancheng")?.status == .critical)  // certificate in 5 days
            #expect(Self.find(s, "xuancheng")?.certificateDaysLeft == 5)
            #expect(Self.find(s, "jinhua")?.status == .warning)  // retries, certificate in 21 days
            #expect(Self.find(s, "jinhua")?.retrying == 2)
            #expect(Self.find(s, "hangzhou")?.status == .warning)  // nothing received for 30 hours
            #expect(Self.find(s, "suzhou")?.status == .warning)  // 6 of 12 rows rejected
            #expect(Self.find(s, "suzhou")?.rows == PartnerRowCounts(accepted: 6, quarantined: 6))
            #expect(Self.find(s, "hefei")?.outboundDepth == 0)
            #expect(Self.find(s, "jiaxing")?.outboundDepth == 1)
            // Jiaxing (index 3) sent its batch 21 minutes ago; two deliveries went out 22 minutes ago.
            #expect(Self.find(s, "jiaxing")?.lastReceived == OperationsFixture.now.addingTimeInterval(-21 * 60))
            #expect(Self.find(s, "jiaxing")?.lastDelivered == OperationsFixture.now.addingTimeInterval(-22 * 60))
            #expect(Self.find(s, "hefei")?.lastDelivered == nil)
        }
    }

    @Test func snapshotListsDeadLettersAndRecentRejectedRowsWithoutIdentityNumbers() throws {
        try Self.withSnapshot { _, s in
            #expect(s.deadLetters.count == 3)
            #expect(s.deadLetters.allSatisfy { $0.partner == "wuhu" && $0.attempts == 2 })
            #expect(s.deadLetters.map(\.id) == s.deadLetters.map(\.id).sorted(by: >))
            #expect(s.rejectedRows.count == 8)
            #expect(s.rejectedRows.first?.partner == "jiaxing")  // newest first
            #expect(s.rejectedRows.first?.problems.first?.code == "mapping.date.unparseable")
            #expect(s.rejectedRows.last?.partner == "wuhu")
            #expect(s.rejectedRows.last?.messageID == "wuhu-110105********002X")
            for d in s.deadLetters { #expect(!OperationsTools.containsClearIdentityNumber(d.lastError ?? "")) }
            #expect(s.history.count == 60)
        }
    }

    // MARK: - Page

    @Test func pageShowsNinePartnerRowsAndWorksOffline() throws {
        try Self.withSnapshot { f, s in
            let html = OperationsDashboard.render(s)
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains(#"<meta http-equiv="refresh" content="10">"#))
            #expect(html.contains(#"<meta charset="utf-8">"#))
            #expect(Self.count(#"<tr class="partner""#, in: html) == 9)
            for p in f.partners {
                #expect(html.contains(p.names.zh), "no row for \(p.names.zh)")
                #expect(html.contains(p.names.en), "no English name for \(p.id)")
            }
            // Chinese labels with English beside them.
            for label in [
                "状态", "Status", "最近接收", "Last received", "死信队列", "Dead letters", "最近拒收行", "Recent rejected rows",
            ] {
                #expect(html.contains(label), "missing label \(label)")
            }
            // Nothing to fetch: no scripts, no external URLs, no linked resources.
            #expect(!html.contains("http://"))
            #expect(!html.contains("https://"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("src="))
            #expect(!html.contains("<link"))
            #expect(!html.contains("url("))
            #expect(!html.contains("@import"))
            // Three inline SVG charts.
            #expect(Self.count("<svg ", in: html) == 3)
            #expect(Self.count("<polyline", in: html) >= 5)
        }
    }

    @Test func pageHasAReplayFormPerDeadLetter() throws {
        try Self.withSnapshot { _, s in
            let html = OperationsDashboard.render(s)
            #expect(Self.count(#"<form method="post" action="/ops/dlq/replay">"#, in: html) == 3)
            for d in s.deadLetters {
                #expect(html.contains(#"<input type="hidden" name="id" value="\#(d.id)">"#))
            }
        }
    }

    @Test func pageCarriesNoIdentityNumberOrPersonName() throws {
        try Self.withSnapshot { _, s in
            let html = OperationsDashboard.render(s)
            #expect(html.contains("subject.identity.checksum"))
            #expect(html.contains("110105********002X"))
            #expect(!html.contains(OperationsFixture.personIdentity))
            #expect(!html.contains(OperationsFixture.personName))
            #expect(!OperationsTools.containsClearIdentityNumber(html))
        }
    }

    @Test func pageEscapesTextFromTheStore() {
        let row = OperationsSnapshot.PartnerRow(
            id: "x\"<script>", nameZH: "<b>城</b>", nameEN: "A&B", status: .warning, reasons: ["<i>"], lastReceived: nil,
            lastDelivered: nil, inboundDepth: 0, outboundDepth: 0, oldestOutboundAgeSeconds: nil, retrying: 0, dead: 0,
            rows: PartnerRowCounts(accepted: 0, quarantined: 0), certificateNotAfter: nil, certificateDaysLeft: nil)
        let html = OperationsDashboard.render(
            OperationsSnapshot(
                generatedAt: OperationsFixture.now, partners: [row], deadLetters: [], rejectedRows: [], history: []))
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<b>城</b>"))
        #expect(html.contains("&lt;b&gt;城&lt;/b&gt;"))
        #expect(html.contains("A&amp;B"))
        #expect(html.contains("没有死信 No dead letters"))
    }

    // MARK: - History

    @Test func historyKeepsTheLastHourPerMinute() {
        let h = OperationsHistory(capacity: 60)
        let t0 = OperationsFixture.now.addingTimeInterval(30)  // 10:30:30
        h.envelopeReceived(at: t0.addingTimeInterval(-3_600 - 30))  // outside the window once time moves on
        h.envelopeReceived(at: t0.addingTimeInterval(-10), receiptLatency: 0.02)
        h.envelopeReceived(at: t0.addingTimeInterval(-5), receiptLatency: 0.04)
        h.rowsMapped(at: t0, accepted: 10, quarantined: 2)
        h.deliveryFinished(at: t0, succeeded: true, endToEndLatency: 3)
        h.deliveryFinished(at: t0, succeeded: false)
        let samples = h.samples(endingAt: t0)
        #expect(samples.count == 60)
        #expect(samples.map(\.minute) == samples.map(\.minute).sorted())
        let last = try? #require(samples.last)
        #expect(last?.envelopesReceived == 2)
        #expect(abs((last?.meanReceiptLatency ?? 0) - 0.03) < 1e-9)
        #expect(last?.rowsAccepted == 10)
        #expect(last?.rowsQuarantined == 2)
        #expect(last?.deliveries == 1)
        #expect(last?.deliveryFailures == 1)
        #expect(last?.meanEndToEndLatency == 3)
        #expect(samples.dropLast().allSatisfy { $0.envelopesReceived == 0 })  // the 61-minute-old one is gone
        // An hour later the slot of minute t0 is reused by a new minute, and stale events are dropped.
        let later = t0.addingTimeInterval(3_600)
        h.envelopeReceived(at: later)
        h.envelopeReceived(at: t0)  // older than the slot's minute: ignored
        let after = h.samples(endingAt: later)
        #expect(after.last?.envelopesReceived == 1)
        #expect(after.reduce(0) { $0 + $1.envelopesReceived } == 1)
    }

    @Test func niceScalesAndDurations() {
        #expect(OperationsDashboard.niceCeiling(0) == 1)
        #expect(OperationsDashboard.niceCeiling(37) == 50)
        #expect(OperationsDashboard.niceCeiling(120) == 200)
        #expect(OperationsDashboard.niceCeiling(1_000) == 1_000)
        #expect(OperationsDashboard.duration(42) == "42 s")
        #expect(OperationsDashboard.duration(29 * 60) == "29 min")
        #expect(OperationsDashboard.duration(30 * 3_600) == "1 d")
        #expect(OperationsDashboard.beijing(OperationsFixture.now, withDate: true) == "2026-11-27 10:30:00")
    }

    // MARK: - Headless Chromium

    /// Renders the page in headless Chromium at 1366×768: the browser's DOM must hold nine partner rows, and the
    /// screenshot must be a real PNG of that size. Skipped with a notice when Chromium is not installed. With
    /// `G60_OPS_SCREENSHOT=<path>` set, the screenshot is also copied there (docs/ops-dashboard.png).
    @Test func chromiumRendersNineCitiesAt1366x768() throws {
        guard let chromium = OperationsTools.find(["chromium", "chromium-browser", "google-chrome"]) else {
            print("NOTICE: chromium not installed (Debian: apt-get install chromium); skipping the browser test")
            return
        }
        try Self.withSnapshot { _, s in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-ops-ui-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let page = dir.appendingPathComponent("ops.html")
            try Data(OperationsDashboard.render(s).utf8).write(to: page)
            let png = dir.appendingPathComponent("ops.png")
            let common = [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--hide-scrollbars", "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
            ]
            let dom = try OperationsTools.run(chromium, common + ["--dump-dom", page.absoluteString], timeout: 90)
            #expect(!dom.timedOut)
            #expect(Self.count(#"<tr class="partner""#, in: dom.output) == 9, "DOM as Chromium parsed it")
            #expect(dom.output.contains("嘉兴市"))

            let shot = try OperationsTools.run(
                chromium, common + ["--window-size=1366,768", "--screenshot=\(png.path)", page.absoluteString],
                timeout: 90)
            #expect(!shot.timedOut)
            let bytes = try [UInt8](Data(contentsOf: png))
            #expect(bytes.count > 20_000, "screenshot is only \(bytes.count) bytes")
            #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            func be32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
            #expect(be32(16) == 1366 && be32(20) == 768, "IHDR \(be32(16))×\(be32(20))")
            if let target = ProcessInfo.processInfo.environment["G60_OPS_SCREENSHOT"] {
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(at: png, to: URL(fileURLWithPath: target))
            }
        }
    }
}
