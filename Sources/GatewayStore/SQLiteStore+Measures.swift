import Foundation
import GatewayCore

/// One stored measure decision of a subject (the dispatcher's; the store keeps its JSON as given).
public struct StoredMeasureDecision: Hashable, Sendable {
    public var subjectKey: String
    /// `rule|measure|record`: the decision's identity across evaluations.
    public var key: String
    public var measure: String
    public var rule: String
    public var recordID: String
    /// `active`, `suspended`, `lifted`, `pending`.
    public var status: String
    /// The day (ISO) the decision changes by itself, or nil.
    public var nextChange: String?
    /// The decision as JSON.
    public var content: String

    public init(
        subjectKey: String, key: String, measure: String, rule: String, recordID: String, status: String,
        nextChange: String?, content: String
    ) {
        self.subjectKey = subjectKey
        self.key = key
        self.measure = measure
        self.rule = rule
        self.recordID = recordID
        self.status = status
        self.nextChange = nextChange
        self.content = content
    }
}

/// One subject's new evaluation: its decisions and the notices of what changed.
public struct MeasureEvaluation: Sendable {
    public var subjectKey: String
    public var decisions: [StoredMeasureDecision]
    /// The day evaluated for (ISO).
    public var evaluatedOn: String
    public var notices: [QueueItemSubmission]
    /// The subject's stored decisions this evaluation was computed from (`MeasureEvaluation.basis(of:)`), or nil.
    /// When set, the write checks inside its transaction that they are still the stored ones: if another worker or
    /// process (a second mapping worker, the daily sweep, `rules backfill` on a live store) wrote the subject's
    /// decisions meanwhile, this evaluation's changes and notices are out of date, so nothing of it is written and
    /// the subject is returned for evaluating again. Without the check, both writers would queue the same notice.
    public var basedOn: [String]?

    public init(
        subjectKey: String, decisions: [StoredMeasureDecision], evaluatedOn: String, notices: [QueueItemSubmission],
        basedOn: [String]? = nil
    ) {
        self.subjectKey = subjectKey
        self.decisions = decisions
        self.evaluatedOn = evaluatedOn
        self.notices = notices
        self.basedOn = basedOn
    }

    /// What `basedOn` holds for these stored decisions (as `measureDecisions(subjectKey:)` returns them, in key
    /// order): each decision's key and JSON.
    public static func basis(of stored: [StoredMeasureDecision]) -> [String] {
        stored.map { $0.key + "\n" + $0.content }
    }
}

extension SQLiteStore {
    /// Notes which records concern which subject (idempotent).
    public func indexSubjects(_ pairs: [(subjectKey: String, recordID: String)]) throws {
        guard !pairs.isEmpty else { return }
        try committer.write { ctx in
            for pair in pairs {
                try ctx.db.run(
                    "INSERT OR IGNORE INTO subject_records (subject_key, record_id) VALUES (?, ?)",
                    [.text(pair.subjectKey), .text(pair.recordID)])
            }
        }
    }

    /// The ids of records indexed under `subjectKey` (see `indexSubjects`), at most `limit`.
    public func indexedRecordIDs(subjectKey: String, limit: Int = 1000) throws -> [String] {
        try read { db in
            try db.all(
                "SELECT record_id FROM subject_records WHERE subject_key = ? ORDER BY record_id LIMIT ?",
                [.text(subjectKey), .int(Int64(limit))]
            ) { $0.text(0) }
        }
    }

    /// A subject's stored decisions (its latest evaluation), ordered by key.
    public func measureDecisions(subjectKey: String) throws -> [StoredMeasureDecision] {
        try read { db in
            try db.all(
                """
                SELECT decision_key, measure, rule, record_id, status, next_change, content FROM measure_decisions
                WHERE subject_key = ? ORDER BY decision_key
                """, [.text(subjectKey)]
            ) { row in
                StoredMeasureDecision(
                    subjectKey: subjectKey, key: row.text(0), measure: row.text(1), rule: row.text(2),
                    recordID: row.text(3), status: row.text(4), nextChange: row.optionalText(5), content: row.text(6))
            }
        }
    }

    /// Replaces subjects' decisions with new evaluations and queues their notices, in one transaction: a crash
    /// leaves either the old decisions and no notices (the next evaluation finds the same changes again) or both.
    ///
    /// Returns the subject keys of evaluations left unwritten because their `basedOn` is out of date (evaluate those
    /// again).
    @discardableResult
    public func replaceMeasureDecisions(_ evaluations: [MeasureEvaluation]) throws -> [String] {
        guard !evaluations.isEmpty else { return [] }
        let nowMillis = Millis.from(now)
        let stale = try committer.write { ctx in try Self.apply(ctx.db, evaluations, nowMillis: nowMillis) }
        // (Lookups renew their read snapshot on a bump: only when a decision was written.)
        if stale.count < evaluations.count { MeasureWriteCounter.forStore(path: path).bump() }
        return stale
    }

