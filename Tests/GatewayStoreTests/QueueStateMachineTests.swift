import Foundation
import Testing

@testable import GatewayStore

@Suite struct QueueStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let policy = RetryPolicy(maxAttempts: 3, maxAge: 3_600, baseDelay: 10, maxDelay: 100, jitter: 0.5)

    @Test func pendingLeasedDelivered() {
        var m = QueueItemStateMachine(policy: policy, createdAt: t0)
        #expect(m.state == .pending)
        #expect(m.lease(owner: "w1", now: t0, duration: 30) == .lease(expiry: t0 + 30))
        #expect(m.state == .leased(owner: "w1", expiry: t0 + 30))
        #expect(m.attempts == 1)
        #expect(m.succeeded(owner: "w2", now: t0 + 1) == .reject("leased by w1, not w2"))
        #expect(m.succeeded(owner: "w1", now: t0 + 1) == .markDelivered)
        #expect(m.state == .delivered(at: t0 + 1))
        #expect(m.lease(owner: "w1", now: t0 + 2, duration: 30) == .reject("already delivered"))
        #expect(m.failed(owner: "w1", now: t0 + 2, random: 0) == .reject("not leased (delivered)"))
    }

    @Test func failureSchedulesRetryWithBackoffAndJitter() {
        var m = QueueItemStateMachine(policy: policy, createdAt: t0)
        _ = m.lease(owner: "w", now: t0, duration: 30)
        // attempt 1: base 10 s, jitter factor 1 − 0.5 + 2·0.5·0.25 = 0.75 → 7.5 s
        #expect(m.failed(owner: "w", now: t0, random: 0.25) == .scheduleRetry(notBefore: t0 + 7.5))
        #expect(m.lease(owner: "w", now: t0 + 7, duration: 30) == .none)
        #expect(m.state == .retryScheduled(notBefore: t0 + 7.5))
        #expect(m.lease(owner: "w", now: t0 + 8, duration: 30) == .lease(expiry: t0 + 38))
        // attempt 2: 20 s × 1.0
        #expect(m.failed(owner: "w", now: t0 + 9, random: 0.5) == .scheduleRetry(notBefore: t0 + 29))
    }

    @Test func backoffIsCapped() {
        #expect(policy.delay(afterAttempt: 1, random: 0.5) == 10)
        #expect(policy.delay(afterAttempt: 3, random: 0.5) == 40)
        #expect(policy.delay(afterAttempt: 10, random: 0.5) == 100)
        #expect(policy.delay(afterAttempt: 10, random: 0.999) < 150)
        #expect(policy.delay(afterAttempt: 10, random: 0) == 50)
    }

    @Test func deadAfterMaxAttempts() {
        var m = QueueItemStateMachine(policy: policy, createdAt: t0)
        var now = t0
        for attempt in 1...3 {
            #expect(m.lease(owner: "w", now: now, duration: 30) == .lease(expiry: now + 30))
            now += 1
            let action = m.failed(owner: "w", now: now, random: 0.5)
            if attempt < 3 {
                guard case .scheduleRetry(let notBefore) = action else {
                    Issue.record("attempt \(attempt): expected a retry, got \(action)")
                    return
                }
                now = notBefore
            } else {
                #expect(action == .deadLetter(reason: "failed 3 attempt(s), the maximum"))
            }
        }
        #expect(m.state == .dead(reason: "failed 3 attempt(s), the maximum"))
        #expect(m.lease(owner: "w", now: now, duration: 30) == .reject("dead-lettered; replay it first"))
    }

    @Test func deadAfterMaxAge() {
        var m = QueueItemStateMachine(policy: policy, createdAt: t0)
        _ = m.lease(owner: "w", now: t0 + 3_590, duration: 30)
        // The next retry would land after the maximum age.
        guard case .deadLetter = m.failed(owner: "w", now: t0 + 3_595, random: 0.5) else {
            Issue.record("expected dead letter, state \(m.state)")
            return
        }
        var old = QueueItemStateMachine(policy: policy, createdAt: t0)
        guard case .deadLetter = old.lease(owner: "w", now: t0 + 3_601, duration: 30) else {
            Issue.record("an item past its maximum age must not be leased")
            return
        }
        #expect(old.attempts == 0)
    }

    @Test func leaseExpiryReturnsTheItem() {
        var m = QueueItemStateMachine(policy: policy, createdAt: t0)
        _ = m.lease(owner: "crashed", now: t0, duration: 30)
        #expect(m.leaseExpired(now: t0 + 29) == .none)
        #expect(m.lease(owner: "other", now: t0 + 29, duration: 30) == .reject("leased until \(t0 + 30)"))
        #expect(m.leaseExpired(now: t0 + 30) == .returnToPending)
        #expect(m.state == .pending)
        #expect(m.lease(owner: "other", now: t0 + 31, duration: 30) == .lease(expiry: t0 + 61))
        // The crashed worker's late completion is refused; the new holder's is taken.
        #expect(m.succeeded(owner: "crashed", now: t0 + 32) == .reject("leased by other, not crashed"))
        #expect(m.succeeded(owner: "other", now: t0 + 32) == .markDelivered)
    }

    @Test func expiredLeaseCanBeTakenDirectly() {
        var m = QueueItemStateMachine(policy: policy, createdAt: t0)
        _ = m.lease(owner: "crashed", now: t0, duration: 30)
        #expect(m.lease(owner: "other", now: t0 + 40, duration: 30) == .lease(expiry: t0 + 70))
        #expect(m.attempts == 2)
    }

    @Test func leaseExpiryOnLastAttemptDeadLetters() {
        var m = QueueItemStateMachine(policy: RetryPolicy(maxAttempts: 1), createdAt: t0)
        _ = m.lease(owner: "crashed", now: t0, duration: 30)
        #expect(m.leaseExpired(now: t0 + 30) == .deadLetter(reason: "lease expired on the last of 1 attempt(s)"))
    }

    @Test func waitingBehindADeadItemDeadLettersOnlyWaitingItems() {
        var m = QueueItemStateMachine(policy: policy, createdAt: t0)
        #expect(m.blockedByDead(7) == .deadLetter(reason: "waits behind dead item 7 of the same order (replay that one with it)"))
        #expect(m.state.name == "dead")
        #expect(m.blockedByDead(7) == .reject("not waiting (dead)"))
        var leased = QueueItemStateMachine(policy: policy, createdAt: t0)
        _ = leased.lease(owner: "w", now: t0, duration: 30)
        #expect(leased.blockedByDead(7) == .reject("not waiting (leased)"))
        var retrying = QueueItemStateMachine(policy: policy, createdAt: t0)
        _ = retrying.lease(owner: "w", now: t0, duration: 30)
        _ = retrying.failed(owner: "w", now: t0, random: 0)
        guard case .deadLetter = retrying.blockedByDead(7) else {
            Issue.record("an item scheduled for retry behind a dead one must be dead-lettered")
            return
        }
        #expect(retrying.replayed(now: t0 + 1) == .replay)
        #expect(retrying.state == .pending && retrying.attempts == 0)
    }

    @Test func replayBringsDeadItemsBackWithFreshBudget() {
        var m = QueueItemStateMachine(policy: RetryPolicy(maxAttempts: 1, maxAge: 60), createdAt: t0)
        #expect(m.replayed(now: t0) == .reject("not dead (pending)"))
        _ = m.lease(owner: "w", now: t0, duration: 30)
        _ = m.failed(owner: "w", now: t0 + 1, random: 0.5)
        #expect(m.state == .dead(reason: "failed 1 attempt(s), the maximum"))
        #expect(m.replayed(now: t0 + 1_000) == .replay)
        #expect(m.state == .pending)
        #expect(m.attempts == 0)
        #expect(m.ageOrigin == t0 + 1_000)
        #expect(m.lease(owner: "w", now: t0 + 1_001, duration: 30) == .lease(expiry: t0 + 1_031))
    }
}
