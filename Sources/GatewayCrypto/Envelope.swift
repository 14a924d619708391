import Foundation
import GatewayCore

/// An algorithm-tagged payload digest, written `sm3:<64 hex>` or `sha256:<64 hex>`.
public struct PayloadDigest: Sendable, Hashable, CustomStringConvertible {
    public let algorithm: DigestAlgorithm
    /// The digest, 32 bytes.
    public let bytes: [UInt8]

    public init(algorithm: DigestAlgorithm, bytes: [UInt8]) {
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// The digest of `payload` under `algorithm`.
    public init(of payload: [UInt8], using algorithm: DigestAlgorithm) {
        self.init(algorithm: algorithm, bytes: Digest.hash(payload, using: algorithm))
    }

    /// The wire form, e.g. `sm3:66c7f0f4...`.
    public var description: String { "\(algorithm.rawValue):\(bytes.hexString)" }
}

/// The header of a signed envelope: every field of Contracts/envelope/v1/README.md, in wire order.
public struct EnvelopeHeader: Sendable, Hashable {
    /// The only format version this module reads and writes.
    public static let version = 1

    public var messageID: String
    public var from: String
    public var to: String
    public var kind: String
    public var schema: String
    public var contentType: String
    public var issuedAt: RFC3339Timestamp
    public var sequence: UInt64
    public var recordCount: UInt64
    public var payloadDigest: PayloadDigest
    public var payloadLength: Int
    public var signatureAlgorithm: SignatureAlgorithm
    public var keyID: String
    public var inReplyTo: String?

    public init(
        messageID: String, from: String, to: String, kind: String, schema: String, contentType: String,
        issuedAt: RFC3339Timestamp, sequence: UInt64, recordCount: UInt64, payloadDigest: PayloadDigest,
        payloadLength: Int, signatureAlgorithm: SignatureAlgorithm, keyID: String, inReplyTo: String? = nil
    ) {
        self.messageID = messageID
        self.from = from
        self.to = to
        self.kind = kind
        self.schema = schema
        self.contentType = contentType
        self.issuedAt = issuedAt
        self.sequence = sequence
        self.recordCount = recordCount
        self.payloadDigest = payloadDigest
        self.payloadLength = payloadLength
        self.signatureAlgorithm = signatureAlgorithm
        self.keyID = keyID
        self.inReplyTo = inReplyTo
    }

    /// The header as (name, value) pairs in wire order, without the signature line.
    public var fields: [(name: String, value: String)] {
        var list: [(String, String)] = [
            ("g60-envelope", String(Self.version)), ("message-id", messageID), ("from", from), ("to", to),
            ("kind", kind), ("schema", schema), ("content-type", contentType), ("issued-at", issuedAt.text),
            ("sequence", String(sequence)), ("record-count", String(recordCount)),
            ("payload-digest", payloadDigest.description), ("payload-length", String(payloadLength)),
            ("signature-algorithm", signatureAlgorithm.rawValue), ("key-id", keyID),
        ]
        if let inReplyTo { list.append(("in-reply-to", inReplyTo)) }
        return list
    }

    /// The bytes that are signed: each field as `name: value\n`, in wire order, without the signature line.
    public var signedBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(640)
        for (name, value) in fields {
            out += name.utf8
            out += [0x3A, 0x20]
            out += value.utf8
            out.append(0x0A)
        }
        return out
    }

    /// Checks every value against the README's syntax; throws `envelope.malformed` (or the specific code).
    ///
    /// Typed fields (issued-at, numbers, digest, algorithm) are valid by construction; the free-text ones are
    /// checked here.
    public func validate() throws {
        let id = messageID
        let sender = from
        var texts: [(String, String)] = [
            ("message-id", messageID), ("from", from), ("to", to), ("kind", kind), ("schema", schema),
            ("content-type", contentType), ("key-id", keyID),
        ]
        if let inReplyTo { texts.append(("in-reply-to", inReplyTo)) }
        for (name, value) in texts {
            var value = value
            try value.withUTF8 { utf8 in
                try EnvelopeCodec.checkValue(
                    name: name, value: ArraySlice(utf8), who: { EnvelopeCodec.describe(messageID: id, from: sender) })
            }
        }
    }
}

