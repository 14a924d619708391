// g60-privacy-bench: the cost of encrypting evidence at rest on the message log's append path (issue 10).
// The envelope half of g60-store-bench (same envelope shape, 1 writer then group commit with 32 writers), run in
// one process with the store's identity cipher off ("before": raw bytes stored clear, as before the change) and on
// ("after": AES-256-GCM through OpenSSL, as a node runs), plus a 4 KB envelope, the seal/open cost alone, and
// `verifyChain` with and without the key. Prints wall rates, CPU time per envelope (getrusage) and the load average.
// Run with `make bench-privacy`.
//
// Usage: g60-privacy-bench [--dir DIR] [--scale F] [--mode clear|sealed]
//   --mode runs only the appends of one mode, once (for `valgrind --tool=callgrind`: compare the instruction counts
//   of the two modes; `make bench-privacy-callgrind`).
import Foundation
import GatewayCore
import GatewayCrypto
import GatewayStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

var dir = "Benchmarks/out/privacy"
var scale = 1.0
var mode = ""
var argi = 1
while argi < CommandLine.arguments.count {
    let a = CommandLine.arguments[argi]
    let v = argi + 1 < CommandLine.arguments.count ? CommandLine.arguments[argi + 1] : ""
    switch a {
    case "--dir": dir = v
    case "--scale": scale = Double(v) ?? 1
    case "--mode" where v == "clear" || v == "sealed": mode = v
    default:
        print("usage: g60-privacy-bench [--dir DIR] [--scale F] [--mode clear|sealed]")
        exit(2)
    }
    argi += 2
}
let runScale = scale
func scaled(_ n: Int) -> Int { max(1, Int(Double(n) * runScale)) }
let benchDir = dir
try FileManager.default.createDirectory(atPath: benchDir, withIntermediateDirectories: true)

func fresh(_ name: String) -> String {
    let path = benchDir + "/" + name
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    return path
}

/// GatewayCrypto's field cipher as the store's protocol (the node uses Gateway's `IdentityFieldCipher`, the same).
struct BenchCipher: IdentityNumberCipher {
    let cipher: FieldCipher
    func seal(_ plaintext: [UInt8], context: [UInt8]) throws -> [UInt8] { try cipher.seal(plaintext, context: context) }
    func open(_ sealed: [UInt8], context: [UInt8]) throws -> [UInt8] { try cipher.open(sealed, context: context) }
}

let key = SHA256.hash(Array("g60-privacy-bench key (not secret)".utf8))
let cipher = BenchCipher(cipher: try FieldCipher(key: key))

func options(sealed: Bool) -> SQLiteStoreOptions {
    var o = SQLiteStoreOptions(identityCipher: sealed ? cipher : nil)
    o.hash = { Digest.hash($0, using: .sha256) }  // as the node does
    return o
}

/// CPU seconds (user + system) of this process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(
        separator: " ") ?? "?"
}

/// Wall seconds and CPU seconds of `body`.
func measure(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let cpu0 = cpuSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpuSeconds() - cpu0)
}

let padding4K = String(repeating: "张伟,110105194912310021,上海九亭机电设备有限公司;", count: 60)

/// The envelope of g60-store-bench (≈ 200 B), or one with a ≈ 4 KB payload.
func envelope(_ id: String, large: Bool) -> EnvelopeSubmission {
    let raw = Array(
        "{\"v\":1,\"id\":\"\(id)\",\"from\":\"jiaxing\",\"to\":\"songjiang\",\"records\":[{\"id\":\"rec_0123456789abcdef0123456789abcdef\"}],\"sig\":\"MEUCIQDx0123456789abcdefghijklmnopqrstuvwxyzABCDEF\"\(large ? ",\"pad\":\"" + padding4K + "\"" : "")}"
            .utf8)
    return EnvelopeSubmission(
        direction: .inbound,
        header: EnvelopeHeader(
            messageID: id, sender: "jiaxing", recipient: "songjiang", kind: "records", sequence: 1, recordCount: 1,
            payloadDigest: "sha256:00", issuedAt: Date()),
        raw: raw, receipt: Array("receipt:\(id)".utf8), enqueueForMapping: true)
}

