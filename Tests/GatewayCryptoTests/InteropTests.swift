import Foundation
import GatewayCrypto
import Testing

/// The example scripts against the gateway, both ways, for every algorithm (the "done when").
@Suite struct InteropTests {
    @Test func exampleRoundTripScriptPasses() throws {
        guard Shell.hasOpenSSL else { return Shell.skipNotice("exampleRoundTripScriptPasses") }
        let dir = try Shell.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Shell.bash("roundtrip.sh", [dir.path])
        #expect(result.status == 0, "roundtrip.sh: \(result.text) \(result.stderr)")
        #expect(result.text.contains("roundtrip: all algorithms passed"))
        // The CLI-made PKI and envelopes verify in the gateway too (SM2 certificates signed by `openssl x509`).
        for algorithm in ["sm2", "p256", "ed25519"] {
            let folder = dir.appendingPathComponent(algorithm)
            let root = try Certificate.load(file: folder.appendingPathComponent("root.pem"))
            let partner = try Certificate.load(file: folder.appendingPathComponent("partner.pem"))
            let trust = try TrustStore(roots: root, certificatesByPartner: ["songjiang": partner])
            let envelope = try Array(Data(contentsOf: folder.appendingPathComponent("envelope")))
            let outcome = EnvelopeVerifier(node: "g60-hub", trust: trust).verify(envelope)
            #expect(outcome.error == nil, "\(algorithm): \(String(describing: outcome.error))")
        }
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func cliSignedEnvelopeVerifiesInGatewayAndBack(algorithm: SignatureAlgorithm) throws {
        guard Shell.hasOpenSSL else { return Shell.skipNotice("cliSignedEnvelopeVerifiesInGatewayAndBack") }
        let dir = try Shell.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = try TestPKI(rootAlgorithm: algorithm)
        let partner = ["sm2-sm3": "songjiang", "ecdsa-p256-sha256": "jiaxing", "ed25519": "hangzhou"][
            algorithm.rawValue]!
        let keyFile = dir.appendingPathComponent("key.pem")
        let certFile = dir.appendingPathComponent("cert.pem")
        let payloadFile = dir.appendingPathComponent("payload.json")
        try Data(try pki.keys[partner]!.pem()).write(to: keyFile)
        try Data(try pki.certs[partner]![0].pem()).write(to: certFile)
        let payload = Array("[{\"统一社会信用代码\":\"91330100716105852F\"}]\n".utf8)
        try Data(payload).write(to: payloadFile)
        let clock = TestClock(testNow)

        // openssl CLI signs, the gateway verifies.
        let signed = try Shell.bash(
            "sign.sh",
            [
                "--key", keyFile.path, "--cert", certFile.path, "--from", partner, "--to", "g60-hub", "--kind",
                "records.batch", "--schema", "\(partner).json.v2", "--content-type", "application/json; charset=utf-8",
                "--records", "1", "--sequence", "7", "--issued-at", "2026-11-27T09:59:00+08:00", payloadFile.path,
            ])
        #expect(signed.status == 0, "sign.sh: \(signed.stderr)")
        let verifier = EnvelopeVerifier(node: "g60-hub", trust: try pki.trust(), clock: clock)
        let outcome = verifier.verify(signed.stdout)
        #expect(outcome.error == nil, "gateway rejected the CLI envelope: \(String(describing: outcome.error))")
        #expect(outcome.envelope?.header.signatureAlgorithm == algorithm)
        #expect(outcome.envelope.map { Array($0.payload) } == payload)

        // The gateway signs, the openssl CLI verifies (with the root: chain check too).
        let bytes = try pki.signer(partner, clock: clock).sign(
            to: "g60-hub", kind: "records.batch", schema: "x.v1", contentType: "application/json; charset=utf-8",
            payload: payload, recordCount: 1, sequence: 8)
        let envelopeFile = dir.appendingPathComponent("gateway.envelope")
        try Data(bytes).write(to: envelopeFile)
        let rootFile = dir.appendingPathComponent("root.pem")
        try Data(try pki.root.certificate.pem()).write(to: rootFile)
        let verified = try Shell.bash("verify.sh", ["--root", rootFile.path, envelopeFile.path, certFile.path])
        #expect(verified.status == 0, "verify.sh: \(verified.text) \(verified.stderr)")
        #expect(verified.text.hasPrefix("valid: "))

        // And the CLI refuses the gateway's envelope once one signed byte changes.
        var tampered = bytes
        let at = bytes.count / 10  // inside the header: a signed byte
        tampered[at] ^= 0x01
        try Data(tampered).write(to: envelopeFile)
        let refused = try Shell.bash("verify.sh", [envelopeFile.path, certFile.path])
        #expect(refused.status == 1, "verify.sh accepted a tampered envelope: \(refused.text)")
    }
}
