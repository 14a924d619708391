import Foundation
import Synchronization

/// Process-wide per-stage counters of the exchange workers (thread CPU time and wall time per stage, in
/// nanoseconds), read by the ingest benchmark to show where the backlog phase spends its time. A few
/// `clock_gettime` calls per envelope: always on, never a measurable cost.
public final class ExchangeProfile: Sendable {
    /// The stages a mapping or delivery worker goes through.
    public enum Stage: Int, CaseIterable, Sendable {
        /// Reading the logged envelope, parsing and mapping / validating its rows.
        case map
        /// Storing quarantined rows and records.
        case storeRecords
        /// The measure dispatcher: subject index, re-evaluation, decisions.
        case dispatch
        /// Building the fan-out items, then committing them with the work item's completion.
        case fanOut
        /// A delivery worker leasing its items.
        case lease
        /// Signing the delivery envelope and logging it.
        case sign
        /// POSTing it and verifying the receipt (the wall time includes the partner's work).
        case post
        /// Logging the receipt and completing the delivered items.
        case complete

        public var name: String {
            switch self {
            case .map: "map"
            case .storeRecords: "store records"
            case .dispatch: "dispatch"
            case .fanOut: "fan-out + commit"
            case .lease: "delivery: lease"
            case .sign: "delivery: sign + log"
            case .post: "delivery: POST + receipt"
            case .complete: "delivery: log receipt + complete"
            }
        }
    }

    public static let shared = ExchangeProfile()

    /// Per stage: thread CPU and wall nanoseconds.
    private let totals = Mutex<[(cpu: Int, wall: Int)]>(Array(repeating: (0, 0), count: Stage.allCases.count))
    /// Records mapped (accepted rows) and record lines delivered (summed over partners).
    public let recordsMapped = Atomic<Int>(0)
    public let recordsDelivered = Atomic<Int>(0)
    public let deliveryEnvelopes = Atomic<Int>(0)

    public init() {}

    /// The calling thread's CPU time and the monotonic clock, in nanoseconds.
    public static func now() -> (cpu: Int, wall: Int) {
        var c = timespec()
        var w = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c)
        clock_gettime(CLOCK_MONOTONIC, &w)
        return (c.tv_sec * 1_000_000_000 + c.tv_nsec, w.tv_sec * 1_000_000_000 + w.tv_nsec)
    }

    /// Runs `body`, adding its thread CPU and wall time to `stage`.
    public func measure<T>(_ stage: Stage, _ body: () throws -> T) rethrows -> T {
        let start = Self.now()
        defer { add(stage, since: start) }
        return try body()
    }

    /// Adds the time since `start` (from `now()`, on this thread) to `stage`.
    public func add(_ stage: Stage, since start: (cpu: Int, wall: Int)) {
        let end = Self.now()
        totals.withLock {
            $0[stage.rawValue].cpu += end.cpu - start.cpu
            $0[stage.rawValue].wall += end.wall - start.wall
        }
    }

    /// Seconds of thread CPU and of wall time spent in `stage` so far (summed over threads).
    public func seconds(_ stage: Stage) -> (cpu: Double, wall: Double) {
        let t = totals.withLock { $0[stage.rawValue] }
        return (Double(t.cpu) / 1e9, Double(t.wall) / 1e9)
    }
}
