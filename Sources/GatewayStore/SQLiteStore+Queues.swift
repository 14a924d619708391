import Foundation

extension SQLiteStore: QueueStore {
    /// An item's payload: in its row, or shared in `queue_payloads` (migration 7).
    private static let payloadExpression = """
        CASE WHEN payload_ref IS NULL THEN payload \
        ELSE (SELECT qp.payload FROM queue_payloads qp WHERE qp.id = payload_ref) END
        """
    private static let itemColumns = """
        id, direction, partner, kind, record_id, record_version, log_position, order_key, \(payloadExpression), state, \
        lease_owner, lease_expiry, not_before, delivered_at, dead_reason, attempts, age_origin, created_at, last_error
        """
    /// Payloads from this size on are stored in `queue_payloads`, once per distinct payload of an enqueue.
    static let sharedPayloadMinimum = 1024

    private static func item(_ row: SQLRow, policy: RetryPolicy) throws -> (QueueItem, QueueItemStateMachine) {
        let id = row.int(0)
        guard let direction = QueueDirection(rawValue: row.text(1)) else {
            throw StoreError(StoreError.corrupt, "queue item \(id) has an unknown direction '\(row.text(1))'")
        }
        let state: QueueItemState
        switch row.text(9) {
        case "pending": state = .pending
        case "leased":
            state = .leased(owner: row.text(10), expiry: Millis.date(row.optionalInt(11) ?? 0))
        case "delivered": state = .delivered(at: Millis.date(row.optionalInt(13) ?? 0))
        case "retry": state = .retryScheduled(notBefore: Millis.date(row.optionalInt(12) ?? 0))
        case "dead": state = .dead(reason: row.optionalText(14) ?? "")
        default:
            throw StoreError(StoreError.corrupt, "queue item \(id) has an unknown state '\(row.text(9))'")
        }
        let attempts = Int(row.int(15))
        let item = QueueItem(
            id: id, direction: direction, partner: row.text(2), kind: row.text(3), recordID: row.optionalText(4),
            recordVersion: row.optionalInt(5).map(Int.init), logPosition: row.optionalInt(6),
            orderKey: row.optionalText(7), payload: row.blob(8), state: state, attempts: attempts,
            createdAt: Millis.date(row.int(17)), lastError: row.optionalText(18))
        let machine = QueueItemStateMachine(
            state: state, attempts: attempts, ageOrigin: Millis.date(row.int(16)), policy: policy)
        return (item, machine)
    }

    static func insertQueueItem(
        _ db: SQLiteConnection, _ item: QueueItemSubmission, nowMillis: Int64, payloadRef: Int64? = nil
    ) throws {
        try db.run(
            """
            INSERT INTO queue_items (direction, partner, kind, record_id, record_version, log_position, order_key, \
            payload, payload_ref, state, attempts, age_origin, created_at) \
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
            """,
            [
                .text(item.direction.rawValue), .text(item.partner), .text(item.kind),
                item.recordID.map { .text($0) } ?? .null, item.recordVersion.map { .int(Int64($0)) } ?? .null,
                item.logPosition.map { .int($0) } ?? .null, item.orderKey.map { .text($0) } ?? .null,
                .blob(payloadRef == nil ? item.payload : []), payloadRef.map { .int($0) } ?? .null,
                .int(nowMillis), .int(nowMillis),
            ])
    }

    /// Inserts `items` in order; a payload of `sharedPayloadMinimum` bytes or more is written once to
    /// `queue_payloads` and shared by every item of the call that carries the same bytes. Returns the item ids.
    static func insertQueueItems(_ db: SQLiteConnection, _ items: [QueueItemSubmission], nowMillis: Int64) throws
        -> [Int64]
    {
        var shared: [[UInt8]: Int64] = [:]
        var ids: [Int64] = []
        ids.reserveCapacity(items.count)
        for item in items {
            var ref: Int64?
            if item.payload.count >= sharedPayloadMinimum {
                if let existing = shared[item.payload] {
                    ref = existing
                } else {
                    try db.run("INSERT INTO queue_payloads (payload) VALUES (?)", [.blob(item.payload)])
                    ref = db.lastInsertRowID
                    shared[item.payload] = ref
                }
            }
            try insertQueueItem(db, item, nowMillis: nowMillis, payloadRef: ref)
            ids.append(db.lastInsertRowID)
        }
        return ids
    }

