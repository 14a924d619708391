import Foundation
import GatewayCore
import GatewayDispatch
import GatewayStore
import Synchronization

/// Re-evaluates every subject when the rule data (catalogue, rules with the cities' additions, periods) differs
/// from the data the store's decisions were made with, so records stored before a rule or rule version was loaded
/// get their measures — issued and lifted with notices exactly as event-driven evaluation does (the same
/// `MeasureDispatcher.evaluate`).
///
/// Two phases, each in bounded batches with a durable cursor (store migration 6), so a restart resumes:
/// 1. `index`: every stored record → the subject index (records stored before the dispatcher indexed them);
/// 2. `evaluate`: every subject with indexed records or stored decisions, in key order; each batch's decisions,
///    notices and cursor are one transaction.
/// When the pass ends, the fingerprint is recorded as the one every subject was evaluated with. A change of rule
/// data while a pass is under way (a restart with other files) starts a new pass.
///
/// Concurrent evaluations of one subject (the mapping workers', another process's) are checked when written (see
/// `MeasureEvaluation.basedOn`): a batch's stale subjects are evaluated again, so each change is queued once.
public final class MeasureBackfill: Sendable {
    public let dispatcher: MeasureDispatcher
    /// Records (index phase) or subjects (evaluate phase) per batch.
    public let batchSize: Int
    let now: @Sendable () -> Date
    private let done = Atomic<Bool>(false)

    public init(dispatcher: MeasureDispatcher, batchSize: Int = 200, now: @escaping @Sendable () -> Date = { Date() }) {
        self.dispatcher = dispatcher
        self.batchSize = max(1, batchSize)
        self.now = now
        fingerprint = dispatcher.engine.fingerprint
    }

    /// The fingerprint of the rule data this node evaluates with (made once: it encodes and hashes all rule data).
    public let fingerprint: String

    /// Whether every subject was evaluated with this node's rule data.
    public func isCurrent() throws -> Bool {
        let state = try dispatcher.store.measureBackfillState()
        return state.evaluatedWith == fingerprint && state.target == nil
    }

    /// Starts a pass when none is under way for this rule data and the store's decisions were made with other data
    /// (or `force`). Returns the state.
    @discardableResult
    public func begin(force: Bool = false) throws -> MeasureBackfillState {
        var state = try dispatcher.store.measureBackfillState()
        if state.target == fingerprint && !force { return state }
        if state.target == nil && state.evaluatedWith == fingerprint && !force { return state }
        state.target = fingerprint
        state.phase = .index
        state.cursor = ""
        state.subjects = 0
        state.changes = 0
        state.startedAt = now()
        state.finishedAt = nil
        try dispatcher.store.saveMeasureBackfillState(state)
        dispatcher.logger.info(
            "measure backfill started",
            ["rules.fingerprint": fingerprint, "previous": state.evaluatedWith ?? "none"])
        return state
    }

    /// One bounded batch of the pass under way (after `begin`). Returns the records or subjects it handled: 0 when
    /// there is nothing (left) to do.
    @discardableResult
    public func runBatch() throws -> Int {
        var state = try dispatcher.store.measureBackfillState()
        guard let target = state.target else { return 0 }
        guard target == fingerprint else {
            // Another node's (or an earlier start's) rule data: this node's pass replaces it.
            try begin(force: true)
            return 1
        }
        let store = dispatcher.store
        switch state.phase ?? .index {
        case .index:
            let ids = try store.recordIDs(after: state.cursor, limit: batchSize)
            guard let last = ids.last else {
                state.phase = .evaluate
                state.cursor = ""
                try store.saveMeasureBackfillState(state)
                return 1
            }
            var pairs: [(subjectKey: String, recordID: String)] = []
            for id in ids {
                guard let stored = try store.record(id: id) else { continue }
                pairs.append((RuleEngine.subjectKey(stored.record.subject), id))
            }
            // The index is idempotent: a crash between these two writes only repeats this batch.
            try store.indexSubjects(pairs)
            state.cursor = last
            try store.saveMeasureBackfillState(state)
            return ids.count
        case .evaluate:
            let keys = try store.measureSubjectKeys(after: state.cursor, limit: batchSize)
            guard let last = keys.last else {
                state.evaluatedWith = target
                state.target = nil
                state.phase = nil
                state.cursor = ""
                state.finishedAt = now()
                try store.saveMeasureBackfillState(state)
                dispatcher.logger.info(
                    "measure backfill finished",
                    [
                        "rules.fingerprint": target, "subjects": String(state.subjects),
                        "changes": String(state.changes),
                    ])
                return 0
            }
            let date = dispatcher.today()
            var batch: [MeasureEvaluation] = []
            var changes: [String: Int] = [:]
            for key in keys {
                let evaluation = try dispatcher.evaluate(subjectKey: key, asOf: date)
                batch.append(evaluation.stored)
                changes[key] = evaluation.changes.count
            }
            let counted = state.changes
            state.changes += changes.values.reduce(0, +)
            state.subjects += keys.count
            state.cursor = last
            let stale = Set(try store.replaceMeasureDecisions(batch, backfill: state))
            if !stale.isEmpty {
                // (The count saved with the batch included the unwritten subjects; it is corrected here. A crash in
                // between leaves the counter, and only the counter, a little high.)
                // Evaluated meanwhile by the node's workers (with rules that may be older than this pass's): evaluated
                // again on what they wrote, so each change is queued once.
                let again = try dispatcher.reevaluate(subjectKeys: stale.sorted(), asOf: date)
                state.changes = counted + keys.filter { !stale.contains($0) }.map { changes[$0] ?? 0 }.reduce(0, +)
                    + again.count
                try store.saveMeasureBackfillState(state)
            }
            return keys.count
        }
    }

    /// The service's periodic call: begins a pass on the first call when the rule data changed, then runs one
    /// batch per call until the pass ends; afterwards costs nothing.
    public func runIfDue() throws -> Int {
        if done.load(ordering: .relaxed) { return 0 }
        if try isCurrent() {
            done.store(true, ordering: .relaxed)
            return 0
        }
        try begin()
        let handled = try runBatch()
        if handled == 0, try isCurrent() { done.store(true, ordering: .relaxed) }
        return handled
    }

    /// Runs a whole pass (the CLI verb): begins one (a new one when `force`), runs batches until it ends, calling
    /// `progress` after each. Returns the final state.
    @discardableResult
    public func runToEnd(force: Bool = false, progress: (MeasureBackfillState) -> Void = { _ in }) throws
        -> MeasureBackfillState
    {
        try begin(force: force)
        while try runBatch() > 0 { progress(try dispatcher.store.measureBackfillState()) }
        return try dispatcher.store.measureBackfillState()
    }
}
