/// Masks anything in free text that looks like a resident identity number, so that no log line, metric label or
/// report carries one in clear (issue 10's privacy rule), whatever a caller passed in.
///
/// A run of 17 digits followed by a digit or X, or a run of exactly 15 digits, not part of a longer alphanumeric
/// token, becomes its masked form (`110105********002X`). USCCs (18 characters that contain letters or start
/// with a registration-authority digit followed by letters) are left alone unless they are all digits, which a USCC
/// of authority 1–9 can be: such a code is masked too, erring on the side of privacy in logs.
public enum Redaction {
    public static func redact(_ text: String) -> String {
        var bytes = Array(text.utf8)
        guard bytes.count >= 15 else { return text }
        var changed = false
        var i = 0
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7a) }
        while i < bytes.count {
            guard isDigit(bytes[i]), i == 0 || !isAlnum(bytes[i - 1]) else {
                i += 1
                continue
            }
            var j = i
            while j < bytes.count && isDigit(bytes[j]) { j += 1 }
            var length = j - i
            if length == 17, j < bytes.count, bytes[j] == UInt8(ascii: "X") || bytes[j] == UInt8(ascii: "x") {
                j += 1
                length = 18
            }
            let bounded = j == bytes.count || !isAlnum(bytes[j])
            if bounded && (length == 18 || length == 15) {
                for k in (i + 6)..<(j - 4) { bytes[k] = UInt8(ascii: "*") }
                changed = true
            }
            i = j
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }
}
