import Foundation

/// Evidence bytes encrypted at rest: the raw envelope of every message-log entry (inbound, outbound, partners'
/// receipts) and the raw bytes of every quarantined row. Both hold clear identity numbers of natural persons and
/// must be kept as evidence, so they are sealed with the store's `IdentityNumberCipher` (AES-256-GCM from
/// GatewayCrypto, keyed from the configuration's `identityKey.*`, never from the database). Rows carry a `sealed`
/// flag (migration 5): 1 = `raw` is `v1:` nonce ‖ ciphertext ‖ tag; 0 = clear (written before migration 5 or by a
/// store opened without a key; sealed in place at the next open with a key).
///
/// What the hash chain commits to: unchanged, the digest of the *clear* bytes (`raw_digest`) with the header, time,
/// position and receipt digest (`HashChain`). Sealing therefore changes no entry hash (existing chains and external
/// copies of the head stay valid through the migration), and `log verify` without the key still checks every link,
/// header, time and stored digest. The ciphertext is bound to its entry by the GCM additional data
/// (`logContext`: direction, sender, message id and that clear digest), so with the key, verification opens each
/// blob and checks that its plaintext hashes to the committed digest: an edited, truncated or swapped ciphertext
/// fails its tag, and a blob re-sealed over other bytes fails the digest. Without the key those two checks are
/// not possible, and the verifier says so.
enum EvidenceSealing {
    /// The additional authenticated data of a log entry's raw bytes.
    static func logContext(direction: String, sender: String, messageID: String, rawDigest: [UInt8]) -> [UInt8] {
        Array("g60.message_log.raw.v1\u{0}\(direction)\u{0}\(sender)\u{0}\(messageID)\u{0}".utf8) + rawDigest
    }

    /// The additional authenticated data of a quarantined row's raw bytes.
    static func quarantineContext(partner: String, messageID: String, rowNumber: Int) -> [UInt8] {
        Array("g60.quarantine.raw.v1\u{0}\(partner)\u{0}\(messageID)\u{0}\(rowNumber)".utf8)
    }

    /// An envelope's header: its bytes up to and including the first empty line (two LF bytes), when that comes
    /// within `limit` bytes; nil otherwise (no header, or not a G60 envelope: nothing is kept in clear).
    static func envelopeHead(_ raw: [UInt8], limit: Int) -> [UInt8]? {
        let end = min(raw.count, limit)
        guard end >= 2 else { return nil }
        // memchr from line to line: on the append path, a byte loop cost as much as the encryption.
        return raw.withUnsafeBufferPointer { buffer -> [UInt8]? in
            guard let base = buffer.baseAddress else { return nil }
            var from = 0
            while from < end - 1 {
                guard let hit = memchr(base + from, 0x0A, end - 1 - from) else { return nil }
                let i = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                if buffer[i + 1] == 0x0A { return Array(buffer[0..<(i + 2)]) }
                from = i + 1
            }
            return nil
        }
    }

    static func seal(_ cipher: any IdentityNumberCipher, _ clear: [UInt8], context: [UInt8], what: String) throws
        -> [UInt8]
    {
        do {
            return try cipher.seal(clear, context: context)
        } catch {
            throw StoreError(
                StoreError.identityUnreadable, "cannot encrypt the raw bytes of \(what); nothing was stored",
                underlying: "\(error)")
        }
    }

    /// Opens sealed evidence, or returns clear evidence as stored.
    ///
    /// - Throws: `store.identityKeyMissing` (sealed and no key), `store.evidenceUnreadable` (the tag does not check:
    ///   ciphertext edited, moved from another row, or sealed under another key).
    static func open(
        _ cipher: (any IdentityNumberCipher)?, stored: [UInt8], sealed: Bool, context: @autoclosure () -> [UInt8],
        what: @autoclosure () -> String
    ) throws -> [UInt8] {
        guard sealed else { return stored }
        guard let cipher else {
            throw StoreError(
                StoreError.identityKeyMissing,
                "the raw bytes of \(what()) are encrypted and the store has no identity key to read them: "
                    + "configure identityKey.file, identityKey.hex or identityKey.demo (or pass --config)")
        }
        do {
            return try cipher.open(stored, context: context())
        } catch {
            throw StoreError(
                StoreError.evidenceUnreadable,
                "the encrypted raw bytes of \(what()) do not open: edited, moved from another row, or sealed under "
                    + "another identity key",
                underlying: "\(error)")
        }
    }
}

