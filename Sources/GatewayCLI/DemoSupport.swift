import Foundation
import Gateway
import GatewayCore
import GatewayCrypto
import GatewayMapping
import GatewayStore

/// The demo's bearer tokens (DEMO secrets, kept in clear in `<state>/credentials.json` so a person can use curl).
struct DemoCredentials: Codable {
    var operate: String
    var readRecords: String
    var lookup: String
    var submit: String
    var partners: [String: String]

    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }

    /// The state folder's tokens, made on first use; a partner without a token (a folder added since) gets one.
    static func loadOrCreate(_ url: URL, partners: [String]) throws -> DemoCredentials {
        var credentials: DemoCredentials
        if let data = FileManager.default.contents(atPath: url.path),
            let existing = try? JSONDecoder().decode(DemoCredentials.self, from: data)
        {
            credentials = existing
            if partners.allSatisfy({ existing.partners[$0] != nil }) { return existing }
        } else {
            credentials = DemoCredentials(
                operate: token(), readRecords: token(), lookup: token(), submit: token(), partners: [:])
        }
        for slug in partners where credentials.partners[slug] == nil { credentials.partners[slug] = token() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(credentials).write(to: url)
        return credentials
    }

    static func hash(_ token: String) -> String { Digest.hash(Array(token.utf8), using: .sha256).hexString }

    /// The demo node's configuration file (Contracts/config/README.md).
    func configuration(port: UInt16, state: URL, partners partnersFolder: URL, contracts: URL) throws -> Data {
        var clients: [[String: Any]] = [
            ["id": "demo-operator", "scopes": ["operate"], "tokenSha256": Self.hash(operate)],
            ["id": "demo-reader", "scopes": ["read-records"], "tokenSha256": Self.hash(readRecords)],
            ["id": "demo-scenic-spot", "scopes": ["lookup"], "tokenSha256": Self.hash(lookup)],
            ["id": "demo-submitter", "scopes": ["submit"], "tokenSha256": Self.hash(submit)],
        ]
        for (slug, token) in partners.sorted(by: { $0.key < $1.key }) {
            clients.append([
                "id": "partner-\(slug)", "scopes": ["submit", "read-records"], "tokenSha256": Self.hash(token),
                "partner": slug,
            ])
        }
        let object: [String: Any] = [
            "node": ["id": "g60-hub"],
            "listen": ["http": "127.0.0.1:\(port)"],
            "database": ["path": state.appendingPathComponent("gateway.sqlite").path],
            "paths": ["partners": partnersFolder.path, "contracts": contracts.path],
            "trust": ["directory": state.appendingPathComponent("pki").path],
            "retry": ["initialDelaySeconds": 0.2, "maxDelaySeconds": 5],
            "subjectKey": ["demo": true],
            "identityKey": ["demo": true],
            "clients": clients,
            "log": ["level": "info"],
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

/// What the fixtures' golden files say should happen.
struct DemoExpectations {
    var accepted: [String: Int] = [:]
    var quarantined: [String: Int] = [:]
    /// Source partner → deliveries expected to the other partners.
    var deliveries: [String: Int] = [:]
    /// Record ids already counted: a record sent again (the same natural key) is not delivered again.
    var seen: Set<String> = []
    /// A USCC that has records after the exchange, for the printed curl example.
    var exampleUSCC: String?

    /// Adds a fixture folder's goldens; returns the row count the envelope declares.
    mutating func add(folder: URL, partner: String, partners: PartnerDirectory) -> Int {
        func lines(_ name: String) -> [[String: Any]] {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { return [] }
            return data.split(separator: UInt8(ascii: "\n")).compactMap {
                try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
            }
        }
        let records = lines("expected-records.jsonl")
        let report = lines("expected-report.jsonl")
        accepted[partner, default: 0] += records.count
        quarantined[partner, default: 0] += report.filter { ($0["verdict"] as? String) == "rejected" }.count
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent("fixture.json").path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["expectedError"] != nil
        {
            quarantined[partner, default: 0] += 1  // the unreadable rest of the file, as one quarantined row
        }
        for record in records {
            if exampleUSCC == nil, let subject = record["subject"] as? [String: Any], let uscc = subject["uscc"] as? String {
                exampleUSCC = uscc
            }
            guard let kind = (record["kind"] as? String).flatMap(RecordKind.init(rawValue:)),
                seen.insert((record["id"] as? String) ?? UUID().uuidString).inserted
            else { continue }
            deliveries[partner, default: 0] +=
                partners.subscribers(of: kind, except: partner).count
        }
        return report.count
    }
}

/// The per-city summary a person reads at the end of the demo, with its checks.
struct DemoSummary {
    var text: String
    var json: [String: Any]
    var passed: Bool

    static func build(
        service: GatewayService, partners: PartnerDirectory, simulated: [String: SimulatedPartner],
        sent: [String: (envelopes: Int, rows: Int, receipts: Int)], expected: DemoExpectations
    ) throws -> DemoSummary {
        var lines = ["== summary per city (expected from the fixtures' golden files in brackets)"]
        lines.append(
            "   city        envelopes  receipts  rows  accepted       quarantined    delivered to others   duplicates")
        var cities: [[String: Any]] = []
        var failures: [String] = []
        let received = simulated.mapValues(\.received)
        var rejectedLines: [String] = []
        for id in partners.ids {
            let s = sent[id] ?? (0, 0, 0)
            let accepted = Int(service.metrics.value("g60_rows_accepted_total", labels: ["partner": id]) ?? 0)
            let quarantinedRows = try service.store.quarantined(partner: id, messageID: nil, rowNumber: nil)
            let delivered = received.filter { $0.key != id }.reduce(0) { $0 + ($1.value.recordsBySource[id] ?? 0) }
            let duplicates = received[id]?.duplicates ?? 0
            let e = (expected.accepted[id] ?? 0, expected.quarantined[id] ?? 0, expected.deliveries[id] ?? 0)
            func mark(_ got: Int, _ want: Int) -> String { got == want ? "\(got) [\(want)]" : "\(got) [\(want)] ✗" }
            lines.append(
                "   " + id.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(s.envelopes).padding(toLength: 11, withPad: " ", startingAt: 0)
                    + String(s.receipts).padding(toLength: 10, withPad: " ", startingAt: 0)
                    + String(s.rows).padding(toLength: 6, withPad: " ", startingAt: 0)
                    + mark(accepted, e.0).padding(toLength: 15, withPad: " ", startingAt: 0)
                    + mark(quarantinedRows.count, e.1).padding(toLength: 15, withPad: " ", startingAt: 0)
                    + mark(delivered, e.2).padding(toLength: 22, withPad: " ", startingAt: 0) + String(duplicates))
            if accepted != e.0 { failures.append("\(id): \(accepted) rows accepted, the goldens say \(e.0)") }
            if quarantinedRows.count != e.1 {
                failures.append("\(id): \(quarantinedRows.count) rows quarantined, the goldens say \(e.1)")
            }
            if delivered != e.2 { failures.append("\(id): \(delivered) deliveries to others, expected \(e.2)") }
            if duplicates != 0 { failures.append("\(id): received \(duplicates) duplicate deliveries") }
            if s.receipts != s.envelopes { failures.append("\(id): \(s.envelopes - s.receipts) receipts did not verify") }
            for row in quarantinedRows.sorted(by: { ($0.messageID, $0.rowNumber) < ($1.messageID, $1.rowNumber) }) {
                let problems = (try? JSONSerialization.jsonObject(with: Data(row.problemsJSON.utf8)) as? [[String: Any]]) ?? []
                let codes = problems.compactMap { p -> String? in
                    guard (p["severity"] as? String) != "warning" else { return nil }
                    return p["code"] as? String
                }
                rejectedLines.append("   \(id) row \(row.rowNumber): \(codes.joined(separator: ", "))")
            }
            cities.append([
                "partner": id, "envelopes": s.envelopes, "receiptsVerified": s.receipts, "rowsSent": s.rows,
                "accepted": accepted, "quarantined": quarantinedRows.count, "deliveredToOthers": delivered,
                "duplicatesReceived": duplicates, "expectedAccepted": e.0, "expectedQuarantined": e.1,
                "expectedDeliveries": e.2,
            ])
        }
        let unversioned = received.values.reduce(0) { $0 + $1.records.keys.filter { $0.hasSuffix("@?") }.count }
        if unversioned > 0 { failures.append("\(unversioned) delivered records carry no version") }
        let chain = try service.store.verifyChain()
        if !chain.isIntact { failures.append("message log: \(chain.firstBroken?.description ?? "broken")") }
        let dead = try service.store.deadItems(partner: nil).count
        if dead > 0 { failures.append("\(dead) deliveries are dead-lettered") }
        lines.append("== rejected rows and why (stable problem codes; raw rows kept in the quarantine)")
        lines += rejectedLines
        lines.append("== message log: \(chain.entriesChecked) entries, chain \(chain.isIntact ? "verifies" : "BROKEN")")
        lines.append(failures.isEmpty ? "== checks: all passed" : "== checks FAILED:\n" + failures.map { "   " + $0 }.joined(separator: "\n"))
        return DemoSummary(
            text: lines.joined(separator: "\n"),
            json: ["cities": cities, "failures": failures, "logEntries": chain.entriesChecked, "chainIntact": chain.isIntact],
            passed: failures.isEmpty)
    }
}
