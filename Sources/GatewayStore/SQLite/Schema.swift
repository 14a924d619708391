/// The store's schema as numbered migrations, applied in order at start-up (`PRAGMA user_version` holds the last
/// one applied). A migration is never edited once released: a change is a new migration appended here.
enum Schema {
    /// `PRAGMA application_id` of a G60 gateway store ("G60S"), so a foreign SQLite file is recognised.
    static let applicationID: Int32 = 0x4736_3053

    static let migrations: [String] = [
        // 1: message log, record store, queues.
        """
        CREATE TABLE message_log (
            position INTEGER PRIMARY KEY,
            direction TEXT NOT NULL,
            message_id TEXT NOT NULL,
            sender TEXT NOT NULL,
            recipient TEXT NOT NULL,
            kind TEXT NOT NULL,
            sequence INTEGER,
            record_count INTEGER NOT NULL,
            payload_digest TEXT NOT NULL,
            issued_at INTEGER NOT NULL,
            logged_at INTEGER NOT NULL,
            raw BLOB NOT NULL,
            raw_digest BLOB NOT NULL,
            receipt BLOB,
            previous_hash BLOB NOT NULL,
            entry_hash BLOB NOT NULL,
            UNIQUE (direction, sender, message_id)
        );
        CREATE INDEX message_log_logged_at ON message_log (logged_at);
        -- The chain head, updated with every append, so that removing the newest entries is detected too.
        CREATE TABLE log_head (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            position INTEGER NOT NULL,
            entry_hash BLOB NOT NULL
        );
        -- Pruning checkpoints: the chain resumes after through_position with previous hash entry_hash.
        CREATE TABLE log_checkpoint (
            through_position INTEGER PRIMARY KEY,
            entry_hash BLOB NOT NULL,
            removed INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE records (
            record_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            source_partner TEXT NOT NULL,
            natural_number TEXT NOT NULL,
            current_version INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            withdrawn_reason TEXT,
            withdrawn_effective TEXT,
            withdrawn_by TEXT
        ) WITHOUT ROWID;
        CREATE INDEX records_natural ON records (source_partner, kind, natural_number);
        -- Every version's canonical JSON; the current one is records.current_version (stored once, not copied).
        -- A rowid table (rows are appended in arrival order) with a small unique index, rather than WITHOUT ROWID:
        -- the JSON rows are large and record ids are hashes, so a clustered key would rewrite pages all over.
        CREATE TABLE record_versions (
            record_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            content TEXT NOT NULL,
            partner TEXT NOT NULL,
            message_id TEXT NOT NULL,
            row_number INTEGER NOT NULL,
            received_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX record_versions_key ON record_versions (record_id, version);
        -- Clear identity numbers, never in record JSON. Not yet encrypted at rest (a later issue).
        CREATE TABLE identity_numbers (
            identity_hash TEXT PRIMARY KEY,
            document_type TEXT NOT NULL,
            clear_number TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE retractions (
            retraction_id TEXT PRIMARY KEY,
            source_partner TEXT NOT NULL,
            target_kind TEXT NOT NULL,
            target_number TEXT NOT NULL,
            target_record_id TEXT,
            reason TEXT NOT NULL,
            effective_date TEXT NOT NULL
        );
        CREATE INDEX retractions_target ON retractions (source_partner, target_kind, target_number);
        CREATE TABLE quarantine (
            partner TEXT NOT NULL,
            message_id TEXT NOT NULL,
            row_number INTEGER NOT NULL,
            raw BLOB NOT NULL,
            problems TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            PRIMARY KEY (partner, message_id, row_number)
        );

        CREATE TABLE queue_items (
            id INTEGER PRIMARY KEY,
            direction TEXT NOT NULL,
            partner TEXT NOT NULL,
            kind TEXT NOT NULL,
            record_id TEXT,
            record_version INTEGER,
            log_position INTEGER,
            order_key TEXT,
            payload BLOB NOT NULL,
            state TEXT NOT NULL,
            lease_owner TEXT,
            lease_expiry INTEGER,
            not_before INTEGER,
            delivered_at INTEGER,
            dead_reason TEXT,
            attempts INTEGER NOT NULL,
            age_origin INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            last_error TEXT,
            last_error_at INTEGER
        );
        CREATE INDEX queue_due ON queue_items (direction, state, id);
        CREATE INDEX queue_order ON queue_items (direction, partner, order_key, id) WHERE order_key IS NOT NULL;
        CREATE INDEX queue_log ON queue_items (log_position) WHERE log_position IS NOT NULL;
        CREATE TABLE queue_audit (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL,
            at INTEGER NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE INDEX queue_audit_item ON queue_audit (item_id);
        """,
        // 2: identity numbers encrypted at rest (AES-256-GCM through the injected IdentityNumberCipher). The
        // migration code encrypts the clear rows of schema 1 into this table, then drops identity_numbers
        // (SQLiteStore.migrate; it refuses without an identity key). sealed_number is `v1:` nonce ‖ ct ‖ tag,
        // bound to identity_hash and document_type.
        """
        CREATE TABLE identity_sealed (
            identity_hash TEXT PRIMARY KEY,
            document_type TEXT NOT NULL,
            sealed_number BLOB NOT NULL
        ) WITHOUT ROWID;
        """,
        // 3: stored measure decisions and the subject index (see Schema+Measures.swift).
        measuresMigration,
        // 4: the lean record write path (see Schema+LeanRecords.swift).
        leanRecordsMigration,
        // 5: evidence encrypted at rest (see EvidenceSealing.swift). `sealed` = 1 when `raw` holds the
        // AES-256-GCM sealed form (`v1:` nonce ‖ ct ‖ tag) of the bytes as they travelled; 0 for rows written
        // before this migration or by a store without an identity key, which the store seals in place at the next
        // open with a key. The chain keeps committing to `raw_digest`, the digest of the clear bytes, so sealing
        // changes no entry hash. `head` keeps a sealed envelope's header (the bytes up to its empty line: routing
        // metadata, no payload) in clear for the reports, which read the schema from it without the key.
        evidenceSealingMigration,
        // 6: the measure backfill's state (see Schema+Backfill.swift).
        backfillMigration,
        // 7: queue payloads out of the queue rows, shared by fan-out items (see Schema+Queues.swift).
        queuePayloadsMigration,
        // 8: the eligibility lookup's own table; the decisions' lookup index dropped (see Schema+MeasureLookup.swift).
        measureLookupMigration,
    ]

    /// The migration that marks evidence rows (message log, quarantine) as sealed or clear.
    static let evidenceSealingVersion = 5

    static let evidenceSealingMigration = """
        ALTER TABLE message_log ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE message_log ADD COLUMN head BLOB;
        ALTER TABLE quarantine ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX message_log_clear ON message_log (position) WHERE sealed = 0;
        CREATE INDEX quarantine_clear ON quarantine (partner, message_id, row_number) WHERE sealed = 0;
        """

    /// The migration that replaces the clear `identity_numbers` table with `identity_sealed`.
    static let identitySealingVersion = 2
}
