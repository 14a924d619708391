import Foundation
import GatewayCore
import GatewayMapping
import GatewayStore

@testable import Gateway

/// A store in a temporary directory with a working morning of the nine partner cities: envelopes received,
/// rows accepted and quarantined (one quarantined row quotes a person's identity number and name), outbound
/// deliveries delivered, retrying and dead; plus a filled hour of per-minute history and certificate dates.
final class OperationsFixture {
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        init(_ start: Date) { current = start }
        var now: Date {
            lock.lock()
            defer { lock.unlock() }
            return current
        }
        func set(_ date: Date) {
            lock.lock()
            current = date
            lock.unlock()
        }
    }

    /// A natural person's clear identity number and name that must never reach the page or a metric label.
    static let personIdentity = "11010519491231002X"
    static let personName = "张三丰"
    /// 2026-11-27 10:30 Beijing time.
    static let now = Date(timeIntervalSince1970: 1_795_746_600)

    let directory: URL
    let store: SQLiteStore
    let clock = Clock(OperationsFixture.now)
    let partners: [PartnerDescription]
    let history = OperationsHistory()
    let certificates: [String: Date]

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The nine partners from the real `Partners/` folder.
    static func loadPartners() throws -> [PartnerDescription] {
        try Partner.folders(in: repositoryRoot.appendingPathComponent("Partners")).map {
            try Partner.load(folder: $0).description
        }
    }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("g60-ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = self.clock
        store = try SQLiteStore(
            path: directory.appendingPathComponent("store.db").path,
            options: SQLiteStoreOptions(
                clock: { clock.now }, random: { 0.5 }, retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 5),
                quickCheckOnOpen: false))
        partners = try Self.loadPartners()
        let now = Self.now
        certificates = [
            "songjiang": now.addingTimeInterval(400 * 86_400), "jiaxing": now.addingTimeInterval(212 * 86_400),
            "hangzhou": now.addingTimeInterval(300 * 86_400), "jinhua": now.addingTimeInterval(21.5 * 86_400),
            "suzhou": now.addingTimeInterval(365 * 86_400), "huzhou": now.addingTimeInterval(180 * 86_400),
            "xuancheng": now.addingTimeInterval(5.2 * 86_400), "wuhu": now.addingTimeInterval(250 * 86_400),
            "hefei": now.addingTimeInterval(330 * 86_400),
        ]
        try fill()
        fillHistory()
    }

    func cleanup() { try? FileManager.default.removeItem(at: directory) }

    private func at(minutesAgo: Double) -> Date { Self.now.addingTimeInterval(-minutesAgo * 60) }

    private func envelope(_ id: String, from sender: String, count: Int, minutesAgo: Double) throws {
        clock.set(at(minutesAgo: minutesAgo))
        let raw = Array("g60-envelope: 1\nmessage-id: \(id)\nfrom: \(sender)\n\n{\"rows\":[]}".utf8)
        let header = EnvelopeHeader(
            messageID: id, sender: sender, recipient: "g60-hub", kind: "records.batch", sequence: 1,
            recordCount: count, payloadDigest: "sha256:" + SHA256.hash(raw).hexString, issuedAt: clock.now)
        _ = try store.append(EnvelopeSubmission(direction: .inbound, header: header, raw: raw))
    }

    private func licences(_ count: Int, partner: String, message: String, minutesAgo: Double) throws {
        let received = at(minutesAgo: minutesAgo)
        var batch: [(record: CanonicalRecord, provenance: Provenance)] = []
        for row in 1...count {
            let authority = Authority(name: "行政审批局")
            let day = CivilDate(iso: "2026-11-20") ?? CivilDate(dayNumber: 20_000)
            let body = LicenseDecision(
                documentTitle: "准予许可决定书", decisionNumber: "许〔\(partner)-\(message)-\(row)〕号", category: "普通",
                content: "许可", decisionDate: day, validFrom: day,
                validUntil: .date(CivilDate(iso: "2030-01-01") ?? day), authority: authority, sourceUnit: authority)
            let subject = Subject(category: "legalEntity", name: "某某科技有限公司", uscc: "91330100716105852F")
            var record = CanonicalRecord(sourcePartner: partner, subject: subject, body: .license(body))
            record.assignID(keyring: .demo)
            batch.append(
                (record, Provenance(partner: partner, messageID: message, rowNumber: row, receivedAt: received)))
        }
        _ = try store.putRecords(batch)
    }

    private func quarantine(partner: String, message: String, row: Int, minutesAgo: Double, problems: String) throws {
        try store.quarantine([
            QuarantinedRow(
                partner: partner, messageID: message, rowNumber: row,
                raw: Array("\(Self.personName),\(Self.personIdentity)".utf8), problemsJSON: problems,
                receivedAt: at(minutesAgo: minutesAgo))
        ])
    }

    private func outbound(_ partner: String, _ count: Int, minutesAgo: Double) throws -> [Int64] {
        clock.set(at(minutesAgo: minutesAgo))
        return try store.enqueue(
            (0..<count).map { i in
                QueueItemSubmission(
                    direction: .outbound, partner: partner, kind: "record", recordID: "r-\(partner)-\(i)",
                    recordVersion: 1, payload: Array("{}".utf8))
            })
    }

    /// Leases every due outbound item of `partner` at `minutesAgo` and completes or fails it.
    private func deliver(_ partner: String, minutesAgo: Double, fail error: String? = nil, limit: Int = 100) throws {
        clock.set(at(minutesAgo: minutesAgo))
        for item in try store.lease(direction: .outbound, partner: partner, limit: limit, owner: "w", duration: 60) {
            if let error {
                _ = try store.fail(itemID: item.id, owner: "w", error: error)
            } else {
                try store.complete(itemID: item.id, owner: "w")
            }
        }
    }

    private func fill() throws {
        let rejected = { (code: String, field: String) in
            #"{"problems":[{"field":"\#(field)","code":"\#(code)","message":"\#(Self.personName) \#(Self.personIdentity) rejected","severity":"error"}]}"#
        }
        let slugs = partners.map(\.id)
        for (i, slug) in slugs.enumerated() {
            // Every city but Hangzhou sent a batch within the hour; Hangzhou's last one is 30 hours old.
            let minutes = slug == "hangzhou" ? 30 * 60.0 : Double(3 + i * 6)
            try envelope("\(slug)-0001", from: slug, count: 12, minutesAgo: minutes)
            try licences(slug == "suzhou" ? 6 : 11, partner: slug, message: "\(slug)-0001", minutesAgo: minutes)
            if slug != "hefei" {
                _ = try outbound(slug, 3, minutesAgo: minutes + 2)
                // Hangzhou's queue drained; elsewhere one item of three is still pending.
                try deliver(slug, minutesAgo: minutes + 1, limit: slug == "hangzhou" ? 3 : 2)
            }
        }
        try quarantine(
            partner: "jiaxing", message: "jiaxing-0001", row: 12, minutesAgo: 9,
            problems: rejected("mapping.date.unparseable", "penalty.decisionDate"))
        for row in 7...12 {
            try quarantine(
                partner: "suzhou", message: "suzhou-0001", row: row, minutesAgo: 27,
                problems: rejected(row % 2 == 0 ? "subject.uscc.checksum" : "field.required", "subject.uscc"))
        }
        try quarantine(
            partner: "wuhu", message: "wuhu-\(Self.personIdentity)", row: 3, minutesAgo: 45,
            problems: rejected("subject.identity.checksum", "subject.identity.number"))
        // Wuhu's endpoint is down: two deliveries die after two attempts. Jinhua's is flaky: one in retry.
        _ = try outbound("wuhu", 2, minutesAgo: 50)
        try deliver(
            "wuhu", minutesAgo: 49, fail: "curl: connection refused (127.0.0.1:9443) for \(Self.personIdentity)")
        try deliver("wuhu", minutesAgo: 48, fail: "curl: connection refused (127.0.0.1:9443)")
        _ = try outbound("jinhua", 1, minutesAgo: 20)
        try deliver("jinhua", minutesAgo: 19, fail: "HTTP 503 from partner")
        clock.set(Self.now)
    }

    private func fillHistory() {
        // A deterministic busy hour: a batch every minute or two, receipts in tens of milliseconds.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for minute in 0..<60 {
            let start = Self.now.addingTimeInterval(Double(minute - 59) * 60)
            let envelopes = 2 + next(5) + (minute > 40 && minute < 48 ? 6 : 0)
            for _ in 0..<envelopes {
                history.envelopeReceived(
                    at: start.addingTimeInterval(5), receiptLatency: 0.02 + Double(next(40)) / 1000)
            }
            history.rowsMapped(
                at: start.addingTimeInterval(6), accepted: envelopes * (8 + next(6)), quarantined: next(4))
            for _ in 0..<(envelopes * 3) {
                history.deliveryFinished(
                    at: start.addingTimeInterval(20), succeeded: next(20) != 0,
                    endToEndLatency: 2 + Double(next(60)) / 10)
            }
        }
    }
}
