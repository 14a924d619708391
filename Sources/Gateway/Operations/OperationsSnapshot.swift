import Foundation
import GatewayCore
import GatewayMapping
import GatewayStore

/// Everything the `/ops` dashboard shows, read from the store at one instant. A plain value: the renderer is a
/// pure function of it, so the page is tested without a store or a server.
public struct OperationsSnapshot: Sendable {
    /// The status light of a partner row.
    public enum Status: String, Sendable, Comparable {
        /// Nothing received and nothing queued yet.
        case idle
        case ok
        /// Retries pending, a high rejected-row rate, a certificate expiring within 30 days, or nothing received
        /// for a day.
        case warning
        /// Dead letters, an outbound item older than an hour, or a certificate expiring within 7 days.
        case critical

        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
        private var rank: Int { [.idle: 0, .ok: 1, .warning: 2, .critical: 3][self] ?? 0 }
    }

    /// One partner city's row.
    public struct PartnerRow: Sendable, Hashable {
        public var id: String
        public var nameZH: String
        public var nameEN: String
        public var status: Status
        /// Why the light is not green, short phrases (`dead letters`, `certificate expires in 5 days` …).
        public var reasons: [String]
        public var lastReceived: Date?
        public var lastDelivered: Date?
        public var inboundDepth: Int
        public var outboundDepth: Int
        public var oldestOutboundAgeSeconds: Double?
        public var retrying: Int
        public var dead: Int
        /// Rows accepted and quarantined over the snapshot's window.
        public var rows: PartnerRowCounts
        public var certificateNotAfter: Date?
        /// Whole days left on the certificate, negative once expired.
        public var certificateDaysLeft: Int?
    }

    /// A dead-lettered queue item, replayable from the page.
    public struct DeadLetter: Sendable, Hashable {
        public var id: Int64
        public var partner: String
        public var direction: QueueDirection
        public var kind: String
        public var attempts: Int
        public var createdAt: Date
        /// The last error, with identity numbers masked.
        public var lastError: String?
    }

    /// A recently quarantined row and its problem codes (never its raw bytes or messages).
    public struct RejectedRow: Sendable, Hashable {
        public var partner: String
        public var messageID: String
        public var rowNumber: Int
        public var receivedAt: Date
        /// `code` (and the field it concerns) of each error, masked.
        public var problems: [(code: String, field: String)]

        public static func == (a: RejectedRow, b: RejectedRow) -> Bool {
            a.partner == b.partner && a.messageID == b.messageID && a.rowNumber == b.rowNumber
                && a.receivedAt == b.receivedAt && a.problems.map(\.code) == b.problems.map(\.code)
                && a.problems.map(\.field) == b.problems.map(\.field)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(partner)
            hasher.combine(messageID)
            hasher.combine(rowNumber)
        }
    }

    public var generatedAt: Date
    /// The window of the rejected-row rates, in seconds before `generatedAt`.
    public var rowWindowSeconds: TimeInterval
    public var partners: [PartnerRow]
    public var deadLetters: [DeadLetter]
    public var rejectedRows: [RejectedRow]
    /// The last hour, one sample per minute, oldest first.
    public var history: [OperationsHistory.Sample]
    public var databaseSizeBytes: Int64?

    public init(
        generatedAt: Date, rowWindowSeconds: TimeInterval = 86_400, partners: [PartnerRow],
        deadLetters: [DeadLetter], rejectedRows: [RejectedRow], history: [OperationsHistory.Sample],
        databaseSizeBytes: Int64? = nil
    ) {
        self.generatedAt = generatedAt
        self.rowWindowSeconds = rowWindowSeconds
        self.partners = partners
        self.deadLetters = deadLetters
        self.rejectedRows = rejectedRows
        self.history = history
        self.databaseSizeBytes = databaseSizeBytes
    }