    /// Writes the machine's state back, and the audit entry its action calls for.
    private static func persist(
        _ db: SQLiteConnection, id: Int64, _ machine: QueueItemStateMachine, action: QueueItemStateMachine.Action,
        error: String? = nil, actor: String = "queue", nowMillis: Int64
    ) throws {
        var owner: SQLValue = .null
        var expiry: SQLValue = .null
        var notBefore: SQLValue = .null
        var deliveredAt: SQLValue = .null
        var deadReason: SQLValue = .null
        switch machine.state {
        case .pending: break
        case .leased(let o, let e):
            owner = .text(o)
            expiry = .int(Millis.from(e))
        case .delivered(let at): deliveredAt = .int(Millis.from(at))
        case .retryScheduled(let nb): notBefore = .int(Millis.from(nb))
        case .dead(let reason): deadReason = .text(reason)
        }
        try db.run(
            """
            UPDATE queue_items SET state = ?, lease_owner = ?, lease_expiry = ?, not_before = ?, delivered_at = ?, \
            dead_reason = ?, attempts = ?, age_origin = ?, last_error = coalesce(?, last_error), \
            last_error_at = CASE WHEN ? IS NULL THEN last_error_at ELSE ? END WHERE id = ?
            """,
            [
                .text(machine.state.name), owner, expiry, notBefore, deliveredAt, deadReason,
                .int(Int64(machine.attempts)), .int(Millis.from(machine.ageOrigin)), error.map { .text($0) } ?? .null,
                error.map { .text($0) } ?? .null, .int(nowMillis), .int(id),
            ])
        switch action {
        case .deadLetter(let reason):
            try audit(db, id: id, action: "deadLettered", actor: actor, detail: reason, nowMillis: nowMillis)
        case .replay:
            try audit(db, id: id, action: "replayed", actor: actor, detail: "dead → pending", nowMillis: nowMillis)
        default:
            break
        }
    }

    private static func audit(
        _ db: SQLiteConnection, id: Int64, action: String, actor: String, detail: String, nowMillis: Int64
    ) throws {
        try db.run(
            "INSERT INTO queue_audit (item_id, at, action, actor, detail) VALUES (?, ?, ?, ?, ?)",
            [.int(id), .int(nowMillis), .text(action), .text(actor), .text(detail)])
    }

    public func enqueue(_ items: [QueueItemSubmission]) throws -> [Int64] {
        let nowMillis = Millis.from(now)
        return try committer.write { ctx in try Self.insertQueueItems(ctx.db, items, nowMillis: nowMillis) }
    }

    public func lease(
        direction: QueueDirection, partner: String?, limit: Int, owner: String, duration: TimeInterval
    ) throws -> [QueueItem] {
        try lease(direction: direction, partner: partner, limit: limit, owner: owner, duration: duration, maxPayloadBytes: nil)
    }

    /// The item columns with the payload left out (NULL) and its length appended (column 19): candidates are
    /// chosen without reading payloads, which may be a whole fan-out batch each.
    private static let candidateColumns = """
        id, direction, partner, kind, record_id, record_version, log_position, order_key, NULL, state, lease_owner, \
        lease_expiry, not_before, delivered_at, dead_reason, attempts, age_origin, created_at, last_error, \
        CASE WHEN payload_ref IS NULL THEN length(payload) \
        ELSE (SELECT length(qp.payload) FROM queue_payloads qp WHERE qp.id = payload_ref) END
        """

    /// Every state but `delivered`: an earlier item in one of these still holds back the items ordered after it.
    private static let undelivered = "'pending', 'leased', 'retry', 'dead'"

    /// The one rule for what holds back queue item `q` (both the lease and the dead-lettering of blocked items use
    /// it): an earlier item (lower id) of the same direction and partner, in one of `states`, that either has the
    /// same order key, or carries records while `q` is an after-earlier-records item (a retraction batch never
    /// overtakes the batches before it). Two sub-queries rather than one with an OR, so that the first uses the
    /// `queue_order` index and the second `queue_due`.
    private static func predecessorQueries(
        select: (_ alias: String) -> String, states: String
    ) -> (sameKey: String, records: String) {
        (
            """
            SELECT \(select("p")) FROM queue_items p WHERE p.direction = q.direction AND p.partner = q.partner
              AND p.order_key = q.order_key AND p.id < q.id AND p.state IN (\(states))
            """,
            """
            SELECT \(select("b")) FROM queue_items b WHERE b.direction = q.direction AND b.state IN (\(states))
              AND b.id < q.id AND b.partner = q.partner AND b.kind IN ('records', 'record')
            """
        )
    }