extension SQLiteStore {
    /// A quarantined row's raw bytes as they are stored: sealed under the configured key, or clear without one.
    func sealedQuarantineRaw(_ row: QuarantinedRow) throws -> [UInt8] {
        guard let cipher = options.identityCipher else { return row.raw }
        return try EvidenceSealing.seal(
            cipher, row.raw,
            context: EvidenceSealing.quarantineContext(
                partner: row.partner, messageID: row.messageID, rowNumber: row.rowNumber),
            what: "quarantined row \(row.rowNumber) of \(row.partner)/\(row.messageID)")
    }

    /// A stored quarantined row with its raw bytes opened.
    func openedQuarantinedRow(_ stored: QuarantinedRow, sealed: Bool) throws -> QuarantinedRow {
        var row = stored
        row.raw = try EvidenceSealing.open(
            options.identityCipher, stored: stored.raw, sealed: sealed,
            context: EvidenceSealing.quarantineContext(
                partner: stored.partner, messageID: stored.messageID, rowNumber: stored.rowNumber),
            what: "quarantined row \(stored.rowNumber) of \(stored.partner)/\(stored.messageID)")
        return row
    }

    /// What the open-time evidence step sealed in place.
    public struct EvidenceSealingReport: Hashable, Sendable {
        public var sealedLogEntries = 0
        public var sealedQuarantinedRows = 0
    }

    /// At open, after the migrations: with a key, checks that the key opens the newest sealed evidence (a wrong key
    /// fails here, before anything is written) and seals every clear evidence row in place (one transaction, the
    /// chain untouched, then a truncating checkpoint so no clear copy survives in the WAL); without a key, refuses
    /// a file that holds sealed evidence when `requireEvidenceKey` is set (a node), and leaves the file alone.
    static func prepareEvidence(
        _ db: SQLiteConnection, path: String, cipher: (any IdentityNumberCipher)?, requireKey: Bool,
        sealClear: Bool
    ) throws -> EvidenceSealingReport {
        var report = EvidenceSealingReport()
        guard let cipher else {
            if requireKey {
                let sealedLog = try db.first("SELECT count(*) FROM message_log WHERE sealed = 1") { $0.int(0) } ?? 0
                let sealedRows = try db.first("SELECT count(*) FROM quarantine WHERE sealed = 1") { $0.int(0) } ?? 0
                if sealedLog + sealedRows > 0 {
                    throw StoreError(
                        StoreError.identityKeyMissing,
                        "\(path) holds encrypted evidence (\(sealedLog) message-log entries, \(sealedRows) "
                            + "quarantined rows) and no identity key is configured: set identityKey.file, "
                            + "identityKey.hex or identityKey.demo to the key it was written with. Nothing was changed")
                }
            }
            return report
        }
        try checkKey(db, path: path, cipher: cipher, includeIdentityNumbers: requireKey)
        guard sealClear else { return report }
        let clearLog = try db.first("SELECT count(*) FROM message_log WHERE sealed = 0") { $0.int(0) } ?? 0
        let clearRows = try db.first("SELECT count(*) FROM quarantine WHERE sealed = 0") { $0.int(0) } ?? 0
        guard clearLog + clearRows > 0 else { return report }
        // Overwrite freed content with zeros, so clear bytes do not linger in free pages (on for this connection).
        try db.exec("PRAGMA secure_delete = ON")
        try db.exec("BEGIN IMMEDIATE")
        do {
            // In pages of 500 rows by position, so memory stays bounded on a large log.
            var after: Int64 = Int64.min
            while true {
                let rows = try db.all(
                    """
                    SELECT position, direction, sender, message_id, raw, raw_digest FROM message_log
                    WHERE sealed = 0 AND position > ? ORDER BY position LIMIT 500
                    """, [.int(after)]
                ) { ($0.int(0), $0.text(1), $0.text(2), $0.text(3), $0.blob(4), $0.blob(5)) }
                guard let last = rows.last else { break }
                for (position, direction, sender, messageID, raw, digest) in rows {
                    let sealed = try EvidenceSealing.seal(
                        cipher, raw,
                        context: EvidenceSealing.logContext(
                            direction: direction, sender: sender, messageID: messageID, rawDigest: digest),
                        what: "\(path) log entry \(position)")
                    let head = EvidenceSealing.envelopeHead(raw, limit: headPrefixLength)
                    try db.run(
                        "UPDATE message_log SET raw = ?, sealed = 1, head = ? WHERE position = ?",
                        [.blob(sealed), head.map { .blob($0) } ?? .null, .int(position)])
                    report.sealedLogEntries += 1
                }
                after = last.0
            }
            let rows = try db.all(
                "SELECT rowid, partner, message_id, row_number, raw FROM quarantine WHERE sealed = 0"
            ) { ($0.int(0), $0.text(1), $0.text(2), Int($0.int(3)), $0.blob(4)) }
            for (rowid, partner, messageID, rowNumber, raw) in rows {
                let sealed = try EvidenceSealing.seal(
                    cipher, raw,
                    context: EvidenceSealing.quarantineContext(
                        partner: partner, messageID: messageID, rowNumber: rowNumber),
                    what: "\(path) quarantined row \(rowNumber) of \(partner)/\(messageID)")
                try db.run("UPDATE quarantine SET raw = ?, sealed = 1 WHERE rowid = ?", [.blob(sealed), .int(rowid)])
                report.sealedQuarantinedRows += 1
            }
            try db.exec("COMMIT")
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
        // Copy the sealed pages over the main file and truncate the WAL, so no earlier frame keeps clear bytes.
        _ = try db.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }
        return report
    }

