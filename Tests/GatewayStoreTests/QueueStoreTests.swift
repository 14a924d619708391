import Foundation
import Testing

@testable import GatewayStore

@Suite struct QueueStoreTests {
    let policy = RetryPolicy(maxAttempts: 2, maxAge: 86_400, baseDelay: 10, maxDelay: 100, jitter: 0)

    /// An outbound `records` batch for `partner` with this order key.
    func batch(_ partner: String, orderKey: String?) -> QueueItemSubmission {
        QueueItemSubmission(
            direction: .outbound, partner: partner, kind: "records", orderKey: orderKey, payload: Array("[]".utf8))
    }

    private func makeStore(_ dir: TempDirectory, _ clock: TestClock) throws -> SQLiteStore {
        try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: clock, policy: policy))
    }

    private func record(_ partner: String, _ id: String, version: Int = 1) -> QueueItemSubmission {
        QueueItemSubmission(
            direction: .outbound, partner: partner, kind: "record", recordID: id, recordVersion: version, orderKey: id,
            payload: Array("{\"id\":\"\(id)\"}".utf8))
    }

    @Test func leaseCompleteAndNothingDeliveredTwice() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try makeStore(dir, clock)
        let ids = try store.enqueue((1...5).map { record("hefei", "rec_\($0)") })
        #expect(ids.count == 5)
        let a = try store.lease(direction: .outbound, partner: "hefei", limit: 3, owner: "a", duration: 60)
        let b = try store.lease(direction: .outbound, partner: nil, limit: 10, owner: "b", duration: 60)
        #expect(a.map(\.id) == Array(ids[0..<3]))
        #expect(b.map(\.id) == Array(ids[3..<5]))
        #expect(a.first?.recordVersion == 1 && a.first?.recordID == "rec_1")
        #expect(try store.lease(direction: .outbound, partner: nil, limit: 10, owner: "c", duration: 60).isEmpty)
        #expect(try store.lease(direction: .inbound, partner: nil, limit: 10, owner: "c", duration: 60).isEmpty)
        for item in a { try store.complete(itemID: item.id, owner: "a") }
        for item in b { try store.complete(itemID: item.id, owner: "b") }
        #expect(throws: StoreError(StoreError.invalidTransition, "")) { try store.complete(itemID: ids[0], owner: "a") }
        clock.advance(1_000)
        #expect(try store.lease(direction: .outbound, partner: nil, limit: 10, owner: "c", duration: 60).isEmpty)
        let summary = try #require(try store.queueSummary().first)
        #expect(summary.depth == 0)
        #expect(summary.lastSuccess != nil)
    }

    @Test func expiredLeaseOfCrashedWorkerIsPickedUpAgain() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try makeStore(dir, clock)
        let id = try #require(try store.enqueue([record("hefei", "rec_1")]).first)
        #expect(
            try store.lease(direction: .outbound, partner: nil, limit: 1, owner: "crashed", duration: 30).count == 1)
        clock.advance(29)
        #expect(try store.lease(direction: .outbound, partner: nil, limit: 1, owner: "w", duration: 30).isEmpty)
        clock.advance(1)
        let again = try store.lease(direction: .outbound, partner: nil, limit: 1, owner: "w", duration: 30)
        #expect(again.map(\.id) == [id])
        #expect(again.first?.attempts == 2)
        #expect(throws: StoreError(StoreError.invalidTransition, "")) {
            try store.complete(itemID: id, owner: "crashed")
        }
        try store.complete(itemID: id, owner: "w")
        #expect(try store.queueItem(id: id)?.state == .delivered(at: clock.now))
    }

    @Test func failuresRetryThenDeadLetterThenReplayWithAudit() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try makeStore(dir, clock)
        let id = try #require(try store.enqueue([record("wuhu", "rec_1")]).first)
        _ = try store.lease(direction: .outbound, partner: nil, limit: 1, owner: "w", duration: 30)
        #expect(
            try store.fail(itemID: id, owner: "w", error: "HTTP 503 from wuhu")
                == .retryScheduled(notBefore: clock.now + 10))
        var summary = try #require(try store.queueSummary().first)
        #expect(summary.inRetry == 1 && summary.depth == 1)
        #expect(summary.lastError == "HTTP 503 from wuhu")
        #expect(try store.lease(direction: .outbound, partner: nil, limit: 1, owner: "w", duration: 30).isEmpty)
        clock.advance(10)
        #expect(try store.lease(direction: .outbound, partner: nil, limit: 1, owner: "w", duration: 30).count == 1)
        guard case .dead = try store.fail(itemID: id, owner: "w", error: "HTTP 503 again") else {
            Issue.record("second failure with maxAttempts 2 must dead-letter")
            return
        }
        summary = try #require(try store.queueSummary().first)
        #expect(summary.dead == 1 && summary.depth == 0)
        #expect(try store.deadItems(partner: "wuhu").map(\.id) == [id])
        #expect(try store.deadItems(partner: "hefei").isEmpty)
        clock.advance(1_000)
        #expect(try store.lease(direction: .outbound, partner: nil, limit: 1, owner: "w", duration: 30).isEmpty)
        #expect(try store.replay(.partner("wuhu"), actor: "operator:li") == [id])
        #expect(try store.replay(.all, actor: "operator:li").isEmpty)
        #expect(throws: StoreError(StoreError.invalidTransition, "")) { try store.replay(.items([id]), actor: "x") }
        #expect(throws: StoreError(StoreError.notFound, "")) { try store.replay(.items([999]), actor: "x") }
        let trail = try store.auditTrail(itemID: id)
        #expect(trail.map(\.action) == ["deadLettered", "replayed"])
        #expect(trail.last?.actor == "operator:li")
        let leased = try store.lease(direction: .outbound, partner: nil, limit: 1, owner: "w", duration: 30)
        #expect(leased.map(\.id) == [id])
        #expect(leased.first?.attempts == 1)
    }

    @Test func retractionNeverOvertakesItsRecordForTheSamePartner() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try makeStore(dir, clock)
        let retraction = QueueItemSubmission(
            direction: .outbound, partner: "hefei", kind: "retraction", recordID: "rec_r", recordVersion: 1,
            orderKey: "rec_1")
        let ids = try store.enqueue([
            record("hefei", "rec_1"), record("hefei", "rec_2"), retraction, record("suzhou", "rec_1"),
        ])
        // The retraction waits while rec_1 for hefei is leased; other keys and partners go ahead.
        let first = try store.lease(direction: .outbound, partner: nil, limit: 10, owner: "w", duration: 30)
        #expect(first.map(\.id) == [ids[0], ids[1], ids[3]])
        try store.complete(itemID: ids[1], owner: "w")
        try store.complete(itemID: ids[3], owner: "w")
        // The record fails and is retried: the retraction still waits.
        _ = try store.fail(itemID: ids[0], owner: "w", error: "timeout")
        clock.advance(10)
        let second = try store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 30)
        #expect(second.map(\.id) == [ids[0]])
        // Dead, it still blocks (a replay would otherwise deliver the record after its retraction): the retraction
        // is dead-lettered with it rather than left waiting for ever, so the partner's queue drains.
        _ = try store.fail(itemID: ids[0], owner: "w", error: "timeout")
        clock.advance(100)
        #expect(try store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 30).isEmpty)
        let dead = try store.deadItems(partner: "hefei")
        #expect(dead.map(\.id) == [ids[0], ids[2]])
        guard case .dead(let reason) = dead.last?.state else {
            Issue.record("the retraction must be dead: \(dead)")
            return
        }
        #expect(reason.contains("behind dead item \(ids[0])"), "\(reason)")
        let summary = try #require(try store.queueSummary().first { $0.partner == "hefei" })
        #expect(summary.depth == 0 && summary.dead == 2)
        // Replaying the partner brings both back, and the order holds again.
        #expect(try store.replay(.partner("hefei"), actor: "op") == [ids[0], ids[2]])
        let third = try store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 30)
        #expect(third.map(\.id) == [ids[0]])
        try store.complete(itemID: ids[0], owner: "w")
        let fourth = try store.lease(direction: .outbound, partner: "hefei", limit: 10, owner: "w", duration: 30)
        #expect(fourth.map(\.id) == [ids[2]])
    }

    /// The other half of the ordering rule: an after-earlier-records batch (it carries retractions) waits behind
    /// every earlier records batch of its partner, and is dead-lettered with a dead one; items that do not wait
    /// behind it (another partner, no order key) are leased as usual.
    @Test func afterEarlierRecordsBatchIsDeadLetteredWithADeadRecordsBatch() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try makeStore(dir, clock)
        let ids = try store.enqueue([
            batch("huzhou", orderKey: nil),
            batch("huzhou", orderKey: QueueItemSubmission.afterEarlierRecords),
            batch("jiaxing", orderKey: QueueItemSubmission.afterEarlierRecords),
            batch("huzhou", orderKey: nil),
        ])
        // The retraction batch waits while the first records batch is undelivered; the rest go ahead.
        let first = try store.lease(direction: .outbound, partner: nil, limit: 10, owner: "w", duration: 30)
        #expect(first.map(\.id) == [ids[0], ids[2], ids[3]])
        try store.complete(itemID: ids[2], owner: "w")
        try store.complete(itemID: ids[3], owner: "w")
        _ = try store.fail(itemID: ids[0], owner: "w", error: "HTTP 503 from huzhou")
        clock.advance(10)
        #expect(try store.lease(direction: .outbound, partner: nil, limit: 10, owner: "w", duration: 30).map(\.id) == [ids[0]])
        _ = try store.fail(itemID: ids[0], owner: "w", error: "HTTP 503 from huzhou")
        clock.advance(100)
        #expect(try store.lease(direction: .outbound, partner: nil, limit: 10, owner: "w", duration: 30).isEmpty)
        let dead = try store.deadItems(partner: nil)
        #expect(dead.map(\.id) == [ids[0], ids[1]])
        guard case .dead(let reason) = dead.last?.state else {
            Issue.record("the retraction batch must be dead: \(dead)")
            return
        }
        #expect(reason.contains("behind dead item \(ids[0])"), "\(reason)")
        // Replayed, the order holds again.
        #expect(try store.replay(.partner("huzhou"), actor: "op") == [ids[0], ids[1]])
        #expect(try store.lease(direction: .outbound, partner: "huzhou", limit: 10, owner: "w", duration: 30).map(\.id) == [ids[0]])
    }

    @Test func intakeEnqueuesMappingWorkInTheSameTransaction() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try makeStore(dir, clock)
        let entry = try store.append(Fixture.envelope("m1", sender: "jinhua", enqueue: true)).entry
        _ = try store.append(Fixture.envelope("m1", sender: "jinhua", enqueue: true))
        let items = try store.lease(direction: .inbound, partner: nil, limit: 10, owner: "mapper", duration: 60)
        #expect(items.count == 1)
        #expect(items.first?.logPosition == entry.position)
        #expect(items.first?.partner == "jinhua")
        let summary = try store.queueSummary()
        #expect(summary.map(\.direction) == [.inbound])
        #expect(summary.first?.depth == 1)
    }

    /// Random workers lease, complete, fail and crash (drop their leases) under a moving clock; dead items are
    /// replayed. Every item must end delivered exactly once: nothing lost, nothing duplicated. Seeded and bounded.
    @Test func randomWorkersLoseAndDuplicateNothing() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try SQLiteStore(
            path: dir.path("s.db"),
            options: Fixture.options(
                clock: clock,
                policy: RetryPolicy(maxAttempts: 3, maxAge: 86_400, baseDelay: 5, maxDelay: 60, jitter: 0.5)))
        let partners = ["hefei", "wuhu", "suzhou"]
        let ids = try store.enqueue(
            (0..<60).map { n in
                QueueItemSubmission(
                    direction: .outbound, partner: partners[n % 3], kind: "record", recordID: "rec_\(n % 20)",
                    recordVersion: n / 20 + 1, orderKey: "rec_\(n % 20)")
            })
        var rng = CrashTests.SplitMix(state: 0x5EED)
        var deliveries: [Int64: Int] = [:]
        var deliveredVersions: [String: [Int]] = [:]  // partner|record → versions in delivery order
        var held: [String: [QueueItem]] = [:]
        for step in 0..<2_000 {
            let worker = "w\(Int.random(in: 0..<3, using: &rng))"
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4:
                held[worker, default: []] += try store.lease(
                    direction: .outbound, partner: nil, limit: Int.random(in: 1...5, using: &rng), owner: worker,
                    duration: 30)
            case 4..<7:
                guard let item = held[worker]?.popLast() else { break }
                do {
                    try store.complete(itemID: item.id, owner: worker)
                    deliveries[item.id, default: 0] += 1
                    deliveredVersions[item.partner + "|" + (item.recordID ?? ""), default: []].append(
                        item.recordVersion ?? 0)
                } catch let error as StoreError where error.code == StoreError.invalidTransition {
                    // The lease expired and the item went to someone else: refusing the late completion is right.
                }
            case 7:
                guard let item = held[worker]?.popLast() else { break }
                _ = try? store.fail(itemID: item.id, owner: worker, error: "random failure at step \(step)")
            case 8:
                held[worker] = []  // the worker crashes; its leases must expire
            default:
                clock.advance(Double.random(in: 1...40, using: &rng))
            }
            if step % 200 == 199 { _ = try store.replay(.all, actor: "test") }
        }
        // Drain: no more failures; expire every lease, replay the dead, deliver the rest.
        for _ in 0..<50 {
            clock.advance(3_600)
            _ = try store.replay(.all, actor: "test")
            let items = try store.lease(direction: .outbound, partner: nil, limit: 100, owner: "drain", duration: 30)
            if items.isEmpty { break }
            for item in items {
                try store.complete(itemID: item.id, owner: "drain")
                deliveries[item.id, default: 0] += 1
                deliveredVersions[item.partner + "|" + (item.recordID ?? ""), default: []].append(
                    item.recordVersion ?? 0)
            }
        }
        #expect(Set(deliveries.keys) == Set(ids), "every item delivered")
        #expect(deliveries.values.allSatisfy { $0 == 1 }, "no item delivered twice")
        // Same partner and order key: versions were delivered in enqueue order.
        #expect(deliveredVersions.values.allSatisfy { $0 == $0.sorted() })
        #expect(try store.queueSummary().allSatisfy { $0.depth == 0 && $0.dead == 0 })
    }
}

