import Foundation
import GatewayCore
import GatewayStore
import Testing

@testable import Gateway

/// `OperationsMetrics` on the operations fixture: the exposition text parsed by a real Prometheus parser, the
/// store's gauges, and no personal data in any label.
@Suite(.serialized) struct OperationsMetricsTests {
    static func withFixture(_ body: (OperationsFixture) throws -> Void) throws {
        let fixture = try OperationsFixture()
        defer { fixture.cleanup() }
        try body(fixture)
    }

    /// Feeds a little of every event, including labels that carry an identity number and a person's name.
    static func exercise(_ m: OperationsMetrics) {
        m.envelopeReceived(partner: "jiaxing", receiptLatency: 0.031)
        m.envelopeReceived(partner: "jiaxing", receiptLatency: 0.012)
        m.envelopeReceived(partner: "suzhou")
        m.envelopeRejected(code: "signature.invalid")
        m.envelopeRejected(code: OperationsFixture.personIdentity)
        m.rowsMapped(partner: "suzhou", accepted: 6, quarantinedCodes: ["subject.uscc.checksum", "field.required"])
        m.rowsMapped(
            partner: "wuhu", accepted: 0,
            quarantinedCodes: ["subject.identity.checksum " + OperationsFixture.personIdentity])
        m.deliveryAttempted(partner: "jiaxing", succeeded: true, endToEndLatency: 4.5)
        m.deliveryAttempted(partner: "wuhu", succeeded: false)
        m.deliveryAttempted(partner: "wuhu", succeeded: false, deadLettered: true)
        m.verificationFailed(reason: "certificate.expired")
        m.certificateExpires(partner: "xuancheng", notAfter: OperationsFixture.now.addingTimeInterval(5.2 * 86_400))
        m.measureIssued(measure: "M-P-01")
        m.measureLifted(measure: "M-P-01")
        m.lookupAnswered(kind: "trustTravel", outcome: "ok", latency: 0.004)
        m.lookupAnswered(kind: OperationsFixture.personName, outcome: "notFound", latency: 0.002)
    }

    @Test func declaresEveryMetricOfTheIssueWithConventionalNames() {
        let m = OperationsMetrics(clock: { OperationsFixture.now })
        let text = m.render()
        let expected: [(String, String)] = [
            (OperationsMetrics.Name.envelopesReceived, "counter"),
            (OperationsMetrics.Name.envelopesRejected, "counter"),
            (OperationsMetrics.Name.rowsAccepted, "counter"), (OperationsMetrics.Name.rowsQuarantined, "counter"),
            (OperationsMetrics.Name.queueDepth, "gauge"), (OperationsMetrics.Name.queueOldestAge, "gauge"),
            (OperationsMetrics.Name.queueRetry, "gauge"), (OperationsMetrics.Name.queueDead, "gauge"),
            (OperationsMetrics.Name.deliveryAttempts, "counter"), (OperationsMetrics.Name.deliveryFailures, "counter"),
            (OperationsMetrics.Name.deadLetters, "counter"), (OperationsMetrics.Name.receiptLatency, "histogram"),
            (OperationsMetrics.Name.endToEndLatency, "histogram"),
            (OperationsMetrics.Name.verificationFailures, "counter"),
            (OperationsMetrics.Name.certificateExpiry, "gauge"), (OperationsMetrics.Name.measuresIssued, "counter"),
            (OperationsMetrics.Name.measuresLifted, "counter"), (OperationsMetrics.Name.lookupRequests, "counter"),
            (OperationsMetrics.Name.lookupLatency, "histogram"), (OperationsMetrics.Name.databaseSize, "gauge"),
        ]
        for (name, type) in expected {
            #expect(text.contains("# TYPE \(name) \(type)\n"), "\(name) is not declared as a \(type)")
            #expect(name.hasPrefix("g60_"))
            #expect((type == "counter") == name.hasSuffix("_total"), "\(name): only counters end in _total")
        }
    }

    @Test func labelValuesCarryNoPersonalData() {
        #expect(OperationsMetrics.labelValue("jiaxing") == "jiaxing")
        #expect(OperationsMetrics.labelValue("signature.invalid") == "signature.invalid")
        #expect(OperationsMetrics.labelValue(OperationsFixture.personIdentity) == "other")
        #expect(OperationsMetrics.labelValue("110105491231002") == "other")
        #expect(OperationsMetrics.labelValue(OperationsFixture.personName) == "other")
        #expect(OperationsMetrics.labelValue("Zhang San Feng") == "other")
        #expect(OperationsMetrics.labelValue("") == "other")
        #expect(OperationsMetrics.labelValue(String(repeating: "a", count: 65)) == "other")
    }