    /// Reads the dashboard's facts from the store.
    ///
    /// - Parameters:
    ///   - partners: the partner cities, in display order (`Partner.folders(in:)` + `Partner.load(folder:)`); a
    ///     partner seen in the store but not listed gets a row after them, named by its slug.
    ///   - history: the per-minute traffic the service recorded.
    ///   - certificates: each partner's certificate `notAfter`, when known.
    ///   - rowWindow: the window of the rejected-row rates (default: the last 24 hours).
    ///   - deadLimit, rejectedLimit: how many dead letters and rejected rows to list.
    public static func load(
        store: some QueueStore & OperationsSource, partners: [PartnerDescription], history: OperationsHistory,
        now: Date, certificates: [String: Date] = [:], rowWindow: TimeInterval = 86_400, deadLimit: Int = 50,
        rejectedLimit: Int = 20
    ) throws -> OperationsSnapshot {
        let summaries = try store.queueSummary()
        let lastReceived = try store.lastInboundLogged()
        let counts = try store.rowCounts(receivedFrom: now.addingTimeInterval(-rowWindow), before: now)
        var names: [(id: String, zh: String, en: String)] = partners.map { ($0.id, $0.names.zh, $0.names.en) }
        let known = Set(names.map(\.id))
        let extra = Set(summaries.map(\.partner)).union(lastReceived.keys).union(counts.keys).subtracting(known)
        names += extra.sorted().map { ($0, $0, $0) }

        let rows = names.map { name -> PartnerRow in
            let inbound = summaries.first { $0.partner == name.id && $0.direction == .inbound }
            let outbound = summaries.first { $0.partner == name.id && $0.direction == .outbound }
            let notAfter = certificates[name.id]
            var row = PartnerRow(
                id: name.id, nameZH: name.zh, nameEN: name.en, status: .ok, reasons: [],
                lastReceived: lastReceived[name.id], lastDelivered: outbound?.lastSuccess,
                inboundDepth: inbound?.depth ?? 0, outboundDepth: outbound?.depth ?? 0,
                oldestOutboundAgeSeconds: outbound?.oldestAgeSeconds,
                retrying: (inbound?.inRetry ?? 0) + (outbound?.inRetry ?? 0),
                dead: (inbound?.dead ?? 0) + (outbound?.dead ?? 0),
                rows: counts[name.id] ?? PartnerRowCounts(accepted: 0, quarantined: 0), certificateNotAfter: notAfter,
                certificateDaysLeft: notAfter.map { Int(($0.timeIntervalSince(now) / 86_400).rounded(.down)) })
            (row.status, row.reasons) = assess(row, hasQueues: inbound != nil || outbound != nil, now: now)
            return row
        }

        let dead = try store.deadItems(partner: nil).sorted { $0.id > $1.id }.prefix(max(0, deadLimit)).map {
            DeadLetter(
                id: $0.id, partner: $0.partner, direction: $0.direction, kind: $0.kind, attempts: $0.attempts,
                createdAt: $0.createdAt, lastError: $0.lastError.map(Redaction.redact))
        }
        let rejected = try store.recentQuarantinedRows(limit: rejectedLimit).map {
            RejectedRow(
                partner: $0.partner, messageID: Redaction.redact($0.messageID), rowNumber: $0.rowNumber,
                receivedAt: $0.receivedAt, problems: problems(ofRow: $0.problemsJSON))
        }
        return OperationsSnapshot(
            generatedAt: now, rowWindowSeconds: rowWindow, partners: rows, deadLetters: Array(dead),
            rejectedRows: rejected, history: history.samples(endingAt: now),
            databaseSizeBytes: try? store.databaseSizeBytes())
    }

    /// The status light and its reasons (thresholds in `Status`).
    static func assess(_ row: PartnerRow, hasQueues: Bool, now: Date) -> (Status, [String]) {
        var status = Status.ok
        var reasons: [String] = []
        func raise(_ s: Status, _ reason: String) {
            status = max(status, s)
            reasons.append(reason)
        }
        if row.dead > 0 { raise(.critical, "死信 \(row.dead) dead letter" + (row.dead == 1 ? "" : "s")) }
        if let age = row.oldestOutboundAgeSeconds, age > 3_600 { raise(.critical, "出站积压 outbound waiting > 1 h") }
        if let days = row.certificateDaysLeft {
            if days < 0 {
                raise(.critical, "证书已过期 certificate expired")
            } else if days < 7 {
                raise(.critical, "证书将到期 certificate expires in \(days) d")
            } else if days < 30 {
                raise(.warning, "证书将到期 certificate expires in \(days) d")
            }
        }
        if row.retrying > 0 { raise(.warning, "重试 \(row.retrying) retrying") }
        if let rate = row.rows.rejectedRate, rate > 0.1 { raise(.warning, "拒收率高 rejected rows > 10 %") }
        if let last = row.lastReceived, now.timeIntervalSince(last) > 86_400 {
            raise(.warning, "24 小时无数据 nothing received 24 h")
        }
        if status == .ok && row.lastReceived == nil && !hasQueues { status = .idle }
        return (status, reasons)
    }

    /// The error problems of a quarantined row's report (`{"problems": [{"code", "field", "severity"}]}` or a bare
    /// array), codes and fields masked; messages are left out, as they may quote the rejected value.
    static func problems(ofRow json: String) -> [(code: String, field: String)] {
        guard let value = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        else { return [("problems.unreadable", "")] }
        let list = (value as? [String: Any])?["problems"] as? [Any] ?? value as? [Any] ?? []
        var out: [(code: String, field: String)] = []
        for case let problem as [String: Any] in list {
            guard let code = problem["code"] as? String, !code.isEmpty,
                (problem["severity"] as? String) != "warning"
            else { continue }
            out.append((Redaction.redact(code), Redaction.redact(problem["field"] as? String ?? "")))
        }
        return out.isEmpty ? [("problems.unspecified", "")] : out
    }
}
