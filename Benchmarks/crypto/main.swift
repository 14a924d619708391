// Envelope signing and verification throughput per algorithm, next to `openssl speed` in the same run.
// Run with `make bench-crypto` (release build). See Benchmarks/BENCHMARKS.md, "## Crypto (envelopes)".
import Foundation
import GatewayCrypto

struct SystemNow: EnvelopeClock { func now() -> Date { Date() } }

let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "3") ?? 3
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

func format(_ v: Double) -> String { String(format: "%9.0f", v) }

let now = Date()
print("payload \(payloadSize) bytes, \(seconds) s per measurement, OpenSSL \(OpenSSLLibrary.versionText)")
print("algorithm          | envelope sign/s | openssl sign/s | ratio | envelope verify/s | openssl verify/s | ratio")
print("-------------------|-----------------|----------------|-------|-------------------|------------------|------")
for (algorithm, speedName, partner) in [
    (SignatureAlgorithm.sm2, "sm2", "songjiang"), (.p256, "ecdsap256", "jiaxing"), (.ed25519, "ed25519", "hangzhou"),
] {
    do {
        let root = try CertificateAuthority.makeRoot(
            commonName: "bench root", algorithm: algorithm, notBefore: now - 86400, notAfter: now + 86400 * 30)
        let key = try PrivateKey.generate(algorithm)
        let cert = try root.issue(partnerID: partner, publicKey: key.publicKey, notBefore: now - 86400, notAfter: now + 86400 * 30)
        let crl = try root.makeCRL(revoking: [], thisUpdate: now - 86400, nextUpdate: now + 86400 * 30)
        let trust = try TrustStore(roots: [root.certificate], revocationLists: [crl], certificatesByPartner: [partner: [cert]])
        let signer = try EnvelopeSigner(from: partner, key: key, certificate: cert, clock: SystemNow())
        var sequence: UInt64 = 0
        // Sign: a complete envelope each time (new UUID, timestamp, payload digest, signature, serialisation).
        let signRate = try rate {
            sequence += 1
            _ = try signer.sign(
                to: "g60-hub", kind: "records.batch", schema: "bench.v1", contentType: "text/csv; charset=utf-8",
                payload: payload, recordCount: 1, sequence: sequence)
        }
        // Verify: every receiver check (parse, trust lookup, cached chain verdict, digest, times, signature).
        let envelopes = try (0..<64).map { i in
            try signer.sign(
                to: "g60-hub", kind: "records.batch", schema: "bench.v1", contentType: "text/csv; charset=utf-8",
                payload: payload, recordCount: 1, sequence: UInt64(i))
        }
        let verifier = EnvelopeVerifier(node: "g60-hub", trust: trust, clock: SystemNow())
        var index = 0
        var failures = 0
        let verifyRate = rate {
            if verifier.verify(envelopes[index & 63]).error != nil { failures += 1 }
            index += 1
        }
        if failures > 0 { print("WARNING: \(failures) verifications failed for \(algorithm.rawValue)") }
        // The bare signature operations on the same bytes, to separate envelope overhead from OpenSSL.
        let signedBytes = try Envelope.parse(envelopes[0]).signedBytes
        let rawSigner = try MessageSigner(key: key)
        let rawVerifier = try MessageVerifier(key: try cert.publicKey())
        let rawSignature = try rawSigner.sign(signedBytes)
        let rawSign = try rate { _ = try rawSigner.sign(signedBytes) }
        let rawVerify = rate { if !rawVerifier.isValid(signature: rawSignature, for: signedBytes) { failures += 1 } }
        let parseRate = try rate { _ = try Envelope.parse(envelopes[0]) }
        print("  \(algorithm.rawValue): bare MessageSigner \(format(rawSign))/s, bare MessageVerifier \(format(rawVerify))/s, Envelope.parse \(format(parseRate))/s")
        let speed = opensslSpeed(speedName)
        let signRatio = speed.map { String(format: "%4.0f%%", signRate / $0.sign * 100) } ?? "  n/a"
        let verifyRatio = speed.map { String(format: "%4.0f%%", verifyRate / $0.verify * 100) } ?? "  n/a"
        print(
            "\(algorithm.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) |       \(format(signRate)) |      \(speed.map { format($0.sign) } ?? "      n/a") | \(signRatio) |         \(format(verifyRate)) |        \(speed.map { format($0.verify) } ?? "      n/a") | \(verifyRatio)"
        )
    } catch {
        print("\(algorithm.rawValue): benchmark failed: \(error)")
    }
}