    @Test func refreshSetsQueueAndDatabaseGaugesFromTheStore() throws {
        try Self.withFixture { f in
            let m = OperationsMetrics(clock: { OperationsFixture.now })
            try m.refresh(from: f.store, partners: f.partners.map(\.id))
            let r = m.registry
            typealias N = OperationsMetrics.Name
            #expect(r.value(N.queueDepth, labels: ["partner": "jinhua", "direction": "outbound"]) == 2)
            #expect(r.value(N.queueRetry, labels: ["partner": "jinhua", "direction": "outbound"]) == 2)
            // Jinhua's oldest undelivered item was queued 29 minutes before the fixture's now.
            let age = try #require(r.value(N.queueOldestAge, labels: ["partner": "jinhua", "direction": "outbound"]))
            #expect(abs(age - 29 * 60) < 0.01)
            #expect(r.value(N.queueDead, labels: ["partner": "wuhu", "direction": "outbound"]) == 3)
            #expect(r.value(N.queueDepth, labels: ["partner": "wuhu", "direction": "outbound"]) == 0)
            #expect(r.value(N.queueDepth, labels: ["partner": "jiaxing", "direction": "outbound"]) == 1)
            // Hefei has no queue at all: zero-filled, in both directions.
            #expect(r.value(N.queueDepth, labels: ["partner": "hefei", "direction": "outbound"]) == 0)
            #expect(r.value(N.queueDepth, labels: ["partner": "hefei", "direction": "inbound"]) == 0)
            let size = try #require(r.value(N.databaseSize))
            #expect(size > 4_096)
        }
    }

    @Test func exposition_parsesWithPrometheusClient_andNoLabelCarriesPersonalData() throws {
        try Self.withFixture { f in
            let m = OperationsMetrics(clock: { OperationsFixture.now })
            Self.exercise(m)
            try m.refresh(from: f.store, partners: f.partners.map(\.id))
            let text = m.render()
            #expect(!text.contains(OperationsFixture.personIdentity))
            #expect(!text.contains(OperationsFixture.personName))
            #expect(!OperationsTools.containsClearIdentityNumber(text))

            guard let families = try OperationsTools.parsePrometheus(text) else { return }
            let byName = Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            // The parser drops `_total` from counter family names (OpenMetrics style), keeping it on samples.
            #expect(byName["g60_envelopes_received"]?.type == "counter")
            #expect(byName["g60_receipt_latency_seconds"]?.type == "histogram")
            #expect(byName["g60_queue_depth_items"]?.type == "gauge")
            #expect(families.count == 20)
            func value(_ sample: String, _ labels: [String: String]) -> Double? {
                families.flatMap(\.samples).first { $0.name == sample && $0.labels == labels }?.value
            }
            #expect(value("g60_envelopes_received_total", ["partner": "jiaxing"]) == 2)
            #expect(value("g60_envelopes_rejected_total", ["code": "other"]) == 1)
            #expect(value("g60_rows_accepted_total", ["partner": "suzhou"]) == 6)
            #expect(value("g60_rows_quarantined_total", ["partner": "wuhu", "code": "other"]) == 1)
            #expect(value("g60_delivery_failures_total", ["partner": "wuhu"]) == 2)
            #expect(value("g60_delivery_dead_letters_total", ["partner": "wuhu"]) == 1)
            #expect(value("g60_receipt_latency_seconds_count", [:]) == 2)
            #expect(value("g60_receipt_latency_seconds_bucket", ["le": "0.025"]) == 1)
            #expect(value("g60_end_to_end_latency_seconds_bucket", ["le": "5"]) == 1)
            #expect(value("g60_certificate_expiry_days", ["partner": "xuancheng"]) == 5)
            #expect(value("g60_lookup_requests_total", ["kind": "other", "outcome": "notFound"]) == 1)
            #expect(value("g60_queue_dead_items", ["partner": "wuhu", "direction": "outbound"]) == 3)

            let labelValues = families.flatMap(\.samples).flatMap { $0.labels.values }
            #expect(labelValues.count > 50)
            for label in labelValues {
                #expect(!OperationsTools.containsClearIdentityNumber(label), "label value \(label)")
                #expect(label.unicodeScalars.allSatisfy { $0.isASCII }, "label value \(label) is not an ASCII token")
                #expect(!label.contains("*"), "label value \(label) is a masked number")
                #expect(!label.contains(" "), "label value \(label) looks like free text or a name")
            }
        }
    }
}
