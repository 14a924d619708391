import Foundation
import GatewayCore
import GatewayCrypto
import GatewayMapping
import GatewayStore

/// The operators' console as the service mounts it: one value holding the store, the partner list, the metrics
/// and the certificate dates, answering `GET /metrics`, `GET /ops` and parsing the replay form of
/// `POST /ops/dlq/replay`. The HTTP routes, their scope check and the replay itself belong to the service.
public final class OperationsConsole: Sendable {
    public let metrics: OperationsMetrics
    public let partners: [PartnerDescription]
    /// Each partner's earliest certificate `notAfter`, when known.
    public let certificates: [String: Date]
    private let store: any QueueStore & OperationsSource
    private let clock: @Sendable () -> Date
    /// The window of the dashboard's rejected-row rates. Its query scans the rows of the window (≈ 0.3 s per 200k
    /// rows in Benchmarks/BENCHMARKS.md), so shorten it on a very busy node.
    public let rowWindow: TimeInterval

    public init(
        store: any QueueStore & OperationsSource, partners: [PartnerDescription], metrics: OperationsMetrics,
        certificates: [String: Date] = [:], rowWindow: TimeInterval = 86_400,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.rowWindow = rowWindow
        self.store = store
        self.partners = partners
        self.metrics = metrics
        self.certificates = certificates
        self.clock = clock
    }

    /// The body of `GET /metrics` (content type `OperationsMetrics.contentType`): the store's gauges and the
    /// certificate gauges refreshed, then every metric rendered.
    public func metricsText() throws -> String {
        try metrics.refresh(from: store, partners: partners.map(\.id))
        for (partner, notAfter) in certificates { metrics.certificateExpires(partner: partner, notAfter: notAfter) }
        return metrics.render()
    }

    /// The body of `GET /ops` (content type `OperationsDashboard.contentType`).
    public func dashboardHTML(refreshSeconds: Int = 10) throws -> String {
        let snapshot = try OperationsSnapshot.load(
            store: store, partners: partners, history: metrics.history, now: clock(), certificates: certificates,
            rowWindow: rowWindow)
        return OperationsDashboard.render(snapshot, refreshSeconds: refreshSeconds)
    }

    /// The queue item id of a replay form body (`application/x-www-form-urlencoded`, field `id`), or nil when
    /// the field is missing or not a positive integer.
    public static func replayItemID(formBody: [UInt8]) -> Int64? {
        let text = String(decoding: formBody, as: UTF8.self)
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "id" else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(value), id > 0
            else { return nil }
            return id
        }
        return nil
    }

    /// Each partner's earliest certificate expiry, from the PEM files its partner.json lists under `certificates`
    /// (relative to its folder). Files that are missing or unreadable are skipped: `partner check` reports them.
    public static func certificateExpiries(of partners: [Partner]) -> [String: Date] {
        var out: [String: Date] = [:]
        for partner in partners {
            for path in partner.description.certificates ?? [] {
                guard let certificates = try? Certificate.load(file: partner.folder.appendingPathComponent(path))
                else { continue }
                for certificate in certificates {
                    out[partner.id] = min(out[partner.id] ?? certificate.notAfter, certificate.notAfter)
                }
            }
        }
        return out
    }
}
