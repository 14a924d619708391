import COpenSSL
import COpenSSLShims
import Foundation

/// The exchange's trust material: root CAs, intermediates, CRLs, and each partner's certificates by key id.
///
/// Immutable after construction and shared across threads (`X509_STORE` locks internally for lookups).
/// Folder layout: Contracts/envelope/v1/README.md, "Trust folder".
public final class TrustStore: @unchecked Sendable {
    private let store: OpaquePointer
    /// Root CA certificates.
    public let roots: [Certificate]
    /// Intermediate CA certificates offered for chain building.
    public let intermediates: [Certificate]
    /// Revocation lists.
    public let revocationLists: [RevocationList]
    /// Each partner's (and the node's) certificates, by partner id; several during a key rollover.
    public let certificatesByPartner: [String: [Certificate]]
    private let byKeyID: [String: (partner: String, certificate: Certificate)]

    public init(
        roots: [Certificate], intermediates: [Certificate] = [], revocationLists: [RevocationList] = [],
        certificatesByPartner: [String: [Certificate]]
    ) throws {
        guard let store = X509_STORE_new() else { throw OpenSSL.error("cannot allocate X509_STORE") }
        self.store = store
        self.roots = roots
        self.intermediates = intermediates
        self.revocationLists = revocationLists
        self.certificatesByPartner = certificatesByPartner
        var index: [String: (String, Certificate)] = [:]
        for (partner, certs) in certificatesByPartner {
            for cert in certs { index[cert.fingerprint] = (partner, cert) }
        }
        byKeyID = index
        for root in roots {
            guard X509_STORE_add_cert(store, root.pointer) == 1 else {
                throw OpenSSL.error(CryptoError.trustUnreadable, "cannot add root \(root.commonName) to the store")
            }
        }
        // Each CRL is checked once here against the CA that issued it. Revocation is then checked by
        // `checkRevocation`, not by X509_V_FLAG_CRL_CHECK: OpenSSL 3.0 verifies CRL signatures with an empty SM2
        // distinguishing ID (X509_CRL_verify passes none), so SM2-signed CRLs made with the exchange's ID would fail.
        var verified: [(crl: RevocationList, issuer: Certificate)] = []
        for crl in revocationLists {
            let candidates = (roots + intermediates).filter {
                X509_NAME_cmp(X509_CRL_get_issuer(crl.pointer), X509_get_subject_name($0.pointer)) == 0
            }
            guard let issuer = try candidates.first(where: { try Self.crlSignatureIsValid(crl, issuer: $0) }) else {
                throw CryptoError(
                    CryptoError.trustUnreadable,
                    "a CRL's signature does not verify with any CA of the trust folder (\(candidates.count) named as issuer)"
                )
            }
            verified.append((crl, issuer))
        }
        crlsWithIssuer = verified
    }

    private let crlsWithIssuer: [(crl: RevocationList, issuer: Certificate)]

    static func crlSignatureIsValid(_ crl: RevocationList, issuer: Certificate) throws -> Bool {
        let key = try issuer.publicKey()
        let expectedNID: Int32 =
            switch key.algorithm {
            case .sm2: NID_SM2_with_SM3
            case .p256: NID_ecdsa_with_SHA256
            case .ed25519: NID_ED25519
            }
        guard X509_CRL_get_signature_nid(crl.pointer) == expectedNID else { return false }
        let tbs = try OpenSSL.der({ i2d_re_X509_CRL_tbs(crl.pointer, $0) }, what: "CRL to-be-signed part")
        var bits: UnsafePointer<ASN1_BIT_STRING>?
        var algorithm: UnsafePointer<X509_ALGOR>?
        X509_CRL_get0_signature(crl.pointer, &bits, &algorithm)
        guard let bits else { return false }
        let signature = Certificate.bytes(bits)
        return try MessageVerifier(key: key).isValid(signature: signature, for: tbs)
    }

    /// Checks every non-root certificate of a verified chain against its issuer's CRL at `time`.
    private func checkRevocation(chain: [OpaquePointer], at time: Date, subject: String) throws {
        guard !crlsWithIssuer.isEmpty, chain.count >= 2 else { return }
        for index in 0..<(chain.count - 1) {
            let cert = chain[index]
            let issuer = chain[index + 1]
            guard let entry = crlsWithIssuer.first(where: { X509_cmp($0.issuer.pointer, issuer) == 0 }) else {
                throw CryptoError(
                    CryptoError.certificateUntrusted,
                    "\(subject): no CRL from its issuer in the trust folder, so revocation cannot be checked")
            }
            if let next = entry.crl.nextUpdate, time > next {
                throw CryptoError(CryptoError.certificateUntrusted, "\(subject): the issuer's CRL expired at \(next)")
            }
            var revoked: OpaquePointer?
            if X509_CRL_get0_by_cert(entry.crl.pointer, &revoked, cert) == 1 {
                throw CryptoError(
                    CryptoError.certificateRevoked,
                    index == 0
                        ? "\(subject) is revoked by its issuer's CRL" : "\(subject): an intermediate CA is revoked")
            }
        }
    }

    deinit { X509_STORE_free(store) }

    /// The certificate with key id `keyID` (a fingerprint) and the partner folder it was found in.
    public func certificate(keyID: String) -> (partner: String, certificate: Certificate)? { byKeyID[keyID] }

    /// Whether `partner` has any certificate here.
    public func knows(partner: String) -> Bool { certificatesByPartner[partner] != nil }

