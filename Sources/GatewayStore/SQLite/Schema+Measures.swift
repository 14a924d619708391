extension Schema {
    /// Migration 3 (the dispatcher's): the subject index and the stored measure decisions.
    ///
    /// Numbered 3 because migration 2 (encryption at rest) is added on another branch: when both are merged this
    /// entry goes after that one. `IF NOT EXISTS` keeps it harmless on a store that already has the tables.
    static let measuresMigration = """
        -- 3: subject index and measure decisions (joint reward and punishment).
        -- Which records concern which subject (match key `uscc:…`, `id:<keyed hash>` or `name:…`), written by the
        -- dispatcher as records arrive: the indexed path for re-evaluating one subject.
        CREATE TABLE IF NOT EXISTS subject_records (
            subject_key TEXT NOT NULL,
            record_id TEXT NOT NULL,
            PRIMARY KEY (subject_key, record_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS subject_records_record ON subject_records (record_id);
        -- The latest evaluation of every subject's measures: one row per (rule, measure, triggering record), with
        -- the decision as JSON (status, period, explanation, versions of catalogue / rules / periods).
        -- next_change is the date the decision changes by itself (a period ends, a pending one starts): the daily
        -- sweep re-evaluates subjects whose next_change has come.
        CREATE TABLE IF NOT EXISTS measure_decisions (
            subject_key TEXT NOT NULL,
            decision_key TEXT NOT NULL,
            measure TEXT NOT NULL,
            rule TEXT NOT NULL,
            record_id TEXT NOT NULL,
            status TEXT NOT NULL,
            next_change TEXT,
            content TEXT NOT NULL,
            evaluated_on TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (subject_key, decision_key)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS measure_decisions_due ON measure_decisions (next_change)
            WHERE next_change IS NOT NULL;
        -- Covering index of the eligibility lookup: it reads these small entries, never the JSON rows.
        CREATE INDEX IF NOT EXISTS measure_decisions_lookup
            ON measure_decisions (subject_key, measure, status, next_change);
        """
}
