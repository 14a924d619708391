import Testing

@testable import GatewayCore

/// The ASCII fast paths of `TextNormalization` must give what the general, per-scalar path gives.
@Suite struct TextNormalizationTests {
    // The general definitions, as they were before the fast paths.
    static func referenceHalfWidth(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E: scalars.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
            case 0x3000: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    static func referenceTrim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }

    static func referenceIdentifier(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in referenceHalfWidth(text).unicodeScalars where !scalar.properties.isWhitespace {
            out.append(scalar.value >= 0x61 && scalar.value <= 0x7A ? Unicode.Scalar(scalar.value - 0x20)! : scalar)
        }
        return String(out)
    }

    static let samples: [String] = [
        "", " ", "\t\n\u{0B}\u{0C}\r ", "91330100MA2AXXXX1X", " 91330100ma2axxxx1x ", "9133 0100\tMA2A",
        "９１３３０１００ＭＡ２Ａ", "\u{3000}91330100\u{3000}", "\u{00A0}abc\u{00A0}", "a\u{0085}", "\u{0085}",
        "某某公司", " 某某公司 ", "x", "X\u{2003}", "\u{2028}y", "abc def", "～！", "\u{1F}a\u{1F}", "é", " é ",
        "杭州市市场监督管理局\u{3000}", "\r\n", "ｚ", "A\u{FF5E}\u{FF5F}",
    ]

    @Test func whitespaceTableMatchesUnicodeProperty() {
        var mismatches: [UInt32] = []
        for v in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            if TextNormalization.isWhitespace(scalar) != scalar.properties.isWhitespace { mismatches.append(v) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func halfWidthMatchesReference() {
        for s in Self.samples { #expect(TextNormalization.halfWidth(s) == Self.referenceHalfWidth(s), "\(s.debugDescription)") }
        // Every scalar around the converted ranges, alone and inside CJK text such as 嘉市监罚〔2026〕1号.
        for v in Array(UInt32(0x2FF0)...0x3030) + Array(UInt32(0xFEF0)...0xFFFF) {
            guard let scalar = Unicode.Scalar(v) else { continue }
            for s in [String(Character(scalar)), "嘉市监罚〔2026〕\(Character(scalar))号"] {
                #expect(TextNormalization.halfWidth(s) == Self.referenceHalfWidth(s), "U+\(String(v, radix: 16))")
            }
        }
    }

    @Test func trimMatchesReference() {
        for s in Self.samples { #expect(TextNormalization.trim(s) == Self.referenceTrim(s), "\(s.debugDescription)") }
        for b in UInt8(0)..<0x80 {
            let s = String(decoding: [b, 0x41, b], as: UTF8.self)
            #expect(TextNormalization.trim(s) == Self.referenceTrim(s), "byte \(b)")
        }
    }

    /// The byte-level fast path decides from the first and last scalar's lead byte: scalars at either end of CJK
    /// text, and alone, must trim as the reference does.
    @Test func trimMatchesReferenceForEveryScalarAtEitherEnd() {
        var mismatches: [UInt32] = []
        // Every scalar up to U+3100 (all the White_Space ones and their lead bytes), then a sample of the rest
        // covering every other lead byte.
        for v in Array(UInt32(0)...0x3100) + Array(stride(from: UInt32(0x3101), through: 0x10FFFF, by: 61)) {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let c = String(Character(scalar))
            for s in [c, c + "嘉兴", "嘉兴" + c, c + "罚款" + c, "a" + c, c + "é"] where TextNormalization.trim(s) != Self.referenceTrim(s) {
                mismatches.append(v)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(TextNormalization.trim("\u{3000}嘉兴\u{00A0}") == "嘉兴")
    }

    @Test func identifierMatchesReference() {
        for s in Self.samples {
            #expect(TextNormalization.identifier(s) == Self.referenceIdentifier(s), "\(s.debugDescription)")
        }
        for b in UInt8(0)..<0x80 {
            let s = String(decoding: [0x61, b, 0x31], as: UTF8.self)
            #expect(TextNormalization.identifier(s) == Self.referenceIdentifier(s), "byte \(b)")
        }
    }
}
