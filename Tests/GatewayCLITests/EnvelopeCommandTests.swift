import Foundation
import GatewayCLI
import GatewayTesting
import Synchronization
import Testing

/// `pki init`, `envelope sign` and `envelope verify`, run in-process.
@Suite struct EnvelopeCommandTests {
    final class Captured: Sendable {
        let out = Mutex("")
        let err = Mutex("")
        var io: CLIIO {
            CLIIO(
                readAll: { Data() }, writeOut: { text in self.out.withLock { $0 += text } },
                writeErr: { text in self.err.withLock { $0 += text } })
        }
    }

    @Test(arguments: ["sm2", "p256", "ed25519"])
    func pkiInitThenSignAndVerify(alg: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = Captured()
        #expect(CLI.main(["pki", "init", "--dir", dir.path, "--alg", alg], io: pki.io) == 0)
        for slug in [
            "root", "g60-hub", "songjiang", "jiaxing", "hangzhou", "jinhua", "suzhou", "huzhou", "xuancheng", "wuhu",
            "hefei",
        ] {
            #expect(
                FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(slug)/cert.pem").path), "\(slug)")
            #expect(
                FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(slug)/key.pem").path), "\(slug)")
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("crl.pem").path))
        #expect(pki.out.withLock { $0 }.contains("wrote \(dir.path)/crl.pem"))

        let payload = dir.appendingPathComponent("payload.csv")
        try Data("统一社会信用代码\n91330100716105852F\n".utf8).write(to: payload)
        let envelope = dir.appendingPathComponent("out.envelope")
        let sign = Captured()
        let signed = CLI.main(
            [
                "envelope", "sign", "--key", dir.appendingPathComponent("wuhu/key.pem").path, "--cert",
                dir.appendingPathComponent("wuhu/cert.pem").path, "--from", "wuhu", "--to", "g60-hub", "--kind",
                "records.batch", "--schema", "wuhu.csv.v1", "--content-type", "text/csv; charset=utf-8", "--records",
                "1",
                "--out", envelope.path, payload.path,
            ], io: sign.io)
        #expect(signed == 0, "\(sign.err.withLock { $0 })")

        let verify = Captured()
        #expect(
            CLI.main(["envelope", "verify", "--trust", dir.path, "--node", "g60-hub", envelope.path], io: verify.io)
                == 0)
        #expect(verify.out.withLock { $0 }.hasSuffix("valid\n"))
        #expect(verify.out.withLock { $0 }.contains("from: wuhu\n"))

        // Signed by wuhu's key but claiming to be from hefei: the signer refuses (certificate binds wuhu).
        let forged = Captured()
        let status = CLI.main(
            [
                "envelope", "sign", "--key", dir.appendingPathComponent("wuhu/key.pem").path, "--cert",
                dir.appendingPathComponent("wuhu/cert.pem").path, "--from", "hefei", "--to", "g60-hub", "--kind",
                "records.batch", "--schema", "s", "--content-type", "text/csv; charset=utf-8", "--out", envelope.path,
                payload.path,
            ], io: forged.io)
        #expect(status == 4)
        #expect(forged.err.withLock { $0 }.contains("crypto.invalidArgument"))
    }

    @Test func verifyReportsTheCodeOfAVector() throws {
        let vectors = TestSupport.contracts.appendingPathComponent("envelope/v1/vectors")
        let io = Captured()
        let status = CLI.main(
            [
                "envelope", "verify", "--trust", vectors.appendingPathComponent("trust").path, "--now",
                "2026-11-27T10:00:00+08:00", "--node", "g60-hub",
                vectors.appendingPathComponent("invalid/certificate.revoked.envelope").path,
            ], io: io.io)
        #expect(status == 1)
        #expect(io.out.withLock { $0 }.contains("invalid certificate.revoked: "))
    }
}
