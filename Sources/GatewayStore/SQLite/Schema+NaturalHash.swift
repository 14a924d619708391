extension Schema {
    /// The migration that replaces the wide natural-number index by an 8-byte hash (`naturalHashMigration`).
    static let naturalHashVersion = 8

    /// Migration 8, first part: `records.natural_hash`, an 8-byte integer (`NaturalKeyHash`) of the source partner,
    /// the kind and the last `|`-separated part of the natural number, ASCII letters folded. `SQLiteStore.migrate`
    /// then fills it for every record (`fillNaturalHashes`) and runs `naturalHashFinish`.
    ///
    /// Why (Benchmarks/BENCHMARKS.md, Store, third pass): the index `records_natural (source_partner, kind,
    /// natural_number)` held three TEXT columns, about 60 bytes of mostly CJK UTF-8 per entry, and inserting into it
    /// cost about 8.4k instructions per new record (callgrind: the store's `put` without it fell from 584 M to 458 M
    /// instructions over 15,000 new records), a fifth of a new record's whole cost. It serves one query: a
    /// retraction that names its target by natural number. The hash index keeps that query an index look-up; the
    /// exact columns are compared again on every candidate, so hashes may collide.
    static let naturalHashMigration = """
        -- 8: natural-number index on an 8-byte hash (filled by the migration code, then indexed).
        ALTER TABLE records ADD COLUMN natural_hash INTEGER NOT NULL DEFAULT 0;
        """

    /// Migration 8, last part (after every record's hash is filled): the wide index goes, the narrow one comes.
    static let naturalHashFinish = """
        DROP INDEX records_natural;
        CREATE INDEX records_natural_hash ON records (natural_hash);
        """
}

/// The 8-byte hash `records.natural_hash` holds (migration 8), and the retraction target look-up probes.
///
/// A retraction finds its target with `natural_number = N OR natural_number LIKE '%|' || N` (a list entry's natural
/// number is `listName|document`, and a retraction may name the document alone). Every row that condition matches
/// has the same last `|`-separated part as N, equal but for ASCII case (LIKE folds ASCII letters), so hashing the
/// partner, the kind and that part, folded, finds every candidate; the exact condition is then checked on the
/// candidates' columns. 64-bit FNV-1a: stable across builds and processes (it is stored; never change it without a
/// migration that recomputes every row).
enum NaturalKeyHash {
    static func of(partner: String, kind: String, natural: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ byte: UInt8) {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        for b in partner.utf8 { mix(b) }
        mix(0x1F)
        for b in kind.utf8 { mix(b) }
        mix(0x1F)
        let utf8 = natural.utf8
        let start = utf8.lastIndex(of: UInt8(ascii: "|")).map { utf8.index(after: $0) } ?? utf8.startIndex
        for b in utf8[start...] { mix(b >= 0x41 && b <= 0x5A ? b | 0x20 : b) }
        return Int64(bitPattern: h)
    }
}
