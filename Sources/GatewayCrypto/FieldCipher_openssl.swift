import COpenSSL

/// AES-256-GCM fetched once for the process (an `EVP_CIPHER` is immutable once fetched, so it is shared across
/// threads): with `EVP_aes_256_gcm()` every init fetches it from the provider again, about a quarter of the cost of
/// sealing a message-log envelope.
final class FetchedCipher: @unchecked Sendable {
    private let fetched: OpaquePointer?

    private init() {
        fetched = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)
        if fetched == nil { ERR_clear_error() }
    }

    deinit { if let fetched { EVP_CIPHER_free(fetched) } }

    static let aes256gcm = FetchedCipher()

    /// The fetched cipher, or the legacy handle (same algorithm, fetched per use) when fetching failed.
    var cipher: OpaquePointer { fetched ?? EVP_aes_256_gcm() }
}

/// Authenticated encryption of single database fields (identity numbers) with AES-256-GCM through OpenSSL.
///
/// Every value gets a fresh random 96-bit nonce from OpenSSL's CSPRNG; the caller's `context` is the GCM
/// additional authenticated data, so a sealed value opens only in the row it was sealed for (the store passes the
/// identity hash and document type): copying a ciphertext into another row fails like tampering does.
///
/// Sealed format, version 1 (binary, stored as a BLOB):
/// `"v1:"` (3 ASCII bytes) ‖ nonce (12 bytes) ‖ ciphertext (as long as the plaintext) ‖ GCM tag (16 bytes).
/// The version prefix lets a later format (another algorithm such as SM4-GCM, or a key id for rotation) live next
/// to this one. The key comes from the node's configuration (`identityKey.*`), never from the database.
public final class FieldCipher: Sendable {
    /// AES-256 key length in bytes.
    public static let keyLength = 32
    /// GCM nonce length in bytes (96 bits, the length GCM is designed for).
    public static let nonceLength = 12
    /// GCM tag length in bytes.
    public static let tagLength = 16
    /// The prefix of a version-1 sealed value.
    public static let versionPrefix: [UInt8] = Array("v1:".utf8)
    /// Bytes a sealed value adds to its plaintext.
    public static let overhead = versionPrefix.count + nonceLength + tagLength

    private let key: [UInt8]

    /// - Throws: `CryptoError` `crypto.invalidArgument` when `key` is not exactly 32 bytes.
    public init(key: [UInt8]) throws {
        guard key.count == Self.keyLength else {
            throw CryptoError(
                CryptoError.invalidArgument, "an AES-256-GCM field key must be 32 bytes, got \(key.count)")
        }
        self.key = key
    }

