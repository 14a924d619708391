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
    public func validate() throws {
        let header = EnvelopeCodec.describe(messageID: messageID, from: from)
        for (name, value) in fields {
            try EnvelopeCodec.checkValue(name: name, value: value, header: header)
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

    // MARK: value syntax

    static func isLowerHex(_ s: Substring.UTF8View) -> Bool {
        s.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func isUUID(_ value: String) -> Bool {
        let b = Array(value.utf8)
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == 0x2D else { return false }
            } else {
                guard (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) else { return false }
            }
        }
        return true
    }

    static func isSlug(_ value: String) -> Bool {
        let b = Array(value.utf8)
        guard (1...32).contains(b.count), let first = b.first, first >= 0x61, first <= 0x7A else { return false }
        return b.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    static func isDecimal(_ value: String) -> Bool {
        let b = Array(value.utf8)
        guard (1...18).contains(b.count), b.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        return b.count == 1 || b[0] != 0x30
    }

    static func isToken(_ value: String, extra: Set<UInt8>, max: Int) -> Bool {
        let b = Array(value.utf8)
        guard (1...max).contains(b.count) else { return false }
        return b.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || extra.contains($0)
        }
    }

    static func parseDigest(_ value: String, header: String) throws -> PayloadDigest {
        guard let colon = value.firstIndex(of: ":") else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(header): payload-digest '\(value)' has no algorithm tag")
        }
        let tag = String(value[..<colon])
        let hex = value[value.index(after: colon)...]
        guard let algorithm = DigestAlgorithm(rawValue: tag) else {
            throw CryptoError(
                CryptoError.algorithmUnsupported, "\(header): payload digest algorithm '\(tag)' is not sm3 or sha256")
        }
        guard hex.utf8.count == 64, isLowerHex(hex.utf8) else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(header): payload-digest is not 64 lower-case hex digits")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var it = hex.utf8.makeIterator()
        func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }
        while let hi = it.next(), let lo = it.next() { bytes.append(nibble(hi) << 4 | nibble(lo)) }
        return PayloadDigest(algorithm: algorithm, bytes: bytes)
    }

    /// Checks one field's value; throws with the field named.
    static func checkValue(name: String, value: String, header: String) throws {
        func bad(_ why: String) -> CryptoError {
            CryptoError(CryptoError.envelopeMalformed, "\(header): field '\(name)' \(why)")
        }
        switch name {
        case "g60-envelope":
            guard value == String(EnvelopeHeader.version) else {
                throw CryptoError(
                    CryptoError.versionUnsupported, "\(header): format version '\(value)' is not supported (only 1)")
            }
        case "message-id", "in-reply-to":
            guard isUUID(value) else { throw bad("is not a lower-case UUID: '\(value)'") }
        case "from", "to":
            guard isSlug(value) else { throw bad("is not a partner id (a-z, 0-9, '-'; 1-32 chars): '\(value)'") }
        case "kind":
            guard isToken(value, extra: [0x2E, 0x2D], max: 64), value.utf8.first.map({ $0 >= 0x61 && $0 <= 0x7A }) == true
            else { throw bad("is not a message kind: '\(value)'") }
        case "schema":
            guard isToken(value, extra: [0x2E, 0x2D, 0x5F, 0x3A, 0x2F], max: 128) else {
                throw bad("is not a schema name: '\(value)'")
            }
        case "content-type":
            guard isToken(value, extra: [0x2E, 0x2D, 0x5F, 0x2B, 0x2F, 0x3B, 0x3D, 0x20], max: 128),
                value.contains("/"), value.first != " ", value.last != " "
            else { throw bad("is not a media type: '\(value)'") }
        case "issued-at":
            guard RFC3339Timestamp(value) != nil else { throw bad("is not an RFC 3339 date-time with offset: '\(value)'") }
        case "sequence", "record-count", "payload-length":
            guard isDecimal(value) else { throw bad("is not a decimal number without leading zeros: '\(value)'") }
        case "payload-digest":
            _ = try parseDigest(value, header: header)
        case "signature-algorithm":
            guard SignatureAlgorithm(rawValue: value) != nil else {
                throw CryptoError(
                    CryptoError.algorithmUnsupported,
                    "\(header): signature algorithm '\(value)' is not sm2-sm3, ecdsa-p256-sha256 or ed25519")
            }
        case "key-id":
            guard value.hasPrefix("sha256:"), value.utf8.count == 71, isLowerHex(value.utf8.dropFirst(7)[...]) else {
                throw bad("is not sha256:<64 lower-case hex> (a certificate fingerprint): '\(value)'")
            }
        default:
            throw bad("is not a v1 field")
        }
    }

    // MARK: parsing

    static func parse(_ bytes: [UInt8], maxPayloadBytes: Int) throws -> Envelope {
        var lines: [(name: String, value: String, start: Int)] = []
        var position = 0
        var headerEnd = -1
        var messageID: String?
        var from: String?
        var header: String { describe(messageID: messageID, from: from) }

        // Split the header into lines up to the first empty line.
        while true {
            guard position < bytes.count else {
                throw CryptoError(
                    CryptoError.envelopeTruncated, "\(header): the header ends before its empty line (\(bytes.count) bytes)")
            }
            guard position < maxHeaderBytes else {
                throw CryptoError(CryptoError.envelopeMalformed, "\(header): header longer than \(maxHeaderBytes) bytes")
            }
            var end = position
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            guard end < bytes.count else {
                throw CryptoError(CryptoError.envelopeTruncated, "\(header): the header is cut inside a line")
            }
            if end == position {
                headerEnd = end
                break
            }
            let line = bytes[position..<end]
            guard line.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else {
                throw CryptoError(
                    CryptoError.envelopeMalformed,
                    "\(header): header line \(lines.count + 1) has a byte outside printable ASCII (CR, tab, UTF-8?)")
            }
            guard let colon = line.firstIndex(of: 0x3A), colon + 1 < end, bytes[colon + 1] == 0x20 else {
                throw CryptoError(CryptoError.envelopeMalformed, "\(header): header line \(lines.count + 1) is not 'name: value'")
            }
            let name = String(decoding: bytes[position..<colon], as: UTF8.self)
            let value = String(decoding: bytes[(colon + 2)..<end], as: UTF8.self)
            guard !value.isEmpty, value.first != " ", value.last != " " else {
                throw CryptoError(
                    CryptoError.envelopeMalformed, "\(header): field '\(name)' has an empty value or extra spaces")
            }
            if name == "message-id" { messageID = value }
            if name == "from" { from = value }
            lines.append((name, value, position))
            position = end + 1
            if lines.count > requiredNames.count + 2 {
                throw CryptoError(CryptoError.envelopeMalformed, "\(header): too many header lines")
            }
        }

        // Field order: the fixed list, optional in-reply-to, then signature last.
        guard let first = lines.first, first.name == "g60-envelope" else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(header): the first line is not 'g60-envelope: 1'")
        }
        try checkValue(name: first.name, value: first.value, header: header)
        guard let last = lines.last, last.name == "signature" else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(header): the last header line is not 'signature: ...'")
        }
        let fieldLines = lines.dropLast()
        var expected = requiredNames
        if fieldLines.count == requiredNames.count + 1 { expected.append("in-reply-to") }
        guard fieldLines.count == expected.count else {
            throw CryptoError(
                CryptoError.envelopeMalformed,
                "\(header): \(fieldLines.count) header fields, expected \(requiredNames.count) or \(requiredNames.count + 1)")
        }
        for (index, line) in fieldLines.enumerated() where line.name != expected[index] {
            throw CryptoError(
                CryptoError.envelopeMalformed,
                "\(header): header line \(index + 1) is '\(line.name)', expected '\(expected[index])' (fixed order)")
        }
        // Algorithms before syntax of the rest, so an unknown algorithm gets its own code.
        var values: [String: String] = [:]
        for line in fieldLines { values[line.name] = line.value }
        func value(_ name: String) -> String { values[name] ?? "" }
        try checkValue(name: "signature-algorithm", value: value("signature-algorithm"), header: header)
        for line in fieldLines { try checkValue(name: line.name, value: line.value, header: header) }

        // Signature: canonical standard base64 (re-encoding must give the same text, so no bit of it is ignored).
        guard let signatureData = Data(base64Encoded: last.value), !signatureData.isEmpty, signatureData.count <= 256,
            signatureData.base64EncodedString() == last.value
        else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(header): the signature is not canonical base64")
        }

        guard let issuedAt = RFC3339Timestamp(value("issued-at")), let sequence = UInt64(value("sequence")),
            let recordCount = UInt64(value("record-count")), let payloadLength = Int(value("payload-length")),
            let algorithm = SignatureAlgorithm(rawValue: value("signature-algorithm"))
        else {
            throw CryptoError(CryptoError.envelopeMalformed, "\(header): unreadable header values")
        }
        let digest = try parseDigest(value("payload-digest"), header: header)
        let parsed = EnvelopeHeader(
            messageID: value("message-id"), from: value("from"), to: value("to"), kind: value("kind"),
            schema: value("schema"), contentType: value("content-type"), issuedAt: issuedAt, sequence: sequence,
            recordCount: recordCount, payloadDigest: digest, payloadLength: payloadLength, signatureAlgorithm: algorithm,
            keyID: value("key-id"), inReplyTo: values["in-reply-to"])

        guard payloadLength <= maxPayloadBytes else {
            throw CryptoError(
                CryptoError.payloadTooLarge,
                "\(header): payload-length \(payloadLength) is over the limit of \(maxPayloadBytes) bytes")
        }
        let payloadStart = headerEnd + 1
        let actual = bytes.count - payloadStart
        guard actual == payloadLength else {
            throw CryptoError(
                CryptoError.payloadLengthMismatch,
                "\(header): payload-length says \(payloadLength) bytes, the envelope carries \(actual)")
        }
        return Envelope(
            header: parsed, signature: Array(signatureData), signedBytes: Array(bytes[0..<last.start]),
            payload: bytes[payloadStart...])
    }
}
