import Foundation
import GatewayCrypto
import GatewayTesting
import Testing

/// Regenerates Contracts/envelope/v1/vectors (keys, trust folder, envelopes, vectors.json) when
/// `G60_WRITE_VECTORS=1` is set: `G60_WRITE_VECTORS=1 swift test --filter writeVectors`. Otherwise it only checks
/// that the committed manifest exists. The private keys written are TEST-ONLY and named so.
@Suite struct VectorGenerator {
    @Test func writeVectors() throws {
        let folder = VectorTests.folder
        guard ProcessInfo.processInfo.environment["G60_WRITE_VECTORS"] == "1" else {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("vectors.json").path))
            return
        }
        let fm = FileManager.default
        for sub in ["trust", "keys", "valid", "invalid"] { try? fm.removeItem(at: folder.appendingPathComponent(sub)) }
        let now = RFC3339Timestamp("2026-11-27T10:00:00+08:00")!.date
        let day: TimeInterval = 86400
        let from = RFC3339Timestamp("2026-06-01T00:00:00+08:00")!.date
        let until = RFC3339Timestamp("2028-06-01T00:00:00+08:00")!.date
        let root = try CertificateAuthority.makeRoot(
            commonName: "G60 TEST-ONLY root (SM2)", algorithm: .sm2,
            notBefore: RFC3339Timestamp("2026-01-01T00:00:00+08:00")!.date,
            notAfter: RFC3339Timestamp("2036-01-01T00:00:00+08:00")!.date)
        let otherRoot = try CertificateAuthority.makeRoot(
            commonName: "Not trusted TEST-ONLY root", algorithm: .p256, notBefore: from, notAfter: until)

        func write(_ bytes: [UInt8], _ path: String) throws {
            let url = folder.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        var keys: [String: PrivateKey] = [:]
        var certs: [String: Certificate] = [:]
        let plan: [(String, SignatureAlgorithm, CertificateAuthority, Date, Date)] = [
            ("g60-hub", .sm2, root, from, until), ("songjiang", .sm2, root, from, until),
            ("jiaxing", .p256, root, from, until), ("hangzhou", .ed25519, root, from, until),
            ("huzhou", .ed25519, root, from, now - 30 * day), ("wuhu", .p256, root, now + 30 * day, until),
            ("jinhua", .sm2, root, from, until), ("suzhou", .p256, otherRoot, from, until),
        ]
        for (partner, algorithm, ca, notBefore, notAfter) in plan {
            let key = try PrivateKey.generate(algorithm)
            let cert = try ca.issue(
                partnerID: partner, publicKey: key.publicKey, notBefore: notBefore, notAfter: notAfter)
            keys[partner] = key
            certs[partner] = cert
            try write(try key.pem(), "keys/TEST-ONLY-\(partner)-\(algorithm.shortName)-key.pem")
            try write(try cert.pem(), "trust/\(partner)/cert.pem")
        }
        // xuancheng has a certificate under the trusted root but is not in the trust folder: an unknown sender.
        let xKey = try PrivateKey.generate(.sm2)
        let xCert = try root.issue(partnerID: "xuancheng", publicKey: xKey.publicKey, notBefore: from, notAfter: until)
        try write(try xKey.pem(), "keys/TEST-ONLY-xuancheng-sm2-key.pem")
        try write(try xCert.pem(), "keys/xuancheng-cert-not-in-trust.pem")
        try write(try root.key.pem(), "keys/TEST-ONLY-root-sm2-key.pem")
        try write(try root.certificate.pem(), "trust/root/cert.pem")
        try write(
            try root.makeCRL(revoking: [certs["jinhua"]!], thisUpdate: now - day, nextUpdate: now + 3650 * day).pem(),
            "trust/crl.pem")

        let payload = Array("{\"XK_XDR_MC\":\"示例公司\",\"XK_XDR_SHXYM\":\"91330100716105852F\"}\n".utf8)
        var n = 0
        func header(
            _ sender: String, to: String = "g60-hub", issuedAt: String = "2026-11-27T09:58:00+08:00",
            digest: DigestAlgorithm? = nil, payload: [UInt8] = payload, key: String? = nil
        ) -> EnvelopeHeader {
            n += 1
            let cert = certs[key ?? sender] ?? xCert
            let algorithm = keys[key ?? sender]?.algorithm ?? .sm2
            return EnvelopeHeader(
                messageID: String(format: "6f1c2a3b-4d5e-4f60-8a7b-%012d", n), from: sender, to: to,
                kind: "records.batch", schema: "\(sender).xzxk.v2", contentType: "application/json; charset=utf-8",
                issuedAt: RFC3339Timestamp(issuedAt)!, sequence: UInt64(n), recordCount: 1,
                payloadDigest: PayloadDigest(of: payload, using: digest ?? algorithm.defaultPayloadDigest),
                payloadLength: payload.count, signatureAlgorithm: algorithm, keyID: cert.fingerprint)
        }
        func sign(_ h: EnvelopeHeader, key: String, payload: [UInt8] = payload) throws -> [UInt8] {
            try RejectionTests.rawSign(h, payload: payload, key: keys[key] ?? xKey)
        }
        struct Entry: Encodable {
            var file: String
            var expect: String
            var description: String
            var node: String?
            var sender: String?
        }
        var entries: [Entry] = []
        func add(
            _ name: String, _ expect: String, _ description: String, _ bytes: [UInt8], node: String? = nil,
            sender: String? = nil
        ) throws {
            let file = (expect == "accepted" ? "valid/" : "invalid/") + name + ".envelope"
            try write(bytes, file)
            entries.append(Entry(file: file, expect: expect, description: description, node: node, sender: sender))
        }
        let R = RejectionTests.replace
        try add(
            "sm2-sm3", "accepted", "songjiang, SM2 with SM3, distid 1234567812345678, sm3 payload digest",
            try sign(header("songjiang"), key: "songjiang"), sender: "songjiang")
        try add(
            "ecdsa-p256-sha256", "accepted", "jiaxing, ECDSA P-256 with SHA-256",
            try sign(header("jiaxing"), key: "jiaxing"), sender: "jiaxing")
        try add(
            "ed25519", "accepted", "hangzhou, Ed25519", try sign(header("hangzhou"), key: "hangzhou"),
            sender: "hangzhou")
        var withReply = header("songjiang", digest: .sha256)
        withReply.inReplyTo = "0f8fad5b-d9cb-469f-a165-70867728950e"
        try add(
            "sm2-sha256-digest-in-reply-to", "accepted",
            "SM2 signature over a sha256: payload digest, with in-reply-to", try sign(withReply, key: "songjiang"),
            sender: "songjiang")
        try add(
            "empty-payload", "accepted", "Ed25519, zero-byte payload",
            try sign(header("hangzhou", payload: []), key: "hangzhou", payload: []), sender: "hangzhou")
        let hubClock = TestClock(now)
        let issuer = try ReceiptIssuer(
            node: "g60-hub", key: keys["g60-hub"]!, certificate: certs["g60-hub"]!, clock: hubClock, firstSequence: 1)
        let received = try sign(header("songjiang"), key: "songjiang")
        let parsed = try Envelope.parse(received)
        try add(
            "receipt-accepted", "accepted",
            "the hub's signed receipt for an accepted songjiang envelope (verify with node songjiang)",
            try issuer.issue(for: received, envelope: parsed, status: .accepted, error: nil), node: "songjiang",
            sender: "g60-hub")

        let good = try sign(header("songjiang"), key: "songjiang")
        try add(
            "envelope.malformed--field-order", CryptoError.envelopeMalformed, "from and to lines swapped",
            R(good, "from: songjiang\nto: g60-hub\n", "to: g60-hub\nfrom: songjiang\n"))
        try add("envelope.malformed--crlf", CryptoError.envelopeMalformed, "CRLF line ends", R(good, "\n", "\r\n"))
        try add(
            "envelope.truncated", CryptoError.envelopeTruncated, "cut after 300 bytes, inside the header",
            Array(good.prefix(300)))
        try add(
            "envelope.versionUnsupported", CryptoError.versionUnsupported, "g60-envelope: 2",
            R(good, "g60-envelope: 1\n", "g60-envelope: 2\n"))
        try add(
            "envelope.algorithmUnsupported", CryptoError.algorithmUnsupported, "signature-algorithm: rsa-pss-sha256",
            R(good, "signature-algorithm: sm2-sm3", "signature-algorithm: rsa-pss-sha256"))
        try add(
            "envelope.wrongRecipient", CryptoError.wrongRecipient, "addressed to jiaxing",
            try sign(header("songjiang", to: "jiaxing"), key: "songjiang"))
        var big = header("songjiang")
        big.payloadLength = 64 * 1024 * 1024 + 1
        try add(
            "payload.tooLarge", CryptoError.payloadTooLarge,
            "payload-length 64 MiB + 1 (the payload itself is not sent)", try sign(big, key: "songjiang", payload: []))
        try add(
            "sender.unknown", CryptoError.senderUnknown, "xuancheng is not in the trust folder",
            try sign(header("xuancheng"), key: "xuancheng"))
        var unknownKey = header("songjiang")
        unknownKey.keyID = "sha256:" + String(repeating: "0", count: 64)
        try add(
            "certificate.unknown", CryptoError.certificateUnknown, "key-id of no known certificate",
            try sign(unknownKey, key: "songjiang"))
        var claimed = header("jiaxing")
        claimed.from = "songjiang"
        try add(
            "sender.certificateMismatch", CryptoError.senderCertificateMismatch,
            "songjiang claims jiaxing's key id and signs with jiaxing's key", try sign(claimed, key: "jiaxing"))
        try add(
            "certificate.untrusted", CryptoError.certificateUntrusted,
            "suzhou's certificate is issued by a root not in the trust folder",
            try sign(header("suzhou"), key: "suzhou"))
        try add(
            "certificate.expired", CryptoError.certificateExpired, "huzhou's certificate expired 30 days before now",
            try sign(header("huzhou"), key: "huzhou"))
        try add(
            "certificate.notYetValid", CryptoError.certificateNotYetValid,
            "wuhu's certificate starts 30 days after now", try sign(header("wuhu"), key: "wuhu"))
        try add(
            "certificate.revoked", CryptoError.certificateRevoked, "jinhua's certificate is on crl.pem",
            try sign(header("jinhua"), key: "jinhua"))
        try add(
            "payload.lengthMismatch", CryptoError.payloadLengthMismatch, "one byte appended after the payload",
            good + [0x0A])
        try add(
            "payload.digestMismatch", CryptoError.payloadDigestMismatch, "one payload byte changed",
            R(good, "XK_XDR_MC", "XK_XDR_MD"))
        try add(
            "signature.invalid", CryptoError.signatureInvalid, "sequence changed after signing",
            R(good, "sequence: ", "sequence: 1"))
        try add(
            "envelope.issuedInFuture", CryptoError.issuedInFuture, "issued 10 minutes after now (skew limit 5)",
            try sign(header("songjiang", issuedAt: "2026-11-27T10:10:00+08:00"), key: "songjiang"))
        try add(
            "envelope.tooOld", CryptoError.tooOld, "issued 31 days before now (replay window 30 days)",
            try sign(header("songjiang", issuedAt: "2026-10-27T10:00:00+08:00"), key: "songjiang"))

        struct Manifest: Encodable {
            var comment: String
            var now: String
            var node: String
            var trust: String
            var policy: [String: Int]
            var vectors: [Entry]
        }
        let manifest = Manifest(
            comment:
                "G60 envelope v1 known-answer vectors. Verify each file at `now` as node `node` (unless the vector names another) against the trust folder; `expect` is accepted or the rejection code. All keys under keys/ are TEST-ONLY.",
            now: "2026-11-27T10:00:00+08:00", node: "g60-hub", trust: "trust",
            policy: [
                "maxPayloadBytes": 64 * 1024 * 1024, "maxFutureSkewSeconds": 300, "replayWindowSeconds": 30 * 86400,
            ],
            vectors: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try write(Array(try encoder.encode(manifest)) + [0x0A], "vectors.json")
    }
}
