import COpenSSL

/// An initialised `EVP_MD_CTX` for one key and direction, copied for each operation.
///
/// `EVP_DigestSignInit` per message is expensive (ENGINEERING-NOTES §10: −30 % for P-256), so the context is set up
/// once (digest, key, SM2 distinguishing ID) and `EVP_MD_CTX_copy_ex` gives each operation a fresh copy. Where a
/// provider cannot copy its context, every operation initialises the working context instead. Not thread-safe:
/// mutable OpenSSL contexts stay on one thread (ENGINEERING-NOTES §5).
final class SignatureContext {
    private let template: OpaquePointer
    private let work: OpaquePointer
    private let pkey: OpaquePointer
    private let algorithm: SignatureAlgorithm
    private let signing: Bool
    private var copyWorks = true

    init(pkey: OpaquePointer, algorithm: SignatureAlgorithm, signing: Bool) throws {
        guard let template = EVP_MD_CTX_new() else { throw OpenSSL.error("cannot allocate EVP_MD_CTX") }
        guard let work = EVP_MD_CTX_new() else {
            EVP_MD_CTX_free(template)
            throw OpenSSL.error("cannot allocate EVP_MD_CTX")
        }
        self.template = template
        self.work = work
        self.pkey = pkey
        self.algorithm = algorithm
        self.signing = signing
        EVP_PKEY_up_ref(pkey)
        guard Self.initialise(template, pkey: pkey, algorithm: algorithm, signing: signing) else {
            throw OpenSSL.error("cannot initialise \(algorithm.rawValue) \(signing ? "signing" : "verification")")
        }
    }

    deinit {
        EVP_MD_CTX_free(work)
        EVP_MD_CTX_free(template)
        EVP_PKEY_free(pkey)
    }

    /// Sets up `mdctx` for `algorithm`, setting the SM2 distinguishing ID after init and before any data
    /// (ENGINEERING-NOTES §9: passing it as an init parameter fails silently on OpenSSL 3.0).
    static func initialise(_ mdctx: OpaquePointer, pkey: OpaquePointer, algorithm: SignatureAlgorithm, signing: Bool)
        -> Bool
    {
        var pctx: OpaquePointer?
        let md: OpaquePointer? =
            switch algorithm {
            case .sm2: FetchedDigest.sm3.pointer
            case .p256: FetchedDigest.sha256.pointer
            case .ed25519: nil
            }
        let ok =
            signing
            ? EVP_DigestSignInit(mdctx, &pctx, md, nil, pkey) : EVP_DigestVerifyInit(mdctx, &pctx, md, nil, pkey)
        guard ok == 1 else { return false }
        if algorithm == .sm2 {
            guard let pctx else { return false }
            let set = SM2.distinguishingID.withUnsafeBytes {
                EVP_PKEY_CTX_set1_id(pctx, $0.baseAddress, Int32($0.count))
            }
            guard set == 1 else { return false }
        }
        return true
    }

    /// Readies the working context for one operation.
    private func prepare() throws {
        if copyWorks {
            if EVP_MD_CTX_copy_ex(work, template) == 1 { return }
            ERR_clear_error()
            copyWorks = false
        }
        guard Self.initialise(work, pkey: pkey, algorithm: algorithm, signing: signing) else {
            throw OpenSSL.error("cannot initialise \(algorithm.rawValue) context")
        }
    }

    /// Signs `message` (DER for SM2 and ECDSA, 64 raw bytes for Ed25519).
    func sign(_ message: UnsafeRawBufferPointer) throws -> [UInt8] {
        precondition(signing, "SignatureContext.sign on a verification context")
        try prepare()
        var length = Int(EVP_PKEY_get_size(pkey))
        var signature = [UInt8](repeating: 0, count: max(length, 64))
        length = signature.count
        let ok = signature.withUnsafeMutableBufferPointer { out in
            EVP_DigestSign(
                work, out.baseAddress, &length, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count)
        }
        guard ok == 1 else { throw OpenSSL.error("\(algorithm.rawValue) signing failed") }
        return Array(signature.prefix(length))
    }

    /// Whether `signature` is valid for `message`; clears the error queue after a failure, which is expected.
    func verify(_ signature: [UInt8], _ message: UnsafeRawBufferPointer) -> Bool {
        precondition(!signing, "SignatureContext.verify on a signing context")
        do { try prepare() } catch { return false }
        let ok = signature.withUnsafeBufferPointer { sig in
            EVP_DigestVerify(
                work, sig.baseAddress, sig.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                message.count)
        }
        if ok != 1 { ERR_clear_error() }
        return ok == 1
    }
}

/// Signs messages with one private key, reusing its initialised context. Use one per thread.
public final class MessageSigner {
    /// The key's algorithm.
    public let algorithm: SignatureAlgorithm
    private let context: SignatureContext

    public init(key: PrivateKey) throws {
        algorithm = key.algorithm
        context = try SignatureContext(pkey: key.pointer, algorithm: key.algorithm, signing: true)
    }

    /// The signature of `message`: DER `SEQUENCE{r,s}` for SM2 and ECDSA, 64 bytes for Ed25519.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        try message.withUnsafeBytes { try context.sign($0) }
    }
}

/// Verifies signatures with one public key, reusing its initialised context. Use one per thread.
public final class MessageVerifier {
    /// The key's algorithm.
    public let algorithm: SignatureAlgorithm
    private let context: SignatureContext

    public init(key: PublicKey) throws {
        algorithm = key.algorithm
        context = try SignatureContext(pkey: key.pointer, algorithm: key.algorithm, signing: false)
    }

    /// Whether `signature` signs `message` under this key.
    public func isValid(signature: [UInt8], for message: [UInt8]) -> Bool {
        message.withUnsafeBytes { context.verify(signature, $0) }
    }

    /// Whether `signature` signs `message` under this key.
    public func isValid(signature: [UInt8], for message: ArraySlice<UInt8>) -> Bool {
        message.withUnsafeBytes { context.verify(signature, $0) }
    }
}
