import Foundation
import GatewayCore
import GatewayDispatch
import GatewayMapping
import GatewayStore
import Synchronization

/// A `measures.notice` line: one change of one measure decision, as sent to the partners in the measure's scope.
public struct MeasureNotice: Codable, Hashable, Sendable {
    public static let schema = "g60.measures.notice/v1"
    public var change: MeasureChange.Change
    /// The day the evaluation was made for.
    public var evaluatedOn: CivilDate
    public var decision: MeasureDecision
}

/// The joint reward / punishment dispatcher of a node.
///
/// - Event-driven: after the mapping worker stores records (new records, versions, retractions), each touched
///   subject is re-evaluated with the rule engine over all its current records and the retractions that withdrew
///   any of them.
/// - Time-driven: `sweep` re-evaluates subjects whose stored decisions change by themselves on or before the day
///   (a publicity or listing period ends, a pending measure starts); the service runs it once a day.
///
/// Every evaluation is stored (rule, triggering record, period, explanation, catalogue / rules / periods versions)
/// and each change (issued / lifted / suspended / resumed) becomes a `measures.notice` item queued outbound — in the
/// same transaction — for every partner in the measure's scope.
///
/// Who is notified: the catalogue names the *kinds* of department that implement a measure
/// (法院, 市场监管, 文化和旅游…); every one of the nine cities has such departments and the gateway addresses a city's
/// exchange node, not its departments. So a measure's notices go to every partner city in its `scope` (`all` → all nine; a list → those
/// cities), every one of them (each partner has a delivery worker); the city's node routes them to its departments.
/// The source city is included: it implements the measures too.
public final class MeasureDispatcher: @unchecked Sendable {
    public let store: SQLiteStore
    public let engine: RuleEngine
    public let partners: PartnerDirectory
    let today: @Sendable () -> CivilDate
    let logger: Logger
    private let lastSweep = Mutex<CivilDate?>(nil)

    public init(
        store: SQLiteStore, engine: RuleEngine, partners: PartnerDirectory,
        today: @escaping @Sendable () -> CivilDate = { CivilDate.today() }, logger: Logger
    ) {
        self.store = store
        self.engine = engine
        self.partners = partners
        self.today = today
        self.logger = logger
    }

    // MARK: - Event-driven

    /// The mapping worker's hook: indexes the stored records by subject and re-evaluates every touched subject
    /// (a retraction touches its own subject and its target's). Returns the changes.
    @discardableResult
    public func recordsStored(_ records: [CanonicalRecord], results: [RecordPutResult]) throws -> [MeasureChange] {
        var pairs: [(subjectKey: String, recordID: String)] = []
        var keys = Set<String>()
        for (record, result) in zip(records, results) {
            let key = RuleEngine.subjectKey(record.subject)
            pairs.append((key, result.recordID))
            // A new record no rule can fire on changes no decision (`RuleEngine.canDecide`): its subject is indexed
            // but not evaluated. (A record stored again unchanged is evaluated: its first evaluation may have been
            // cut short by a crash.)
            let decides = try result.change != .created || engine.canDecide(on: record)
            if decides { keys.insert(key) }
            if let target = result.withdrewRecordID, let stored = try store.record(id: target) {
                let targetKey = RuleEngine.subjectKey(stored.record.subject)
                pairs.append((targetKey, result.recordID))
                if decides { keys.insert(targetKey) }
            }
            if result.change == .corrected {
                // A correction can change the subject itself: the previous subject is re-evaluated too (its
                // records are filtered by subject, so the corrected record no longer counts there).
                let versions = try store.versions(of: result.recordID)
                if versions.count >= 2 {
                    keys.insert(RuleEngine.subjectKey(versions[versions.count - 2].record.subject))
                }
            }
        }
        try store.indexSubjects(pairs)
        return try reevaluate(subjectKeys: keys.sorted())
    }

