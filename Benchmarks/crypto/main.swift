// Envelope signing and verification throughput per algorithm, next to `openssl speed` in the same run.
// Run with `make bench-crypto` (release build). See Benchmarks/BENCHMARKS.md, "## Crypto (envelopes)".
import Foundation
import GatewayCrypto

struct SystemNow: EnvelopeClock { func now() -> Date { Date() } }

let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "1") ?? 1
let payloadSize = Int(ProcessInfo.processInfo.environment["BENCH_PAYLOAD"] ?? "256") ?? 256
let payload = (0..<payloadSize).map { UInt8(truncatingIfNeeded: 0x41 + $0 % 26) }

/// CPU time of this process in nanoseconds. `openssl speed` divides by CPU user time too (unless -elapsed), so
/// both sides are measured alike even when other builds share the machine.
func cpuNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Runs `body` repeatedly for about `seconds` of CPU time and returns operations per CPU second.
func rate(_ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<50 { try body() }  // warm-up
    var count = 0
    let start = cpuNanoseconds()
    var elapsed: UInt64 = 0
    repeat {
        for _ in 0..<20 { try body() }
        count += 20
        elapsed = cpuNanoseconds() - start
    } while Double(elapsed) < seconds * 1e9
    return Double(count) / (Double(elapsed) / 1e9)
}

/// `openssl speed` sign/s and verify/s for one algorithm name (ed25519, ecdsap256, sm2).
func opensslSpeed(_ name: String) -> (sign: Double, verify: Double)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl", "speed", "-seconds", String(Int(seconds.rounded(.up))), name]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last(where: { $0.contains("bits") })
    else { return nil }
    let numbers = line.split(separator: " ").compactMap { Double($0) }
    guard numbers.count >= 2 else { return nil }
    return (numbers[numbers.count - 2], numbers[numbers.count - 1])
}

// BENCH_PROFILE=sign|verify: only that envelope loop, P-256, for `seconds` (to run under `perf record`).
if let mode = ProcessInfo.processInfo.environment["BENCH_PROFILE"] {
    let now = Date()
    let root = try CertificateAuthority.makeRoot(
        commonName: "bench root", algorithm: .p256, notBefore: now - 86400, notAfter: now + 86400 * 30)
    let key = try PrivateKey.generate(.p256)
    let cert = try root.issue(
        partnerID: "jiaxing", publicKey: key.publicKey, notBefore: now - 86400, notAfter: now + 86400)
    let signer = try EnvelopeSigner(from: "jiaxing", key: key, certificate: cert, clock: SystemNow())
    let trust = try TrustStore(roots: [root.certificate], certificatesByPartner: ["jiaxing": [cert]])
    let verifier = EnvelopeVerifier(node: "g60-hub", trust: trust, clock: SystemNow())
    let envelope = try signer.sign(
        to: "g60-hub", kind: "records.batch", schema: "bench.v1", contentType: "text/csv; charset=utf-8",
        payload: payload, recordCount: 1, sequence: 1)
    let perSecond = try rate {
        if mode == "sign" {
            _ = try signer.sign(
                to: "g60-hub", kind: "records.batch", schema: "bench.v1", contentType: "text/csv; charset=utf-8",
                payload: payload, recordCount: 1, sequence: 1)
        } else {
            _ = verifier.verify(envelope)
        }
    }
    print("\(mode): \(Int(perSecond))/s")
    exit(0)
}

let rounds = Int(ProcessInfo.processInfo.environment["BENCH_ROUNDS"] ?? "5") ?? 5
let now = Date()
print(
    "payload \(payloadSize) bytes; best of \(rounds) rounds of \(seconds) s CPU time each, ours and `openssl speed` interleaved"
)
print("OpenSSL \(OpenSSLLibrary.versionText)")
print("")
print(
    "| algorithm | envelope sign/s | bare sign/s | openssl speed sign/s | envelope verify/s | bare verify/s | openssl speed verify/s | envelope verify vs openssl |"
)
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for (algorithm, speedName, partner) in [
    (SignatureAlgorithm.sm2, "sm2", "songjiang"), (.p256, "ecdsap256", "jiaxing"), (.ed25519, "ed25519", "hangzhou"),
] {
    do {
        let root = try CertificateAuthority.makeRoot(
            commonName: "bench root", algorithm: algorithm, notBefore: now - 86400, notAfter: now + 86400 * 30)
        let key = try PrivateKey.generate(algorithm)
        let cert = try root.issue(
            partnerID: partner, publicKey: key.publicKey, notBefore: now - 86400, notAfter: now + 86400 * 30)
        let crl = try root.makeCRL(revoking: [], thisUpdate: now - 86400, nextUpdate: now + 86400 * 30)
        let trust = try TrustStore(
            roots: [root.certificate], revocationLists: [crl], certificatesByPartner: [partner: [cert]])
        let signer = try EnvelopeSigner(from: partner, key: key, certificate: cert, clock: SystemNow())
        var sequence: UInt64 = 0
        let envelopes = try (0..<64).map { i in
            try signer.sign(
                to: "g60-hub", kind: "records.batch", schema: "bench.v1", contentType: "text/csv; charset=utf-8",
                payload: payload, recordCount: 1, sequence: UInt64(i))
        }
        let verifier = EnvelopeVerifier(node: "g60-hub", trust: trust, clock: SystemNow())
        let signedBytes = try Envelope.parse(envelopes[0]).signedBytes
        let rawSigner = try MessageSigner(key: key)
        let rawVerifier = try MessageVerifier(key: try cert.publicKey())
        let rawSignature = try rawSigner.sign(signedBytes)
        var failures = 0
        var best = [Double](repeating: 0, count: 6)
        for _ in 0..<rounds {
            // Sign: a complete envelope each time (new UUID, timestamp, payload digest, signature, serialisation).
            let signRate = try rate {
                sequence += 1
                _ = try signer.sign(
                    to: "g60-hub", kind: "records.batch", schema: "bench.v1", contentType: "text/csv; charset=utf-8",
                    payload: payload, recordCount: 1, sequence: sequence)
            }
            // Verify: every receiver check (parse, trust lookup, cached chain verdict, digest, times, signature).
            var index = 0
            let verifyRate = rate {
                if verifier.verify(envelopes[index & 63]).error != nil { failures += 1 }
                index += 1
            }
            // The bare signature operations on the same header bytes (no envelope work).
            let rawSign = try rate { _ = try rawSigner.sign(signedBytes) }
            let rawVerify = rate {
                if !rawVerifier.isValid(signature: rawSignature, for: signedBytes) { failures += 1 }
            }
            let speed = opensslSpeed(speedName) ?? (0, 0)
            let round = [signRate, rawSign, speed.sign, verifyRate, rawVerify, speed.verify]
            best = zip(best, round).map { max($0, $1) }
        }
        if failures > 0 { print("WARNING: \(failures) verifications failed for \(algorithm.rawValue)") }
        let ratio = best[5] > 0 ? String(format: "%.0f %%", best[3] / best[5] * 100) : "n/a"
        print(
            "| \(algorithm.rawValue) | " + best.map { String(format: "%.0f", $0) }.joined(separator: " | ")
                + " | \(ratio) |")
    } catch {
        print("\(algorithm.rawValue): benchmark failed: \(error)")
    }
}
