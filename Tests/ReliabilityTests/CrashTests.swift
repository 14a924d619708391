import Foundation
import Gateway
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import GatewayMapping
import GatewayStore
import GatewayTesting
import Synchronization
import Testing

@testable import GatewayCLI

/// The built `g60-gateway serve` as a child process, killed with SIGKILL again and again while the nine partners'
/// fixtures go through intake, mapping and delivery to partners in the test process; then one last run to the end.
///
/// A kill comes on an event, not a clock: while envelopes remain unacknowledged, after the k-th acknowledgement of
/// this run (intake and the mapping that follows it); then after the k-th delivery POST seen by the partners
/// (delivery) or a random 0–300 ms after start (anywhere, start-up included); each with 0–20 ms of random jitter.
/// The seed is printed.
/// Then: every acknowledged envelope is in the message log exactly once, every valid row stored once (one version),
/// every quarantined row once, every partner got every record (distinct by id and version, never two contents for
/// one id+version), every validation report, and `g60-gateway log verify` passes.
@Suite(.serialized) struct CrashTests {
    static let kills = 20

    static func gatewayExecutable() -> URL? {
        var candidates: [URL] = []
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        candidates.append(bundleDir.appendingPathComponent("g60-gateway"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("g60-gateway"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("g60-gateway"))
        candidates.append(TestSupport.packageRoot.appendingPathComponent(".build/debug/g60-gateway"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// A running `g60-gateway serve`; its standard error goes to a file, where the test finds the port.
    final class Child {
        let process = Process()
        let stderrURL: URL
        private(set) var port: UInt16 = 0

        init(executable: URL, config: URL, environment: [String: String], stderrURL: URL) throws {
            self.stderrURL = stderrURL
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.executableURL = executable
            process.arguments = ["serve", "--config", config.path]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            try process.run()
        }

        /// Waits for "serving on ports N" (true) or the child's death (false).
        func waitUntilServing(within seconds: Double) -> Bool {
            eventually(within: seconds) {
                if !process.isRunning { return true }
                let text = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
                guard let range = text.range(of: "serving on ports ") else { return false }
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                port = UInt16(digits) ?? 0
                return port != 0
            } && process.isRunning && port != 0
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func terminate() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// The submitting side: sends every not yet acknowledged envelope, in order, again and again (the same bytes),
    /// until each has a verified receipt (accepted or duplicate).
    final class Submitter: @unchecked Sendable {
        let rig: Rig
        let envelopes: [Rig.Submission]
        let acknowledged = Mutex<Set<String>>([])
        /// Acknowledgements in the current run (the kill trigger counts them).
        let acksThisRun = Atomic<Int>(0)
        init(rig: Rig, envelopes: [Rig.Submission]) {
            self.rig = rig
            self.envelopes = envelopes
        }
        var remaining: [Rig.Submission] {
            let done = acknowledged.withLock { $0 }
            return envelopes.filter { !done.contains($0.messageID) }
        }

        /// One pass over what remains, against the gateway on `port`; stops at the first transport failure.
        func pass(port: UInt16) {
            guard let api = try? API(base: "http://127.0.0.1:\(port)", timeoutSeconds: 20) else { return }
            for envelope in remaining {
                guard
                    let response = try? api.post(
                        "/v1/envelopes", body: envelope.bytes, token: rig.credentials.partners[envelope.partner])
                else { return }
                guard
                    let receipt = try? EnvelopeVerifier(node: envelope.partner, trust: rig.trust)
                        .confirmReceipt(response.body, for: envelope.bytes),
                    receipt.status == .accepted || receipt.status == .duplicate
                else { continue }
                acknowledged.withLock { _ = $0.insert(envelope.messageID) }
                acksThisRun.add(1, ordering: .sequentiallyConsistent)
            }
        }
    }

    @Test func sigkillDuringIntakeMappingAndDeliveryLosesNothing() throws {
        let executable = try #require(Self.gatewayExecutable(), "g60-gateway is not built beside the tests")
        let seed = UInt64(DispatchTime.now().uptimeNanoseconds)
        print("[reliability] crash test seed \(seed)")
        var rng = SplitMix(state: seed)
        let rig = try Rig("crash")
        let push = rig.pushPartners
        var fakes: [String: FakePartner] = [:]
        for id in push { fakes[id] = try FakePartner(id: id, rig: rig) }
        defer { for f in fakes.values { f.down() } }
        let config = try rig.writeConfiguration(
            port: 0,
            patch: [
                "retry": ["initialDelaySeconds": 0.05, "maxDelaySeconds": 0.5, "jitter": 0, "maxAttempts": 1000],
                "delivery": ["timeoutSeconds": 2],
                "workers": ["leaseSeconds": 3],
                "log": ["level": "warning"],
            ])
        var environment: [String: String] = [:]
        for (id, fake) in fakes { environment["G60_PARTNER_\(id.uppercased())_ENDPOINT"] = fake.url }
        let (envelopes, expectations) = try rig.fixtureEnvelopes(copies: 3)
        let submitter = Submitter(rig: rig, envelopes: envelopes)
        func posts() -> Int { fakes.values.reduce(0) { $0 + $1.snapshot.posts } }
        let expected = rig.expectedDeliveries()
        let reportsExpected = Dictionary(grouping: envelopes, by: \.partner).mapValues { Set($0.map(\.messageID)) }
        func complete(_ id: String) -> Bool {
            guard let fake = fakes[id] else { return false }
            let got = fake.snapshot
            return got.distinct == (expected[id] ?? 0) && got.reportsFor == (reportsExpected[id] ?? [])
        }

        var kills = 0
        var triggers: [String: Int] = [:]
        var killedDuring: [String: Int] = [:]
        for round in 0..<Self.kills {
            let child = try Child(
                executable: executable, config: config, environment: environment,
                stderrURL: rig.dir.appendingPathComponent("serve-\(round).log"))
            let serving = child.waitUntilServing(within: 30)
            #expect(
                serving,
                "round \(round): the gateway did not start: \((try? String(contentsOf: child.stderrURL, encoding: .utf8)) ?? "")"
            )
            guard serving else {
                child.kill()
                break
            }
            submitter.acksThisRun.store(0, ordering: .sequentiallyConsistent)
            let port = child.port
            let done = DispatchSemaphore(value: 0)
            Thread {
                submitter.pass(port: port)
                done.signal()
            }.start()
            let postsBefore = posts()
            let trigger: String
            let intakeLeft = !submitter.remaining.isEmpty
            let deliveriesLeft = !push.allSatisfy(complete)
            let pick = Int.random(in: 0..<4, using: &rng)
            if intakeLeft {
                let k = Int.random(in: 1...6, using: &rng)
                trigger = "intake/mapping"
                _ = eventually(within: 10) {
                    submitter.acksThisRun.load(ordering: .sequentiallyConsistent) >= k || submitter.remaining.isEmpty
                }
            } else if pick < 3 && deliveriesLeft {
                let k = Int.random(in: 1...6, using: &rng)
                trigger = "delivery"
                _ = eventually(within: 5) { posts() - postsBefore >= k }
            } else {
                trigger = "anywhere"
                usleep(UInt32.random(in: 0...300_000, using: &rng))
            }
            usleep(UInt32.random(in: 0...20_000, using: &rng))
            let intakePending = !submitter.remaining.isEmpty
            let deliveryPending = !push.allSatisfy(complete)
            child.kill()
            kills += 1
            triggers[trigger, default: 0] += 1
            if intakePending { killedDuring["intake pending", default: 0] += 1 }
            if deliveryPending { killedDuring["deliveries pending", default: 0] += 1 }
            done.wait()
        }
        #expect(kills == Self.kills)

        // The last run, to the end.
        let child = try Child(
            executable: executable, config: config, environment: environment,
            stderrURL: rig.dir.appendingPathComponent("serve-final.log"))
        #expect(child.waitUntilServing(within: 30))
        let finalPort = child.port
        _ = eventually(within: 30) {
            submitter.pass(port: finalPort)
            return submitter.remaining.isEmpty
        }
        #expect(submitter.remaining.isEmpty, "envelopes never acknowledged: \(submitter.remaining.map(\.messageID))")
        let operate = try API(base: "http://127.0.0.1:\(finalPort)")
        let drained = eventually(within: 45) {
            guard push.allSatisfy(complete),
                let response = try? operate.get("/v1/queues", token: rig.credentials.operate),
                let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                let queues = object["queues"] as? [[String: Any]]
            else { return false }
            return queues.allSatisfy { ($0["depth"] as? Int) == 0 && ($0["dead"] as? Int) == 0 }
        }
        #expect(drained, "the exchange did not complete after \(kills) kills")
        child.terminate()

        // The store, as the last gateway left it.
        // With the node's identity key: the logged envelopes and quarantined rows are encrypted at rest.
        let store = try SQLiteStore(
            path: rig.database, options: SQLiteStoreOptions(identityCipher: try rig.configuration().identityCipher()))
        var inbound: [String: Int] = [:]
        var after: Int64 = 0
        while true {
            let page = try store.logEntries(after: after, limit: 500)
            guard let last = page.last else { break }
            for entry in page where entry.direction == .inbound && entry.header.kind != "receipt" {
                inbound[entry.header.sender + "/" + entry.header.messageID, default: 0] += 1
            }
            after = last.position
        }
        for envelope in envelopes {
            #expect(
                inbound[envelope.partner + "/" + envelope.messageID] == 1, "\(envelope.partner) \(envelope.messageID)")
        }
        #expect(
            inbound.count == envelopes.count, "inbound log entries: \(inbound.count), envelopes: \(envelopes.count)")
        var rows = 0
        for id in rig.partners.ids {
            guard let partner = rig.partners.partner(id) else { continue }
            for folder in PartnerFixtures.folders(of: partner) {
                guard
                    let data = FileManager.default.contents(
                        atPath: folder.appendingPathComponent("expected-records.jsonl").path)
                else { continue }
                for line in data.split(separator: UInt8(ascii: "\n")) {
                    guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                        let recordID = object["id"] as? String
                    else { continue }
                    #expect(try store.record(id: recordID) != nil, "row \(recordID) from \(id) is not stored")
                    #expect(
                        try store.versions(of: recordID).count == 1, "row \(recordID) from \(id) stored more than once")
                    rows += 1
                }
            }
            let quarantined = try store.quarantined(partner: id, messageID: nil, rowNumber: nil).count
            #expect(quarantined == expectations.quarantined[id] ?? 0, "\(id): \(quarantined) quarantined rows")
        }
        var distinct = 0
        var duplicates = 0
        for id in push {
            let got = try #require(fakes[id]).snapshot
            #expect(
                got.distinct == expected[id] ?? 0,
                "\(id): \(got.distinct) distinct records, expected \(expected[id] ?? 0)")
            #expect(got.conflicts.isEmpty, "\(id): different contents under one id+version: \(got.conflicts)")
            #expect(got.reportsFor == reportsExpected[id] ?? [], "\(id): validation reports missing")
            distinct += got.distinct
            duplicates += got.duplicates
        }
        let verify = Process()
        verify.executableURL = executable
        verify.arguments = ["log", "verify", "--db", rig.database]
        verify.standardOutput = FileHandle.nullDevice
        verify.standardError = FileHandle.nullDevice
        try verify.run()
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0, "g60-gateway log verify failed")
        print(
            "[reliability] crash: \(kills) SIGKILLs survived (triggers: \(triggers.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); at the kill: \(killedDuring.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); "
                + "\(envelopes.count) envelopes acknowledged and logged once; \(rows) valid rows stored once; "
                + "\(distinct) deliveries complete (\(duplicates) duplicate arrivals, 0 conflicting); log verifies; seed \(seed)"
        )
    }
}