func row(_ label: String, _ count: Int, _ m: (wall: Double, cpu: Double), _ extra: String = "") {
    print(
        String(
            format: "%@ %9.0f envelopes/s  %7.1f CPU µs/envelope  (%d envelopes, load %@)%@", label,
            Double(count) / m.wall, m.cpu / Double(count) * 1e6, count, loadAverage(), extra))
}

print("g60-privacy-bench: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, load average \(loadAverage())")

// 1. Seal + open alone (no database): what the append path adds per envelope.
for large in [false, true] where mode.isEmpty {
    let sample = envelope("m", large: large).raw
    let n = scaled(large ? 20_000 : 100_000)
    let context = Array("g60.message_log.raw.v1\u{0}in\u{0}jiaxing\u{0}m\u{0}".utf8) + SHA256.hash(sample)
    var sink = 0
    let s = try measure { for _ in 0..<n { sink &+= try cipher.seal(sample, context: context).count } }
    let sealed = try cipher.seal(sample, context: context)
    let o = try measure { for _ in 0..<n { sink &+= try cipher.open(sealed, context: context).count } }
    print(
        String(
            format: "AES-256-GCM alone, %5d B envelope: seal %5.2f µs, open %5.2f µs CPU each (%d each)%@",
            sample.count, s.cpu / Double(n) * 1e6, o.cpu / Double(n) * 1e6, n, sink == 0 ? " ?" : ""))
}

// 2. Acknowledged envelopes, clear ("before") and sealed ("after"), interleaved so load changes hit both.
for large in [false, true] {
    let size = envelope("m", large: large).raw.count
    for round in 1...(mode.isEmpty ? 2 : 1) {
        for sealed in [false, true] where mode.isEmpty || sealed == (mode == "sealed") {
            let label = "\(sealed ? "sealed" : "clear ") \(String(format: "%5d", size)) B, round \(round),"
            let single = scaled(large ? 1_000 : 2_000)
            do {
                let store = try SQLiteStore(path: fresh("p1.db"), options: options(sealed: sealed))
                let m = try measure {
                    for i in 0..<single { _ = try store.append(envelope("s\(i)", large: large)) }
                }
                row("\(label)  1 writer  ", single, m)
            }
            let writers = 32
            let total = scaled(large ? 10_000 : 30_000)
            let store = try SQLiteStore(path: fresh("p32.db"), options: options(sealed: sealed))
            let per = total / writers
            let failures = Atomic<Int>(0)
            let m = measure {
                let group = DispatchGroup()
                for w in 0..<writers {
                    group.enter()
                    Thread {
                        for i in 0..<per where (try? store.append(envelope("w\(w)-\(i)", large: large))) == nil {
                            failures.add(1, ordering: .relaxed)
                        }
                        group.leave()
                    }.start()
                }
                group.wait()
            }
            let verified = try store.verifyChain()
            row(
                "\(label) 32 writers ", per * writers, m,
                String(
                    format: " chain %@, %d opened, failures %d", verified.isIntact ? "verifies" : "BROKEN",
                    verified.encryptedEntriesOpened, failures.load(ordering: .relaxed)))
        }
    }
}

// 3. Verifying the chain of the last sealed 32-writer store, with the key and without it.
if mode.isEmpty {
    let path = benchDir + "/p32.db"
    for keyed in [true, false] {
        let store = try SQLiteStore(path: path, options: options(sealed: keyed))
        var result: ChainVerification?
        let m = try measure { result = try store.verifyChain() }
        let n = result?.entriesChecked ?? 0
        print(
            String(
                format: "log verify %@: %d entries in %.3f s (%.1f CPU µs/entry), %d decrypted, %d not decrypted",
                keyed ? "with the key   " : "without the key", n, m.wall, m.cpu / Double(max(1, n)) * 1e6,
                result?.encryptedEntriesOpened ?? 0, result?.encryptedEntriesNotOpened ?? 0))
    }
}
