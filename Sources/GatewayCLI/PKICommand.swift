import Foundation
import GatewayCrypto
import GatewayMapping

/// `g60-gateway pki init`: writes a demo exchange (root CA, node and partner keys and certificates, empty CRL).
enum PKICommand: Command {
    static let name = "pki"
    static let summary = "create a demo exchange PKI (root CA, node and partner certificates, CRL); add a partner"
    static let help = """
        Usage: g60-gateway pki init --dir DIR [--alg sm2|p256|ed25519] [--days N] [--partners DIR]
               g60-gateway pki add --dir DIR --partner SLUG [--days N]

        init creates a DEMO exchange in DIR (keys are unencrypted: for demos and tests only):
          DIR/root/cert.pem, DIR/root/key.pem        the root CA (valid 10 years)
          DIR/g60-hub/cert.pem, DIR/g60-hub/key.pem  the gateway node
          DIR/<slug>/cert.pem, DIR/<slug>/key.pem    each partner: every folder of --partners that holds a
                                                     partner.json, else the nine cities of ARCHITECTURE.md
          DIR/crl.pem                                an empty CRL of the root (next update in --days)
        add issues a certificate and key for one more partner (a new folder in Partners/) from DIR's root, with
        the root's algorithm.
        Each certificate binds its partner id as the SAN URI g60:partner:<slug>; see
        Contracts/envelope/v1/README.md. DIR is then usable as --trust DIR.
          --alg       key and signature algorithm for every key (default sm2: SM2 with SM3, distid 1234567812345678)
          --days      validity of node and partner certificates and of the CRL (default 365)
          --partners  the partners folder whose partner ids get certificates
        init refuses to overwrite an existing DIR/root/cert.pem; add refuses an existing DIR/SLUG/cert.pem.
        """

    /// The nine partner cities (ARCHITECTURE.md), when no partners folder is given.
    static let partners = [
        "songjiang", "jiaxing", "hangzhou", "jinhua", "suzhou", "huzhou", "xuancheng", "wuhu", "hefei",
    ]
    static let node = "g60-hub"

    /// The partner ids of a partners folder: its subfolders that hold a `partner.json`, sorted.
    /// A folder whose name cannot be a partner id is refused (the node refuses it too, `Partner.slugProblem`).
    static func partnerIDs(in folder: URL) throws -> [String] {
        guard (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) != nil else {
            throw UsageError("--partners \(folder.path) is not a readable folder")
        }
        let ids = Partner.folders(in: folder).map(\.lastPathComponent)
        for id in ids {
            if let problem = Partner.slugProblem(id) {
                throw UsageError("partner folder \(folder.appendingPathComponent(id).path): the name \(problem)")
            }
        }
        return ids
    }

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--dir", "--alg", "--days", "--partners", "--partner"])
        guard args.positional == ["init"] || args.positional == ["add"] else {
            throw UsageError("expected 'pki init' or 'pki add'")
        }
        guard let dirPath = args.value("--dir") else { throw UsageError("--dir is required") }
        let days =
            try Int(args.value("--days") ?? "365").flatMap { $0 > 0 ? $0 : nil }
            ?? { throw UsageError("--days must be a positive whole number") }()
        let dir = URL(fileURLWithPath: dirPath)
        if args.positional == ["add"] {
            guard let slug = args.value("--partner") else { throw UsageError("--partner is required") }
            for option in ["--alg", "--partners"] where args.value(option) != nil {
                throw UsageError("pki add takes no \(option): the new partner gets the root's algorithm")
            }
            return try add(partner: slug, dir: dir, days: days, io: io)
        }
        let algorithmName = args.value("--alg") ?? "sm2"
        guard let algorithm = SignatureAlgorithm(name: algorithmName) else {
            throw UsageError("--alg must be sm2, p256 or ed25519")
        }
        let partners = try args.value("--partners").map { try partnerIDs(in: URL(fileURLWithPath: $0)) } ?? Self.partners
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

        try write(try root.certificate.pem(), "root/cert.pem", io: io, dir: dir)
        try write(try root.key.pem(), "root/key.pem", io: io, dir: dir, secret: true)
        for partner in [node] + partners {
            try issue(partner, root: root, algorithm: algorithm, notBefore: notBefore, notAfter: notAfter, io: io, dir: dir)
        }
        try write(
            try root.makeCRL(revoking: [], thisUpdate: notBefore, nextUpdate: notAfter).pem(), "crl.pem", io: io, dir: dir)
        io.out("demo exchange ready (\(algorithm.rawValue)); private keys are unencrypted DEMO keys")
        return .ok
    }

    /// `pki add`: one more partner's key and certificate from the existing root.
    static func add(partner slug: String, dir: URL, days: Int, io: CLIIO) throws -> ExitStatus {
        if let problem = Partner.slugProblem(slug) { throw UsageError("--partner: \(problem)") }
        let fm = FileManager.default
        guard !fm.fileExists(atPath: dir.appendingPathComponent("\(slug)/cert.pem").path) else {
            io.err("g60-gateway pki: \(dir.path)/\(slug)/cert.pem exists; \(slug) already has a certificate")
            return .usage
        }
        guard fm.fileExists(atPath: dir.appendingPathComponent("root/cert.pem").path),
            let rootKeyPEM = fm.contents(atPath: dir.appendingPathComponent("root/key.pem").path),
            let rootCert = try Certificate.load(file: dir.appendingPathComponent("root/cert.pem")).first
        else {
            io.err("g60-gateway pki: \(dir.path) lacks root/cert.pem or root/key.pem; run 'pki init' first")
            return .unreadable
        }
        let rootKey = try PrivateKey(pem: Array(rootKeyPEM), source: dir.appendingPathComponent("root/key.pem").path)
        let root = CertificateAuthority(key: rootKey, certificate: rootCert)
        let now = Date()
        try issue(
            slug, root: root, algorithm: rootKey.algorithm, notBefore: now.addingTimeInterval(-3600),
            notAfter: now.addingTimeInterval(TimeInterval(days) * 86400), io: io, dir: dir)
        return .ok
    }

    private static func issue(
        _ partner: String, root: CertificateAuthority, algorithm: SignatureAlgorithm, notBefore: Date, notAfter: Date,
        io: CLIIO, dir: URL
    ) throws {
        let key = try PrivateKey.generate(algorithm)
        let cert = try root.issue(partnerID: partner, publicKey: key.publicKey, notBefore: notBefore, notAfter: notAfter)
        // The key first: a certificate is what marks a partner as issued (`add` refuses an existing one).
        try write(try key.pem(), "\(partner)/key.pem", io: io, dir: dir, secret: true)
        try write(try cert.pem(), "\(partner)/cert.pem", io: io, dir: dir)
        io.out("  \(partner): key id \(cert.fingerprint)")
    }

    private static func write(_ bytes: [UInt8], _ relative: String, io: CLIIO, dir: URL, secret: Bool = false) throws {
        let fm = FileManager.default
        let url = dir.appendingPathComponent(relative)
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard fm.createFile(atPath: url.path, contents: Data(bytes), attributes: secret ? [.posixPermissions: 0o600] : nil)
        else { throw CryptoError(CryptoError.invalidArgument, "cannot write \(url.path)") }
        io.out("wrote \(url.path)")
    }
}
