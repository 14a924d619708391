import Foundation
import GatewayCore
import GatewayCrypto
@testable import GatewayStore
import Synchronization
import Testing

@testable import Gateway

/// The backlog path: fan-out in batches (one `records` item per partner per envelope chunk), delivery envelopes
/// within a byte budget, batched completion, and the order guarantee that a retraction never overtakes its record.
@Suite(.serialized) struct BacklogFanOutTests {
    static func line(_ id: String) -> [UInt8] { Array("{\"version\":1,\"id\":\"\(id)\"}".utf8) }

    // MARK: - FanOut (pure)

    @Test func fanOutCutsOneItemPerPartnerAndChunk() {
        var fanOut = FanOut(limit: 64)
        for i in 0..<6 {
            for partner in ["hefei", "wuhu"] { fanOut.add(Self.line("r\(i)"), recordID: "r\(i)", retracting: nil, for: partner) }
        }
        let items = fanOut.items()
        // Each line is 27 bytes with its newline: two per 64-byte chunk, so three chunks per partner.
        #expect(items.count == 6)
        #expect(items.allSatisfy { $0.kind == "records" && $0.direction == .outbound && $0.orderKey == nil })
        for partner in ["hefei", "wuhu"] {
            let text = items.filter { $0.partner == partner }.map { String(decoding: $0.payload, as: UTF8.self) }.joined()
            #expect(text == (0..<6).map { "{\"version\":1,\"id\":\"r\($0)\"}\n" }.joined(), "\(partner)")
        }
    }

    @Test func retractionOfARecordInAnotherItemWaitsForEarlierItems() {
        var fanOut = FanOut(limit: 1 << 20)
        fanOut.add(Self.line("r1"), recordID: "r1", retracting: nil, for: "hefei")
        fanOut.add(Self.line("x1"), recordID: "x1", retracting: "r1", for: "hefei")
        fanOut.add(Self.line("x2"), recordID: "x2", retracting: "r0", for: "wuhu")
        let items = fanOut.items()
        #expect(items.first { $0.partner == "hefei" }?.orderKey == nil, "target in the same item: order kept by line order")
        #expect(items.first { $0.partner == "wuhu" }?.orderKey == QueueItemSubmission.afterEarlierRecords)
    }

    // MARK: - Queue (SQLite)

