import Foundation
import GatewayCrypto

/// `g60-gateway pki init`: writes a demo exchange (root CA, node and partner keys and certificates, empty CRL).
enum PKICommand: Command {
    static let name = "pki"
    static let summary = "create a demo exchange PKI (root CA, node and nine partner certificates, CRL)"
    static let help = """
        Usage: g60-gateway pki init --dir DIR [--alg sm2|p256|ed25519] [--days N]

        Creates a DEMO exchange in DIR (keys are unencrypted: for demos and tests only):
          DIR/root/cert.pem, DIR/root/key.pem        the root CA (valid 10 years)
          DIR/g60-hub/cert.pem, DIR/g60-hub/key.pem  the gateway node
          DIR/<slug>/cert.pem, DIR/<slug>/key.pem    each of the nine partners
          DIR/crl.pem                                an empty CRL of the root (next update in --days)
        Each certificate binds its partner id as the SAN URI g60:partner:<slug>; see
        Contracts/envelope/v1/README.md. DIR is then usable as --trust DIR.
          --alg    key and signature algorithm for every key (default sm2: SM2 with SM3, distid 1234567812345678)
          --days   validity of node and partner certificates and of the CRL (default 365)
        Refuses to overwrite an existing DIR/root/cert.pem.
        """

    /// The nine partner cities (ARCHITECTURE.md) and the node.
    static let partners = [
        "songjiang", "jiaxing", "hangzhou", "jinhua", "suzhou", "huzhou", "xuancheng", "wuhu", "hefei",
    ]
    static let node = "g60-hub"

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--dir", "--alg", "--days"])
        guard args.positional == ["init"] else { throw UsageError("expected 'pki init'") }
        guard let dirPath = args.value("--dir") else { throw UsageError("--dir is required") }
        let algorithmName = args.value("--alg") ?? "sm2"
        guard let algorithm = SignatureAlgorithm(name: algorithmName) else {
            throw UsageError("--alg must be sm2, p256 or ed25519")
        }
        let days =
            try Int(args.value("--days") ?? "365").flatMap { $0 > 0 ? $0 : nil }
            ?? { throw UsageError("--days must be a positive whole number") }()
        let dir = URL(fileURLWithPath: dirPath)
        let fm = FileManager.default
        guard !fm.fileExists(atPath: dir.appendingPathComponent("root/cert.pem").path) else {
            io.err("g60-gateway pki: \(dir.path)/root/cert.pem exists; choose an empty folder")
            return .usage
        }
        let now = Date()
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(TimeInterval(days) * 86400)
        let root = try CertificateAuthority.makeRoot(
            commonName: "G60 demo exchange root (\(algorithm.shortName))", algorithm: algorithm, notBefore: notBefore,
            notAfter: now.addingTimeInterval(3650 * 86400))

        func write(_ bytes: [UInt8], _ relative: String, secret: Bool = false) throws {
            let url = dir.appendingPathComponent(relative)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard
                fm.createFile(
                    atPath: url.path, contents: Data(bytes), attributes: secret ? [.posixPermissions: 0o600] : nil)
            else { throw CryptoError(CryptoError.invalidArgument, "cannot write \(url.path)") }
            io.out("wrote \(url.path)")
        }
        try write(try root.certificate.pem(), "root/cert.pem")
        try write(try root.key.pem(), "root/key.pem", secret: true)
        for partner in [node] + partners {
            let key = try PrivateKey.generate(algorithm)
            let cert = try root.issue(
                partnerID: partner, publicKey: key.publicKey, notBefore: notBefore, notAfter: notAfter)
            try write(try cert.pem(), "\(partner)/cert.pem")
            try write(try key.pem(), "\(partner)/key.pem", secret: true)
            io.out("  \(partner): key id \(cert.fingerprint)")
        }
        try write(try root.makeCRL(revoking: [], thisUpdate: notBefore, nextUpdate: notAfter).pem(), "crl.pem")
        io.out("demo exchange ready (\(algorithm.rawValue)); private keys are unencrypted DEMO keys")
        return .ok
    }
}
