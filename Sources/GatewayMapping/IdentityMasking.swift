import GatewayCore

/// Masks what looks like a clear resident identity number in report text (ARCHITECTURE.md: a person's identity
/// number is never written in clear to logs or reports). The raw row itself is kept exact in `RowOutcome.raw`
/// (for quarantine in the store); only its copy in the row report is masked.
///
/// A run of 17 digits and a digit or X whose positions 7–14 are a real date, or of 15 digits whose positions
/// 7–12 are one (legacy numbers), bounded by characters that are not letters or digits, becomes the display
/// form `ResidentID.masked` (first six and last four kept). Checksums are not required: a mistyped number is still
/// a person's number.
public enum IdentityMasking {
    public static func mask(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        var changed = false
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        func isAlnum(_ b: UInt8) -> Bool {
            isDigit(b) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        }
        while i < bytes.count {
            guard isDigit(bytes[i]), i == 0 || !isAlnum(bytes[i - 1]) else {
                out.append(bytes[i])
                i += 1
                continue
            }
            var j = i
            while j < bytes.count, isDigit(bytes[j]) { j += 1 }
            if j - i == 17, j < bytes.count, bytes[j] == UInt8(ascii: "X") || bytes[j] == UInt8(ascii: "x") { j += 1 }
            let run = Array(bytes[i..<j])
            let bounded = j == bytes.count || !isAlnum(bytes[j])
            if bounded, looksLikeResidentNumber(run) {
                out.append(contentsOf: ResidentID.masked(String(decoding: run, as: UTF8.self)).utf8)
                changed = true
            } else {
                out.append(contentsOf: run)
            }
            i = j
        }
        return changed ? String(decoding: out, as: UTF8.self) : text
    }

    static func looksLikeResidentNumber(_ run: [UInt8]) -> Bool {
        func number(_ r: Range<Int>) -> Int { r.reduce(0) { $0 * 10 + Int(run[$1] - 0x30) } }
        switch run.count {
        case 18:
            let y = number(6..<10)
            return (1880...2100).contains(y) && CivilDate(year: y, month: number(10..<12), day: number(12..<14)) != nil
        case 15:
            return CivilDate(year: 1900 + number(6..<8), month: number(8..<10), day: number(10..<12)) != nil
        default:
            return false
        }
    }
}
