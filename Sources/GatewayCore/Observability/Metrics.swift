import Foundation

/// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text exposition
/// format 0.0.4 for `GET /metrics`. Thread-safe (one lock; updates are a dictionary write).
///
/// Label values pass through `Redaction`, so a caller can never put an identity number into a label.
public final class MetricsRegistry: @unchecked Sendable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    struct Family {
        var name: String
        var help: String
        var kind: Kind
        var buckets: [Double]
        var values: [[String]: Double] = [:]  // label values (sorted by label name) → value
        var labelNames: [String] = []
        var histograms: [[String]: (counts: [UInt64], sum: Double, count: UInt64)] = [:]
    }

    private let lock = NSLock()
    private var families: [String: Family] = [:]

    public init() {}

    /// Seconds buckets for latencies from 1 ms to 30 s.
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    /// Declares a metric; declaring it again with the same kind is harmless.
    public func declare(_ name: String, _ kind: Kind, help: String, labels: [String] = [], buckets: [Double] = latencyBuckets) {
        lock.lock()
        defer { lock.unlock() }
        if families[name] == nil {
            families[name] = Family(name: name, help: help, kind: kind, buckets: buckets, labelNames: labels.sorted())
        }
    }

    private func key(_ labels: [String: String], family: Family) -> [String] {
        family.labelNames.map { Redaction.redact(labels[$0] ?? "") }
    }

    /// Adds `by` to a counter (declared on first use with an empty help text if needed).
    public func increment(_ name: String, by: Double = 1, labels: [String: String] = [:]) {
        lock.lock()
        defer { lock.unlock() }
        if families[name] == nil {
            families[name] = Family(name: name, help: name, kind: .counter, buckets: [], labelNames: labels.keys.sorted())
        }
        let k = key(labels, family: families[name]!)
        families[name]!.values[k, default: 0] += by
    }

    /// Sets a gauge.
    public func set(_ name: String, _ value: Double, labels: [String: String] = [:]) {
        lock.lock()
        defer { lock.unlock() }
        if families[name] == nil {
            families[name] = Family(name: name, help: name, kind: .gauge, buckets: [], labelNames: labels.keys.sorted())
        }
        let k = key(labels, family: families[name]!)
        families[name]!.values[k] = value
    }

    /// Records one observation in a histogram.
    public func observe(_ name: String, _ value: Double, labels: [String: String] = [:]) {
        lock.lock()
        defer { lock.unlock() }
        if families[name] == nil {
            families[name] = Family(
                name: name, help: name, kind: .histogram, buckets: MetricsRegistry.latencyBuckets,
                labelNames: labels.keys.sorted())
        }
        let family = families[name]!
        let k = key(labels, family: family)
        var h = family.histograms[k] ?? (counts: [UInt64](repeating: 0, count: family.buckets.count), sum: 0, count: 0)
        for (i, bound) in family.buckets.enumerated() where value <= bound { h.counts[i] += 1 }
        h.sum += value
        h.count += 1
        families[name]!.histograms[k] = h
    }

    /// The current value of a counter or gauge (for tests and the dashboard).
    public func value(_ name: String, labels: [String: String] = [:]) -> Double? {
        lock.lock()
        defer { lock.unlock() }
        guard let family = families[name] else { return nil }
        return family.values[key(labels, family: family)]
    }

    /// The text exposition format 0.0.4.
    public func render() -> String {
        lock.lock()
        let snapshot = families
        lock.unlock()
        var out = ""
        for name in snapshot.keys.sorted() {
            let f = snapshot[name]!
            out += "# HELP \(name) \(escapeHelp(f.help))\n# TYPE \(name) \(f.kind.rawValue)\n"
            func labelText(_ values: [String], extra: (String, String)? = nil) -> String {
                var pairs = zip(f.labelNames, values).map { "\($0)=\"\(escapeLabel($1))\"" }
                if let extra { pairs.append("\(extra.0)=\"\(extra.1)\"") }
                return pairs.isEmpty ? "" : "{" + pairs.joined(separator: ",") + "}"
            }
            if f.kind == .histogram {
                for (labels, h) in f.histograms.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                    for (i, bound) in f.buckets.enumerated() {
                        out += "\(name)_bucket\(labelText(labels, extra: ("le", format(bound)))) \(h.counts[i])\n"
                    }
                    out += "\(name)_bucket\(labelText(labels, extra: ("le", "+Inf"))) \(h.count)\n"
                    out += "\(name)_sum\(labelText(labels)) \(format(h.sum))\n"
                    out += "\(name)_count\(labelText(labels)) \(h.count)\n"
                }
            } else {
                for (labels, v) in f.values.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                    out += "\(name)\(labelText(labels)) \(format(v))\n"
                }
            }
        }
        return out
    }

    private func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    private func escapeLabel(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
