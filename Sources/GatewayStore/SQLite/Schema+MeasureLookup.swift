extension Schema {
    /// Migration 8 (the lookup's third pass): the eligibility lookup reads one small row per subject from
    /// `measure_lookup` instead of the decisions' covering index.
    ///
    /// The covering index `measure_decisions_lookup` carried each decision's 79-character subject key, its measure,
    /// status and next change, and (a WITHOUT ROWID table's secondary index carries the primary key) its decision key:
    /// ≈ 175 bytes an entry, 25 entries a page, five levels and 431 MB for 1M subjects, so a lookup walked five
    /// cold pages. `measure_lookup` keys a subject by 33 bytes and holds only what the answer needs (the active
    /// measures and when each ends), ≈ 100 MB for 1M subjects in three levels, of which the upper two stay cached.
    /// The store writes it in the same transaction as the decisions (`MeasureLookupTable`), so it never disagrees
    /// with them; `store check --thorough` compares the two.
    ///
    /// The migration's data step drops the index (`measureLookupDropIndex`: nothing reads it any more, and each
    /// decision write maintained it), then fills the table from the stored decisions (`MeasureLookupTable.fill`).
    static let measureLookupVersion = 8

    static let measureLookupMigration = """
        -- 8: the eligibility lookup's table. subject: a form byte and the subject key's 32-byte digest
        -- (MeasureLookupTable.digest);
        -- active: one line "measure<TAB>next_change<LF>" per distinct active decision (next_change empty when the
        -- decision has no end), in measure order. A subject with no active decision has no row.
        CREATE TABLE IF NOT EXISTS measure_lookup (
            subject BLOB PRIMARY KEY,
            active TEXT NOT NULL
        ) WITHOUT ROWID;
        """

    static let measureLookupDropIndex = "DROP INDEX IF EXISTS measure_decisions_lookup;"
}