/// A parsed envelope: its header, the signature, the exact signed bytes, and the payload as received.
public struct Envelope: Sendable {
    public let header: EnvelopeHeader
    /// The decoded signature (DER for SM2/ECDSA, 64 bytes for Ed25519).
    public let signature: [UInt8]
    /// The header bytes the signature covers, exactly as received.
    public let signedBytes: [UInt8]
    /// The payload bytes, exactly as received.
    public let payload: ArraySlice<UInt8>

    init(header: EnvelopeHeader, signature: [UInt8], signedBytes: [UInt8], payload: ArraySlice<UInt8>) {
        self.header = header
        self.signature = signature
        self.signedBytes = signedBytes
        self.payload = payload
    }

    /// Parses an envelope's bytes. Checks syntax, version, algorithms, the payload length and the size limit;
    /// it does not check the digest, the signature or trust (`EnvelopeVerifier` does).
    /// - Throws: `CryptoError` with one of the codes of Contracts/envelope/v1/README.md.
    public static func parse(_ bytes: [UInt8], maxPayloadBytes: Int = ReceptionPolicy.defaultMaxPayloadBytes) throws
        -> Envelope
    {
        try EnvelopeCodec.parse(bytes, maxPayloadBytes: maxPayloadBytes)
    }

    /// The envelope's wire bytes: signed header, signature line, empty line, payload.
    public var bytes: [UInt8] {
        EnvelopeCodec.serialize(signedBytes: signedBytes, signature: signature, payload: payload)
    }
}

/// The byte-level codec of the v1 wire format (Contracts/envelope/v1/README.md, "Wire format").
enum EnvelopeCodec {
    /// The header (all lines up to and including the empty line) may not exceed this many bytes.
    static let maxHeaderBytes = 8192
    /// Field names in wire order (in-reply-to optional), then `signature`.
    static let requiredNames = [
        "g60-envelope", "message-id", "from", "to", "kind", "schema", "content-type", "issued-at", "sequence",
        "record-count", "payload-digest", "payload-length", "signature-algorithm", "key-id",
    ]

    static func describe(messageID: String?, from: String?) -> String {
        "envelope \(messageID ?? "(no message id)") from \(from ?? "(unknown sender)")"
    }

    static func serialize(signedBytes: [UInt8], signature: [UInt8], payload: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(signedBytes.count + 140 + payload.count)
        out += signedBytes
        out += Array("signature: ".utf8)
        out += Array(Data(signature).base64EncodedString().utf8)
        out += [0x0A, 0x0A]
        out += payload
        return out
    }

    // MARK: value syntax (over bytes: the receive path builds no intermediate strings)

