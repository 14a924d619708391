extension Schema {
    /// The migration that gives the record store its lean write path (`leanRecordsMigration`).
    static let leanRecordsVersion = 4

    /// Migration 4, first part: the new record tables, created beside the old ones. `SQLiteStore.migrate` then copies
    /// the data (record ids become 16-byte keys, see `RecordKey`) and runs
    /// `leanRecordsFinish`.
    ///
    /// Why (Benchmarks/BENCHMARKS.md, Store): schema 1 wrote three B-trees in random order for every new record (the
    /// WITHOUT ROWID `records` keyed by a 36-character id, its natural-number index and `record_versions_key`), and
    /// compared versions by reading the current JSON through a join. Now:
    /// - record ids are 16-byte BLOBs (`record_key`), and `records` is a rowid table with a unique index on them;
    /// - versions are appended in rowid order and linked to the previous version of the same record
    ///   (`previous_row`); `records.current_row` points at the current one, so there is no version index at all
    ///   (`versions(of:)` walks the links, a handful of rowid look-ups);
    /// - "unchanged" is decided by comparing the new canonical JSON with the current version's, found through
    ///   `records.current_row` (a rowid look-up, no index) and compared in place (no decoding, no String). A content
    ///   digest in `records` was tried and dropped: GatewayCore's plain-Swift SHA-256 costs about 9 µs of CPU per
    ///   750-byte record, more than the whole comparison, and it would be paid for every new record, not only for
    ///   re-sent ones.
    static let leanRecordsMigration = """
        -- 4: lean record write path (record_key BLOB ids, versions linked by rowid, no version index).
        -- A rowid table: new records are appended, and only the small (record_key, rowid) entries of the unique
        -- index land in random order (a WITHOUT ROWID table clustered on the hashed key rewrote whole ~90-byte rows
        -- all over the file).
        CREATE TABLE records_v4 (
            record_row INTEGER PRIMARY KEY,
            record_key BLOB NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            source_partner TEXT NOT NULL,
            natural_number TEXT NOT NULL,
            current_version INTEGER NOT NULL,
            current_row INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            withdrawn_reason TEXT,
            withdrawn_effective TEXT,
            withdrawn_by TEXT
        );
        -- Every version, appended in arrival order (rowid); previous_row is the rowid of the same record's previous
        -- version (NULL for version 1).
        CREATE TABLE record_versions_v4 (
            version_row INTEGER PRIMARY KEY,
            record_key BLOB NOT NULL,
            version INTEGER NOT NULL,
            previous_row INTEGER,
            content TEXT NOT NULL,
            partner TEXT NOT NULL,
            message_id TEXT NOT NULL,
            row_number INTEGER NOT NULL,
            received_at INTEGER NOT NULL
        );
        """

    /// Migration 4, last part (after the data copy): the old tables go, the new ones take their names.
    static let leanRecordsFinish = """
        DROP TABLE record_versions;
        DROP TABLE records;
        ALTER TABLE records_v4 RENAME TO records;
        ALTER TABLE record_versions_v4 RENAME TO record_versions;
        CREATE INDEX records_natural ON records (source_partner, kind, natural_number);
        -- Retractions still waiting for their target: every new record probes this small partial index, not the
        -- whole retractions index.
        CREATE INDEX retractions_pending ON retractions (source_partner, target_kind, target_number)
            WHERE target_record_id IS NULL;
        """
}
