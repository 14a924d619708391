import Foundation
import GatewayCore
import GatewayCrypto
import GatewayTesting
import Testing

@Suite struct PrimitiveTests {
    static var kat: URL { TestSupport.contracts.appendingPathComponent("envelope/v1/vectors/kat") }

    @Test func digestKnownAnswers() {
        #expect(
            Digest.hash(Array("abc".utf8), using: .sm3).hexString
                == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(
            Digest.hash(Array(String(repeating: "abcd", count: 16).utf8), using: .sm3).hexString
                == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        #expect(
            Digest.hash(Array("abc".utf8), using: .sha256).hexString
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// GB/T 32918.5-2017 Annex A (= GM/T 0003.5 example): the published (r, s) over "message digest" verifies only
    /// with the default distinguishing ID 1234567812345678, which proves the ID is really set.
    @Test func sm2StandardSignatureVerifiesWithDefaultID() throws {
        let key = try PublicKey(
            pem: Array(Data(contentsOf: Self.kat.appendingPathComponent("gbt32918.5-annexA-public.pem"))))
        #expect(key.algorithm == .sm2)
        let signature = try Array(Data(contentsOf: Self.kat.appendingPathComponent("gbt32918.5-annexA-signature.der")))
        let message = try Array(Data(contentsOf: Self.kat.appendingPathComponent("gbt32918.5-annexA-message.txt")))
        #expect(message == Array("message digest".utf8))
        let verifier = try MessageVerifier(key: key)
        #expect(verifier.isValid(signature: signature, for: message))
        #expect(!verifier.isValid(signature: signature, for: Array("message digesT".utf8)))
        // Repeated use of the same (copied) context gives the same answers.
        #expect(verifier.isValid(signature: signature, for: message))
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func signVerifyRoundTripAndKeyPEM(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        #expect(key.algorithm == algorithm)
        let reloaded = try PrivateKey(pem: try key.pem())
        #expect(reloaded.algorithm == algorithm)
        let publicKey = try PublicKey(pem: try reloaded.publicKey.pem())
        let signer = try MessageSigner(key: reloaded)
        let verifier = try MessageVerifier(key: publicKey)
        for message in [[UInt8](), Array("hello".utf8), [UInt8](repeating: 7, count: 10_000)] {
            let signature = try signer.sign(message)
            #expect(verifier.isValid(signature: signature, for: message))
            #expect(!verifier.isValid(signature: signature, for: message + [0]))
        }
        if algorithm == .ed25519 { #expect(try signer.sign([1]).count == 64) }
    }

    @Test func unreadableKeyHasItsCode() {
        #expect(throws: CryptoError(CryptoError.keyUnreadable, "")) {
            try PrivateKey(pem: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8))
        }
    }

    @Test func timestamps() throws {
        let t = try #require(RFC3339Timestamp("2026-11-27T10:00:00+08:00"))
        #expect(t.secondsSince1970 == (try #require(RFC3339Timestamp("2026-11-27T02:00:00Z"))).secondsSince1970)
        #expect(RFC3339Timestamp("2026-11-27T02:00:00.250-01:30")?.secondsSince1970 == t.secondsSince1970 + 5400 + 0.25)
        for bad in [
            "2026-11-27 10:00:00+08:00", "2026-11-27T10:00:00", "2026-02-30T10:00:00Z", "2026-11-27T24:00:00Z",
            "2026-11-27T10:00:00+0800", "2026-11-27t10:00:00z", "2026-11-27T10:00:60Z",
        ] {
            #expect(RFC3339Timestamp(bad) == nil, "\(bad)")
        }
        #expect(RFC3339Timestamp(date: t.date).text == "2026-11-27T10:00:00+08:00")
        #expect(RFC3339Timestamp(date: t.date, offsetMinutes: 0).text == "2026-11-27T02:00:00+00:00")
    }

    @Test func certificateBindsPartnerAndFingerprint() throws {
        let pki = try TestPKI(rootAlgorithm: .p256)
        let cert = pki.certs["songjiang"]![0]
        #expect(cert.partnerIDs == ["songjiang"])
        #expect(cert.fingerprint == "sha256:" + Digest.hash(cert.der, using: .sha256).hexString)
        let reloaded = try Certificate.load(pem: try cert.pem())
        #expect(reloaded.count == 1 && reloaded[0].fingerprint == cert.fingerprint)
        #expect(cert.matches(pki.keys["songjiang"]!))
        #expect(!cert.matches(pki.keys["jiaxing"]!))
    }
}

@Suite struct SignerInputTests {
    @Test func messageIDsAreLowerCaseV4UUIDs() {
        let ids = (0..<100).map { _ in EnvelopeSigner.newMessageID() }
        #expect(Set(ids).count == 100)
        for id in ids {
            let b = Array(id.utf8)
            #expect(b.count == 36 && b[14] == UInt8(ascii: "4") && "89ab".utf8.contains(b[19]), "\(id)")
            #expect(id == id.lowercased())
        }
    }

    @Test func signerRefusesValuesOutsideTheContract() throws {
        let pki = try TestPKI(rootAlgorithm: .ed25519)
        let signer = try pki.signer("hangzhou", clock: TestClock(testNow))
        for (to, kind, schema, contentType) in [
            ("G60-Hub", "records.batch", "s", "text/csv"), ("g60-hub", "Records", "s", "text/csv"),
            ("g60-hub", "records.batch", "s p", "text/csv"),
            ("g60-hub", "records.batch", "s", "text/csv; charset=utf-8\n"),
            ("g60-hub", "records.batch", "s", "csv"),
        ] {
            #expect(throws: CryptoError(CryptoError.envelopeMalformed, "")) {
                try signer.sign(
                    to: to, kind: kind, schema: schema, contentType: contentType, payload: [], recordCount: 0,
                    sequence: 1)
            }
        }
        #expect(throws: CryptoError(CryptoError.invalidArgument, "")) {
            try EnvelopeSigner(from: "hangzhou", key: pki.keys["jiaxing"]!, certificate: pki.certs["hangzhou"]![0])
        }
    }
}

@Suite struct ParserLimitTests {
    @Test func headerLimitAndTruncation() {
        let long = Array(("g60-envelope: 1\nschema: " + String(repeating: "a", count: 9000) + "\n\n").utf8)
        #expect(throws: CryptoError(CryptoError.envelopeMalformed, "")) { try Envelope.parse(long) }
        let short = Array("g60-envelope: 1\nmessage-id: 6f1c2a3b-4d5e-4f60-8a7b-000000000001\n".utf8)
        #expect(throws: CryptoError(CryptoError.envelopeTruncated, "")) { try Envelope.parse(short) }
        #expect(throws: CryptoError(CryptoError.envelopeTruncated, "")) { try Envelope.parse([]) }
    }
}
