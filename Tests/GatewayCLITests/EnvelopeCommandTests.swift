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

    /// A tenth city is a folder in Partners/: `pki init --partners` issues certificates for exactly the folders that
    /// hold a partner.json, and `pki add` issues one for a partner added later, from the same root, which
    /// `envelope verify` then trusts.
    @Test func pkiFollowsThePartnersFolderAndAddsANewPartner() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let partners = dir.appendingPathComponent("Partners")
        for slug in ["jiaxing", "tongling"] {
            let folder = partners.appendingPathComponent(slug)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: folder.appendingPathComponent("partner.json"))
        }
        try FileManager.default.createDirectory(
            at: partners.appendingPathComponent("notes"), withIntermediateDirectories: true)
        let pkiDir = dir.appendingPathComponent("pki")
        let pki = Captured()
        #expect(
            CLI.main(["pki", "init", "--dir", pkiDir.path, "--alg", "p256", "--partners", partners.path], io: pki.io)
                == 0, "\(pki.err.withLock { $0 })")
        let issued = try FileManager.default.contentsOfDirectory(atPath: pkiDir.path).filter {
            FileManager.default.fileExists(atPath: pkiDir.appendingPathComponent("\($0)/cert.pem").path)
        }
        #expect(Set(issued) == ["root", "g60-hub", "jiaxing", "tongling"])

        let add = Captured()
        #expect(CLI.main(["pki", "add", "--dir", pkiDir.path, "--partner", "lishui"], io: add.io) == 0)
        #expect(FileManager.default.fileExists(atPath: pkiDir.appendingPathComponent("lishui/key.pem").path))
        let again = Captured()
        #expect(CLI.main(["pki", "add", "--dir", pkiDir.path, "--partner", "lishui"], io: again.io) == 2)
        #expect(again.err.withLock { $0 }.contains("lishui already has a certificate"))
        #expect(CLI.main(["pki", "add", "--dir", pkiDir.path, "--partner", "Li Shui"], io: Captured().io) == 2)
        #expect(CLI.main(["pki", "add", "--dir", pkiDir.path, "--partner", "quzhou", "--alg", "sm2"], io: Captured().io) == 2)
        #expect(!FileManager.default.fileExists(atPath: pkiDir.appendingPathComponent("quzhou").path))

        // The added partner signs, and the exchange verifies it under the same root.
        let payload = dir.appendingPathComponent("payload.csv")
        try Data("统一社会信用代码\n91330100716105852F\n".utf8).write(to: payload)
        let envelope = dir.appendingPathComponent("out.envelope")
        let sign = Captured()
        #expect(
            CLI.main(
                [
                    "envelope", "sign", "--key", pkiDir.appendingPathComponent("lishui/key.pem").path, "--cert",
                    pkiDir.appendingPathComponent("lishui/cert.pem").path, "--from", "lishui", "--to", "g60-hub",
                    "--kind", "records.batch", "--schema", "lishui.csv.v1", "--content-type",
                    "text/csv; charset=utf-8", "--records", "1", "--out", envelope.path, payload.path,
                ], io: sign.io) == 0, "\(sign.err.withLock { $0 })")
        let verify = Captured()
        #expect(
            CLI.main(["envelope", "verify", "--trust", pkiDir.path, "--node", "g60-hub", envelope.path], io: verify.io)
                == 0, "\(verify.out.withLock { $0 })\(verify.err.withLock { $0 })")
        #expect(verify.out.withLock { $0 }.contains("from: lishui\n"))
    }
}
