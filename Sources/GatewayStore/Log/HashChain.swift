import Foundation

/// The message log's hash chain: each entry's hash commits to the previous entry's hash, the entry's metadata and
/// the digests of its raw bytes and receipt, so that editing, deleting, inserting or swapping an entry is detected.
///
/// entryHash = H("g60-log/v1" ‖ previousHash ‖ metadata ‖ H(raw) ‖ H(receipt) or 32 zero bytes), where metadata is
/// every header field and the logging time, each length-prefixed (4 bytes, big-endian) so fields cannot slide.
///
/// H(raw) is the digest of the bytes *as they travelled*, also when the store keeps them encrypted at rest
/// (`EvidenceSealing`): encrypting, or re-encrypting under a new key, changes no entry hash, and the chain verifies
/// without the key; with it, each ciphertext is also opened and checked against that digest.
struct HashChain {
    static let genesis = [UInt8](repeating: 0, count: 32)
    private static let domain = Array("g60-log/v1".utf8)

    let hash: StoreHashFunction

    func entryHash(
        previous: [UInt8], position: Int64, direction: EnvelopeDirection, header: EnvelopeHeader,
        loggedAtMillis: Int64, rawDigest: [UInt8], receiptDigest: [UInt8]?
    ) -> [UInt8] {
        var bytes = Self.domain
        bytes.reserveCapacity(512)
        bytes += previous
        func field(_ s: String) {
            let utf8 = Array(s.utf8)
            let n = UInt32(truncatingIfNeeded: utf8.count)
            bytes += [
                UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8),
                UInt8(truncatingIfNeeded: n),
            ]
            bytes += utf8
        }
        field(String(position))
        field(direction.rawValue)
        field(header.messageID)
        field(header.sender)
        field(header.recipient)
        field(header.kind)
        field(header.sequence.map(String.init) ?? "")
        field(String(header.recordCount))
        field(header.payloadDigest)
        field(String(Millis.from(header.issuedAt)))
        field(String(loggedAtMillis))
        bytes += rawDigest
        bytes += receiptDigest ?? Self.genesis
        return hash(bytes)
    }
}

/// Times are stored as integer milliseconds since 1970 so that they survive a round trip exactly (the chain
/// hashes them).
enum Millis {
    static func from(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