    /// Re-evaluates subjects on `asOf` (default today), stores the decisions and queues notices of the changes.
    ///
    /// A subject whose stored decisions another worker or process wrote between this evaluation's read and its write
    /// is evaluated again (see `MeasureEvaluation.basedOn`), so each change is queued once.
    @discardableResult
    public func reevaluate(subjectKeys: [String], asOf: CivilDate? = nil) throws -> [MeasureChange] {
        let date = asOf ?? today()
        var all: [MeasureChange] = []
        var pending = subjectKeys
        for round in 1...Self.maxRounds {
            var stale: [String] = []
            var start = 0
            while start < pending.count {
                let keys = pending[start..<min(start + 500, pending.count)]
                start += keys.count
                var batch: [MeasureEvaluation] = []
                var changes: [String: [MeasureChange]] = [:]
                for key in keys {
                    let evaluation = try evaluate(subjectKey: key, asOf: date)
                    changes[key] = evaluation.changes
                    batch.append(evaluation.stored)
                }
                let unwritten = Set(try store.replaceMeasureDecisions(batch))
                for key in keys where !unwritten.contains(key) { all += changes[key] ?? [] }
                stale += keys.filter { unwritten.contains($0) }
            }
            if stale.isEmpty { break }
            if round == Self.maxRounds {
                logger.warning(
                    "subjects left for their next evaluation: other writers changed their decisions \(round) times",
                    ["subjects": String(stale.count)])
                break
            }
            pending = stale
        }
        return all
    }

    /// How many times a subject is evaluated again when other writers keep changing its decisions meanwhile.
    static let maxRounds = 5

    /// One subject's new decisions and notices, and its changes.
    func evaluate(subjectKey: String, asOf: CivilDate) throws -> (stored: MeasureEvaluation, changes: [MeasureChange]) {
        // The stored decisions first, the records after: decisions are written only after their records commit, so
        // a record stored meanwhile by another writer is either among the records read here, or its writer's new
        // decisions differ from `stored` and the write below finds this evaluation stale.
        let stored = try store.measureDecisions(subjectKey: subjectKey)
        let records = try records(subjectKey: subjectKey)
        let current = try engine.evaluate(records: records, asOf: asOf)
        let previous = try Self.decode(stored, subjectKey: subjectKey)
        let changes = MeasureChange.between(previous: previous, current: current)
        // Decisions whose rule no longer fires (a corrected record) are kept as lifted, for the explanation.
        let currentKeys = Set(current.map(\.key))
        let kept = current + changes.filter { !currentKeys.contains($0.decision.key) }.map(\.decision)
        let rows = try kept.map { d in
            StoredMeasureDecision(
                subjectKey: subjectKey, key: d.key, measure: d.measure, rule: d.rule, recordID: d.record,
                status: d.status.rawValue, nextChange: Self.nextChange(d)?.description,
                content: String(decoding: try Self.encoder.encode(d), as: UTF8.self))
        }
        let notices = try noticeItems(subjectKey: subjectKey, changes: changes, asOf: asOf)
        if !changes.isEmpty {
            // The subject key is a keyed hash or a USCC, never a clear identity number.
            logger.info(
                "measures changed",
                [
                    "subject.key": subjectKey, "changes": String(changes.count),
                    "notices.queued": String(notices.count),
                ])
        }
        return (
            MeasureEvaluation(
                subjectKey: subjectKey, decisions: rows, evaluatedOn: asOf.description, notices: notices,
                basedOn: MeasureEvaluation.basis(of: stored)), changes
        )
    }

    /// When a decision changes by itself: a pending one starts, an active or suspended one ends.
    static func nextChange(_ d: MeasureDecision) -> CivilDate? {
        switch d.status {
        case .pending: return d.from
        case .active, .suspended: return d.endsOn
        case .lifted: return nil
        }
    }

