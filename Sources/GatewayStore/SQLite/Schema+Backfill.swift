extension Schema {
    /// Migration 6 (the dispatcher's backfill): where the re-evaluation of every subject after a rule change
    /// stands. Migrations 4 and 5 belong to other branches; `IF NOT EXISTS` keeps this harmless in any order.
    static let backfillMigration = """
        -- 6: measure backfill state (one row). evaluated_with: the rule-data fingerprint every subject was last
        -- evaluated with; target: the fingerprint of a backfill under way (NULL when none), its phase ('index':
        -- records → subject index; 'evaluate': subjects re-evaluated) and cursor (the last record id or subject
        -- key done, saved in the same transaction as that batch's decisions and notices).
        CREATE TABLE IF NOT EXISTS measure_backfill (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            evaluated_with TEXT,
            target TEXT,
            phase TEXT,
            cursor TEXT NOT NULL DEFAULT '',
            subjects INTEGER NOT NULL DEFAULT 0,
            changes INTEGER NOT NULL DEFAULT 0,
            started_at INTEGER,
            finished_at INTEGER
        );
        """
}
