/// A payload digest algorithm, named as in the envelope's `payload-digest` tag.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    /// SM3 (GB/T 32905-2016), the default with SM2.
    case sm3
    /// SHA-256 (FIPS 180-4).
    case sha256
}

/// A signature algorithm, named as in the envelope's `signature-algorithm` field.
public enum SignatureAlgorithm: String, Sendable, CaseIterable {
    /// SM2 with SM3 and the distinguishing ID `1234567812345678` (GM/T 0009), the default.
    case sm2 = "sm2-sm3"
    /// ECDSA over P-256 with SHA-256.
    case p256 = "ecdsa-p256-sha256"
    /// Ed25519 (RFC 8032, pure).
    case ed25519 = "ed25519"

    /// The short names used by the command line: `sm2`, `p256`, `ed25519`.
    public var shortName: String {
        switch self {
        case .sm2: "sm2"
        case .p256: "p256"
        case .ed25519: "ed25519"
        }
    }

    /// Parses a short name (`sm2`, `p256`, `ed25519`) or a wire name (`sm2-sm3`, ...).
    public init?(name: String) {
        if let wire = SignatureAlgorithm(rawValue: name) {
            self = wire
            return
        }
        guard let match = SignatureAlgorithm.allCases.first(where: { $0.shortName == name }) else { return nil }
        self = match
    }

    /// The payload digest a signer uses by default with this algorithm.
    public var defaultPayloadDigest: DigestAlgorithm { self == .sm2 ? .sm3 : .sha256 }
}

/// The SM2 distinguishing ID every SM2 signature and verification of the exchange uses (GM/T 0009 default).
public enum SM2 {
    /// `1234567812345678`, ASCII, 16 bytes. OpenSSL 3.0 would otherwise use an empty ID (DOMAIN.md §7).
    public static let distinguishingID: [UInt8] = Array("1234567812345678".utf8)
}
