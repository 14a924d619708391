import Foundation
import GatewayCore
import GatewayStore

/// Every metric of the gateway (issue 9), declared once on a `MetricsRegistry` and served at `GET /metrics`.
///
/// Counters and histograms are fed by the service through the named methods below; gauges of the store (queue
/// depths and ages, dead letters, database size) are set by `refresh(from:partners:)` just before rendering.
/// Label values are partner slugs, directions and stable codes only: `labelValue(_:)` masks identity numbers
/// and turns anything that is not a short ASCII token (a person's name, free text) into `other`.
public final class OperationsMetrics: Sendable {
    public let registry: MetricsRegistry
    /// The per-minute traffic behind the dashboard's charts, fed by the same calls.
    public let history: OperationsHistory
    private let clock: @Sendable () -> Date

    /// Metric names, in one place so the service, the dashboard and the tests agree.
    public enum Name {
        public static let envelopesReceived = "g60_envelopes_received_total"
        public static let envelopesRejected = "g60_envelopes_rejected_total"
        public static let rowsAccepted = "g60_rows_accepted_total"
        public static let rowsQuarantined = "g60_rows_quarantined_total"
        public static let queueDepth = "g60_queue_depth_items"
        public static let queueOldestAge = "g60_queue_oldest_item_age_seconds"
        public static let queueRetry = "g60_queue_retry_items"
        public static let queueDead = "g60_queue_dead_items"
        public static let deliveryAttempts = "g60_delivery_attempts_total"
        public static let deliveryFailures = "g60_delivery_failures_total"
        public static let deadLetters = "g60_delivery_dead_letters_total"
        public static let receiptLatency = "g60_receipt_latency_seconds"
        public static let endToEndLatency = "g60_end_to_end_latency_seconds"
        public static let verificationFailures = "g60_verification_failures_total"
        public static let certificateExpiry = "g60_certificate_expiry_days"
        public static let measuresIssued = "g60_measures_issued_total"
        public static let measuresLifted = "g60_measures_lifted_total"
        public static let lookupRequests = "g60_lookup_requests_total"
        public static let lookupLatency = "g60_lookup_latency_seconds"
        public static let databaseSize = "g60_database_size_bytes"
    }

