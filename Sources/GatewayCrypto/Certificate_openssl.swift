import COpenSSL
import COpenSSLShims
import Foundation
import GatewayCore

/// The SAN URI prefix that binds a certificate to a partner id: `g60:partner:<slug>`.
public let partnerURIPrefix = "g60:partner:"

/// An X.509 certificate. Owns its `X509`, which is not modified after loading.
public final class Certificate: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The DER encoding.
    public let der: [UInt8]
    /// `sha256:<hex>` of the DER encoding: the envelope's key id.
    public let fingerprint: String
    /// Partner ids bound by SAN URIs `g60:partner:<slug>`.
    public let partnerIDs: [String]
    /// The subject's common name, if any.
    public let commonName: String
    /// Validity window.
    public let notBefore: Date
    public let notAfter: Date
    /// The serial number in upper-case hex.
    public let serialHex: String

    init(takingOwnership pointer: OpaquePointer) throws {
        self.pointer = pointer
        // SM2-signed certificates are verified with the exchange's distinguishing ID (OpenSSL 3.0 reads it from the
        // certificate object; without it X509_verify_cert would use an empty ID).
        if X509_get_signature_nid(pointer) == NID_SM2_with_SM3, let id = ASN1_OCTET_STRING_new() {
            _ = SM2.distinguishingID.withUnsafeBufferPointer {
                ASN1_OCTET_STRING_set(id, $0.baseAddress, Int32($0.count))
            }
            X509_set0_distinguishing_id(pointer, id)
        }
        der = try OpenSSL.der({ i2d_X509(pointer, $0) }, what: "certificate")
        fingerprint = "sha256:" + Digest.hash(der, using: .sha256).hexString
        partnerIDs = Self.uris(of: pointer).compactMap {
            $0.hasPrefix(partnerURIPrefix) ? String($0.dropFirst(partnerURIPrefix.count)) : nil
        }
        commonName = Self.commonName(of: pointer)
        notBefore = Self.date(X509_get0_notBefore(pointer))
        notAfter = Self.date(X509_get0_notAfter(pointer))
        serialHex = Self.serial(of: pointer)
    }

    deinit { X509_free(pointer) }

    /// Reads every certificate in a PEM file's bytes (at least one).
    /// - Parameter source: named in the error message (a file path).
    public static func load(pem: [UInt8], source: String = "certificate") throws -> [Certificate] {
        try OpenSSL.withReadBIO(pem) { bio in
            var list: [Certificate] = []
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                list.append(try Certificate(takingOwnership: x509))
            }
            ERR_clear_error()  // the loop ends on "no start line", which is expected
            guard !list.isEmpty else {
                throw CryptoError(CryptoError.certificateUnreadable, "\(source): no PEM certificate in it")
            }
            return list
        }
    }

    /// Reads the certificates of a PEM file.
    public static func load(file: URL) throws -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw CryptoError(CryptoError.certificateUnreadable, "\(file.path): cannot read the file")
        }
        return try load(pem: Array(data), source: file.path)
    }

    /// The certificate as PEM.
    public func pem() throws -> [UInt8] {
        try OpenSSL.writtenBytes({ PEM_write_bio_X509($0, pointer) == 1 }, what: "certificate PEM")
    }

    /// The subject public key.
    public func publicKey() throws -> PublicKey {
        guard let pkey = X509_get_pubkey(pointer) else {
            throw OpenSSL.error(CryptoError.certificateUnreadable, "certificate \(commonName): unreadable public key")
        }
        guard let algorithm = signatureAlgorithm(of: pkey) else {
            EVP_PKEY_free(pkey)
            throw CryptoError(
                CryptoError.certificateUnreadable, "certificate \(commonName): key is not SM2, P-256 or Ed25519")
        }
        return PublicKey(retained: pkey, algorithm: algorithm)
    }

    /// Whether `key` is the private key of this certificate.
    public func matches(_ key: PrivateKey) -> Bool {
        guard let pkey = X509_get0_pubkey(pointer) else { return false }
        let equal = EVP_PKEY_eq(pkey, key.pointer) == 1
        ERR_clear_error()
        return equal
    }

    // MARK: reading fields

    private static func uris(of x509: OpaquePointer) -> [String] {
        guard let raw = X509_get_ext_d2i(x509, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var result: [String] = []
        for i in 0..<OPENSSL_sk_num(names) {
            guard let item = OPENSSL_sk_value(names, i) else { continue }
            let name = item.assumingMemoryBound(to: GENERAL_NAME.self)
            guard name.pointee.type == GEN_URI, let uri = name.pointee.d.uniformResourceIdentifier else { continue }
            result.append(string(uri))
        }
        return result
    }

    static func string(_ asn1: UnsafePointer<ASN1_STRING>) -> String {
        guard let data = ASN1_STRING_get0_data(asn1) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(asn1))), as: UTF8.self)
    }

    private static func commonName(of x509: OpaquePointer) -> String {
        guard let name = X509_get_subject_name(x509) else { return "" }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry)
        else { return "" }
        return string(data)
    }

    static func bytes(_ asn1: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        guard let data = ASN1_STRING_get0_data(asn1) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(asn1))))
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var tm = tm()
        guard let time, ASN1_TIME_to_tm(time, &tm) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    private static func serial(of x509: OpaquePointer) -> String {
        guard let serial = X509_get0_serialNumber(x509), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { CG60_OPENSSL_free(hex) }
        return String(cString: hex)
    }
}

/// A certificate revocation list. Owns its `X509_CRL`.
public final class RevocationList: @unchecked Sendable {
    let pointer: OpaquePointer
    /// When the issuer promises the next list.
    public let nextUpdate: Date?

    init(takingOwnership pointer: OpaquePointer) {
        self.pointer = pointer
        nextUpdate = X509_CRL_get0_nextUpdate(pointer).map { Certificate.date($0) }
    }

    deinit { X509_CRL_free(pointer) }

    /// Reads every CRL in a PEM file's bytes.
    public static func load(pem: [UInt8], source: String = "CRL") throws -> [RevocationList] {
        try OpenSSL.withReadBIO(pem) { bio in
            var list: [RevocationList] = []
            while let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) {
                list.append(RevocationList(takingOwnership: crl))
            }
            ERR_clear_error()
            guard !list.isEmpty else { throw CryptoError(CryptoError.trustUnreadable, "\(source): no PEM CRL in it") }
            return list
        }
    }

    /// The list as PEM.
    public func pem() throws -> [UInt8] {
        try OpenSSL.writtenBytes({ PEM_write_bio_X509_CRL($0, pointer) == 1 }, what: "CRL PEM")
    }
}
