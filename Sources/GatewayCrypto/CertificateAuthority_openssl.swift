import COpenSSL
import Foundation

/// Issues certificates and CRLs: the demo exchange of `pki init` and the test PKI.
///
/// Real deployments take their roots from each province's CA; this class exists so that a demo or a test can
/// build a complete exchange (root → node and partner certificates, CRL) with the OpenSSL C API alone.
public final class CertificateAuthority: @unchecked Sendable {
    /// The CA's key.
    public let key: PrivateKey
    /// The CA's certificate.
    public let certificate: Certificate

    public init(key: PrivateKey, certificate: Certificate) {
        self.key = key
        self.certificate = certificate
    }

    /// Creates a self-signed root CA.
    public static func makeRoot(
        commonName: String, algorithm: SignatureAlgorithm, notBefore: Date, notAfter: Date
    ) throws -> CertificateAuthority {
        let key = try PrivateKey.generate(algorithm)
        let cert = try buildCertificate(
            subjectCN: commonName, subjectKey: key.pointer, issuer: nil, issuerKey: key, isCA: true, uris: [],
            notBefore: notBefore, notAfter: notAfter)
        return CertificateAuthority(key: key, certificate: cert)
    }

    /// Issues an intermediate CA certificate under this CA.
    public func makeIntermediate(
        commonName: String, algorithm: SignatureAlgorithm, notBefore: Date, notAfter: Date
    ) throws -> CertificateAuthority {
        let key = try PrivateKey.generate(algorithm)
        let cert = try Self.buildCertificate(
            subjectCN: commonName, subjectKey: key.pointer, issuer: certificate, issuerKey: self.key, isCA: true,
            uris: [], notBefore: notBefore, notAfter: notAfter)
        return CertificateAuthority(key: key, certificate: cert)
    }

    /// Issues an end-entity certificate for `publicKey`, bound to `partnerID` by a SAN URI `g60:partner:<id>`.
    public func issue(
        partnerID: String, publicKey: PublicKey, notBefore: Date, notAfter: Date, commonName: String? = nil
    ) throws -> Certificate {
        try Self.buildCertificate(
            subjectCN: commonName ?? partnerID, subjectKey: publicKey.pointer, issuer: certificate, issuerKey: key,
            isCA: false, uris: [partnerURIPrefix + partnerID], notBefore: notBefore, notAfter: notAfter)
    }

    /// Makes a CRL of this CA revoking `revoked`.
    public func makeCRL(revoking revoked: [Certificate], thisUpdate: Date, nextUpdate: Date) throws -> RevocationList {
        guard let crl = X509_CRL_new() else { throw OpenSSL.error("cannot allocate a CRL") }
        var owned: OpaquePointer? = crl
        defer { if let owned { X509_CRL_free(owned) } }
        guard X509_CRL_set_version(crl, 1) == 1,
            X509_CRL_set_issuer_name(crl, X509_get_subject_name(certificate.pointer)) == 1
        else { throw OpenSSL.error("cannot set the CRL's issuer") }
        try Self.withTime(thisUpdate) { t in
            guard X509_CRL_set1_lastUpdate(crl, t) == 1 else { throw OpenSSL.error("CRL lastUpdate") }
        }
        try Self.withTime(nextUpdate) { t in
            guard X509_CRL_set1_nextUpdate(crl, t) == 1 else { throw OpenSSL.error("CRL nextUpdate") }
        }
        for cert in revoked {
            guard let entry = X509_REVOKED_new() else { throw OpenSSL.error("cannot allocate a CRL entry") }
            var ok =
                X509_REVOKED_set_serialNumber(
                    entry, X509_get0_serialNumber(cert.pointer).map { UnsafeMutablePointer(mutating: $0) }) == 1
            try Self.withTime(thisUpdate) { t in ok = ok && X509_REVOKED_set_revocationDate(entry, t) == 1 }
            guard ok, X509_CRL_add0_revoked(crl, entry) == 1 else {
                X509_REVOKED_free(entry)
                throw OpenSSL.error("cannot add \(cert.commonName) to the CRL")
            }
        }
        _ = X509_CRL_sort(crl)
        try Self.withSigningContext(key) { mdctx in
            guard X509_CRL_sign_ctx(crl, mdctx) > 0 else { throw OpenSSL.error("cannot sign the CRL") }
        }
        owned = nil
        return RevocationList(takingOwnership: crl)
    }

