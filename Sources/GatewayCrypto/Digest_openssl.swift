import COpenSSL

/// An `EVP_MD` fetched once for the process; fetched digests are immutable and shared across threads.
final class FetchedDigest: @unchecked Sendable {
    let pointer: OpaquePointer

    private init(name: UnsafePointer<CChar>) {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            // The module cannot work at all without SM3/SHA-256: a broken OpenSSL installation is an invariant.
            fatalError("OpenSSL cannot fetch digest \(String(cString: name)): \(OpenSSL.drainErrors())")
        }
        pointer = md
    }

    deinit { EVP_MD_free(pointer) }

    static let sm3 = FetchedDigest(name: CNames.sm3)
    static let sha256 = FetchedDigest(name: CNames.sha256)

    static func of(_ algorithm: DigestAlgorithm) -> FetchedDigest {
        switch algorithm {
        case .sm3: sm3
        case .sha256: sha256
        }
    }
}

/// One-shot digests through OpenSSL (SM3 and SHA-256).
public enum Digest {
    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8], using algorithm: DigestAlgorithm) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0, using: algorithm) }
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: ArraySlice<UInt8>, using algorithm: DigestAlgorithm) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0, using: algorithm) }
    }

    static func hash(_ bytes: UnsafeRawBufferPointer, using algorithm: DigestAlgorithm) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var size: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { buffer in
            EVP_Digest(
                bytes.baseAddress, bytes.count, buffer.baseAddress, &size, FetchedDigest.of(algorithm).pointer, nil)
        }
        // EVP_Digest only fails on allocation failure with a fetched, known digest.
        precondition(ok == 1, "EVP_Digest failed: \(OpenSSL.drainErrors())")
        return Array(out.prefix(Int(size)))
    }
}

/// A reusable digest context (one allocation for many digests). Not thread-safe: one per thread.
final class DigestContext {
    private let context: OpaquePointer
    private let md: OpaquePointer

    init(_ algorithm: DigestAlgorithm) throws {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSL.error("cannot allocate EVP_MD_CTX") }
        self.context = context
        md = FetchedDigest.of(algorithm).pointer
    }

    deinit { EVP_MD_CTX_free(context) }

    func hash(_ bytes: ArraySlice<UInt8>) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var size: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { buffer in
                EVP_DigestInit_ex(context, md, nil) == 1
                    && EVP_DigestUpdate(context, input.baseAddress, input.count) == 1
                    && EVP_DigestFinal_ex(context, buffer.baseAddress, &size) == 1
            }
        }
        guard ok else { throw OpenSSL.error("digest failed") }
        return Array(out.prefix(Int(size)))
    }
}
