import Dispatch
import Foundation
import GatewayCrypto
import Synchronization
import Testing

/// One shared TrustStore and ReceiptIssuer, one EnvelopeVerifier per worker: the model for the HTTP server.
@Suite struct ConcurrencyTests {
    @Test func workersShareTrustAndReceiptIssuer() throws {
        let pki = try TestPKI(rootAlgorithm: .sm2)
        let clock = TestClock(testNow)
        let trust = try pki.trust()
        let issuer = try ReceiptIssuer(
            node: "g60-hub", key: pki.hubKey, certificate: pki.hubCert, clock: clock, firstSequence: 1)
        var envelopes: [[UInt8]] = []
        for partner in ["songjiang", "jiaxing", "hangzhou"] {
            let signer = try pki.signer(partner, clock: clock)
            for i in 0..<8 {
                envelopes.append(
                    try signer.sign(
                        to: "g60-hub", kind: "records.batch", schema: "s", contentType: "text/csv; charset=utf-8",
                        payload: Array("row \(i)\n".utf8), recordCount: 1, sequence: UInt64(i)))
            }
        }
        let shared = envelopes
        let failures = Mutex<[String]>([])
        let sequences = Mutex<Set<UInt64>>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let verifier = EnvelopeVerifier(node: "g60-hub", trust: trust, clock: clock)
            for (index, bytes) in shared.enumerated() where index % 4 == worker || index % 3 == worker {
                let outcome = verifier.verify(bytes)
                if let error = outcome.error { failures.withLock { $0.append("\(error)") } }
                do {
                    let receipt = try Envelope.parse(try issuer.receipt(for: bytes, outcome: outcome))
                    sequences.withLock { _ = $0.insert(receipt.header.sequence) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let expected = (0..<shared.count).reduce(0) { n, i in
            n + (0..<4).filter { i % 4 == $0 || i % 3 == $0 }.count
        }
        // Every receipt got its own sequence number.
        #expect(sequences.withLock { $0.count } == expected)
    }
}