    /// Loads a trust folder: `root/cert.pem` and `roots/*.pem` (root CAs), `intermediates/*.pem`, `crl.pem` and
    /// `crls/*.pem`, and `<partner>/cert*.pem` for every other sub-folder (the folder name is the partner id).
    /// - Parameter partnersDirectory: a `Partners/` folder; each `Partners/<slug>/cert*.pem` is added to that
    ///   partner's certificates (the deployment layout of ARCHITECTURE.md), besides those of `directory`.
    public static func load(directory: URL, partnersDirectory: URL? = nil) throws -> TrustStore {
        let fm = FileManager.default
        func pems(in folder: URL) -> [URL] {
            ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".pem") }.sorted()
                .map { folder.appendingPathComponent($0) }
        }
        func exists(_ url: URL) -> Bool { fm.fileExists(atPath: url.path) }
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw CryptoError(CryptoError.trustUnreadable, "\(directory.path): not a folder")
        }
        var roots: [Certificate] = []
        let rootCert = directory.appendingPathComponent("root/cert.pem")
        if exists(rootCert) { roots += try Certificate.load(file: rootCert) }
        for file in pems(in: directory.appendingPathComponent("roots")) { roots += try Certificate.load(file: file) }
        guard !roots.isEmpty else {
            throw CryptoError(
                CryptoError.trustUnreadable, "\(directory.path): no root CA (root/cert.pem or roots/*.pem)")
        }
        var intermediates: [Certificate] = []
        for file in pems(in: directory.appendingPathComponent("intermediates")) {
            intermediates += try Certificate.load(file: file)
        }
        var crlFiles = pems(in: directory.appendingPathComponent("crls"))
        if exists(directory.appendingPathComponent("crl.pem")) {
            crlFiles.insert(directory.appendingPathComponent("crl.pem"), at: 0)
        }
        var crls: [RevocationList] = []
        for file in crlFiles {
            guard let data = fm.contents(atPath: file.path) else {
                throw CryptoError(CryptoError.trustUnreadable, "\(file.path): cannot read the file")
            }
            crls += try RevocationList.load(pem: Array(data), source: file.path)
        }
        var partners: [String: [Certificate]] = [:]
        let reserved: Set<String> = ["root", "roots", "intermediates", "crls"]
        for base in [directory] + (partnersDirectory.map { [$0] } ?? []) {
            for name in ((try? fm.contentsOfDirectory(atPath: base.path)) ?? []).sorted() where !reserved.contains(name)
            {
                let folder = base.appendingPathComponent(name)
                guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else { continue }
                let certs = pems(in: folder).filter { $0.lastPathComponent.hasPrefix("cert") }
                guard !certs.isEmpty else { continue }
                let loaded = try certs.flatMap { try Certificate.load(file: $0) }
                let known = Set((partners[name] ?? []).map(\.fingerprint))
                partners[name, default: []] += loaded.filter { !known.contains($0.fingerprint) }
            }
        }
        return try TrustStore(
            roots: roots, intermediates: intermediates, revocationLists: crls, certificatesByPartner: partners)
    }

    /// Verifies `certificate`'s chain to a root at `time`, with revocation; throws the matching rejection code.
    /// - Parameter context: names the envelope in the error message.
    public func verifyChain(_ certificate: Certificate, at time: Date, context: String = "") throws {
        guard let ctx = X509_STORE_CTX_new() else { throw OpenSSL.error("cannot allocate X509_STORE_CTX") }
        defer { X509_STORE_CTX_free(ctx) }
        guard let chain = CG60_sk_X509_new_null() else { throw OpenSSL.error("cannot allocate a certificate stack") }
        defer { CG60_sk_X509_pop_free(chain) }
        for cert in intermediates {
            X509_up_ref(cert.pointer)
            if CG60_sk_X509_push(chain, cert.pointer) == 0 { X509_free(cert.pointer) }
        }
        guard X509_STORE_CTX_init(ctx, store, certificate.pointer, chain) == 1 else {
            throw OpenSSL.error("cannot initialise chain verification")
        }
        X509_STORE_CTX_set_time(ctx, 0, time_t(time.timeIntervalSince1970))
        let ok = X509_verify_cert(ctx)
        let error = X509_STORE_CTX_get_error(ctx)
        ERR_clear_error()
        let subject = "\(context)certificate \(certificate.fingerprint) (\(certificate.commonName))"
        if ok == 1 {
            var chainPointers: [OpaquePointer] = []
            if let chain = X509_STORE_CTX_get0_chain(ctx) {
                for i in 0..<CG60_sk_X509_num(chain) {
                    if let x = CG60_sk_X509_value(chain, i) { chainPointers.append(x) }
                }
            }
            try checkRevocation(chain: chainPointers, at: time, subject: subject)
            return
        }
        let reason = String(cString: X509_verify_cert_error_string(Int(error)))
        switch error {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            throw CryptoError(CryptoError.certificateExpired, "\(subject) expired at \(certificate.notAfter)")
        case X509_V_ERR_CERT_NOT_YET_VALID:
            throw CryptoError(
                CryptoError.certificateNotYetValid, "\(subject) is valid only from \(certificate.notBefore)")
        case X509_V_ERR_CERT_REVOKED:
            throw CryptoError(CryptoError.certificateRevoked, "\(subject) is revoked by its issuer's CRL")
        default:
            throw CryptoError(
                CryptoError.certificateUntrusted, "\(subject) does not chain to a trusted root: \(reason)")
        }
    }
}