extension QueueStoreTests {
    /// The items blocked by dead ones are found from the dead items: per order key the earliest dead item blocks
    /// every later waiting item of that key (the reason names it, not a later dead one); a dead records item blocks
    /// its partner's later after-earlier-records batches only; an old dead item of one key blocks nothing of the
    /// other keys, partners or the other direction, which lease as usual; a partner-filtered lease blocks within
    /// that partner only.
    @Test func itemsBlockedByDeadOnesAreFoundFromTheDeadItems() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let clock = TestClock()
        let store = try makeStore(dir, clock)
        /// Leases `ids` alone (by partner) and fails them twice: dead (maxAttempts 2).
        func kill(_ ids: [Int64], partner: String) throws {
            for _ in 0..<2 {
                let leased = try store.lease(
                    direction: .outbound, partner: partner, limit: 100, owner: "k", duration: 30)
                #expect(Set(leased.map(\.id)) == Set(ids))
                _ = try store.fail(itemIDs: ids, owner: "k", error: "HTTP 503")
                clock.advance(100)
            }
        }
        // The old dead items: a record of key A for hefei, then a records batch for wuhu.
        let oldA = try store.enqueue([record("hefei", "rec_A")])[0]
        try kill([oldA], partner: "hefei")
        let oldBatch = try store.enqueue([batch("wuhu", orderKey: nil)])[0]
        try kill([oldBatch], partner: "wuhu")
        // A second dead item of key A, later: what waits behind both names the first.
        let laterA = try store.enqueue([record("hefei", "rec_A", version: 2)])[0]
        // (laterA waits behind oldA, so a lease dead-letters it at once.)
        #expect(try store.lease(direction: .outbound, partner: "hefei", limit: 100, owner: "k", duration: 30).isEmpty)
        let ids = try store.enqueue([
            record("hefei", "rec_A", version: 3),  // 0: behind oldA
            record("hefei", "rec_B"),  // 1: another key
            record("suzhou", "rec_A"),  // 2: another partner, same key
            batch("wuhu", orderKey: QueueItemSubmission.afterEarlierRecords),  // 3: behind oldBatch
            batch("wuhu", orderKey: nil),  // 4: no order key
            batch("jiaxing", orderKey: QueueItemSubmission.afterEarlierRecords),  // 5: nothing earlier for jiaxing
            QueueItemSubmission(
                direction: .inbound, partner: "hefei", kind: "record", orderKey: "rec_A", payload: []),  // 6: inbound
        ])
        // A lease for suzhou only touches suzhou: hefei's blocked item still waits (pending) afterwards.
        let suzhou = try store.lease(direction: .outbound, partner: "suzhou", limit: 100, owner: "w", duration: 30)
        #expect(suzhou.map(\.id) == [ids[2]])
        #expect(try store.queueItem(id: ids[0])?.state == .pending)
        let leased = try store.lease(direction: .outbound, partner: nil, limit: 100, owner: "w", duration: 30)
        #expect(leased.map(\.id) == [ids[1], ids[4], ids[5]])
        let inbound = try store.lease(direction: .inbound, partner: nil, limit: 100, owner: "w", duration: 30)
        #expect(inbound.map(\.id) == [ids[6]])
        let dead = try store.deadItems(partner: nil)
        #expect(dead.map(\.id) == [oldA, oldBatch, laterA, ids[0], ids[3]])
        func reason(_ id: Int64) -> String {
            guard case .dead(let reason) = dead.first(where: { $0.id == id })?.state else { return "not dead" }
            return reason
        }
        #expect(reason(laterA).contains("behind dead item \(oldA) "), "\(reason(laterA))")
        #expect(reason(ids[0]).contains("behind dead item \(oldA) "), "\(reason(ids[0]))")
        #expect(reason(ids[3]).contains("behind dead item \(oldBatch) "), "\(reason(ids[3]))")
    }
}

