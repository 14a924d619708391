import Foundation

/// The last hour of traffic, one sample per minute, for the dashboard's throughput and latency charts.
///
/// A ring buffer of `capacity` minute slots indexed by the minute number since 1970; a slot is reused (zeroed)
/// when a later minute lands on it, so old minutes vanish without a timer. Thread-safe; callers pass the time,
/// so tests drive it with a fixed clock.
public final class OperationsHistory: @unchecked Sendable {
    /// One minute of traffic.
    public struct Sample: Hashable, Sendable {
        /// Minutes since 1970-01-01T00:00Z.
        public var minute: Int64
        public var envelopesReceived: Int = 0
        public var rowsAccepted: Int = 0
        public var rowsQuarantined: Int = 0
        public var deliveries: Int = 0
        public var deliveryFailures: Int = 0
        public var receiptLatencySum: Double = 0
        public var receiptLatencyCount: Int = 0
        public var endToEndLatencySum: Double = 0
        public var endToEndLatencyCount: Int = 0

        public init(minute: Int64) { self.minute = minute }

        /// Mean seconds from an envelope's arrival to its signed receipt, or nil in a minute without receipts.
        public var meanReceiptLatency: Double? {
            receiptLatencyCount == 0 ? nil : receiptLatencySum / Double(receiptLatencyCount)
        }

        /// Mean seconds from a record's arrival to its delivery to a partner, or nil without deliveries.
        public var meanEndToEndLatency: Double? {
            endToEndLatencyCount == 0 ? nil : endToEndLatencySum / Double(endToEndLatencyCount)
        }

        /// The minute's start.
        public var start: Date { Date(timeIntervalSince1970: TimeInterval(minute * 60)) }
    }

    public let capacity: Int
    private let lock = NSLock()
    private var slots: [Sample?]

    /// - Parameter capacity: minutes kept (60: the last hour).
    public init(capacity: Int = 60) {
        self.capacity = max(1, capacity)
        slots = Array(repeating: nil, count: self.capacity)
    }

    static func minute(of date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 60).rounded(.down)) }

    private func update(at date: Date, _ change: (inout Sample) -> Void) {
        let minute = Self.minute(of: date)
        let index = Int(((minute % Int64(capacity)) + Int64(capacity)) % Int64(capacity))
        lock.lock()
        defer { lock.unlock() }
        var sample = slots[index].flatMap { $0.minute == minute ? $0 : nil } ?? Sample(minute: minute)
        if let existing = slots[index], existing.minute > minute { return }  // older than the window: dropped
        change(&sample)
        slots[index] = sample
    }

    /// An envelope was received; `receiptLatency` is the seconds until its signed receipt was sent.
    public func envelopeReceived(at date: Date, receiptLatency: Double? = nil) {
        update(at: date) { s in
            s.envelopesReceived += 1
            if let receiptLatency {
                s.receiptLatencySum += receiptLatency
                s.receiptLatencyCount += 1
            }
        }
    }

    /// Rows of an envelope were mapped: `accepted` stored, `quarantined` rejected.
    public func rowsMapped(at date: Date, accepted: Int, quarantined: Int) {
        update(at: date) { s in
            s.rowsAccepted += accepted
            s.rowsQuarantined += quarantined
        }
    }

    /// A delivery attempt ended; `endToEndLatency` is the seconds from the record's arrival to its delivery.
    public func deliveryFinished(at date: Date, succeeded: Bool, endToEndLatency: Double? = nil) {
        update(at: date) { s in
            if succeeded { s.deliveries += 1 } else { s.deliveryFailures += 1 }
            if succeeded, let endToEndLatency {
                s.endToEndLatencySum += endToEndLatency
                s.endToEndLatencyCount += 1
            }
        }
    }

    /// The `capacity` minutes ending with the one holding `now`, oldest first; minutes without traffic are zero.
    public func samples(endingAt now: Date) -> [Sample] {
        let last = Self.minute(of: now)
        lock.lock()
        let stored = slots
        lock.unlock()
        var byMinute: [Int64: Sample] = [:]
        for case let sample? in stored { byMinute[sample.minute] = sample }
        return (0..<Int64(capacity)).map { offset in
            let minute = last - Int64(capacity) + 1 + offset
            return byMinute[minute] ?? Sample(minute: minute)
        }
    }
}
