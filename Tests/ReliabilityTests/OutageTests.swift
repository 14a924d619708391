import Foundation
import Gateway
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import GatewayStore
import GatewayTesting
import Synchronization
import Testing

@testable import GatewayCLI

/// Partner outages while the nine cities exchange their fixtures: one partner down (port closed), one answering
/// 500, one answering after the delivery timeout, one answering receipts whose signature does not verify. The
/// healthy partners get everything regardless; the failing ones are retried with backoff, dead-lettered after
/// `retry.maxAttempts`, visible in /metrics, and after recovery `dlq replay --all` drains them with nothing lost and
/// no record received twice with different content.
@Suite(.serialized) struct OutageTests {
    static let maxAttempts = 4
    static let initialDelay = 0.2

    /// A dead item that was never attempted because an earlier item of its order died first: its reason names that
    /// item, which is dead too, for the same partner.
    static func waitedBehindDead(_ item: QueueItem, in dead: [QueueItem]) -> Bool {
        guard case .dead(let reason) = item.state, reason.hasPrefix("waits behind dead item ") else { return false }
        let blocker = reason.dropFirst("waits behind dead item ".count).prefix { $0.isNumber }
        return dead.contains { "\($0.id)" == blocker && $0.partner == item.partner && $0.id < item.id }
    }

    @Test func outagesRetryDeadLetterAndDrainAfterRecovery() throws {
        let rig = try Rig("outage")
        let push = rig.pushPartners
        var fakes: [String: FakePartner] = [:]
        for id in push { fakes[id] = try FakePartner(id: id, rig: rig, slowSeconds: 1.0) }
        defer { for f in fakes.values { f.down() } }
        let faults: [String: FakePartner.Mode?] = [
            "jiaxing": nil,  // down
            "huzhou": .fail500, "jinhua": .slow, "wuhu": .badSignature,
        ]
        for (id, mode) in faults {
            let fake = try #require(fakes[id])
            if let mode { fake.set(mode) } else { fake.down() }
        }
        let healthy = push.filter { faults[$0] == nil }
        #expect(healthy.count >= 2, "\(push)")

        let gateway = try RunningGateway(
            rig,
            patch: [
                "retry": [
                    "initialDelaySeconds": Self.initialDelay, "maxDelaySeconds": 1.6, "jitter": 0,
                    "maxAttempts": Self.maxAttempts,
                ],
                "delivery": ["timeoutSeconds": 0.5],
            ],
            endpoints: fakes.mapValues(\.url))
        defer { gateway.stop() }

        // Every partner submits its fixtures; every one is acknowledged whatever the outages.
        let (envelopes, _) = try rig.fixtureEnvelopes()
        for envelope in envelopes {
            let response = try gateway.api.post(
                "/v1/envelopes", body: envelope.bytes, token: rig.credentials.partners[envelope.partner])
            #expect(
                (200..<300).contains(response.status), "\(envelope.partner) \(envelope.messageID): \(response.status)")
        }
        let expected = rig.expectedDeliveries()
        let reportsExpected = Dictionary(grouping: envelopes, by: \.partner).mapValues { Set($0.map(\.messageID)) }

        // The healthy partners get everything while the others fail; the failing ones end dead-lettered.
        let store = gateway.service.store
        func summary(_ partner: String) throws -> QueueSummary? {
            try store.queueSummary().first { $0.direction == .outbound && $0.partner == partner }
        }
        func complete(_ id: String) -> Bool {
            guard let fake = fakes[id] else { return false }
            let got = fake.snapshot
            return got.distinct == (expected[id] ?? 0) && got.reportsFor == (reportsExpected[id] ?? [])
        }
        #expect(eventually(within: 40) { healthy.allSatisfy(complete) }, "healthy partners did not get everything")
        let deadLettered = try eventually(within: 40) {
            try faults.keys.allSatisfy { id in
                guard let s = try summary(id) else { return false }
                return s.depth == 0 && s.dead > 0
            }
        }
        let faultSummary = try store.queueSummary().filter { faults[$0.partner] != nil }
        #expect(deadLettered, "\(faultSummary)")

