import GatewayCore

/// Text made safe for server-rendered HTML (the `/ops` dashboard and the monitoring report).
enum HTMLText {
    /// Escapes text and attribute values; identity numbers are masked first, so no page ever shows one in clear.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in Redaction.redact(text) {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