    /// True when `q` waits behind an item in `states` (see `predecessorQueries`).
    private static func waitsBehind(states: String) -> String {
        let (sameKey, records) = predecessorQueries(select: { _ in "1" }, states: states)
        return """
            (EXISTS (\(sameKey)) OR (q.order_key = '\(QueueItemSubmission.afterEarlierRecords)' AND EXISTS (\(records))))
            """
    }

    /// The id of the earliest item in `states` that `q` waits behind (NULL when none; see `predecessorQueries`).
    private static func earliestPredecessor(states: String) -> String {
        let (sameKey, records) = predecessorQueries(select: { "min(\($0).id)" }, states: states)
        return """
            nullif(min(coalesce((\(sameKey)), 9223372036854775807),
                CASE WHEN q.order_key = '\(QueueItemSubmission.afterEarlierRecords)'
                THEN coalesce((\(records)), 9223372036854775807) ELSE 9223372036854775807 END), 9223372036854775807)
            """
    }

    /// The pending and retry items of direction `?1` (and partner `?2`, when not NULL) that wait behind a dead item
    /// (`waitsBehind(states: "'dead'")`), at most 1,000 in id order, each with the earliest dead item it waits
    /// behind (column 20).
    ///
    /// Found from the dead items, not from the waiting ones: per partner and order key, the earliest dead item, and
    /// the waiting items after it with that key (the `queue_order` index); per partner, the earliest dead `records`
    /// or `record` item, and the after-earlier-records items after it. The cost follows the dead items (and the
    /// items already dead-lettered behind them), not the backlog: one old dead item that nobody replays no longer
    /// makes every lease walk every ordered item of the direction. The dead items are read through `queue_due`
    /// (direction, state) by name: for the GROUP BY, the planner would otherwise walk `queue_order`, i.e. every
    /// ordered item of the direction, to save a sort.
    static let blockedByDeadQuery = """
        SELECT \(candidateColumns), \(earliestPredecessor(states: "'dead'")) FROM queue_items q
        WHERE q.id IN (
          SELECT f.id FROM (
            SELECT partner, order_key, min(id) AS id FROM queue_items INDEXED BY queue_due
            WHERE direction = ?1 AND state = 'dead' AND order_key IS NOT NULL AND (?2 IS NULL OR partner = ?2)
            GROUP BY partner, order_key) d
          JOIN queue_items f ON f.direction = ?1 AND f.partner = d.partner AND f.order_key = d.order_key AND f.id > d.id
          WHERE f.state IN ('pending', 'retry')
          UNION
          SELECT f.id FROM (
            SELECT partner, min(id) AS id FROM queue_items INDEXED BY queue_due
            WHERE direction = ?1 AND state = 'dead' AND kind IN ('records', 'record') AND (?2 IS NULL OR partner = ?2)
            GROUP BY partner) d
          JOIN queue_items f ON f.direction = ?1 AND f.partner = d.partner
            AND f.order_key = '\(QueueItemSubmission.afterEarlierRecords)' AND f.id > d.id
          WHERE f.state IN ('pending', 'retry'))
        ORDER BY q.id LIMIT 1000
        """