        // The dead items used up the policy's attempts, with backoff between them (500s come back at once, so the
        // partner's POST times show the delays: 0.2 + 0.4 + 0.8 s at least between first and last).
        let dead = try store.deadItems(partner: nil)
        // Each dead item either used up the policy's attempts or waited behind a dead item of its order (a later
        // notice for the same subject, a retraction after its record), never attempted and dead-lettered with it.
        for item in dead {
            if item.attempts == 0 {
                #expect(Self.waitedBehindDead(item, in: dead), "item \(item.id) for \(item.partner): \(item.state)")
            } else {
                #expect(item.attempts == Self.maxAttempts, "item \(item.id) for \(item.partner): \(item.attempts) attempts")
            }
        }
        #expect(dead.contains { $0.attempts == Self.maxAttempts })
        let times = try #require(fakes["huzhou"]).snapshot.postTimes
        #expect(times.count >= Self.maxAttempts)
        if let first = times.first, let last = times.last {
            #expect(last - first >= Self.initialDelay * 7 * 0.9, "500s retried without backoff: \(times)")
        }

        // /metrics (operate scope) shows the outage while it lasts.
        let metrics = String(
            decoding: try gateway.api.get("/metrics", token: rig.credentials.operate).body, as: UTF8.self)
        func value(_ name: String, _ labels: [String]) -> Double? {
            for line in metrics.split(separator: "\n") where line.hasPrefix(name + "{") {
                if labels.allSatisfy({ line.contains($0) }),
                    let v = line.split(separator: " ").last.flatMap({ Double($0) })
                {
                    return v
                }
            }
            return nil
        }
        for id in faults.keys {
            #expect(
                (value("g60_queue_dead_items", ["partner=\"\(id)\"", "direction=\"outbound\""]) ?? 0) > 0, "\(id)\n\(metrics)"
            )
            #expect(
                (value("g60_delivery_failures_total", ["partner=\"\(id)\""]) ?? 0)
                    >= Double(Self.maxAttempts), "\(id)")
        }
        for id in healthy {
            let attempts = value("g60_delivery_attempts_total", ["partner=\"\(id)\""]) ?? 0
            let failures = value("g60_delivery_failures_total", ["partner=\"\(id)\""]) ?? 0
            #expect(attempts > failures, "\(id): no successful delivery attempt")
        }

        // Recovery: every partner healthy again, the dead letters replayed; everything drains, nothing is lost.
        for (id, mode) in faults {
            let fake = try #require(fakes[id])
            if mode == nil { try fake.up() } else { fake.set(.healthy) }
        }
        let replay = CLI.main(
            ["dlq", "replay", "--all", "--db", rig.database, "--actor", "reliability-test"], io: Rig.quiet)
        #expect(replay == 0)
        #expect(eventually(within: 40) { push.allSatisfy(complete) }, "not everything arrived after recovery")
        #expect(
            try eventually(within: 20) {
                try store.queueSummary().filter { $0.direction == .outbound }.allSatisfy {
                    $0.depth == 0 && $0.dead == 0
                }
            })
        for id in push {
            let got = try #require(fakes[id]).snapshot
            #expect(
                got.distinct == expected[id] ?? 0,
                "\(id): \(got.distinct) distinct records, expected \(expected[id] ?? 0)")
            #expect(got.conflicts.isEmpty, "\(id) received different contents under one id+version: \(got.conflicts)")
            #expect(got.rejectedEnvelopes == 0, "\(id) rejected \(got.rejectedEnvelopes) envelopes")
        }
        #expect(try store.verifyChain().isIntact)
        let line =
            "partners faulty: \(faults.keys.sorted().joined(separator: ", ")); healthy: \(healthy.joined(separator: ", ")); "
            + "dead-lettered after \(Self.maxAttempts) attempts each: \(dead.count) items "
            + "(\(Set(dead.map(\.partner)).sorted().joined(separator: ", "))), replayed and drained; "
            + "records delivered (distinct): \(push.map { fakes[$0]?.snapshot.distinct ?? 0 }.reduce(0, +)), "
            + "duplicates received: \(push.map { fakes[$0]?.snapshot.duplicates ?? 0 }.reduce(0, +)), lost: 0"
        print("[reliability] outages: \(line)")
    }

    /// Partners whose HTTPS endpoint presents a certificate that must not be trusted: issued for another host,
    /// issued by a CA that is not the partner's, expired. Every delivery to them fails with a TLS error that says
    /// why (visible in /v1/queues and /metrics while it lasts), is retried with backoff and dead-lettered after
    /// `retry.maxAttempts`; the partners with good certificates get everything meanwhile; once the certificates are
    /// fixed, `dlq replay --all` drains everything with nothing lost.
    @Test func partnerCertificateMismatchFailsRetriesAndDrainsAfterTheFix() throws {
        let rig = try Rig("tls-outage")
        let pki = try TLSTestPKI(in: rig.dir)
        try pki.issue("wrong-host", by: "ca", san: "DNS:elsewhere.example,IP:192.0.2.1")
        try pki.issue("rogue", by: "rogue-ca", san: "IP:127.0.0.1,DNS:localhost")
        try pki.issue("expired", by: "ca", san: "IP:127.0.0.1,DNS:localhost", days: -1)
        func certificate(_ name: String) -> HTTPTLSConfiguration {
            HTTPTLSConfiguration(certificateChainPath: pki.path("\(name).pem"), privateKeyPath: pki.path("\(name).key"))
        }
        // What each bad certificate must be refused for (libcurl's reason, in the queue's last error).
        let faults: [String: (certificate: String, reason: String)] = [
            "jiaxing": ("wrong-host", "subject name"), "huzhou": ("rogue", "issuer"), "jinhua": ("expired", "expired"),
        ]
        let push = rig.pushPartners
        var fakes: [String: FakePartner] = [:]
        for id in push {
            fakes[id] = try FakePartner(id: id, rig: rig, tls: certificate(faults[id]?.certificate ?? "server"))
        }
        defer { for f in fakes.values { f.down() } }
        let healthy = push.filter { faults[$0] == nil }
        #expect(healthy.count >= 2, "\(push)")

        // Every partner's endpoint is verified against its own CA bundle: a copy of Partners/ whose partner.json
        // files name it (`transport.tlsCA`, relative to the folder), read by the node as in production.
        let partnersCopy = rig.dir.appendingPathComponent("partners")
        try FileManager.default.copyItem(at: TestSupport.partners, to: partnersCopy)
        for id in push {
            let folder = partnersCopy.appendingPathComponent(id)
            try FileManager.default.copyItem(
                at: URL(fileURLWithPath: pki.path("ca.pem")), to: folder.appendingPathComponent("tls-ca.pem"))
            let file = folder.appendingPathComponent("partner.json")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
            var transport = try #require(object["transport"] as? [String: Any])
            transport["tlsCA"] = "tls-ca.pem"
            object["transport"] = transport
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]).write(to: file)
        }
        let gateway = try RunningGateway(
            rig,
            patch: [
                "retry": [
                    "initialDelaySeconds": Self.initialDelay, "maxDelaySeconds": 1.6, "jitter": 0,
                    "maxAttempts": Self.maxAttempts,
                ],
                "delivery": ["timeoutSeconds": 5],
                // An attempt whose `fail` could not be written (the store busy under load) keeps its items leased
                // until the lease ends: 8 s here, not the default 120 s (one such run took > 40 s to dead-letter).
                "workers": ["leaseSeconds": 8],
                "paths": ["partners": partnersCopy.path],
            ],
            endpoints: fakes.mapValues(\.url))
        defer { gateway.stop() }

        let (envelopes, _) = try rig.fixtureEnvelopes()
        for envelope in envelopes {
            let response = try gateway.api.post(
                "/v1/envelopes", body: envelope.bytes, token: rig.credentials.partners[envelope.partner])
            #expect(
                (200..<300).contains(response.status), "\(envelope.partner) \(envelope.messageID): \(response.status)")
        }
        let expected = rig.expectedDeliveries()
        let reportsExpected = Dictionary(grouping: envelopes, by: \.partner).mapValues { Set($0.map(\.messageID)) }
        let store = gateway.service.store
        func complete(_ id: String) -> Bool {
            guard let fake = fakes[id] else { return false }
            let got = fake.snapshot
            return got.distinct == (expected[id] ?? 0) && got.reportsFor == (reportsExpected[id] ?? [])
        }
        #expect(eventually(within: 40) { healthy.allSatisfy(complete) }, "healthy partners did not get everything")

        // While it happens: the queue view names the TLS failure and its reason, /metrics counts the failures.
        let sawFailure = try eventually(within: 20) {
            try store.queueSummary().filter { $0.direction == .outbound && faults[$0.partner] != nil }.count
                == faults.count
                && store.queueSummary().allSatisfy { s in
                    guard s.direction == .outbound, let fault = faults[s.partner] else { return true }
                    return (s.lastError ?? "").contains(HTTPError.clientTLS)
                        && (s.lastError ?? "").lowercased().contains(fault.reason)
                }
        }
        let queuesView = String(
            decoding: try gateway.api.get("/v1/queues", token: rig.credentials.operate).body, as: UTF8.self)
        #expect(sawFailure, "\(queuesView)")
        #expect(queuesView.contains(HTTPError.clientTLS), "\(queuesView)")
        let deadLettered = try eventually(within: 60) {
            try faults.keys.allSatisfy { id in
                guard let s = try store.queueSummary().first(where: { $0.direction == .outbound && $0.partner == id })
                else { return false }
                return s.depth == 0 && s.dead > 0
            }
        }
        let faultQueues = try store.queueSummary().filter { faults[$0.partner] != nil }
        #expect(deadLettered, "\(faultQueues)")
        let dead = try store.deadItems(partner: nil)
        #expect(Set(dead.map(\.partner)) == Set(faults.keys), "\(Set(dead.map(\.partner)))")
        for item in dead where item.attempts != 0 || !Self.waitedBehindDead(item, in: dead) {
            #expect(item.attempts == Self.maxAttempts, "item \(item.id) for \(item.partner): \(item.attempts) attempts")
            #expect((item.lastError ?? "").contains(HTTPError.clientTLS), "\(item.lastError ?? "no error")")
        }
        #expect(dead.contains { $0.attempts == Self.maxAttempts })
        // The bad endpoints never saw an envelope: the handshake failed before any byte of it was sent.
        for id in faults.keys { #expect(try #require(fakes[id]).snapshot.posts == 0, "\(id) got a POST") }
        let metrics = String(
            decoding: try gateway.api.get("/metrics", token: rig.credentials.operate).body, as: UTF8.self)
        for id in faults.keys {
            let line = metrics.split(separator: "\n").first {
                $0.hasPrefix("g60_delivery_failures_total{") && $0.contains("partner=\"\(id)\"")
            }
            let failures = line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
            #expect(failures >= Double(Self.maxAttempts), "\(id): \(line ?? "no failure metric")")
        }
        // The operators' dashboard lists the dead letters with their last error (the TLS reason).
        let dashboard = String(
            decoding: try gateway.api.get("/ops", token: rig.credentials.operate).body, as: UTF8.self)
        #expect(dashboard.contains(HTTPError.clientTLS), "the /ops page shows no TLS failure")
        let refusals = [
            "no alternative certificate subject name", "unable to get local issuer certificate", "certificate has expired",
        ]
        #expect(
            refusals.contains { dashboard.contains($0) }, "the /ops page does not say why the certificate was refused")
        let reasons = dead.reduce(into: [String: String]()) { $0[$1.partner] = $1.lastError ?? "" }

        // The partners fix their certificates; the dead letters are replayed; everything drains.
        for id in faults.keys { try #require(fakes[id]).replaceCertificate(certificate("server")) }
        let replay = CLI.main(
            ["dlq", "replay", "--all", "--db", rig.database, "--actor", "reliability-test"], io: Rig.quiet)
        #expect(replay == 0)
        #expect(eventually(within: 40) { push.allSatisfy(complete) }, "not everything arrived after the fix")
        #expect(
            try eventually(within: 20) {
                try store.queueSummary().filter { $0.direction == .outbound }.allSatisfy {
                    $0.depth == 0 && $0.dead == 0
                }
            })
        for id in push {
            let got = try #require(fakes[id]).snapshot
            #expect(got.distinct == expected[id] ?? 0, "\(id): \(got.distinct), expected \(expected[id] ?? 0)")
            #expect(got.conflicts.isEmpty, "\(id) received different contents under one id+version: \(got.conflicts)")
            #expect(got.rejectedEnvelopes == 0, "\(id) rejected \(got.rejectedEnvelopes) envelopes")
        }
        #expect(try store.verifyChain().isIntact)
        print(
            "[reliability] tls-outage: bad certificates "
                + faults.keys.sorted().map { "\($0)=\(faults[$0]?.certificate ?? "?")" }.joined(separator: ", ") + "; "
                + "healthy: \(healthy.joined(separator: ", ")); dead-lettered after \(Self.maxAttempts) attempts: "
                + "\(dead.count) items; replayed after the fix and drained; records delivered (distinct): "
                + "\(push.map { fakes[$0]?.snapshot.distinct ?? 0 }.reduce(0, +)), lost: 0; reasons: "
                + reasons.keys.sorted().map { "\($0): \(reasons[$0] ?? "")" }.joined(separator: " | "))
    }
}