    final class StoreDir {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-backlog-\(UUID().uuidString)")
        let store: SQLiteStore
        /// The store's clock, moved by hand.
        final class Clock: Sendable { let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000)) }
        let clock = Clock()
        init() throws {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var options = SQLiteStoreOptions(
                identityCipher: IdentityFieldCipher(cipher: try FieldCipher(key: Configuration.demoIdentityKey)))
            let clock = self.clock
            options.clock = { clock.now.withLock { $0 } }
            options.retryPolicy = RetryPolicy(maxAttempts: 3, maxAge: 86_400 * 365, baseDelay: 5, maxDelay: 60)
            store = try SQLiteStore(path: dir.appendingPathComponent("q.sqlite").path, options: options)
        }
        func advance(_ seconds: TimeInterval) { clock.now.withLock { $0 += seconds } }
        deinit { try? FileManager.default.removeItem(at: dir) }

        func records(_ partner: String, _ bytes: Int, orderKey: String? = nil) throws -> Int64 {
            try #require(
                try store.enqueue([
                    QueueItemSubmission(
                        direction: .outbound, partner: partner, kind: "records", orderKey: orderKey,
                        payload: Array(repeating: 0x41, count: bytes))
                ]).first)
        }
    }

    @Test func leaseStopsAtThePayloadBudgetButAlwaysTakesOneItem() throws {
        let s = try StoreDir()
        for _ in 0..<5 { _ = try s.records("hefei", 400) }
        let first = try s.store.lease(
            direction: .outbound, partner: "hefei", limit: 100, owner: "w", duration: 60, maxPayloadBytes: 1000)
        #expect(first.count == 2)
        #expect(first.allSatisfy { $0.payload.count == 400 }, "payloads are loaded for the leased items")
        let second = try s.store.lease(
            direction: .outbound, partner: "hefei", limit: 100, owner: "w", duration: 60, maxPayloadBytes: 10)
        #expect(second.count == 1, "an item over the budget is still leased alone")
        let rest = try s.store.lease(direction: .outbound, partner: "hefei", limit: 100, owner: "w", duration: 60)
        #expect(rest.count == 2)
    }

    @Test func itemAfterEarlierRecordsWaitsUntilTheyAreDeliveredAndDiesWithThem() throws {
        let s = try StoreDir()
        let a = try s.records("hefei", 10)
        let other = try s.records("wuhu", 10)
        let b = try s.records("hefei", 10, orderKey: QueueItemSubmission.afterEarlierRecords)
        let leased = try s.store.lease(direction: .outbound, partner: nil, limit: 10, owner: "w", duration: 60)
        #expect(leased.map(\.id) == [a, other], "b waits for a; wuhu's item does not")
        // a fails until dead: b waits meanwhile (a dead record is replayed before its retraction goes).
        var state = try s.store.fail(itemID: a, owner: "w", error: "down")
        var rounds = 0
        while case .retryScheduled = state, rounds < 10 {
            rounds += 1
            s.advance(3600)
            let again = try s.store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 60)
            #expect(again.map(\.id) == [a])
            state = try s.store.fail(itemID: a, owner: "w", error: "down")
        }
        guard case .dead = state else {
            Issue.record("item a never dead-lettered: \(state)")
            return
        }
        // b cannot go before a, so it is dead-lettered with it; replaying the partner brings both back in order.
        #expect(try s.store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 60).isEmpty)
        #expect(try s.store.deadItems(partner: "hefei").map(\.id) == [a, b])
        #expect(try s.store.replay(.partner("hefei"), actor: "ops") == [a, b])
        let replayed = try s.store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 60)
        #expect(replayed.map(\.id) == [a])
        #expect(try s.store.complete(itemIDs: [a], owner: "w").isEmpty)
        let last = try s.store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 60)
        #expect(last.map(\.id) == [b])
    }

    @Test func batchedCompletionAndFailureSkipItemsNotHeld() throws {
        let s = try StoreDir()
        let ids = try (0..<3).map { _ in try s.records("hefei", 5) }
        let leased = try s.store.lease(direction: .outbound, partner: "hefei", limit: 2, owner: "w1", duration: 60)
        #expect(leased.map(\.id) == Array(ids.prefix(2)))
        let lost = try s.store.complete(itemIDs: ids, owner: "w1")
        #expect(lost.map(\.id) == [ids[2]], "the item w1 never leased is reported, not completed")
        #expect(lost.first?.reason.contains("queue item \(ids[2])") == true)
        for id in ids.prefix(2) {
            guard case .delivered = try #require(try s.store.queueItem(id: id)).state else {
                Issue.record("item \(id) not delivered")
                continue
            }
        }
        let third = try s.store.lease(direction: .outbound, partner: "hefei", limit: 5, owner: "w2", duration: 60)
        #expect(third.map(\.id) == [ids[2]])
        #expect(try s.store.fail(itemIDs: [ids[2]], owner: "w2", error: "partner down").isEmpty)
        let item = try #require(try s.store.queueItem(id: ids[2]))
        guard case .retryScheduled = item.state else {
            Issue.record("expected a retry, got \(item.state)")
            return
        }
        #expect(item.lastError == "partner down")
    }

    @Test func fanOutCommitsWithTheWorkItemOrNotAtAll() throws {
        let s = try StoreDir()
        let work = try #require(
            try s.store.enqueue([QueueItemSubmission(direction: .inbound, partner: "jiaxing", kind: "envelope")]).first)
        let fan = [QueueItemSubmission(direction: .outbound, partner: "hefei", kind: "records", payload: [0x41])]
        #expect(throws: StoreError.self) { try s.store.enqueue(fan, completing: work, owner: "mapper") }
        #expect(try s.store.queueSummary().filter { $0.direction == .outbound }.isEmpty, "nothing queued without the lease")
        _ = try s.store.lease(direction: .inbound, partner: nil, limit: 1, owner: "mapper", duration: 60)
        let ids = try s.store.enqueue(fan, completing: work, owner: "mapper")
        #expect(ids.count == 1)
        guard case .delivered = try #require(try s.store.queueItem(id: work)).state else {
            Issue.record("the work item is not completed")
            return
        }
    }

    // MARK: - Mapping and delivery, end to end (in memory partners)

    static func penalty(_ n: Int) -> [String: Any] {
        let org = String(format: "%08d", 10_000 + n)
        let body = "91330100" + org + String(OrganizationCode.checkCharacter(forBody: org)!)
        let uscc = body + String(USCC.checkCharacter(forBody: body)!)
        return [
            "schema": "g60.record/v1", "kind": "penalty", "sourcePartner": "jiaxing",
            "subject": ["category": "legalEntity", "name": "企业\(n)", "uscc": uscc, "legalRepresentative": "赵明路"],
            "penalty": [
                "decisionNumber": "嘉市监罚〔2026〕\(n)号", "violationType": "虚假宣传", "facts": "事实", "legalBasis": "依据",
                "categories": ["warning"], "content": "警告", "decisionDate": "2026-03-02", "validUntil": "2099-12-31",
                "authority": ["name": "嘉兴市市场监督管理局", "uscc": "11330400MB1784521T"],
                "sourceUnit": ["name": "嘉兴市市场监督管理局", "uscc": "11330400MB1784521T"],
            ],
        ]
    }

    static func withdrawal(_ n: Int) -> [String: Any] {
        var record = penalty(n)
        record["kind"] = "retraction"
        record["penalty"] = nil
        record["retraction"] = [
            "targetKind": "penalty", "targetNumber": "嘉市监罚〔2026〕\(n)号", "reason": "creditRepair",
            "effectiveDate": "2026-04-01", "authority": ["name": "嘉兴市市场监督管理局"],
        ]
        return record
    }

    @Test func envelopeFansOutAsOneItemPerPartnerAndRetractionFollowsItsRecord() throws {
        let h = try DispatchHarness()
        try h.send(from: "jiaxing", (0..<20).map(Self.penalty))
        let subscribers = h.partners.subscribers(of: .penalty, except: "jiaxing").map(\.id)
        #expect(subscribers.count >= 2)
        let outbound = try h.store.queueSummary().filter { $0.direction == .outbound }
        for id in subscribers {
            #expect(outbound.first { $0.partner == id }?.depth == 1, "one records item for \(id), not one per record")
        }
        try h.send(from: "jiaxing", [Self.withdrawal(3)])
        let partner = try #require(subscribers.first { h.partners.partner($0)?.description.subscriptions.contains(.retraction) == true })
        _ = try h.deliver(to: partner)
        let batches = h.transport.envelopes(partner).filter { $0.header.kind == "records.batch" }
        // The retraction's item waited for the records item: two envelopes, in order.
        #expect(batches.count == 2)
        let first = batches.first.map { $0.payload.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) } } ?? []
        #expect(first.count == 20)
        #expect(batches.first?.header.recordCount == 20)
        #expect(first.allSatisfy { $0.hasPrefix("{\"version\":1,") })
        let second = batches.last.map { String(decoding: $0.payload, as: UTF8.self) } ?? ""
        #expect(second.contains("\"kind\":\"retraction\""))
        #expect(try h.queuedNotices(partner) == 0, "everything for \(partner) delivered and completed")
    }
}

