import COpenSSL

/// Which signature algorithm an `EVP_PKEY` can serve, or nil for key types the exchange does not use.
func signatureAlgorithm(of pkey: OpaquePointer) -> SignatureAlgorithm? {
    if EVP_PKEY_is_a(pkey, CNames.sm2) == 1 { return .sm2 }
    if EVP_PKEY_is_a(pkey, CNames.ed25519) == 1 { return .ed25519 }
    if EVP_PKEY_is_a(pkey, CNames.ec) == 1 {
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 else { return nil }
        let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch group {
        case "prime256v1", "P-256", "secp256r1": return .p256
        case "SM2": return .sm2
        default: return nil
        }
    }
    return nil
}

/// A private signing key (SM2, P-256 or Ed25519). Owns its `EVP_PKEY`, which is immutable once loaded.
public final class PrivateKey: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The signature algorithm this key signs with.
    public let algorithm: SignatureAlgorithm

    init(takingOwnership pointer: OpaquePointer, what: String) throws {
        guard let algorithm = signatureAlgorithm(of: pointer) else {
            EVP_PKEY_free(pointer)
            throw CryptoError(CryptoError.keyUnreadable, "\(what): not an SM2, P-256 or Ed25519 key")
        }
        self.pointer = pointer
        self.algorithm = algorithm
    }

    deinit { EVP_PKEY_free(pointer) }

    /// Reads an unencrypted PEM private key (PKCS#8 `PRIVATE KEY` or `EC PRIVATE KEY`).
    /// - Parameter source: named in the error message (a file path).
    public convenience init(pem: [UInt8], source: String = "private key") throws {
        let pkey = try OpenSSL.withReadBIO(pem) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        guard let pkey else {
            throw OpenSSL.error(CryptoError.keyUnreadable, "\(source): not a readable PEM private key")
        }
        try self.init(takingOwnership: pkey, what: source)
    }

    /// Generates a new key for `algorithm`.
    public static func generate(_ algorithm: SignatureAlgorithm) throws -> PrivateKey {
        let typeName: UnsafePointer<CChar> =
            switch algorithm {
            case .sm2: CNames.sm2
            case .p256: CNames.ec
            case .ed25519: CNames.ed25519
            }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, typeName, nil) else {
            throw OpenSSL.error("cannot create a key generation context for \(algorithm.rawValue)")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else {
            throw OpenSSL.error("cannot start \(algorithm.rawValue) key generation")
        }
        if algorithm == .p256 {
            guard EVP_PKEY_CTX_set_group_name(ctx, CNames.p256) == 1 else { throw OpenSSL.error("cannot select P-256") }
        }
        var pkey: OpaquePointer?
        guard EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else {
            throw OpenSSL.error("cannot generate a \(algorithm.rawValue) key")
        }
        return try PrivateKey(takingOwnership: pkey, what: "generated key")
    }

    /// The key as unencrypted PKCS#8 PEM.
    public func pem() throws -> [UInt8] {
        try OpenSSL.writtenBytes(
            { PEM_write_bio_PrivateKey($0, pointer, nil, nil, 0, nil, nil) == 1 }, what: "private key PEM")
    }

    /// The matching public key (shares the same `EVP_PKEY`).
    public var publicKey: PublicKey {
        EVP_PKEY_up_ref(pointer)
        return PublicKey(retained: pointer, algorithm: algorithm)
    }
}

/// A public verification key. Owns one reference to its `EVP_PKEY`.
public final class PublicKey: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The signature algorithm this key verifies.
    public let algorithm: SignatureAlgorithm

    init(retained pointer: OpaquePointer, algorithm: SignatureAlgorithm) {
        self.pointer = pointer
        self.algorithm = algorithm
    }

    deinit { EVP_PKEY_free(pointer) }

    /// Reads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    public convenience init(pem: [UInt8], source: String = "public key") throws {
        let pkey = try OpenSSL.withReadBIO(pem) { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        guard let pkey else {
            throw OpenSSL.error(CryptoError.keyUnreadable, "\(source): not a readable PEM public key")
        }
        guard let algorithm = signatureAlgorithm(of: pkey) else {
            EVP_PKEY_free(pkey)
            throw CryptoError(CryptoError.keyUnreadable, "\(source): not an SM2, P-256 or Ed25519 key")
        }
        self.init(retained: pkey, algorithm: algorithm)
    }

    /// The key as PEM `PUBLIC KEY`.
    public func pem() throws -> [UInt8] {
        try OpenSSL.writtenBytes({ PEM_write_bio_PUBKEY($0, pointer) == 1 }, what: "public key PEM")
    }
}