    /// Writes `evaluations` whose basis still holds; returns the subject keys of the others.
    private static func apply(_ db: SQLiteConnection, _ evaluations: [MeasureEvaluation], nowMillis: Int64) throws
        -> [String]
    {
        var stale: [String] = []
        for e in evaluations {
            if let basedOn = e.basedOn {
                let stored = try db.all(
                    "SELECT decision_key, content FROM measure_decisions WHERE subject_key = ? ORDER BY decision_key",
                    [.text(e.subjectKey)]
                ) { $0.text(0) + "\n" + $0.text(1) }
                if stored != basedOn {
                    stale.append(e.subjectKey)
                    continue
                }
            }
            try db.run("DELETE FROM measure_decisions WHERE subject_key = ?", [.text(e.subjectKey)])
            for d in e.decisions {
                try insertDecision(db, d, subjectKey: e.subjectKey, evaluatedOn: e.evaluatedOn, nowMillis: nowMillis)
            }
            // The lookup's row, from the decisions as stored now (two decisions of one key: the last one written).
            try MeasureLookupTable.refresh(db, subjectKey: e.subjectKey)
            for item in e.notices { try insertQueueItem(db, item, nowMillis: nowMillis) }
        }
        return stale
    }

    static func insertDecision(
        _ db: SQLiteConnection, _ d: StoredMeasureDecision, subjectKey: String, evaluatedOn: String, nowMillis: Int64
    ) throws {
        try db.run(
            """
            INSERT OR REPLACE INTO measure_decisions (subject_key, decision_key, measure, rule, record_id, status,
            next_change, content, evaluated_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(subjectKey), .text(d.key), .text(d.measure), .text(d.rule), .text(d.recordID), .text(d.status),
                d.nextChange.map { .text($0) } ?? .null, .text(d.content), .text(evaluatedOn), .int(nowMillis),
            ])
    }

    /// The measure, status and next change of a subject's decisions whose measure code starts with `prefix`, in
    /// measure order (the general query the lookup's table is checked against in tests).
    public func measureStatuses(subjectKey: String, measurePrefix: String) throws
        -> [(measure: String, status: String, nextChange: String?)]
    {
        try read { db in
            try db.all(
                """
                SELECT measure, status, next_change FROM measure_decisions
                WHERE subject_key = ? AND measure >= ? AND measure < ? ORDER BY measure
                """, [.text(subjectKey), .text(measurePrefix), .text(measurePrefix + "\u{10FFFF}")]
            ) { row in (row.text(0), row.text(1), row.optionalText(2)) }
        }
    }

    /// Subjects with a decision whose `nextChange` is on or before `date` (ISO), at most `limit`.
    public func subjectsWithMeasureChangesDue(on date: String, limit: Int = 10_000) throws -> [String] {
        try read { db in
            try db.all(
                """
                SELECT DISTINCT subject_key FROM measure_decisions WHERE next_change IS NOT NULL AND next_change <= ?
                ORDER BY subject_key LIMIT ?
                """, [.text(date), .int(Int64(limit))]
            ) { $0.text(0) }
        }
    }

    /// How many decisions are stored (operators, benchmarks).
    public func measureDecisionCount() throws -> Int {
        try read { db in try db.first("SELECT count(*) FROM measure_decisions") { Int($0.int(0)) } ?? 0 }
    }

    /// Writes many subjects' decisions in few transactions (benchmark seeding); no notices.
    public func putMeasureDecisionsInBulk(_ decisions: [StoredMeasureDecision], evaluatedOn: String) throws {
        let nowMillis = Millis.from(now)
        for chunk in stride(from: 0, to: decisions.count, by: 10_000) {
            let slice = decisions[chunk..<min(decisions.count, chunk + 10_000)]
            try committer.write { ctx in
                var subjects = Set<String>()
                for d in slice {
                    try Self.insertDecision(
                        ctx.db, d, subjectKey: d.subjectKey, evaluatedOn: evaluatedOn, nowMillis: nowMillis)
                    subjects.insert(d.subjectKey)
                }
                // (Decisions add to what a subject had: its lookup row is made from all of them as stored now.)
                for subject in subjects { try MeasureLookupTable.refresh(ctx.db, subjectKey: subject) }
            }
        }
        MeasureWriteCounter.forStore(path: path).bump()
    }
}

/// Where the re-evaluation of every subject after a change of rule data stands (migration 6).
public struct MeasureBackfillState: Hashable, Sendable {
    public enum Phase: String, Sendable {
        /// Records → subject index (records stored before the dispatcher indexed them).
        case index
        /// Every indexed or decided subject re-evaluated.
        case evaluate
    }

    /// The rule-data fingerprint every subject was last evaluated with (nil: never).
    public var evaluatedWith: String?
    /// The fingerprint of the backfill under way (nil: none).
    public var target: String?
    public var phase: Phase?
    /// The last record id (index) or subject key (evaluate) done.
    public var cursor: String
    public var subjects: Int
    public var changes: Int
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(
        evaluatedWith: String? = nil, target: String? = nil, phase: Phase? = nil, cursor: String = "",
        subjects: Int = 0, changes: Int = 0, startedAt: Date? = nil, finishedAt: Date? = nil
    ) {
        self.evaluatedWith = evaluatedWith
        self.target = target
        self.phase = phase
        self.cursor = cursor
        self.subjects = subjects
        self.changes = changes
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

extension SQLiteStore {
    /// The backfill's state (all nil / zero before the first one).
    public func measureBackfillState() throws -> MeasureBackfillState {
        try read { db in
            try db.first(
                """
                SELECT evaluated_with, target, phase, cursor, subjects, changes, started_at, finished_at
                FROM measure_backfill WHERE id = 1
                """
            ) { row in
                MeasureBackfillState(
                    evaluatedWith: row.optionalText(0), target: row.optionalText(1),
                    phase: row.optionalText(2).flatMap(MeasureBackfillState.Phase.init(rawValue:)),
                    cursor: row.text(3), subjects: Int(row.int(4)), changes: Int(row.int(5)),
                    startedAt: row.isNull(6) ? nil : Millis.date(row.int(6)),
                    finishedAt: row.isNull(7) ? nil : Millis.date(row.int(7)))
            } ?? MeasureBackfillState()
        }
    }

    /// Saves the backfill's state alone (start, phase change, end).
    public func saveMeasureBackfillState(_ state: MeasureBackfillState) throws {
        try committer.write { ctx in try Self.saveBackfill(ctx.db, state) }
    }

    /// Replaces subjects' decisions, queues their notices and saves the backfill's cursor, in one transaction: a
    /// crash leaves the batch either wholly done with its cursor or not at all.
    /// Returns the subject keys left unwritten, as `replaceMeasureDecisions(_:)` does.
    @discardableResult
    public func replaceMeasureDecisions(_ evaluations: [MeasureEvaluation], backfill: MeasureBackfillState) throws
        -> [String]
    {
        let nowMillis = Millis.from(now)
        let stale = try committer.write { ctx in
            let stale = try Self.apply(ctx.db, evaluations, nowMillis: nowMillis)
            try Self.saveBackfill(ctx.db, backfill)
            return stale
        }
        if stale.count < evaluations.count { MeasureWriteCounter.forStore(path: path).bump() }
        return stale
    }

    static func saveBackfill(_ db: SQLiteConnection, _ s: MeasureBackfillState) throws {
        try db.run(
            """
            INSERT OR REPLACE INTO measure_backfill (id, evaluated_with, target, phase, cursor, subjects, changes,
            started_at, finished_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                s.evaluatedWith.map { .text($0) } ?? .null, s.target.map { .text($0) } ?? .null,
                s.phase.map { .text($0.rawValue) } ?? .null, .text(s.cursor), .int(Int64(s.subjects)),
                .int(Int64(s.changes)), s.startedAt.map { .int(Millis.from($0)) } ?? .null,
                s.finishedAt.map { .int(Millis.from($0)) } ?? .null,
            ])
    }

    /// Ids of stored records after `cursor` in stored-key order, at most `limit` (the backfill's walk over every
    /// record). The cursor is the last id returned, or "" to start; the order is that of the 16-byte keys (schema 4,
    /// `RecordKey`), which is id order for canonical ids.
    public func recordIDs(after cursor: String, limit: Int) throws -> [String] {
        try read { db in
            try db.all(
                "SELECT record_key FROM records WHERE record_key > ? ORDER BY record_key LIMIT ?",
                [.blob(cursor.isEmpty ? [] : RecordKey.bytes(cursor)), .int(Int64(limit))]
            ) { RecordKey.id($0.blob(0)) }
        }
    }

    /// Subject keys after `cursor` in key order that have indexed records or stored decisions, at most `limit`.
    public func measureSubjectKeys(after cursor: String, limit: Int) throws -> [String] {
        try read { db in
            try db.all(
                """
                SELECT subject_key FROM subject_records WHERE subject_key > ?
                UNION SELECT subject_key FROM measure_decisions WHERE subject_key > ?
                ORDER BY 1 LIMIT ?
                """, [.text(cursor), .text(cursor), .int(Int64(limit))]
            ) { $0.text(0) }
        }
    }
}
