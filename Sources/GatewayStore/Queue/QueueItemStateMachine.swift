import Foundation

/// How queue items retry and when they give up.
public struct RetryPolicy: Hashable, Sendable {
    /// Attempts (leases) before an item is dead-lettered.
    public var maxAttempts: Int
    /// Age (since creation or the last replay) after which a failing item is dead-lettered.
    public var maxAge: TimeInterval
    /// Delay after the first failure; doubled after each further failure.
    public var baseDelay: TimeInterval
    /// Upper bound on the delay.
    public var maxDelay: TimeInterval
    /// Jitter as a fraction of the delay: the delay is scaled by a factor in [1 − jitter, 1 + jitter).
    public var jitter: Double

    public init(
        maxAttempts: Int = 8, maxAge: TimeInterval = 3 * 86_400, baseDelay: TimeInterval = 5,
        maxDelay: TimeInterval = 3_600, jitter: Double = 0.2
    ) {
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (1 = after the first failure); `random` in [0, 1).
    public func delay(afterAttempt attempt: Int, random: Double) -> TimeInterval {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let raw = min(maxDelay, baseDelay * pow(2, exponent))
        let factor = 1 - jitter + 2 * jitter * min(max(random, 0), 1)
        return max(0, raw * factor)
    }
}

/// The state of one queue item.
public enum QueueItemState: Hashable, Sendable {
    /// Waiting to be leased.
    case pending
    /// Held by a worker until `expiry`; if the worker dies, the lease expires and the item returns.
    case leased(owner: String, expiry: Date)
    /// Done; terminal.
    case delivered(at: Date)
    /// Failed; may be leased again from `notBefore`.
    case retryScheduled(notBefore: Date)
    /// Gave up (too many attempts or too old); only a DLQ replay brings it back.
    case dead(reason: String)

    /// The stored name of the state.
    public var name: String {
        switch self {
        case .pending: return "pending"
        case .leased: return "leased"
        case .delivered: return "delivered"
        case .retryScheduled: return "retry"
        case .dead: return "dead"
        }
    }
}

/// The lifecycle of a queue item as a plain value: event methods change the state and return what the caller must
/// do; the caller (the SQLite queue, a test) performs it. No I/O, no clock, no randomness inside: time and the
/// jitter draw are arguments (the swift-nio state-machine pattern, STYLE.md).
///
/// ```
/// pending ──lease──► leased ──succeeded──► delivered
///    ▲                 │ failed ──► retryScheduled ──lease (after notBefore)──► leased
///    └──leaseExpired───┘ failed / leaseExpired with attempts or age exhausted ──► dead ──replayed──► pending
/// ```
public struct QueueItemStateMachine: Hashable, Sendable {
    /// What the caller must do after an event.
    public enum Action: Hashable, Sendable {
        /// Hand the item to `owner` until `expiry`.
        case lease(expiry: Date)
        /// Record the delivery.
        case markDelivered
        /// Store the failure and try again from `notBefore`.
        case scheduleRetry(notBefore: Date)
        /// Move the item to the dead-letter queue (write an audit entry).
        case deadLetter(reason: String)
        /// The lease expired: the item is pending again.
        case returnToPending
        /// A replay: the item is pending again with a fresh attempt budget (write an audit entry).
        case replay
        /// Nothing to do now (e.g. a retry not yet due).
        case none
        /// The event is not allowed in this state; nothing changed.
        case reject(String)
    }

    public private(set) var state: QueueItemState
    /// Leases handed out since creation or the last replay.
    public private(set) var attempts: Int
    /// Creation time, or the last replay: the start of `maxAge`.
    public private(set) var ageOrigin: Date
    public let policy: RetryPolicy

    public init(policy: RetryPolicy, createdAt: Date) {
        self.init(state: .pending, attempts: 0, ageOrigin: createdAt, policy: policy)
    }

    /// Restores a machine from stored fields.
    public init(state: QueueItemState, attempts: Int, ageOrigin: Date, policy: RetryPolicy) {
        self.state = state
        self.attempts = attempts
        self.ageOrigin = ageOrigin
        self.policy = policy
    }

