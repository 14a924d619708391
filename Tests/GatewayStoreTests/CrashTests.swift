import Foundation
import GatewayTesting
import Synchronization
import Testing

@testable import GatewayStore

/// Kills a writing process with SIGKILL at random moments and checks that nothing acknowledged is lost.
///
/// The child is `g60-store-crash-child` (Sources/StoreCrashChild), built beside the test bundle because the test
/// target depends on it. A kill comes after a random number of acknowledgements (1…250) has been read from the
/// child's standard output (no sleeping), so it lands anywhere in the write path: mid-transaction, mid-fsync,
/// mid-lease. Bounded: 20 kills, then one run to completion, a few seconds in all.
@Suite struct CrashTests {
    /// A small seeded generator (SplitMix64) so a failing run can be repeated from its printed seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func childExecutable() -> URL? {
        var candidates: [URL] = []
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        candidates.append(bundleDir.appendingPathComponent("g60-store-crash-child"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("g60-store-crash-child"))
        candidates.append(
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("g60-store-crash-child"))
        candidates.append(TestSupport.packageRoot.appendingPathComponent(".build/debug/g60-store-crash-child"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs the child until it has printed `killAfter` acknowledgements (then SIGKILL) or to its end.
    /// Returns every line it printed.
    static func runChild(
        _ executable: URL, db: String, prefix: String, count: Int, resend: [String], killAfter: Int?
    ) throws -> (lines: [String], killed: Bool) {
        let process = Process()
        process.executableURL = executable
        var arguments = ["--db", db, "--prefix", prefix, "--count", String(count), "--threads", "4"]
        if !resend.isEmpty { arguments += ["--resend", resend.joined(separator: ",")] }
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = pipe.fileHandleForReading
        var buffer: [UInt8] = []
        var lines: [String] = []
        var acks = 0
        var killed = false
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer += chunk
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                lines.append(line)
                if line.hasPrefix("A ") { acks += 1 }
                if let killAfter, !killed, acks >= killAfter {
                    kill(process.processIdentifier, SIGKILL)
                    killed = true
                }
            }
        }
        process.waitUntilExit()
        // Lines the child completed before dying are still honoured: they were printed after their commit.
        if !buffer.isEmpty { lines.append(String(decoding: buffer, as: UTF8.self)) }
        return (lines, killed && process.terminationReason == .uncaughtSignal)
    }

    @Test(.timeLimit(.minutes(2))) func acknowledgedEnvelopesSurviveSIGKILL() throws {
        guard let child = Self.childExecutable() else {
            Issue.record("g60-store-crash-child not found beside the test bundle; build with swift build --build-tests")
            return
        }
        let dir = try TempDirectory()
        defer { dir.cleanup() }
        let db = dir.path("crash.db")
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix(state: seed)
        var acknowledged = Set<String>()
        var lastAcks: [String] = []
        var kills = 0
        for round in 0..<21 {
            let final = round == 20
            let killAfter = final ? nil : Int.random(in: 1...250, using: &rng)
            let run = try Self.runChild(
                child, db: db, prefix: "r\(round)", count: final ? 25 : 10_000, resend: lastAcks, killAfter: killAfter)
            if run.killed { kills += 1 }
            let acks = run.lines.filter { $0.hasPrefix("A ") }.map { String($0.dropFirst(2)) }
            // Ids acknowledged in the previous life come back as duplicates, never as new entries.
            for line in run.lines where line.hasPrefix("R ") {
                #expect(line.hasSuffix(" dup"), "seed \(seed) round \(round): resent id not recognised: \(line)")
            }
            #expect(!run.lines.contains { $0.hasPrefix("E ") }, "seed \(seed) round \(round): child reported an error")
            acknowledged.formUnion(acks)
            lastAcks = Array(acks.suffix(3))
            if final { #expect(run.lines.last == "END", "seed \(seed): the last run must finish") }

            // After each death: every acknowledged envelope is present exactly once, and the chain verifies.
            let store = try SQLiteStore(path: db, options: SQLiteStoreOptions(quickCheckOnOpen: true))
            let entries = try store.logEntries(after: 0, limit: 1_000_000)
            let ids = entries.map(\.header.messageID)
            #expect(Set(ids).count == ids.count, "seed \(seed) round \(round): an envelope is logged twice")
            let missing = acknowledged.subtracting(ids)
            #expect(
                missing.isEmpty, "seed \(seed) round \(round): acknowledged but lost: \(missing.sorted().prefix(5))")
            let verification = try store.verifyChain()
            #expect(
                verification.isIntact, "seed \(seed) round \(round): \(String(describing: verification.firstBroken))")
        }
        #expect(kills == 20, "seed \(seed): only \(kills) of 20 runs were killed")
        #expect(acknowledged.count > 20)

        // The queues resume: with every lease expired, all work is leased and completed exactly once.
        let later = TestClock(Date().addingTimeInterval(3_600))
        let store = try SQLiteStore(
            path: db, options: SQLiteStoreOptions(clock: { later.now }, retryPolicy: RetryPolicy(maxAttempts: 1_000)))
        let entries = try store.logEntries(after: 0, limit: 1_000_000)
        var completedPositions: [Int64] = []
        while true {
            let items = try store.lease(direction: .inbound, partner: nil, limit: 500, owner: "drain", duration: 60)
            if items.isEmpty { break }
            for item in items {
                try store.complete(itemID: item.id, owner: "drain")
                completedPositions.append(item.logPosition ?? -1)
            }
        }
        let delivered = try deliveredPositions(db)
        #expect(delivered.count == entries.count, "seed \(seed): work items delivered ≠ envelopes logged")
        #expect(Set(delivered) == Set(entries.map(\.position)), "seed \(seed): a work item is missing or doubled")
        #expect(Set(completedPositions).isSubset(of: Set(entries.map(\.position))))
        #expect(try store.queueSummary().allSatisfy { $0.depth == 0 && $0.dead == 0 })
    }

    private func deliveredPositions(_ db: String) throws -> [Int64] {
        let raw = try SQLiteConnection(path: db, create: false)
        return try raw.all("SELECT log_position FROM queue_items WHERE direction = 'inbound' AND state = 'delivered'") {
            $0.int(0)
        }
    }
}
