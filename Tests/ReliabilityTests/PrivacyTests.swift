import Foundation
import Gateway
import GatewayCore
import GatewayHTTP
import GatewayMapping
import GatewayTesting
import Synchronization
import Testing

@testable import GatewayCLI
@testable import GatewayStore

/// After the nine-city demo (`demo --exit` on a fresh state folder), no clear resident identity number from the
/// partners' fixture inputs appears in the gateway log, the demo's printed output and summary.json, the metrics,
/// or any API response (queues, envelope lookups, subject record reads), nor anywhere in the bytes of the database
/// file and its WAL (before and after a checkpoint): the identity numbers, the message log's raw envelopes and the
/// quarantined rows are encrypted at rest, and `log verify` decrypts them only with the key.
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

    /// The database's files (main and `-wal`) byte for byte: where a clear number appears, and whether the scan
    /// saw stored content at all (a canonical record's schema name, stored in clear in record JSON).
    static func scanDatabase(
        _ path: String, _ numbers: Set<String>, _ when: String
    ) -> (leaks: [String], sawContent: Bool) {
        var leaks: [String] = []
        var sawContent = false
        for file in [path, path + "-wal"] {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            // ASCII upper case, so a lower-case check character `x` is found too.
            let upper = Data(data.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 })
            if upper.range(of: Data("\"SCHEMA\":\"G60.RECORD/V1\"".utf8)) != nil { sawContent = true }
            for number in numbers.sorted() where upper.range(of: Data(number.utf8)) != nil {
                leaks.append("\((file as NSString).lastPathComponent) \(when): \(number.prefix(6))…")
            }
        }
        return (leaks, sawContent)
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

        // The database as the demo left it (WAL not checkpointed).
        let database = state.appendingPathComponent("gateway.sqlite").path
        let asLeft = Self.scanDatabase(database, numbers, "after the demo")
        #expect(asLeft.sawContent, "the database scan saw no stored record: it would prove nothing")
        var databaseLeaks = asLeft.leaks

        // log verify: with the demo state's key every envelope is decrypted; without it, said so.
        let verified = Mutex("")
        let verifyIO = CLIIO(
            readAll: { Data() }, writeOut: { text in verified.withLock { $0 += text + "\n" } },
            writeErr: { text in verified.withLock { $0 += text + "\n" } })
        #expect(CLI.main(["log", "verify", "--state", state.path], io: verifyIO) == 0, "\(verified.withLock { $0 })")
        #expect(
            verified.withLock { $0 }.contains("\nDECRYPTED: ") && !verified.withLock { $0 }.contains("NOT DECRYPTED"),
            "\(verified.withLock { $0 })")
        verified.withLock { $0 = "" }
        #expect(CLI.main(["log", "verify", "--db", database], io: verifyIO) == 0, "\(verified.withLock { $0 })")
        #expect(verified.withLock { $0 }.contains("NOT DECRYPTED: "), "\(verified.withLock { $0 })")

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
        let credentials = try DemoCredentials.loadOrCreate(state.appendingPathComponent("credentials.json"), partners: PKICommand.partners)
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

        // The database while the node runs, then after a checkpoint that moves the WAL into the main file.
        databaseLeaks += Self.scanDatabase(database, numbers, "while serving").leaks
        service.stop()
        let connection = try SQLiteConnection(path: database, create: false)
        let busy = try connection.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }
        #expect(busy == 0, "the checkpoint did not complete")
        let checkpointed = Self.scanDatabase(database, numbers, "after a checkpoint")
        #expect(checkpointed.sawContent)
        databaseLeaks += checkpointed.leaks
        #expect(databaseLeaks.isEmpty, "clear identity numbers in the database files: \(databaseLeaks)")

        // The node does not start on this database with another identity key, nor without one, and says why;
        // the database is unchanged and the right key still opens and verifies everything.
        func logHead() throws -> [UInt8]? {
            try connection.first("SELECT position, entry_hash FROM log_head") { Array(String($0.int(0)).utf8) + $0.blob(1) }
        }
        let headBefore = try logHead()
        var wrongKey = configuration
        wrongKey.identityKey = [UInt8](repeating: 7, count: 32)
        let wrong = #expect(throws: StoreError.self) {
            _ = try GatewayService(
                configuration: wrongKey, logger: Logger(label: "g60-gateway", handler: SilentLogHandler()))
        }
        #expect(wrong?.code == StoreError.identityKeyWrong, "\(String(describing: wrong))")
        #expect(wrong?.message.contains("identity key") == true)
        var noKey = configuration
        noKey.identityKey = nil
        let missing = #expect(throws: StoreError.self) {
            _ = try GatewayService(
                configuration: noKey, logger: Logger(label: "g60-gateway", handler: SilentLogHandler()))
        }
        #expect(missing?.code == StoreError.identityKeyMissing, "\(String(describing: missing))")
        #expect(missing?.message.contains("encrypted evidence") == true)
        #expect(try logHead() == headBefore)
        // log verify with another key (a configuration file) fails with the reason and changes nothing either.
        let demoConfiguration = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: state.appendingPathComponent("gateway.json"))) as? [String: Any])
        var wrongConfiguration = demoConfiguration
        wrongConfiguration["identityKey"] = ["hex": String(repeating: "07", count: 32)]
        let wrongFile = state.appendingPathComponent("wrong-key.json")
        try JSONSerialization.data(withJSONObject: wrongConfiguration).write(to: wrongFile)
        verified.withLock { $0 = "" }
        #expect(CLI.main(["log", "verify", "--config", wrongFile.path], io: verifyIO) == 1)
        #expect(verified.withLock { $0 }.contains(StoreError.identityKeyWrong), "\(verified.withLock { $0 })")
        #expect(try logHead() == headBefore)
        verified.withLock { $0 = "" }
        #expect(CLI.main(["log", "verify", "--state", state.path], io: verifyIO) == 0, "\(verified.withLock { $0 })")
        #expect(verified.withLock { $0 }.contains("\nDECRYPTED: "), "\(verified.withLock { $0 })")

        var leaks: [String] = []
        for (place, text) in texts {
            let upper = text.uppercased()
            for number in numbers where upper.contains(number) {
                leaks.append("\(place): \(number.prefix(6))…")
            }
        }
        #expect(leaks.isEmpty, "clear identity numbers found: \(leaks)")
        print(
            "[reliability] privacy: \(numbers.count) clear identity numbers from the fixtures, grepped in \(texts.count) outputs (log, demo output, summary.json, metrics, queues, \(numbers.count) subject reads, \(envelopes) envelope lookups) and the database files three times (as left, while serving, checkpointed): \(leaks.count + databaseLeaks.count) leaks"
        )
    }
}
