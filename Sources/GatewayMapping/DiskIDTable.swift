import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The duplicate index once it no longer fits its memory budget: an open-addressing table (linear probing) of
/// record ids (128 bits) → first row in an unlinked temporary file, read and written with `pread`/`pwrite` of
/// fixed-size slots. The kernel's page cache, not the process, holds the hot pages; the process keeps one small
/// probe window and, while growing, one bounded rehash buffer.
///
/// Slot: the id's four 32-bit words (as `IDTable` holds them), then the row (0 = free slot), host byte order (the
/// file lives only as long as the run). The home slot is `IDTable`'s (multiply-shift of the id's low 64 bits). The
/// table is at most half full: it grows by doubling into a new unlinked file, rehashing the old one sequentially.
final class DiskIDTable {
    static let slotBytes = 20
    /// Slots read by one probe `pread` (at most half full, so a probe rarely needs a second window).
    static let window = 16

    struct Failure: Error {
        let message: String
    }

    let directory: String
    private(set) var capacity: Int
    private(set) var count = 0
    private var fd: Int32
    private let probe: UnsafeMutablePointer<UInt32>
    /// Slots of the rehash buffer used while growing.
    private let rehashSlots: Int

    /// Creates an empty table of at least `capacity` slots in `directory`; `memoryBudget` bounds the rehash buffer.
    init(directory: String, capacity: Int, memoryBudget: Int) throws(Failure) {
        self.directory = directory
        self.capacity = max(capacity, 2 * Self.window)
        rehashSlots = max(Self.window, min(4096, memoryBudget / (2 * Self.slotBytes)))
        fd = try Self.createUnlinked(in: directory, bytes: self.capacity * Self.slotBytes)
        probe = .allocate(capacity: 5 * Self.window)
    }

    deinit {
        close()
        probe.deallocate()
    }

    /// Bytes the process holds for the table (the probe window; the slots are in the file).
    var residentBytes: Int { 5 * 4 * Self.window }

    /// Whether the file is still open (closed by `close()` at the end of a run).
    var isOpen: Bool { fd >= 0 }

    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// The first row recorded for `key`, or nil after recording `row` (≥ 1) for it.
    func firstRow(_ key: RunState.IDKey, row: UInt32) throws(Failure) -> Int? {
        if 2 * (count + 1) > capacity { try grow() }
        if let first = try place(key, row: row, fd: fd, capacity: capacity) { return first }
        count += 1
        return nil
    }

    /// Looks `key` up in the table of `fd`; writes it with `row` into the first free slot when absent.
    private func place(_ key: RunState.IDKey, row: UInt32, fd: Int32, capacity: Int) throws(Failure) -> Int? {
        let slot = IDSlot(key)
        var i = Int(truncatingIfNeeded: key.low.multipliedFullWidth(by: UInt64(capacity)).high)
        var probed = 0
        while probed < capacity {
            let n = min(Self.window, capacity - i)
            try readFully(fd, probe, slots: n, at: i)
            for j in 0..<n {
                let p = probe + 5 * j
                let r = p[4]
                if r == 0 {
                    slot.store(row: row, at: p)
                    try writeFully(fd, p, slots: 1, at: i + j)
                    return nil
                }
                if slot.isIn(p) { return Int(r) }
            }
            probed += n
            i += n
            if i == capacity { i = 0 }
        }
        throw Failure(message: "the table on disk is full (\(capacity) slots); it should have grown")
    }

    /// Doubles the table: a new unlinked file, filled from the old one read sequentially.
    private func grow() throws(Failure) {
        let newCapacity = 2 * capacity
        let newFD = try Self.createUnlinked(in: directory, bytes: newCapacity * Self.slotBytes)
        let buffer = UnsafeMutablePointer<UInt32>.allocate(capacity: 5 * rehashSlots)
        defer { buffer.deallocate() }
        do {
            var s = 0
            while s < capacity {
                let n = min(rehashSlots, capacity - s)
                try readFully(fd, buffer, slots: n, at: s)
                for j in 0..<n where buffer[5 * j + 4] != 0 {
                    let p = buffer + 5 * j
                    _ = try place(IDSlot.key(at: p), row: p[4], fd: newFD, capacity: newCapacity)
                }
                s += n
            }
        } catch {
            _ = Glibc.close(newFD)
            throw error
        }
        _ = Glibc.close(fd)
        fd = newFD
        capacity = newCapacity
    }

    private func readFully(_ fd: Int32, _ p: UnsafeMutablePointer<UInt32>, slots: Int, at slot: Int) throws(Failure) {
        try transfer(slots: slots, at: slot, reading: true) { done, count, offset in
            pread(fd, UnsafeMutableRawPointer(p) + done, count, offset)
        }
    }

    private func writeFully(_ fd: Int32, _ p: UnsafeMutablePointer<UInt32>, slots: Int, at slot: Int) throws(Failure) {
        try transfer(slots: slots, at: slot, reading: false) { done, count, offset in
            pwrite(fd, UnsafeRawPointer(p) + done, count, offset)
        }
    }

    /// Moves `slots` slots from slot `slot` on with `io(bytes done, bytes left, file offset)` (a `pread` or
    /// `pwrite`), until all have moved: again after EINTR and after a short count; an error or an early end fails.
    private func transfer(
        slots: Int, at slot: Int, reading: Bool, _ io: (Int, Int, off_t) -> Int
    ) throws(Failure) {
        let bytes = slots * Self.slotBytes
        var done = 0
        while done < bytes {
            let r = io(done, bytes - done, off_t((slot * Self.slotBytes) + done))
            if r < 0, errno == EINTR { continue }
            guard r > 0 else {
                if r == 0 && reading {
                    throw Failure(message: "reading the table on disk ended early at byte \(slot * Self.slotBytes + done)")
                }
                throw Failure(
                    message: "cannot \(reading ? "read" : "write") the table on disk: \(String(cString: strerror(errno)))")
            }
            done += r
        }
    }

    /// A new temporary file of `bytes` zero bytes (sparse), unlinked at once: it disappears with its descriptor.
    private static func createUnlinked(in directory: String, bytes: Int) throws(Failure) -> Int32 {
        var template = Array((directory + "/g60-dupindex.XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { b in b.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else {
            throw Failure(
                message: "cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        unlink(path)
        guard ftruncate(fd, off_t(bytes)) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = Glibc.close(fd)
            throw Failure(message: "cannot size a temporary file in \(directory) to \(bytes) bytes: \(reason)")
        }
        return fd
    }
}