    /// Leases like `lease(direction:partner:limit:owner:duration:)`, and stops adding items once their payloads
    /// together reach `maxPayloadBytes` (the first item is always taken): a delivery worker's memory and envelope
    /// size stay bounded whether the items are single records or fan-out batches of a thousand.
    ///
    /// Besides per-key order, an item whose order key is `QueueItemSubmission.afterEarlierRecords` waits while
    /// any earlier `records` or `record` item of the same partner and direction is not delivered (dead included):
    /// a batch carrying a retraction of a record sent in an earlier batch never overtakes that batch.
    public func lease(
        direction: QueueDirection, partner: String?, limit: Int, owner: String, duration: TimeInterval,
        maxPayloadBytes: Int?
    ) throws -> [QueueItem] {
        let nowDate = now
        let nowMillis = Millis.from(nowDate)
        let policy = options.retryPolicy
        let partnerValue: SQLValue = partner.map { .text($0) } ?? .null
        return try committer.write { ctx in
            let db = ctx.db
            // Leases of crashed workers first: their items become due again (or dead, if out of attempts).
            let expired = try db.all(
                "SELECT \(Self.itemColumns) FROM queue_items WHERE direction = ? AND state = 'leased' "
                    + "AND lease_expiry <= ? AND (? IS NULL OR partner = ?)",
                [.text(direction.rawValue), .int(nowMillis), partnerValue, partnerValue]
            ) { try Self.item($0, policy: policy) }
            for (item, var machine) in expired {
                let action = machine.leaseExpired(now: nowDate)
                try Self.persist(db, id: item.id, machine, action: action, nowMillis: nowMillis)
            }
            // Items that wait behind a dead item of their order go dead with it (see `blockedByDead`).
            let blocked = try db.all(Self.blockedByDeadQuery, [.text(direction.rawValue), partnerValue]) { row in
                (try Self.item(row, policy: policy), row.int(20))
            }
            for ((item, var machine), blocker) in blocked {
                let action = machine.blockedByDead(blocker)
                if case .deadLetter = action {
                    try Self.persist(db, id: item.id, machine, action: action, nowMillis: nowMillis)
                }
            }
            let candidates = try db.all(
                """
                SELECT \(Self.candidateColumns) FROM queue_items q
                WHERE direction = ? AND (? IS NULL OR partner = ?)
                  AND state IN ('pending', 'retry') AND (state = 'pending' OR not_before <= ?)
                  AND (order_key IS NULL OR NOT \(Self.waitsBehind(states: Self.undelivered)))
                ORDER BY id LIMIT ?
                """,
                [.text(direction.rawValue), partnerValue, partnerValue, .int(nowMillis), .int(Int64(max(0, limit)))]
            ) { row in (try Self.item(row, policy: policy), Int(row.int(19))) }
            var leased: [QueueItem] = []
            var bytes = 0
            for ((item, var machine), length) in candidates {
                if let maxPayloadBytes, !leased.isEmpty, bytes + length > maxPayloadBytes { break }
                let action = machine.lease(owner: owner, now: nowDate, duration: duration)
                switch action {
                case .lease, .deadLetter:
                    try Self.persist(db, id: item.id, machine, action: action, nowMillis: nowMillis)
                default:
                    continue
                }
                if case .lease = action {
                    var out = item
                    out.state = machine.state
                    out.attempts = machine.attempts
                    out.payload =
                        try db.first("SELECT \(Self.payloadExpression) FROM queue_items WHERE id = ?", [.int(item.id)]) {
                            $0.blob(0)
                        } ?? []
                    leased.append(out)
                    bytes += length
                }
            }
            return leased
        }
    }

    /// Loads an item, applies `event` and persists the result in a transaction of its own (see `apply`); throws
    /// when the item does not exist or the event is rejected.
    private func transition(
        itemID: Int64, error: String? = nil,
        _ event: @escaping (inout QueueItemStateMachine, Date) -> QueueItemStateMachine.Action
    ) throws -> QueueItemState {
        let nowDate = now
        let nowMillis = Millis.from(nowDate)
        let policy = options.retryPolicy
        return try committer.write { ctx in
            try Self.apply(
                ctx.db, itemID: itemID, policy: policy, now: nowDate, nowMillis: nowMillis, error: error,
                actor: "queue", event)
        }
    }

    /// Marks every item of `itemIDs` delivered in one transaction (one commit for a whole delivered envelope).
    /// Items `owner` no longer holds (its lease expired and another worker took them) are left as they are and
    /// returned with the reason; the rest are completed.
    @discardableResult
    public func complete(itemIDs: [Int64], owner: String) throws -> [(id: Int64, reason: String)] {
        try transition(itemIDs: itemIDs) { machine, now in machine.succeeded(owner: owner, now: now) }
    }

    /// Records a failed attempt for every item of `itemIDs` in one transaction (retry scheduled or dead-lettered
    /// per the policy, each with its own backoff draw). Items `owner` no longer holds are returned, untouched.
    @discardableResult
    public func fail(itemIDs: [Int64], owner: String, error: String) throws -> [(id: Int64, reason: String)] {
        let draws = itemIDs.map { _ in options.random() }
        var index = 0
        return try transition(itemIDs: itemIDs, error: error) { machine, now in
            defer { index += 1 }
            return machine.failed(owner: owner, now: now, random: draws[min(index, draws.count - 1)])
        }
    }