    // MARK: building blocks

    static func withTime<T>(_ date: Date, _ body: (UnsafeMutablePointer<ASN1_TIME>) throws -> T) throws -> T {
        guard let time = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970)) else {
            throw OpenSSL.error("cannot encode time \(date)")
        }
        defer { ASN1_TIME_free(time) }
        return try body(time)
    }

    static func withSigningContext<T>(_ key: PrivateKey, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let mdctx = EVP_MD_CTX_new() else { throw OpenSSL.error("cannot allocate EVP_MD_CTX") }
        defer { EVP_MD_CTX_free(mdctx) }
        guard SignatureContext.initialise(mdctx, pkey: key.pointer, algorithm: key.algorithm, signing: true) else {
            throw OpenSSL.error("cannot initialise \(key.algorithm.rawValue) certificate signing")
        }
        return try body(mdctx)
    }

    static func buildCertificate(
        subjectCN: String, subjectKey: OpaquePointer, issuer: Certificate?, issuerKey: PrivateKey, isCA: Bool,
        uris: [String], notBefore: Date, notAfter: Date
    ) throws -> Certificate {
        guard let x509 = X509_new() else { throw OpenSSL.error("cannot allocate X509") }
        var owned: OpaquePointer? = x509
        defer { if let owned { X509_free(owned) } }
        guard X509_set_version(x509, 2) == 1 else { throw OpenSSL.error("X509_set_version") }
        // A random positive 127-bit serial.
        guard let bn = BN_new() else { throw OpenSSL.error("BN_new") }
        defer { BN_free(bn) }
        guard BN_rand(bn, 127, 0, 0) == 1, BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nil else {
            throw OpenSSL.error("cannot make a serial number")
        }
        try withTime(notBefore) { t in guard X509_set1_notBefore(x509, t) == 1 else { throw OpenSSL.error("notBefore") }
        }
        try withTime(notAfter) { t in guard X509_set1_notAfter(x509, t) == 1 else { throw OpenSSL.error("notAfter") } }
        guard let name = X509_NAME_new() else { throw OpenSSL.error("X509_NAME_new") }
        defer { X509_NAME_free(name) }
        func addEntry(_ field: String, _ value: String) -> Bool {
            Array(value.utf8).withUnsafeBufferPointer {
                X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, $0.baseAddress, Int32($0.count), -1, 0) == 1
            }
        }
        let added = addEntry("O", "G60 credit exchange") && addEntry("CN", subjectCN)
        guard added, X509_set_subject_name(x509, name) == 1 else { throw OpenSSL.error("cannot set the subject") }
        let issuerName = issuer.map { X509_get_subject_name($0.pointer) } ?? name
        guard X509_set_issuer_name(x509, issuerName) == 1, X509_set_pubkey(x509, subjectKey) == 1 else {
            throw OpenSSL.error("cannot set issuer or public key")
        }
        var v3 = X509V3_CTX()
        X509V3_set_ctx(&v3, issuer?.pointer ?? x509, x509, nil, nil, 0)
        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, isCA ? "critical,CA:TRUE" : "critical,CA:FALSE"),
            (NID_key_usage, isCA ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        if !uris.isEmpty { extensions.append((NID_subject_alt_name, uris.map { "URI:" + $0 }.joined(separator: ","))) }
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &v3, nid, value) else {
                throw OpenSSL.error("cannot make extension \(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw OpenSSL.error("cannot add extension \(value)") }
        }
        try withSigningContext(issuerKey) { mdctx in
            guard X509_sign_ctx(x509, mdctx) > 0 else { throw OpenSSL.error("cannot sign certificate \(subjectCN)") }
        }
        owned = nil
        return try Certificate(takingOwnership: x509)
    }
}
