/// One shard of the duplicate index: an open-addressing hash table (linear probing) of record ids (128 bits) →
/// first row. The ids are SHA-256 digests, so their own bits serve as the hash: the home slot is the id's low 64
/// bits scaled to the capacity (no `Hasher` per row, and a capacity need not be a power of two).
///
/// Memory: one allocation of 20 bytes a slot (the id's four 32-bit words, then the row; row 0 marks a free slot),
/// no allocation per entry. The table is at most 4/5 full and grows by a quarter when it gets there, so it is
/// 64–80 % full: 25–31 bytes per entry (a table that doubles at ¾ is 37.5–75 % full: 27–53 bytes). Growing
/// rehashes one shard at a time (see `RunState.seen`), so the old and new slots of one shard only live together.
/// The slot layout both duplicate-index tables use (`IDTable` in memory, `DiskIDTable` on disk): five 32-bit words,
/// the id's four (high to low), then the first row (0: the slot is free).
struct IDSlot {
    let k0, k1, k2, k3: UInt32

    @inline(__always)
    init(_ key: RunState.IDKey) {
        k0 = UInt32(truncatingIfNeeded: key.high >> 32)
        k1 = UInt32(truncatingIfNeeded: key.high)
        k2 = UInt32(truncatingIfNeeded: key.low >> 32)
        k3 = UInt32(truncatingIfNeeded: key.low)
    }

    /// Whether the slot at `p` holds this id.
    @inline(__always)
    func isIn(_ p: UnsafeMutablePointer<UInt32>) -> Bool { p[3] == k3 && p[2] == k2 && p[1] == k1 && p[0] == k0 }

    /// Writes this id and `row` into the slot at `p`.
    @inline(__always)
    func store(row: UInt32, at p: UnsafeMutablePointer<UInt32>) {
        p[0] = k0
        p[1] = k1
        p[2] = k2
        p[3] = k3
        p[4] = row
    }

    /// The id held by the slot at `p`.
    @inline(__always)
    static func key(at p: UnsafeMutablePointer<UInt32>) -> RunState.IDKey {
        RunState.IDKey(high: UInt64(p[0]) << 32 | UInt64(p[1]), low: UInt64(p[2]) << 32 | UInt64(p[3]))
    }
}

struct IDTable {
    /// The slots, five 32-bit words each; a class so that the table owns one buffer (copied on write).
    private final class Slots {
        let words: UnsafeMutablePointer<UInt32>
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            words = .allocate(capacity: 5 * capacity)
            words.initialize(repeating: 0, count: 5 * capacity)
        }

        func copy() -> Slots {
            let c = Slots(capacity: capacity)
            c.words.update(from: words, count: 5 * capacity)
            return c
        }

        deinit { words.deallocate() }
    }

    private var slots = Slots(capacity: 0)
    private(set) var count = 0
    /// `count` at which the table grows: 4/5 of the capacity.
    private var limit = 0

    /// Bytes of slots held (for the memory figures of the benchmark and its tests).
    var bytes: Int { 20 * slots.capacity }

    /// Whether the next `firstRow` call grows the table (to `bytesAfterGrow`).
    var growsOnNextCall: Bool { count >= limit }

    /// `bytes` after the next growth.
    var bytesAfterGrow: Int { 20 * max(16, slots.capacity + slots.capacity / 4) }

    /// Calls `body` with every entry (id, first row), in slot order.
    func forEachEntry<E: Error>(_ body: (RunState.IDKey, UInt32) throws(E) -> Void) throws(E) {
        let w = slots.words
        for s in 0..<slots.capacity where w[5 * s + 4] != 0 {
            let p = w + 5 * s
            try body(IDSlot.key(at: p), p[4])
        }
    }

    /// The first row recorded for `key`, or nil after recording `row` (≥ 1) for it.
    mutating func firstRow(_ key: RunState.IDKey, row: Int32) -> Int? {
        if count >= limit {
            grow()
        } else if !isKnownUniquelyReferenced(&slots) {
            slots = slots.copy()
        }
        let capacity = slots.capacity
        let w = slots.words
        let slot = IDSlot(key)
        var i = Self.home(key.low, capacity)
        while true {
            let p = w + 5 * i
            let r = p[4]
            if r == 0 {
                slot.store(row: UInt32(truncatingIfNeeded: row), at: p)
                count += 1
                return nil
            }
            if slot.isIn(p) { return Int(r) }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    /// The home slot of an id: its low 64 bits as a fraction of 2⁶⁴, times the capacity.
    @inline(__always)
    private static func home(_ low: UInt64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: low.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    private mutating func grow() {
        let old = slots
        let capacity = bytesAfterGrow / 20
        let new = Slots(capacity: capacity)
        let from = old.words
        let to = new.words
        for s in 0..<old.capacity where from[5 * s + 4] != 0 {
            let p = from + 5 * s
            let low = UInt64(p[2]) << 32 | UInt64(p[3])
            var i = Self.home(low, capacity)
            while to[5 * i + 4] != 0 {
                i += 1
                if i == capacity { i = 0 }
            }
            (to + 5 * i).update(from: p, count: 5)
        }
        slots = new
        limit = capacity * 4 / 5
    }
}