    /// End-to-end latency spans mapping, dispatch and a partner's retries: seconds to a day.
    public static let endToEndBuckets: [Double] = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3_600, 14_400, 86_400]

    public init(
        registry: MetricsRegistry = MetricsRegistry(), history: OperationsHistory = OperationsHistory(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.registry = registry
        self.history = history
        self.clock = clock
        declareAll()
    }

    private func declareAll() {
        let r = registry
        r.declare(
            Name.envelopesReceived, .counter, help: "Envelopes received and logged, by sending partner.",
            labels: ["partner"])
        r.declare(
            Name.envelopesRejected, .counter, help: "Envelopes refused before logging, by error code.",
            labels: ["code"])
        r.declare(Name.rowsAccepted, .counter, help: "Rows mapped and stored, by partner.", labels: ["partner"])
        r.declare(
            Name.rowsQuarantined, .counter, help: "Rows quarantined, by partner and problem code.",
            labels: ["partner", "code"])
        r.declare(
            Name.queueDepth, .gauge, help: "Queue items not yet delivered and not dead.",
            labels: ["partner", "direction"])
        r.declare(
            Name.queueOldestAge, .gauge, help: "Age of the oldest undelivered queue item (0 when empty).",
            labels: ["partner", "direction"])
        r.declare(Name.queueRetry, .gauge, help: "Queue items waiting for a retry.", labels: ["partner", "direction"])
        r.declare(
            Name.queueDead, .gauge, help: "Dead-lettered queue items awaiting replay.",
            labels: ["partner", "direction"])
        r.declare(Name.deliveryAttempts, .counter, help: "Outbound delivery attempts, by partner.", labels: ["partner"])
        r.declare(
            Name.deliveryFailures, .counter, help: "Outbound delivery attempts that failed, by partner.",
            labels: ["partner"])
        r.declare(
            Name.deadLetters, .counter, help: "Queue items moved to the dead-letter list, by partner.",
            labels: ["partner"])
        r.declare(Name.receiptLatency, .histogram, help: "Seconds from an envelope's arrival to its signed receipt.")
        r.declare(
            Name.endToEndLatency, .histogram,
            help: "Seconds from a record's arrival to its delivery to a partner.", buckets: Self.endToEndBuckets)
        r.declare(
            Name.verificationFailures, .counter, help: "Envelope or receipt verifications failed, by reason.",
            labels: ["reason"])
        r.declare(
            Name.certificateExpiry, .gauge, help: "Days until the partner's certificate expires.",
            labels: ["partner"])
        r.declare(
            Name.measuresIssued, .counter, help: "Joint reward/punishment measures issued, by measure code.",
            labels: ["measure"])
        r.declare(Name.measuresLifted, .counter, help: "Measures lifted, by measure code.", labels: ["measure"])
        r.declare(
            Name.lookupRequests, .counter, help: "Lookup requests, by kind and outcome.",
            labels: ["kind", "outcome"])
        r.declare(Name.lookupLatency, .histogram, help: "Seconds to answer a lookup.", labels: ["kind"])
        r.declare(Name.databaseSize, .gauge, help: "Bytes of the store on disk (database and write-ahead log).")
    }

    /// A label value that can carry no personal data: identity numbers masked, then anything but a short token of
    /// ASCII letters, digits and `._:-` (a name, a sentence, a masked number) replaced by `other`.
    public static func labelValue(_ raw: String) -> String {
        let value = Redaction.redact(raw)
        guard !value.isEmpty, value.utf8.count <= 64,
            value.utf8.allSatisfy({ b in
                (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7a) || b == 0x2E || b == 0x5F
                    || b == 0x3A || b == 0x2D
            })
        else { return "other" }
        return value
    }

    // MARK: - Events the service reports

    /// An envelope from `partner` was verified and logged; `receiptLatency` seconds until its receipt was sent.
    public func envelopeReceived(partner: String, receiptLatency: Double? = nil) {
        registry.increment(Name.envelopesReceived, labels: ["partner": Self.labelValue(partner)])
        if let receiptLatency { registry.observe(Name.receiptLatency, receiptLatency) }
        history.envelopeReceived(at: clock(), receiptLatency: receiptLatency)
    }

    /// An envelope was refused with the error `code` (e.g. `signature.invalid`).
    public func envelopeRejected(code: String) {
        registry.increment(Name.envelopesRejected, labels: ["code": Self.labelValue(code)])
    }

    /// The rows of one envelope of `partner` were mapped: `accepted` stored, and one problem code per quarantined
    /// row (the row's first error code).
    public func rowsMapped(partner: String, accepted: Int, quarantinedCodes: [String]) {
        let p = Self.labelValue(partner)
        registry.increment(Name.rowsAccepted, by: Double(accepted), labels: ["partner": p])
        for code in quarantinedCodes {
            registry.increment(Name.rowsQuarantined, labels: ["partner": p, "code": Self.labelValue(code)])
        }
        history.rowsMapped(at: clock(), accepted: accepted, quarantined: quarantinedCodes.count)
    }

    /// One delivery attempt to `partner` ended. `endToEndLatency`: seconds from the record's arrival to this
    /// successful delivery. `deadLettered`: the failure moved the item to the dead-letter list.
    public func deliveryAttempted(
        partner: String, succeeded: Bool, endToEndLatency: Double? = nil, deadLettered: Bool = false
    ) {
        let labels = ["partner": Self.labelValue(partner)]
        registry.increment(Name.deliveryAttempts, labels: labels)
        if !succeeded { registry.increment(Name.deliveryFailures, labels: labels) }
        if deadLettered { registry.increment(Name.deadLetters, labels: labels) }
        if succeeded, let endToEndLatency { registry.observe(Name.endToEndLatency, endToEndLatency) }
        history.deliveryFinished(at: clock(), succeeded: succeeded, endToEndLatency: endToEndLatency)
    }

    /// A signature, certificate or replay check failed with `reason` (a CryptoError code).
    public func verificationFailed(reason: String) {
        registry.increment(Name.verificationFailures, labels: ["reason": Self.labelValue(reason)])
    }

    /// The certificate of `partner` expires at `notAfter`: whole days left (negative once expired).
    public func certificateExpires(partner: String, notAfter: Date) {
        let days = (notAfter.timeIntervalSince(clock()) / 86_400).rounded(.down)
        registry.set(Name.certificateExpiry, days, labels: ["partner": Self.labelValue(partner)])
    }

    /// The dispatcher issued a measure (catalogue code).
    public func measureIssued(measure: String) {
        registry.increment(Name.measuresIssued, labels: ["measure": Self.labelValue(measure)])
    }

    /// A measure was lifted (retraction, expiry, repair).
    public func measureLifted(measure: String) {
        registry.increment(Name.measuresLifted, labels: ["measure": Self.labelValue(measure)])
    }

    /// A lookup of `kind` (e.g. `trustTravel`, `subjectReport`) was answered with `outcome` (e.g. `ok`,
    /// `notFound`, `denied`) in `latency` seconds.
    public func lookupAnswered(kind: String, outcome: String, latency: Double) {
        let k = Self.labelValue(kind)
        registry.increment(Name.lookupRequests, labels: ["kind": k, "outcome": Self.labelValue(outcome)])
        registry.observe(Name.lookupLatency, latency, labels: ["kind": k])
    }

    // MARK: - Gauges from the store

    /// Sets the queue and database gauges from the store. Every partner of `partners` gets its gauges even with
    /// nothing queued (zero), so a dashboard can tell an idle partner from a missing series.
    public func refresh(from store: some QueueStore & OperationsSource, partners: [String] = []) throws {
        let summaries = try store.queueSummary()
        var seen = Set<String>()
        for s in summaries {
            seen.insert(s.partner + "/" + s.direction.rawValue)
            setQueueGauges(
                partner: s.partner, direction: s.direction, depth: s.depth,
                oldestAge: s.oldestAgeSeconds ?? 0, retry: s.inRetry, dead: s.dead)
        }
        for partner in partners {
            for direction in QueueDirection.allCases where !seen.contains(partner + "/" + direction.rawValue) {
                setQueueGauges(partner: partner, direction: direction, depth: 0, oldestAge: 0, retry: 0, dead: 0)
            }
        }
        registry.set(Name.databaseSize, Double(try store.databaseSizeBytes()))
    }

    private func setQueueGauges(
        partner: String, direction: QueueDirection, depth: Int, oldestAge: Double, retry: Int, dead: Int
    ) {
        let labels = ["partner": Self.labelValue(partner), "direction": direction.rawValue]
        registry.set(Name.queueDepth, Double(depth), labels: labels)
        registry.set(Name.queueOldestAge, oldestAge, labels: labels)
        registry.set(Name.queueRetry, Double(retry), labels: labels)
        registry.set(Name.queueDead, Double(dead), labels: labels)
    }

    /// The text exposition format 0.0.4 for `GET /metrics` (content type `text/plain; version=0.0.4`).
    public func render() -> String { registry.render() }

    /// The content type of `render()`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