extension QueueStoreTests {
    /// The plan of the blocked-by-dead query: the dead items through `queue_due` (direction, state), their followers
    /// through `queue_order` by partner, key and id, the waiting items themselves by rowid only; no walk of the
    /// backlog (the query used to search every pending and retry item of the direction, then look for a dead
    /// predecessor of each).
    @Test func blockedByDeadQueryStartsFromTheDeadItems() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try makeStore(dir, TestClock())
        let plan = try store.read { db in
            try db.all("EXPLAIN QUERY PLAN " + SQLiteStore.blockedByDeadQuery, [.text("outbound"), .null]) {
                $0.text(3)
            }
        }
        let reads = plan.filter { $0.hasPrefix("SEARCH") || $0.hasPrefix("SCAN") }
        #expect(reads.contains("SEARCH q USING INTEGER PRIMARY KEY (rowid=?)"), "\(plan)")
        let deadItems = "SEARCH queue_items USING INDEX queue_due (direction=? AND state=?)"
        let followers = "SEARCH f USING INDEX queue_order (direction=? AND partner=? AND order_key=? AND id>?)"
        #expect(reads.filter { $0 == deadItems }.count == 2, "\(plan)")
        #expect(reads.filter { $0 == followers }.count == 2, "\(plan)")
        #expect(reads.allSatisfy { $0.hasPrefix("SEARCH") || $0 == "SCAN d" }, "no full scan of queue_items: \(plan)")
        // Then, per blocked item only: its payload's length and its earliest dead predecessor (two sub-queries).
        #expect(reads.count == 10, "\(plan)")
    }
}