    /// Queues `items` and completes the inbound item `itemID` in the same transaction: a mapping worker's fan-out
    /// and the end of its work item commit together (once, not once per step). Throws, queuing nothing, when
    /// `owner` no longer holds `itemID`.
    @discardableResult
    public func enqueue(_ items: [QueueItemSubmission], completing itemID: Int64, owner: String) throws -> [Int64] {
        let nowDate = now
        let nowMillis = Millis.from(nowDate)
        let policy = options.retryPolicy
        return try committer.write { ctx in
            let ids = try Self.insertQueueItems(ctx.db, items, nowMillis: nowMillis)
            try Self.apply(
                ctx.db, itemID: itemID, policy: policy, now: nowDate, nowMillis: nowMillis, error: nil, actor: "queue"
            ) { machine, now in machine.succeeded(owner: owner, now: now) }
            return ids
        }
    }

    /// Loads each item, applies `event` and persists the result, all in one transaction; items whose event is
    /// rejected (or that do not exist) are skipped and returned with the reason.
    private func transition(
        itemIDs: [Int64], error: String? = nil,
        _ event: @escaping (inout QueueItemStateMachine, Date) -> QueueItemStateMachine.Action
    ) throws -> [(id: Int64, reason: String)] {
        guard !itemIDs.isEmpty else { return [] }
        let nowDate = now
        let nowMillis = Millis.from(nowDate)
        let policy = options.retryPolicy
        return try committer.write { ctx in
            var skipped: [(id: Int64, reason: String)] = []
            for id in itemIDs {
                do {
                    try Self.apply(
                        ctx.db, itemID: id, policy: policy, now: nowDate, nowMillis: nowMillis, error: error,
                        actor: "queue", event)
                } catch let e as StoreError where e.code == StoreError.invalidTransition || e.code == StoreError.notFound {
                    skipped.append((id, e.message))
                }
            }
            return skipped
        }
    }

    /// One item's transition inside an open transaction; returns the item's new state. Throws `notFound` when
    /// there is no such item and `invalidTransition` when the event is rejected.
    @discardableResult
    private static func apply(
        _ db: SQLiteConnection, itemID: Int64, policy: RetryPolicy, now: Date, nowMillis: Int64, error: String?,
        actor: String, _ event: (inout QueueItemStateMachine, Date) -> QueueItemStateMachine.Action
    ) throws -> QueueItemState {
        guard
            let (item, machine) = try db.first(
                "SELECT \(Self.itemColumns) FROM queue_items WHERE id = ?", [.int(itemID)],
                { try Self.item($0, policy: policy) })
        else {
            throw StoreError(StoreError.notFound, "there is no queue item \(itemID)")
        }
        var m = machine
        let action = event(&m, now)
        if case .reject(let why) = action {
            throw StoreError(
                StoreError.invalidTransition, "queue item \(itemID) (\(item.direction.rawValue) \(item.partner)): \(why)")
        }
        try Self.persist(db, id: itemID, m, action: action, error: error, actor: actor, nowMillis: nowMillis)
        return m.state
    }

    public func complete(itemID: Int64, owner: String) throws {
        _ = try transition(itemID: itemID) { machine, now in machine.succeeded(owner: owner, now: now) }
    }

    public func fail(itemID: Int64, owner: String, error: String) throws -> QueueItemState {
        let draw = options.random()
        return try transition(itemID: itemID, error: error) { machine, now in
            machine.failed(owner: owner, now: now, random: draw)
        }
    }

    public func queueItem(id: Int64) throws -> QueueItem? {
        let policy = options.retryPolicy
        return try read { db in
            try db.first("SELECT \(Self.itemColumns) FROM queue_items WHERE id = ?", [.int(id)]) {
                try Self.item($0, policy: policy).0
            }
        }
    }

