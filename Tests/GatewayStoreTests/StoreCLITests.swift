import Foundation
import Testing

@testable import GatewayStore

/// The store's operator verbs, run as the built `g60-gateway` binary (beside the test bundle after
/// `swift build --build-tests`): `log verify`, `queues`, `dlq list`, `dlq replay`.
@Suite struct StoreCLITests {
    static func gateway() -> URL? {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let candidates = [
            bundleDir.appendingPathComponent("g60-gateway"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("g60-gateway"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        guard let gateway = gateway() else {
            Issue.record("g60-gateway not found beside the test bundle; build with swift build --build-tests")
            return (-1, "", "")
        }
        let process = Process()
        process.executableURL = gateway
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }

    @Test func logVerifyExitsZeroThenOneAfterTampering() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let db = dir.path("s.db")
        do {
            let store = try SQLiteStore(path: db, options: Fixture.options(clock: TestClock()))
            for i in 1...4 { _ = try store.append(Fixture.envelope("m\(i)")) }
        }
        let ok = try Self.run(["log", "verify", "--db", db])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.out.contains("4 entries verify"))
        let raw = try SQLiteConnection(path: db, create: false)
        try raw.exec("UPDATE message_log SET recipient = 'hefei' WHERE position = 3")
        let broken = try Self.run(["log", "verify", "--db", db])
        #expect(broken.status == 1, "\(broken)")
        #expect(broken.out.contains("entry 3"))
        let missing = try Self.run(["log", "verify", "--db", dir.path("none.db")])
        #expect(missing.status == 4)
        #expect(!FileManager.default.fileExists(atPath: dir.path("none.db")))
    }

    @Test func storeCheckExitsZeroThenOneOnADamagedPage() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let db = dir.path("s.db")
        var page: Int64 = 0
        do {
            let store = try SQLiteStore(path: db, options: Fixture.options(clock: TestClock()))
            for i in 0..<200 { _ = try store.append(Fixture.envelope("m\(i)", body: String(repeating: "y", count: 500))) }
            let raw = try SQLiteConnection(path: db, create: false)
            try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")
            page = try #require(
                try raw.first("SELECT pageno FROM dbstat WHERE name = 'message_log' AND pagetype = 'leaf' LIMIT 1 OFFSET 3") {
                    $0.int(0)
                })
        }
        let ok = try Self.run(["store", "check", "--db", db])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.out.hasPrefix("OK \(db): quick_check found no problem"), "\(ok.out)")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: db))
        try handle.seek(toOffset: UInt64(4096 * (page - 1)))
        try handle.write(contentsOf: Data(repeating: 0xEE, count: 4096))
        try handle.close()
        let damaged = try Self.run(["store", "check", "--db", db, "--thorough"])
        #expect(damaged.status == 1, "\(damaged)")
        #expect(damaged.out.hasPrefix("DAMAGED \(db): integrity_check found"), "\(damaged.out)")
        let missing = try Self.run(["store", "check", "--db", dir.path("none.db")])
        #expect(missing.status == 4, "\(missing)")
        let usage = try Self.run(["store", "verify", "--db", db])
        #expect(usage.status == 2, "\(usage)")
    }

    @Test func queuesAndDeadLetterReplay() throws {
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let db = dir.path("s.db")
        let clock = TestClock(Date())
        let store = try SQLiteStore(
            path: db, options: Fixture.options(clock: clock, policy: RetryPolicy(maxAttempts: 1, jitter: 0)))
        let ids = try store.enqueue([
            QueueItemSubmission(
                direction: .outbound, partner: "hefei", kind: "record", recordID: "rec_1", recordVersion: 2),
            QueueItemSubmission(
                direction: .outbound, partner: "wuhu", kind: "record", recordID: "rec_2", recordVersion: 1),
        ])
        for item in try store.lease(direction: .outbound, partner: nil, limit: 10, owner: "w", duration: 30) {
            _ = try store.fail(itemID: item.id, owner: "w", error: "HTTP 502 from \(item.partner)")
        }
        let queues = try Self.run(["queues", "--db", db, "--json"])
        #expect(queues.status == 0, "\(queues)")
        let summaries = try JSONSerialization.jsonObject(with: Data(queues.out.utf8)) as? [[String: Any]]
        #expect(summaries?.count == 2)
        #expect(summaries?.first?["dead"] as? Int == 1)
        #expect(summaries?.first?["lastError"] as? String == "HTTP 502 from hefei")
        let table = try Self.run(["queues", "--db", db])
        #expect(table.out.contains("PARTNER") && table.out.contains("wuhu"))

        let list = try Self.run(["dlq", "list", "--partner", "hefei", "--db", db])
        #expect(list.status == 1)
        #expect(list.out.contains("rec_1@2") && !list.out.contains("rec_2"))
        let replay = try Self.run(["dlq", "replay", String(ids[0]), "--actor", "li", "--db", db])
        #expect(replay.status == 0, "\(replay)")
        #expect(try store.queueItem(id: ids[0])?.state == .pending)
        #expect(try store.auditTrail(itemID: ids[0]).last?.actor == "operator:li")
        let all = try Self.run(["dlq", "replay", "--all", "--db", db])
        #expect(all.out.contains("replayed 1 item(s): \(ids[1])"))
        let none = try Self.run(["dlq", "list", "--db", db])
        #expect(none.status == 0)
        let usage = try Self.run(["dlq", "replay", "--all", "--partner", "x", "--db", db])
        #expect(usage.status == 2)
    }
}