    /// A worker asks for the item at `now`.
    public mutating func lease(owner: String, now: Date, duration: TimeInterval) -> Action {
        switch state {
        case .pending:
            break
        case .retryScheduled(let notBefore):
            if now < notBefore { return .none }
        case .leased(_, let expiry):
            // A lease that ran out counts as expired first; a live one cannot be taken.
            guard expiry <= now else { return .reject("leased until \(expiry)") }
            if case .deadLetter(let reason) = leaseExpired(now: now) { return .deadLetter(reason: reason) }
        case .delivered:
            return .reject("already delivered")
        case .dead:
            return .reject("dead-lettered; replay it first")
        }
        if now.timeIntervalSince(ageOrigin) > policy.maxAge {
            let reason = "older than the maximum age of \(Int(policy.maxAge)) s after \(attempts) attempt(s)"
            state = .dead(reason: reason)
            return .deadLetter(reason: reason)
        }
        attempts += 1
        let expiry = now.addingTimeInterval(duration)
        state = .leased(owner: owner, expiry: expiry)
        return .lease(expiry: expiry)
    }

    /// The worker holding the lease delivered the item.
    public mutating func succeeded(owner: String, now: Date) -> Action {
        guard case .leased(let holder, _) = state else { return .reject("not leased (\(state.name))") }
        guard holder == owner else { return .reject("leased by \(holder), not \(owner)") }
        state = .delivered(at: now)
        return .markDelivered
    }

    /// The worker holding the lease failed; `random` in [0, 1) draws the jitter.
    public mutating func failed(owner: String, now: Date, random: Double) -> Action {
        guard case .leased(let holder, _) = state else { return .reject("not leased (\(state.name))") }
        guard holder == owner else { return .reject("leased by \(holder), not \(owner)") }
        if attempts >= policy.maxAttempts {
            let reason = "failed \(attempts) attempt(s), the maximum"
            state = .dead(reason: reason)
            return .deadLetter(reason: reason)
        }
        let notBefore = now.addingTimeInterval(policy.delay(afterAttempt: attempts, random: random))
        if notBefore.timeIntervalSince(ageOrigin) > policy.maxAge {
            let reason = "the next retry would pass the maximum age of \(Int(policy.maxAge)) s"
            state = .dead(reason: reason)
            return .deadLetter(reason: reason)
        }
        state = .retryScheduled(notBefore: notBefore)
        return .scheduleRetry(notBefore: notBefore)
    }

    /// Time passed: a lease past its expiry returns the item (its worker is presumed dead).
    public mutating func leaseExpired(now: Date) -> Action {
        guard case .leased(_, let expiry) = state else { return .none }
        guard expiry <= now else { return .none }
        if attempts >= policy.maxAttempts {
            let reason = "lease expired on the last of \(attempts) attempt(s)"
            state = .dead(reason: reason)
            return .deadLetter(reason: reason)
        }
        state = .pending
        return .returnToPending
    }

    /// An item waiting (pending or scheduled for retry) behind an earlier item of the same order that is dead: it
    /// cannot be delivered before that one is, so it is dead-lettered with it, and `dlq replay` brings both back in
    /// order. A partner's queue so ends either drained or dead-lettered, never stuck behind a dead item.
    public mutating func blockedByDead(_ blocker: Int64) -> Action {
        switch state {
        case .pending, .retryScheduled:
            let reason = "waits behind dead item \(blocker) of the same order (replay that one with it)"
            state = .dead(reason: reason)
            return .deadLetter(reason: reason)
        case .leased, .delivered, .dead:
            return .reject("not waiting (\(state.name))")
        }
    }

    /// An operator replays a dead item.
    public mutating func replayed(now: Date) -> Action {
        guard case .dead = state else { return .reject("not dead (\(state.name))") }
        state = .pending
        attempts = 0
        ageOrigin = now
        return .replay
    }
}
