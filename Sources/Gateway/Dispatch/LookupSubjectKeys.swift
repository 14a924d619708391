import GatewayCore
import GatewayCrypto
import GatewayDispatch

/// The eligibility lookup's match keys for its usual subject — an 18-character resident identity number as
/// scenic spots and hotels send it — read at the byte level, hashed with OpenSSL's HMAC, with no intermediate
/// strings. The answer is the same as `TrustTravel.subjectKeys` (tested against it): every valid reading, the
/// identity number first (`id:hmac-sha256:<hex>`), then the USCC reading when the same 18 characters also pass
/// the USCC check. Anything else (other lengths, letters, lower-case x, spaces, full-width or masked forms)
/// returns nil and takes the general path.
struct LookupSubjectKeys: Sendable {
    let checker: IdentifierChecker
    let hmac: KeyedHashSHA256
    static let prefix: [UInt8] = Array("id:hmac-sha256:".utf8)
    static let documentType: [UInt8] = Array("residentIdCard:".utf8)
    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    init(checker: IdentifierChecker, keyring: SubjectKeyring) throws {
        self.checker = checker
        hmac = try keyring.withKey { try KeyedHashSHA256(key: $0) }
    }

    /// The keys, or nil when the input is not 17 ASCII digits and a digit or `X` (then the general path decides).
    func keys(_ input: String) -> [String]? {
        var input = input
        return input.withUTF8 { bytes -> [String]? in
            guard bytes.count == 18 else { return nil }
            // GatewayCore's tables, read once here rather than through their accessors per digit.
            let ricWeights = ResidentID.weights
            let usccWeights = USCC.weights
            var ricSum = 0
            var usccSum = 0
            for i in 0..<17 {
                let d = Int(bytes[i]) &- 0x30
                guard d >= 0 && d <= 9 else { return nil }
                ricSum += d * ricWeights[i]
                usccSum += d * usccWeights[i]
            }
            let last = bytes[17]
            guard (last >= 0x30 && last <= 0x39) || last == UInt8(ascii: "X") else { return nil }
            var keys: [String] = []
            if isIdentityNumber(bytes, checkSum: ricSum) {
                guard let key = identityKey(bytes) else { return nil }  // (OpenSSL failed: the general path)
                keys.append(key)
            }
            // Only an input whose USCC check character matches can be a valid USCC: the full check decides.
            if USCC.alphabet[(31 - usccSum % 31) % 31] == last {
                let uscc = checker.check(String(decoding: bytes, as: UTF8.self), as: .uscc)
                if uscc.isValid { keys.append("uscc:" + uscc.normalized) }
            }
            // No valid reading: the general path gives the reason (invalid).
            return keys.isEmpty ? nil : keys
        }
    }

    /// `ResidentID.check` for 17 digits and a digit or X: no leading 0, a birth date from 1880, the check character.
    private func isIdentityNumber(_ b: UnsafeBufferPointer<UInt8>, checkSum: Int) -> Bool {
        guard b[0] != UInt8(ascii: "0"), ResidentID.checkBytes[checkSum % 11] == b[17] else { return false }
        func digits(_ from: Int, _ count: Int) -> Int {
            var v = 0
            for i in from..<(from + count) { v = v * 10 + Int(b[i] - 0x30) }
            return v
        }
        let year = digits(6, 4)
        guard year >= 1880, CivilDate(year: year, month: digits(10, 2), day: digits(12, 2)) != nil else { return false }
        return true
    }

    /// `id:` + `SubjectKeyring.hash(documentType: "residentIdCard", number:)`, built in one buffer.
    private func identityKey(_ number: UnsafeBufferPointer<UInt8>) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 15 + 18 + 32) { message -> String? in
            var n = 0
            for byte in Self.documentType { message[n] = byte; n += 1 }
            for byte in number { message[n] = byte; n += 1 }
            let mac = message.baseAddress!.advanced(by: n)
            do {
                try hmac.authenticate(
                    UnsafeRawBufferPointer(start: message.baseAddress, count: n),
                    into: UnsafeMutableRawBufferPointer(start: mac, count: 32))
            } catch {
                return nil
            }
            return String(unsafeUninitializedCapacity: Self.prefix.count + 64) { out in
                var k = 0
                for byte in Self.prefix { out[k] = byte; k += 1 }
                for i in 0..<32 {
                    out[k] = Self.hex[Int(mac[i] >> 4)]
                    out[k + 1] = Self.hex[Int(mac[i] & 0x0f)]
                    k += 2
                }
                return k
            }
        }
    }
}