    typealias Bytes = ArraySlice<UInt8>

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isLowerHexDigit(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x66) }
    @inline(__always) static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isLower(c) || (c >= 0x41 && c <= 0x5A) }

    static func isUUID(_ b: Bytes) -> Bool {
        guard b.count == 36 else { return false }
        var i = 0
        for c in b {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == 0x2D else { return false }
            } else {
                guard isLowerHexDigit(c) else { return false }
            }
            i += 1
        }
        return true
    }

    static func isSlug(_ b: Bytes) -> Bool {
        guard (1...32).contains(b.count), let first = b.first, isLower(first) else { return false }
        return b.allSatisfy { isLower($0) || isDigit($0) || $0 == 0x2D }
    }

    static func decimal(_ b: Bytes) -> UInt64? {
        guard (1...18).contains(b.count), b.count == 1 || b.first != 0x30 else { return nil }
        var value: UInt64 = 0
        for c in b {
            guard isDigit(c) else { return nil }
            value = value * 10 + UInt64(c - 0x30)
        }
        return value
    }

    static func isToken(_ b: Bytes, extra: (UInt8) -> Bool, max: Int) -> Bool {
        (1...max).contains(b.count) && b.allSatisfy { isAlnum($0) || extra($0) }
    }

    static let digestTags: [(DigestAlgorithm, [UInt8])] = [
        (.sm3, Array("sm3:".utf8)), (.sha256, Array("sha256:".utf8)),
    ]
    static let keyIDPrefix = Array("sha256:".utf8)

    static func parseDigest(_ b: Bytes, who: () -> String) throws -> PayloadDigest {
        guard let colon = b.firstIndex(of: 0x3A) else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(who()): payload-digest has no algorithm tag")
        }
        let tag = b[...colon]
        guard let algorithm = digestTags.first(where: { $0.1.elementsEqual(tag) })?.0 else {
            throw CryptoError(
                CryptoError.algorithmUnsupported,
                "\(who()): payload digest algorithm '\(String(decoding: b[..<colon], as: UTF8.self))' is not sm3 or sha256"
            )
        }
        let hex = b[(colon + 1)...]
        guard hex.count == 64, hex.allSatisfy(isLowerHexDigit) else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(who()): payload-digest is not 64 lower-case hex digits")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        var i = hex.startIndex
        @inline(__always) func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }
        while i < hex.endIndex {
            bytes.append(nibble(hex[i]) << 4 | nibble(hex[i + 1]))
            i += 2
        }
        return PayloadDigest(algorithm: algorithm, bytes: bytes)
    }

    /// Decodes standard base64 with padding, refusing any non-canonical text (stray bits, missing padding), so
    /// that every bit of the signature line matters.
    static func decodeBase64(_ b: Bytes) -> [UInt8]? {
        guard !b.isEmpty, b.count % 4 == 0 else { return nil }
        @inline(__always) func value(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x41...0x5A: UInt32(c - 0x41)
            case 0x61...0x7A: UInt32(c - 0x61 + 26)
            case 0x30...0x39: UInt32(c - 0x30 + 52)
            case 0x2B: 62
            case 0x2F: 63
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(b.count / 4 * 3)
        var i = b.startIndex
        while i < b.endIndex {
            let last = i + 4 == b.endIndex
            guard let v0 = value(b[i]), let v1 = value(b[i + 1]) else { return nil }
            let c2 = b[i + 2]
            let c3 = b[i + 3]
            if last && c2 == 0x3D {
                guard c3 == 0x3D, v1 & 0x0F == 0 else { return nil }
                out.append(UInt8(v0 << 2 | v1 >> 4))
            } else if last && c3 == 0x3D {
                guard let v2 = value(c2), v2 & 0x03 == 0 else { return nil }
                out.append(UInt8(v0 << 2 | v1 >> 4))
                out.append(UInt8((v1 & 0x0F) << 4 | v2 >> 2))
            } else {
                guard let v2 = value(c2), let v3 = value(c3) else { return nil }
                let n = v0 << 18 | v1 << 12 | v2 << 6 | v3
                out.append(UInt8(n >> 16))
                out.append(UInt8((n >> 8) & 0xFF))
                out.append(UInt8(n & 0xFF))
            }
            i += 4
        }
        return out
    }

    /// Checks one field's value; throws with the field named.
    static func checkValue(name: String, value: Bytes, who: () -> String) throws {
        func bad(_ why: String) -> CryptoError {
            CryptoError(
                CryptoError.envelopeMalformed,
                "\(who()): field '\(name)' \(why): '\(String(decoding: value, as: UTF8.self))'")
        }
        switch name {
        case "g60-envelope":
            guard value.elementsEqual([0x31]) else {
                throw CryptoError(
                    CryptoError.versionUnsupported,
                    "\(who()): format version '\(String(decoding: value, as: UTF8.self))' is not supported (only 1)")
            }
        case "message-id", "in-reply-to":
            guard isUUID(value) else { throw bad("is not a lower-case UUID") }
        case "from", "to":
            guard isSlug(value) else { throw bad("is not a partner id (a-z, 0-9, '-'; 1-32 chars)") }
        case "kind":
            guard isToken(value, extra: { $0 == 0x2E || $0 == 0x2D }, max: 64), let first = value.first, isLower(first)
            else { throw bad("is not a message kind") }
        case "schema":
            guard
                isToken(value, extra: { $0 == 0x2E || $0 == 0x2D || $0 == 0x5F || $0 == 0x3A || $0 == 0x2F }, max: 128)
            else { throw bad("is not a schema name") }
        case "content-type":
            guard
                isToken(
                    value,
                    extra: {
                        switch $0 {
                        case 0x2E, 0x2D, 0x5F, 0x2B, 0x2F, 0x3B, 0x3D, 0x20: true
                        default: false
                        }
                    }, max: 128),
                value.contains(0x2F)
            else { throw bad("is not a media type") }
        case "issued-at":
            guard RFC3339Timestamp(String(decoding: value, as: UTF8.self)) != nil else {
                throw bad("is not an RFC 3339 date-time with offset")
            }
        case "sequence", "record-count", "payload-length":
            guard decimal(value) != nil else { throw bad("is not a decimal number without leading zeros") }
        case "payload-digest":
            _ = try parseDigest(value, who: who)
        case "signature-algorithm":
            guard SignatureAlgorithm(rawValue: String(decoding: value, as: UTF8.self)) != nil else {
                throw CryptoError(
                    CryptoError.algorithmUnsupported,
                    "\(who()): signature algorithm '\(String(decoding: value, as: UTF8.self))' is not sm2-sm3, ecdsa-p256-sha256 or ed25519"
                )
            }
        case "key-id":
            guard value.count == 71, value.starts(with: keyIDPrefix), value.dropFirst(7).allSatisfy(isLowerHexDigit)
            else {
                throw bad("is not sha256:<64 lower-case hex> (a certificate fingerprint)")
            }
        default:
            throw bad("is not a v1 field")
        }
    }

    // MARK: parsing

    static let wireNames: [[UInt8]] = (requiredNames + ["in-reply-to", "signature"]).map { Array($0.utf8) }

    static func parse(_ bytes: [UInt8], maxPayloadBytes: Int) throws -> Envelope {
        // Header lines as (line start, colon, line end) offsets, up to the first empty line.
        var lines: [(start: Int, colon: Int, end: Int)] = []
        lines.reserveCapacity(17)
        var position = 0
        var headerEnd = -1
        /// Names the envelope in messages, computed only when a message is needed.
        func who() -> String {
            func field(_ index: Int) -> String? {
                guard index < lines.count else { return nil }
                let line = lines[index]
                guard bytes[line.start..<line.colon].elementsEqual(wireNames[index]) else { return nil }
                return String(decoding: bytes[(line.colon + 2)..<line.end], as: UTF8.self)
            }
            return describe(messageID: field(1), from: field(2))
        }
        while true {
            guard position < bytes.count else {
                throw CryptoError(
                    CryptoError.envelopeTruncated,
                    "\(who()): the header ends before its empty line (\(bytes.count) bytes)")
            }
            guard position < maxHeaderBytes else {
                throw CryptoError(CryptoError.envelopeMalformed, "\(who()): header longer than \(maxHeaderBytes) bytes")
            }
            var end = position
            var colon = -1
            while end < bytes.count {
                guard end < maxHeaderBytes else {
                    throw CryptoError(
                        CryptoError.envelopeMalformed, "\(who()): header longer than \(maxHeaderBytes) bytes")
                }
                let c = bytes[end]
                if c == 0x0A { break }
                guard c >= 0x20 && c <= 0x7E else {
                    throw CryptoError(
                        CryptoError.envelopeMalformed,
                        "\(who()): header line \(lines.count + 1) has a byte outside printable ASCII (CR, tab, UTF-8?)")
                }
                if c == 0x3A && colon < 0 { colon = end }
                end += 1
            }
            guard end < bytes.count else {
                throw CryptoError(CryptoError.envelopeTruncated, "\(who()): the header is cut inside a line")
            }
            if end == position {
                headerEnd = end
                break
            }
            guard colon > position, colon + 2 < end, bytes[colon + 1] == 0x20, bytes[colon + 2] != 0x20,
                bytes[end - 1] != 0x20
            else {
                throw CryptoError(
                    CryptoError.envelopeMalformed,
                    "\(who()): header line \(lines.count + 1) is not 'name: value' (one space, no empty value)")
            }
            lines.append((position, colon, end))
            position = end + 1
            if lines.count > requiredNames.count + 2 {
                throw CryptoError(CryptoError.envelopeMalformed, "\(who()): too many header lines")
            }
        }
        @inline(__always) func name(_ i: Int) -> ArraySlice<UInt8> { bytes[lines[i].start..<lines[i].colon] }
        @inline(__always) func value(_ i: Int) -> ArraySlice<UInt8> { bytes[(lines[i].colon + 2)..<lines[i].end] }

        // Field order: the fixed list, optional in-reply-to, then the signature last.
        guard !lines.isEmpty, name(0).elementsEqual(wireNames[0]) else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(who()): the first line is not 'g60-envelope: 1'")
        }
        try checkValue(name: "g60-envelope", value: value(0), who: who)
        let fieldCount = lines.count - 1
        guard name(fieldCount).elementsEqual(wireNames[wireNames.count - 1]) else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(who()): the last header line is not 'signature: ...'")
        }
        guard fieldCount == requiredNames.count || fieldCount == requiredNames.count + 1 else {
            throw CryptoError(
                CryptoError.envelopeMalformed,
                "\(who()): \(fieldCount) header fields, expected \(requiredNames.count) or \(requiredNames.count + 1)")
        }
        for index in 0..<fieldCount where !name(index).elementsEqual(wireNames[index]) {
            throw CryptoError(
                CryptoError.envelopeMalformed,
                "\(who()): header line \(index + 1) is '\(String(decoding: name(index), as: UTF8.self))', expected '\(String(decoding: wireNames[index], as: UTF8.self))' (fixed order)"
            )
        }
        // The algorithm before the rest, so an unknown algorithm gets its own code.
        let algorithmName = String(decoding: value(12), as: UTF8.self)
        guard let algorithm = SignatureAlgorithm(rawValue: algorithmName) else {
            throw CryptoError(
                CryptoError.algorithmUnsupported,
                "\(who()): signature algorithm '\(algorithmName)' is not sm2-sm3, ecdsa-p256-sha256 or ed25519")
        }
        func malformed(_ index: Int, _ why: String) -> CryptoError {
            CryptoError(
                CryptoError.envelopeMalformed,
                "\(who()): field '\(requiredNames[index])' \(why): '\(String(decoding: value(index), as: UTF8.self))'")
        }
        for index in [1, 2, 3, 4, 5, 6] { try checkValue(name: requiredNames[index], value: value(index), who: who) }
        let issuedText = String(decoding: value(7), as: UTF8.self)
        guard let issuedAt = RFC3339Timestamp(issuedText) else {
            throw malformed(7, "is not an RFC 3339 date-time with offset")
        }
        guard let sequence = decimal(value(8)) else {
            throw malformed(8, "is not a decimal number without leading zeros")
        }
        guard let recordCount = decimal(value(9)) else {
            throw malformed(9, "is not a decimal number without leading zeros")
        }
        let digest = try parseDigest(value(10), who: who)
        guard let payloadLength = decimal(value(11)).map({ Int($0) }) else {
            throw malformed(11, "is not a decimal number without leading zeros")
        }
        try checkValue(name: "key-id", value: value(13), who: who)
        var inReplyTo: String?
        if fieldCount == requiredNames.count + 1 {
            try checkValue(name: "in-reply-to", value: value(14), who: who)
            inReplyTo = String(decoding: value(14), as: UTF8.self)
        }
        guard let signature = decodeBase64(value(fieldCount)), signature.count <= 256 else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(who()): the signature is not canonical base64")
        }
        func text(_ index: Int) -> String { String(decoding: value(index), as: UTF8.self) }
        let parsed = EnvelopeHeader(
            messageID: text(1), from: text(2), to: text(3), kind: text(4), schema: text(5), contentType: text(6),
            issuedAt: issuedAt, sequence: sequence, recordCount: recordCount, payloadDigest: digest,
            payloadLength: payloadLength, signatureAlgorithm: algorithm, keyID: text(13), inReplyTo: inReplyTo)

        guard payloadLength <= maxPayloadBytes else {
            throw CryptoError(
                CryptoError.payloadTooLarge,
                "\(who()): payload-length \(payloadLength) is over the limit of \(maxPayloadBytes) bytes")
        }
        let payloadStart = headerEnd + 1
        let actual = bytes.count - payloadStart
        guard actual == payloadLength else {
            throw CryptoError(
                CryptoError.payloadLengthMismatch,
                "\(who()): payload-length says \(payloadLength) bytes, the envelope carries \(actual)")
        }
        return Envelope(
            header: parsed, signature: signature, signedBytes: Array(bytes[0..<lines[fieldCount].start]),
            payload: bytes[payloadStart...])
    }
}
