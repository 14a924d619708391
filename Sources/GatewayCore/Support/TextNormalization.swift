/// Small text normalisations shared by identifier checks and the mapping layer.
public enum TextNormalization {
    /// Full-width ASCII forms (U+FF01…U+FF5E) to ASCII, the ideographic space (U+3000) to a space.
    ///
    /// Chinese input methods produce full-width digits and letters (`９１３３…`); they are the same characters.
    public static func halfWidth(_ text: String) -> String {
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

    /// Trims ASCII and Unicode white space (including U+3000 and no-break space) at both ends.
    public static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }

    /// The form identifier checks work on: trimmed, half-width, ASCII letters upper-cased, inner spaces removed.
    public static func identifier(_ text: String) -> String {
        let half = halfWidth(text)
        var out = String.UnicodeScalarView()
        for scalar in half.unicodeScalars where !scalar.properties.isWhitespace {
            if scalar.value >= 0x61 && scalar.value <= 0x7A {
                out.append(Unicode.Scalar(scalar.value - 0x20)!)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
