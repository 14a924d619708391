import Foundation
import Gateway
import GatewayCore
import GatewayHTTP
import GatewayMapping
import GatewayStore
import GatewayTesting
import Synchronization
import Testing

@testable import GatewayCLI

/// After the nine-city demo (`demo --exit` on a fresh state folder), no clear resident identity number from the
/// partners' fixture inputs appears in the gateway log, the demo's printed output and summary.json, the metrics,
/// or any API response (queues, envelope lookups, subject record reads). The database is checked elsewhere (the
/// encryption-at-rest work).
@Suite(.serialized) struct PrivacyTests {
    /// Every valid resident identity number (18 characters, check digit and birth date right) in the fixture inputs.
    static func clearIdentityNumbers() throws -> Set<String> {
        let checker = IdentifierChecker(authorities: try TestSupport.codeTables().usccAuthorities)
        var found: Set<String> = []
        let partners = try PartnerDirectory.load(directory: TestSupport.partners)
        for id in partners.ids {
            guard let partner = partners.partner(id) else { continue }
            for folder in PartnerFixtures.folders(of: partner) {
                guard
                    let data = FileManager.default.contents(atPath: folder.appendingPathComponent("fixture.json").path),
                    let fixture = try? JSONDecoder().decode(DemoFixture.self, from: data),
                    let input = FileManager.default.contents(atPath: folder.appendingPathComponent(fixture.input).path)
                else { continue }
                for candidate in candidates(in: Array(input)) where checker.check(candidate, as: .ric).isValid {
                    found.insert(candidate.uppercased())
                }
            }
        }
        return found
    }

    /// Runs of 17 digits + a digit or X, not inside a longer run of digits (works on GBK and UTF-8 alike).
    static func candidates(in bytes: [UInt8]) -> [String] {
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        var out: [String] = []
        var i = 0
        while i + 18 <= bytes.count {
            if (i == 0 || !isDigit(bytes[i - 1])) && bytes[i..<i + 17].allSatisfy(isDigit) {
                let last = bytes[i + 17]
                let after = i + 18 < bytes.count ? bytes[i + 18] : 0
                if isDigit(last) || last == UInt8(ascii: "X") || last == UInt8(ascii: "x"), !isDigit(after) {
                    out.append(String(decoding: bytes[i..<i + 18], as: UTF8.self))
                    i += 18
                    continue
                }
            }
            i += 1
        }
        return out
    }

    @Test func noClearIdentityNumberLeavesTheGatewayAfterTheDemo() throws {
        let numbers = try Self.clearIdentityNumbers()
        #expect(numbers.count >= 3, "the fixtures should hold clear identity numbers: \(numbers.count)")
        let state = FileManager.default.temporaryDirectory.appendingPathComponent(
            "g60-reliab-privacy-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: state) }
        let printed = Mutex("")
        let io = CLIIO(
            readAll: { Data() }, writeOut: { text in printed.withLock { $0 += text + "\n" } },
            writeErr: { text in printed.withLock { $0 += text + "\n" } })
        let status = CLI.main(
            [
                "demo", "--state", state.path, "--port", "0", "--exit", "--alg", "ed25519",
                "--contracts", TestSupport.contracts.path, "--partners", TestSupport.partners.path,
            ], io: io)
        #expect(status == 0, "the demo failed:\n\(printed.withLock { $0 })")

        var texts: [(String, String)] = [("demo output", printed.withLock { $0 })]
        for file in ["gateway.log", "summary.json"] {
            let url = state.appendingPathComponent(file)
            let text = try #require(try? String(contentsOf: url, encoding: .utf8), "\(file) missing")
            texts.append((file, text))
        }
        #expect(texts[1].1.count > 1000, "the gateway log is nearly empty")

        // The same node again (the demo's configuration and database), for the API.
        let configuration = try Configuration.load(
            file: state.appendingPathComponent("gateway.json").path, environment: [:])
        let service = try GatewayService(
            configuration: configuration, logger: Logger(label: "g60-gateway", handler: SilentLogHandler()))
        try service.start()
        defer { service.stop() }
        let api = try API(base: "http://127.0.0.1:\(service.ports.first ?? 0)")
        let credentials = try DemoCredentials.loadOrCreate(state.appendingPathComponent("credentials.json"))
        func get(_ path: String, _ token: String) throws -> String {
            let response = try api.get(path, token: token)
            #expect(response.status == 200, "\(path): \(response.status)")
            return String(decoding: response.body, as: UTF8.self)
        }
        texts.append(("GET /metrics", try get("/metrics", credentials.operate)))
        texts.append(("GET /v1/queues", try get("/v1/queues", credentials.operate)))
        var recordsFound = 0
        for number in numbers.sorted() {
            let body = try get("/v1/subjects/\(number)/records", credentials.readRecords)
            if body.contains("\"id\"") { recordsFound += 1 }
            texts.append(("GET /v1/subjects/<id>/records", body))
        }
        #expect(recordsFound > 0, "no subject lookup found a record: the grep would prove nothing")
        var after: Int64 = 0
        var envelopes = 0
        while true {
            let page = try service.store.logEntries(after: after, limit: 500)
            guard let last = page.last else { break }
            for entry in page where entry.direction == .inbound && entry.header.kind != "receipt" {
                texts.append(
                    (
                        "GET /v1/envelopes/:id",
                        try get(
                            "/v1/envelopes/\(entry.header.messageID)?from=\(entry.header.sender)",
                            credentials.readRecords)
                    ))
                envelopes += 1
            }
            after = last.position
        }
        #expect(envelopes > 0)

        var leaks: [String] = []
        for (place, text) in texts {
            let upper = text.uppercased()
            for number in numbers where upper.contains(number) {
                leaks.append("\(place): \(number.prefix(6))…")
            }
        }
        #expect(leaks.isEmpty, "clear identity numbers found: \(leaks)")
        print(
            "[reliability] privacy: \(numbers.count) clear identity numbers from the fixtures, grepped in \(texts.count) outputs (log, demo output, summary.json, metrics, queues, \(numbers.count) subject reads, \(envelopes) envelope lookups): \(leaks.count) leaks"
        )
    }
}