    public func queueSummary() throws -> [QueueSummary] {
        let nowMillis = Millis.from(now)
        return try read { db in
            var summaries = try db.all(
                """
                SELECT direction, partner,
                  sum(state IN ('pending', 'leased', 'retry')),
                  min(CASE WHEN state IN ('pending', 'leased', 'retry') THEN created_at END),
                  sum(state = 'retry'), sum(state = 'dead'), max(delivered_at)
                FROM queue_items GROUP BY direction, partner ORDER BY partner, direction
                """
            ) { row in
                QueueSummary(
                    direction: QueueDirection(rawValue: row.text(0)) ?? .inbound, partner: row.text(1),
                    depth: Int(row.int(2)), oldestAgeSeconds: row.optionalInt(3).map { Double(nowMillis - $0) / 1000 },
                    inRetry: Int(row.int(4)), dead: Int(row.int(5)), lastSuccess: row.optionalInt(6).map(Millis.date),
                    lastError: nil, lastErrorAt: nil)
            }
            for i in summaries.indices {
                if let last = try db.first(
                    "SELECT last_error, last_error_at FROM queue_items WHERE direction = ? AND partner = ? "
                        + "AND last_error_at IS NOT NULL ORDER BY last_error_at DESC LIMIT 1",
                    [.text(summaries[i].direction.rawValue), .text(summaries[i].partner)],
                    { ($0.optionalText(0), $0.int(1)) })
                {
                    summaries[i].lastError = last.0
                    summaries[i].lastErrorAt = Millis.date(last.1)
                }
            }
            return summaries
        }
    }

    public func deadItems(partner: String?) throws -> [QueueItem] {
        let policy = options.retryPolicy
        let p: SQLValue = partner.map { .text($0) } ?? .null
        return try read { db in
            try db.all(
                "SELECT \(Self.itemColumns) FROM queue_items WHERE state = 'dead' AND (? IS NULL OR partner = ?) ORDER BY id",
                [p, p]
            ) { try Self.item($0, policy: policy).0 }
        }
    }

    public func replay(_ selection: ReplaySelection, actor: String) throws -> [Int64] {
        let nowDate = now
        let nowMillis = Millis.from(nowDate)
        let policy = options.retryPolicy
        return try committer.write { ctx in
            let db = ctx.db
            var rows: [(QueueItem, QueueItemStateMachine)]
            switch selection {
            case .all:
                rows = try db.all("SELECT \(Self.itemColumns) FROM queue_items WHERE state = 'dead' ORDER BY id") {
                    try Self.item($0, policy: policy)
                }
            case .partner(let partner):
                rows = try db.all(
                    "SELECT \(Self.itemColumns) FROM queue_items WHERE state = 'dead' AND partner = ? ORDER BY id",
                    [.text(partner)]
                ) { try Self.item($0, policy: policy) }
            case .items(let ids):
                rows = []
                for id in ids {
                    guard
                        let row = try db.first(
                            "SELECT \(Self.itemColumns) FROM queue_items WHERE id = ?", [.int(id)],
                            { try Self.item($0, policy: policy) })
                    else { throw StoreError(StoreError.notFound, "there is no queue item \(id)") }
                    guard case .dead = row.0.state else {
                        throw StoreError(
                            StoreError.invalidTransition,
                            "queue item \(id) is \(row.0.state.name), not dead; nothing replayed")
                    }
                    rows.append(row)
                }
            }
            var replayed: [Int64] = []
            for (item, var machine) in rows {
                let action = machine.replayed(now: nowDate)
                guard case .replay = action else { continue }
                try Self.persist(db, id: item.id, machine, action: action, actor: actor, nowMillis: nowMillis)
                replayed.append(item.id)
            }
            return replayed
        }
    }

    public func auditTrail(itemID: Int64) throws -> [QueueAuditEntry] {
        try read { db in
            try db.all(
                "SELECT item_id, at, action, actor, detail FROM queue_audit WHERE item_id = ? ORDER BY id",
                [.int(itemID)]
            ) { row in
                QueueAuditEntry(
                    itemID: row.int(0), at: Millis.date(row.int(1)), action: row.text(2), actor: row.text(3),
                    detail: row.text(4))
            }
        }
    }
}

extension QueueItemSubmission {
    /// The order key of a fan-out batch (`records` item) that carries a retraction of a record sent in an earlier
    /// batch: it is leased only once every earlier `records` / `record` item of its partner is delivered, so the
    /// retraction never overtakes its record (see `SQLiteStore.lease(…maxPayloadBytes:)`).
    public static let afterEarlierRecords = "records.after-earlier"
}
