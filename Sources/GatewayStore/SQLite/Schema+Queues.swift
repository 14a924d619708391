extension Schema {
    /// Migration 7 (the backlog pass): queue payloads of 1 KiB and more live in `queue_payloads`, referenced by
    /// `queue_items.payload_ref`, and one payload is stored once for all the items of one enqueue that carry the
    /// same bytes (the same records fanned out to seven partners). The queue rows stay small, so the lease,
    /// summary and error queries scan rows of a few hundred bytes instead of a page per fan-out item, and a
    /// backlog's fan-out costs its size once on disk, not once per partner.
    ///
    /// Numbered 7 by agreement: 4–6 belong to other branches. `IF NOT EXISTS` keeps the tables and index harmless
    /// to re-create; the column is added once (a store at version 7 never runs it again).
    static let queuePayloadsMigration = """
        -- 7: shared queue payloads; the last-error lookup of the queue summary and the outbound receipt lookup by index.
        CREATE TABLE IF NOT EXISTS queue_payloads (
            id INTEGER PRIMARY KEY,
            payload BLOB NOT NULL
        );
        ALTER TABLE queue_items ADD COLUMN payload_ref INTEGER;
        CREATE INDEX IF NOT EXISTS queue_errors ON queue_items (direction, partner, last_error_at)
            WHERE last_error_at IS NOT NULL;
        -- A delivery's receipt is logged by looking up the outbound envelope by message id alone (the unique key
        -- starts with the sender): without this index every receipt scanned every outbound entry.
        CREATE INDEX IF NOT EXISTS message_log_outbound_id ON message_log (message_id) WHERE direction = 'out';
        """
}
