import Foundation
import Synchronization
import Testing

@testable import GatewayStore

@Suite struct GroupCommitTests {
    @Test func concurrentWritersAreAllCommittedOnceInOneChain() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let threads = 8
        let perThread = 60
        let failures = Mutex<[String]>([])
        let duplicates = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                do {
                    // Every thread also resends one earlier id of its own: idempotent under concurrency.
                    if case .duplicate = try store.append(Fixture.envelope("t\(t)-\(i)", enqueue: true)) {
                        failures.withLock { $0.append("t\(t)-\(i) reported as duplicate") }
                    }
                    if i % 10 == 9,
                        case .duplicate = try store.append(Fixture.envelope("t\(t)-\(i - 5)", enqueue: true))
                    {
                        duplicates.withLock { $0 += 1 }
                    }
                } catch {
                    failures.withLock { $0.append("t\(t)-\(i): \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(duplicates.withLock { $0 } == threads * perThread / 10)
        #expect(try store.logCount() == threads * perThread)
        let positions = try store.logEntries(after: 0, limit: 10_000).map(\.position)
        #expect(positions == Array(1...Int64(threads * perThread)))
        #expect(
            try store.verifyChain()
                == ChainVerification(
                    entriesChecked: threads * perThread, checkpointPosition: 0, firstBroken: nil,
                    encryptedEntriesOpened: threads * perThread))
        #expect(try store.queueSummary().first?.depth == threads * perThread)
    }

    @Test func oneFailingWriteDoesNotSinkItsBatch() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path("s.db"), options: Fixture.options(clock: TestClock()))
        let outcomes = Mutex<[Int: Bool]>([:])
        DispatchQueue.concurrentPerform(iterations: 40) { i in
            do {
                // Every fifth write fails after it has written, inside the shared transaction.
                try store.committer.write { ctx in
                    try SQLiteStore.insertQueueItem(
                        ctx.db, QueueItemSubmission(direction: .inbound, partner: "p\(i)", kind: "test"), nowMillis: 0)
                    if i % 5 == 0 { throw StoreError(StoreError.invalidArgument, "planned failure \(i)") }
                }
                outcomes.withLock { $0[i] = true }
            } catch {
                outcomes.withLock { $0[i] = false }
            }
        }
        let result = outcomes.withLock { $0 }
        #expect(result.count == 40)
        #expect(result.filter { !$0.value }.keys.sorted() == stride(from: 0, to: 40, by: 5).map { $0 })
        let partners = Set(try store.queueSummary().map(\.partner))
        #expect(partners == Set((0..<40).filter { $0 % 5 != 0 }.map { "p\($0)" }))
    }
}