extension BacklogFanOutTests {
    /// A rejected canonical line is quarantined and the rest of the envelope fans out (this used to abort the
    /// process: the rejection wrote the outcome while it was passed inout).
    @Test func rejectedCanonicalLineIsQuarantinedAndTheRestDelivered() throws {
        let h = try DispatchHarness()
        var foreign = Self.penalty(2)
        foreign["sourcePartner"] = "hefei"
        try h.send(from: "jiaxing", [Self.penalty(1), foreign])
        let partner = try #require(h.partners.subscribers(of: .penalty, except: "jiaxing").first?.id)
        _ = try h.deliver(to: partner)
        let lines = h.transport.envelopes(partner).filter { $0.header.kind == "records.batch" }
            .flatMap { $0.payload.split(separator: 0x0A) }
        #expect(lines.count == 1)
        _ = try h.deliver(to: "jiaxing")
        let report = try #require(
            h.transport.envelopes("jiaxing").first { $0.header.kind == "validation.report" }.map {
                String(decoding: $0.payload, as: UTF8.self)
            })
        #expect(report.contains("\"rejected\":1"))
        #expect(report.contains("record.sourceMismatch"))
    }
}

extension BacklogFanOutTests {
    /// Migration 7: payloads of 1 KiB and more are stored once per distinct payload of an enqueue and shared by the
    /// items that carry them; small ones stay in the row. Every item still reads back its own bytes.
    @Test func fanOutCopiesShareOneStoredPayload() throws {
        let s = try StoreDir()
        let big = Array(repeating: UInt8(ascii: "r"), count: 4096)
        let other = Array(repeating: UInt8(ascii: "s"), count: 2048)
        let small: [UInt8] = Array("{\"version\":1}\n".utf8)
        let items = ["hefei", "wuhu", "suzhou"].map {
            QueueItemSubmission(direction: .outbound, partner: $0, kind: "records", payload: big)
        } + [
            QueueItemSubmission(direction: .outbound, partner: "hefei", kind: "records", payload: other),
            QueueItemSubmission(direction: .outbound, partner: "wuhu", kind: "record", payload: small),
        ]
        let ids = try s.store.enqueue(items)
        #expect(try s.store.read { db in try db.first("SELECT count(*) FROM queue_payloads") { $0.int(0) } } == 2)
        for (id, item) in zip(ids, items) {
            #expect(try s.store.queueItem(id: id)?.payload == item.payload, "item \(id)")
        }
        let leased = try s.store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 60)
        #expect(leased.map(\.payload) == [big, other])
    }
}
