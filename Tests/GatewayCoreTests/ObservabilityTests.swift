import Foundation
import GatewayCore
import Testing

@Test func redactionMasksIdentityNumbersButNotOtherCodes() {
    #expect(Redaction.redact("subject 11010519491231002X rejected") == "subject 110105********002X rejected")
    #expect(Redaction.redact("legacy 110105491231002.") == "legacy 110105*****1002.")
    #expect(Redaction.redact("uscc 91330100716105852F ok") == "uscc 91330100716105852F ok")
    #expect(Redaction.redact("case (2025)皖01执1234号, amount 1234567") == "case (2025)皖01执1234号, amount 1234567")
    #expect(Redaction.redact("x11010519491231002X") == "x11010519491231002X")  // part of a longer token
    #expect(Redaction.redact("11010519491231002x") == "110105********002x")
}

@Test func loggerWritesRedactedJSONLines() throws {
    let memory = MemoryLogHandler()
    let logger = Logger(label: "test", level: .info, handler: memory, metadata: ["node.id": "g60-hub"])
    logger.debug("not shown")
    logger.warning("row rejected for 11010519491231002X", ["partner.id": "jiaxing", "subject": "11010519491231002X"])
    #expect(memory.records.count == 1)
    let record = try #require(memory.records.first)
    #expect(record.message == "row rejected for 110105********002X")
    #expect(record.fields == ["node.id": "g60-hub", "partner.id": "jiaxing", "subject": "110105********002X"])
    let line = JSONLinesLogHandler.format(record)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
    #expect(object["level"] == "warning" && object["partner.id"] == "jiaxing")
    #expect(JSONLinesLogHandler.rfc3339(Date(timeIntervalSince1970: 1_700_000_000.123)) == "2023-11-14T22:13:20.123Z")
    #expect(JSONLinesLogHandler.format(LogRecord(time: Date(timeIntervalSince1970: 0), level: .info, label: "a\"b", message: "line\nbreak\u{1}", fields: [:])).contains(#""label":"a\"b","message":"line\nbreak\u0001""#))
}

@Test func metricsRenderTheTextFormat() {
    let m = MetricsRegistry()
    m.declare("g60_envelopes_received_total", .counter, help: "Envelopes received", labels: ["partner"])
    m.increment("g60_envelopes_received_total", labels: ["partner": "jiaxing"])
    m.increment("g60_envelopes_received_total", by: 2, labels: ["partner": "jiaxing"])
    m.set("g60_queue_depth", 5, labels: ["direction": "outbound", "partner": "hefei"])
    m.observe("g60_receipt_latency_seconds", 0.004)
    m.observe("g60_receipt_latency_seconds", 2)
    m.increment("g60_lookups_total", labels: ["subject": "11010519491231002X"])
    let text = m.render()
    #expect(text.contains("# TYPE g60_envelopes_received_total counter\ng60_envelopes_received_total{partner=\"jiaxing\"} 3\n"))
    #expect(text.contains("g60_queue_depth{direction=\"outbound\",partner=\"hefei\"} 5\n"))
    #expect(text.contains("g60_receipt_latency_seconds_bucket{le=\"0.005\"} 1\n"))
    #expect(text.contains("g60_receipt_latency_seconds_bucket{le=\"+Inf\"} 2\n"))
    #expect(text.contains("g60_receipt_latency_seconds_count 2\n"))
    #expect(!text.contains("11010519491231002X"))
    #expect(m.value("g60_envelopes_received_total", labels: ["partner": "jiaxing"]) == 3)
}