    /// Encrypts `plaintext` bound to `context`.
    ///
    /// - Throws: `CryptoError` `openssl.failure` when OpenSSL cannot draw a nonce or encrypt.
    public func seal(_ plaintext: [UInt8], context: [UInt8]) throws -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: Self.nonceLength)
        guard RAND_bytes(&nonce, Int32(Self.nonceLength)) == 1 else {
            throw OpenSSL.error("cannot draw a random nonce for a field")
        }
        return try seal(plaintext, context: context, nonce: nonce)
    }

    /// Encrypts with a given nonce: known-answer tests only (a nonce must never repeat under one key).
    func seal(_ plaintext: [UInt8], context: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        guard nonce.count == Self.nonceLength else {
            throw CryptoError(CryptoError.invalidArgument, "a GCM nonce must be 12 bytes, got \(nonce.count)")
        }
        return try withContext { ctx in
            guard EVP_EncryptInit_ex(ctx, FetchedCipher.aes256gcm.cipher, nil, key, nonce) == 1 else {
                throw OpenSSL.error("cannot start AES-256-GCM encryption")
            }
            var length: Int32 = 0
            if !context.isEmpty {
                guard EVP_EncryptUpdate(ctx, nil, &length, context, Int32(context.count)) == 1 else {
                    throw OpenSSL.error("cannot authenticate the field context")
                }
            }
            var out = Self.versionPrefix + nonce
            var body = [UInt8](repeating: 0, count: plaintext.count + 16)
            var written: Int32 = 0
            if !plaintext.isEmpty {
                guard EVP_EncryptUpdate(ctx, &body, &written, plaintext, Int32(plaintext.count)) == 1 else {
                    throw OpenSSL.error("cannot encrypt a field")
                }
            }
            var final: Int32 = 0
            // The buffer always has 16 spare bytes, so its base address exists.
            let ok = body.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return 0 }
                return EVP_EncryptFinal_ex(ctx, base + Int(written), &final)
            }
            guard ok == 1 else { throw OpenSSL.error("cannot finish AES-256-GCM encryption") }
            out += body.prefix(Int(written + final))
            var tag = [UInt8](repeating: 0, count: Self.tagLength)
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagLength), &tag) == 1 else {
                throw OpenSSL.error("cannot read the GCM tag")
            }
            return out + tag
        }
    }

    /// Decrypts a value sealed by `seal(_:context:)` with the same key and context.
    ///
    /// - Throws: `CryptoError` `field.malformed` (too short for the format), `field.versionUnsupported` (not a
    ///   `v1:` value), `field.authenticationFailed` (altered, sealed for another row, or under another key).
    public func open(_ sealed: [UInt8], context: [UInt8]) throws -> [UInt8] {
        let prefix = Self.versionPrefix
        guard sealed.count >= prefix.count, Array(sealed.prefix(prefix.count)) == prefix else {
            let shown = sealed.prefix(3).map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "." }.joined()
            throw CryptoError(
                CryptoError.fieldVersionUnsupported,
                "sealed field starts with '\(shown)', not the version prefix 'v1:' this build reads")
        }
        guard sealed.count >= Self.overhead else {
            throw CryptoError(
                CryptoError.fieldMalformed,
                "sealed field is \(sealed.count) bytes; a v1 value has at least \(Self.overhead) (prefix, nonce, tag)")
        }
        let nonce = Array(sealed[prefix.count..<(prefix.count + Self.nonceLength)])
        let body = Array(sealed[(prefix.count + Self.nonceLength)..<(sealed.count - Self.tagLength)])
        var tag = Array(sealed.suffix(Self.tagLength))
        return try withContext { ctx in
            guard EVP_DecryptInit_ex(ctx, FetchedCipher.aes256gcm.cipher, nil, key, nonce) == 1 else {
                throw OpenSSL.error("cannot start AES-256-GCM decryption")
            }
            var length: Int32 = 0
            if !context.isEmpty {
                guard EVP_DecryptUpdate(ctx, nil, &length, context, Int32(context.count)) == 1 else {
                    throw OpenSSL.error("cannot authenticate the field context")
                }
            }
            var plain = [UInt8](repeating: 0, count: body.count + 16)
            var written: Int32 = 0
            if !body.isEmpty {
                guard EVP_DecryptUpdate(ctx, &plain, &written, body, Int32(body.count)) == 1 else {
                    throw OpenSSL.error("cannot decrypt a field")
                }
            }
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagLength), &tag) == 1 else {
                throw OpenSSL.error("cannot set the GCM tag")
            }
            var final: Int32 = 0
            let ok = plain.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return 0 }
                return EVP_DecryptFinal_ex(ctx, base + Int(written), &final)
            }
            guard ok == 1 else {
                ERR_clear_error()
                plain.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
                throw CryptoError(
                    CryptoError.fieldAuthenticationFailed,
                    "sealed field fails its GCM tag check: altered, moved from another row, or sealed under another key"
                )
            }
            return Array(plain.prefix(Int(written + final)))
        }
    }

    private func withContext<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        guard let ctx = EVP_CIPHER_CTX_new() else { throw OpenSSL.error("cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        return try body(ctx)
    }
}

extension CryptoError {
    /// A sealed field is too short for its format.
    public static let fieldMalformed = "field.malformed"
    /// A sealed field has a version prefix this build does not read.
    public static let fieldVersionUnsupported = "field.versionUnsupported"
    /// A sealed field fails authentication: altered, moved to another row, or another key.
    public static let fieldAuthenticationFailed = "field.authenticationFailed"
}
