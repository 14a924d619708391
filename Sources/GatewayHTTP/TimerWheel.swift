#if canImport(Glibc)
    import Glibc
#endif

/// A monotonic time source in nanoseconds; injected so timeout tests advance time instead of sleeping.
public protocol HTTPClock: Sendable {
    func nowNanoseconds() -> UInt64
}

/// `CLOCK_MONOTONIC`.
public struct MonotonicClock: HTTPClock {
    public init() {}
    public func nowNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// A hashed timer wheel for connection deadlines: O(1) to schedule, O(expired + slot) per tick.
///
/// Entries are never cancelled: the owner keeps the authoritative deadline and a token, and ignores or
/// re-arms entries whose token is stale or whose deadline moved later. This suits connections, whose deadline
/// moves on every request, much better than a heap.
public struct TimerWheel: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: Int
        public var token: UInt64
        public var deadline: UInt64
    }

    private var slots: [[Entry]]
    private let tick: UInt64
    /// The tick index processed last.
    private var current: UInt64

    /// - Parameters:
    ///   - tickNanoseconds: the resolution (e.g. 100 ms).
    ///   - slotCount: slots in the wheel; deadlines further than one turn wait in their slot for later turns.
    ///   - now: the start time.
    public init(tickNanoseconds: UInt64, slotCount: Int = 512, now: UInt64) {
        precondition(tickNanoseconds > 0 && slotCount > 0, "a timer wheel needs a positive tick and slot count")
        self.tick = tickNanoseconds
        self.slots = Array(repeating: [], count: slotCount)
        self.current = now / tickNanoseconds
    }

    public var count: Int { slots.reduce(0) { $0 + $1.count } }

    public mutating func schedule(id: Int, token: UInt64, deadline: UInt64) {
        // Round up, so the slot is visited only once its time has come; never behind the cursor, so a past
        // deadline fires at the next advance.
        let (quotient, overflow) = deadline.addingReportingOverflow(tick - 1)
        let index = max(overflow ? UInt64.max / tick : quotient / tick, current + 1)
        slots[Int(index % UInt64(slots.count))].append(Entry(id: id, token: token, deadline: deadline))
    }

    /// Moves the cursor to `now` and returns the entries whose deadline has passed.
    public mutating func advance(to now: UInt64) -> [Entry] {
        let target = now / tick
        var expired: [Entry] = []
        if target <= current { return expired }
        let steps = min(target - current, UInt64(slots.count))
        for step in 1...steps {
            let slot = Int((current + step) % UInt64(slots.count))
            if slots[slot].isEmpty { continue }
            var keep: [Entry] = []
            for entry in slots[slot] {
                if entry.deadline <= now { expired.append(entry) } else { keep.append(entry) }
            }
            slots[slot] = keep
        }
        current = target
        return expired
    }
}