    /// The subject's current records, plus every retraction that withdrew one of them (with its target id set),
    /// whatever subject the retraction itself names.
    func records(subjectKey: String) throws -> [CanonicalRecord] {
        var ids = try store.indexedRecordIDs(subjectKey: subjectKey)
        if ids.isEmpty && (subjectKey.hasPrefix("uscc:") || subjectKey.hasPrefix("id:")) {
            // Records stored before the dispatcher ran: the store's scan, then indexed.
            ids = try store.recordIDs(subjectKey: subjectKey)
            try store.indexSubjects(ids.map { (subjectKey, $0) })
        }
        var out: [CanonicalRecord] = []
        var seen = Set<String>()
        for id in ids {
            guard let stored = try store.record(id: id), seen.insert(id).inserted else { continue }
            // A record corrected to another subject no longer counts here (retractions always do: the engine
            // matches them to their targets).
            if stored.record.kind != .retraction && RuleEngine.subjectKey(stored.record.subject) != subjectKey {
                continue
            }
            var record = stored.record
            if record.id == nil { record.id = id }
            out.append(record)
            if let w = stored.withdrawal, !w.retractionRecordID.isEmpty, seen.insert(w.retractionRecordID).inserted,
                let retraction = try store.record(id: w.retractionRecordID)
            {
                var r = retraction.record
                if r.id == nil { r.id = w.retractionRecordID }
                if case .retraction(var body) = r.body {
                    body.targetRecordId = id
                    r.body = .retraction(body)
                }
                out.append(r)
            }
        }
        return out
    }

    /// A subject's stored decisions (its latest evaluation).
    public func decisions(subjectKey: String) throws -> [MeasureDecision] {
        try Self.decode(store.measureDecisions(subjectKey: subjectKey), subjectKey: subjectKey)
    }

    static func decode(_ stored: [StoredMeasureDecision], subjectKey: String) throws -> [MeasureDecision] {
        try stored.map { row in
            do {
                return try JSONDecoder().decode(MeasureDecision.self, from: Data(row.content.utf8))
            } catch {
                throw GatewayError(
                    GatewayError.storeUnavailable,
                    "stored decision \(row.key) of subject \(subjectKey) cannot be decoded: \(error)")
            }
        }
    }

    /// One `measures.notice` item per partner: the changes of measures in that partner's scope, one per line.
    func noticeItems(subjectKey: String, changes: [MeasureChange], asOf: CivilDate) throws -> [QueueItemSubmission] {
        guard !changes.isEmpty else { return [] }
        var lines: [String: [String]] = [:]
        for change in changes {
            let line = String(
                decoding: try Self.encoder.encode(
                    MeasureNotice(change: change.change, evaluatedOn: asOf, decision: change.decision)),
                as: UTF8.self)
            for partner in recipients(of: change.decision.scope) { lines[partner, default: []].append(line) }
        }
        return lines.keys.sorted().map { partner in
            QueueItemSubmission(
                direction: .outbound, partner: partner, kind: "measures.notice", orderKey: "measures|" + subjectKey,
                payload: Array((lines[partner, default: []].joined(separator: "\n") + "\n").utf8))
        }
    }

    /// The partner cities a measure's notices go to (see the type's documentation).
    public func recipients(of scope: MeasureCatalogue.Scope) -> [String] {
        // Every partner in scope: deliveries go to pull-mode partners too (Contracts/http/README.md).
        partners.ids.filter { scope.includes($0) }
    }

    // MARK: - Time-driven

    /// Re-evaluates, on `asOf` (default today), every subject with a decision that changes by itself by then.
    /// Returns the changes.
    @discardableResult
    public func sweep(asOf: CivilDate? = nil, limit: Int = 10_000) throws -> [MeasureChange] {
        let date = asOf ?? today()
        var all: [MeasureChange] = []
        while true {
            let keys = try store.subjectsWithMeasureChangesDue(on: date.description, limit: limit)
            if keys.isEmpty { break }
            all += try reevaluate(subjectKeys: keys, asOf: date)
            if keys.count < limit { break }
        }
        return all
    }

    /// The service's periodic call: sweeps once per day (the first call sweeps). Returns the number of changes.
    public func sweepIfDue() throws -> Int {
        let date = today()
        let due = lastSweep.withLock { last in last.map { $0 < date } ?? true }
        guard due else { return 0 }
        let changes = try sweep(asOf: date)
        lastSweep.withLock { $0 = date }
        logger.info("measure sweep", ["date": date.description, "changes": String(changes.count)])
        return changes.count
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