    /// Fails with `store.identityKeyWrong` when the configured key does not open the newest sealed log entry or
    /// quarantined row, or (for a node, `includeIdentityNumbers`) a stored identity number: a node started with the
    /// wrong key stops before it writes anything under that key.
    private static func checkKey(
        _ db: SQLiteConnection, path: String, cipher: any IdentityNumberCipher, includeIdentityNumbers: Bool
    ) throws {
        func wrong(_ what: String, _ error: Error) -> StoreError {
            StoreError(
                StoreError.identityKeyWrong,
                "\(path): the configured identity key does not open \(what), which was encrypted under another key "
                    + "(or altered): start the node with the identity key this database was written with "
                    + "(identityKey.file, identityKey.hex or identityKey.demo). Nothing was changed",
                underlying: "\(error)")
        }
        if let row = try db.first(
            """
            SELECT position, direction, sender, message_id, raw, raw_digest FROM message_log
            WHERE sealed = 1 ORDER BY position DESC LIMIT 1
            """, [], { ($0.int(0), $0.text(1), $0.text(2), $0.text(3), $0.blob(4), $0.blob(5)) })
        {
            do {
                _ = try cipher.open(
                    row.4,
                    context: EvidenceSealing.logContext(
                        direction: row.1, sender: row.2, messageID: row.3, rawDigest: row.5))
            } catch {
                throw wrong("message-log entry \(row.0)", error)
            }
        }
        if let row = try db.first(
            """
            SELECT partner, message_id, row_number, raw FROM quarantine WHERE sealed = 1
            ORDER BY rowid DESC LIMIT 1
            """, [], { ($0.text(0), $0.text(1), Int($0.int(2)), $0.blob(3)) })
        {
            do {
                _ = try cipher.open(
                    row.3,
                    context: EvidenceSealing.quarantineContext(partner: row.0, messageID: row.1, rowNumber: row.2))
            } catch {
                throw wrong("quarantined row \(row.2) of \(row.0)/\(row.1)", error)
            }
        }
        if includeIdentityNumbers,
            let row = try db.first(
                "SELECT identity_hash, document_type, sealed_number FROM identity_sealed LIMIT 1", [],
                { ($0.text(0), $0.text(1), $0.blob(2)) })
        {
            do {
                _ = try cipher.open(row.2, context: IdentitySealing.context(hash: row.0, documentType: row.1))
            } catch {
                throw wrong("the identity number stored for \(row.0)", error)
            }
        }
    }
}
