import Foundation
import Testing

@testable import GatewayMapping

/// The byte-level raw form of an XML record must equal the former String/Foundation form.
@Suite struct XMLSerializeTests {
    static func reference(element: String, fields: [String: String]) -> [UInt8] {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        var s = "<\(element)>"
        for (k, v) in fields.sorted(by: { $0.key < $1.key }) {
            for part in v.components(separatedBy: SourceRow.valueSeparator) { s += "<\(k)>\(esc(part))</\(k)>" }
        }
        s += "</\(element)>"
        return Array(s.utf8)
    }

    @Test func matchesTheFoundationForm() {
        let values = [
            "", "plain", "嘉市监罚〔2024〕0号", "a&b<c>d", "&&<<>>", "x\u{1F}y", "\u{1F}", "\u{1F}\u{1F}a&\u{1F}",
            "某&公司", "&\u{301}", "e\u{301}&", "<中>", "a & b", "1 < 2 > 0", "\r\n&\r\n", "\u{1F}某<\u{1F}",
        ]
        for v in values {
            let fields = ["MC": v, "DM@type": "A&B", "Z": v + "!", "中文": "值"]
            #expect(
                XMLPrologue.serialize(element: "R", fields: fields) == Self.reference(element: "R", fields: fields),
                "\(v.debugDescription)")
        }
        #expect(XMLPrologue.serialize(element: "Row", fields: [:]) == Array("<Row></Row>".utf8))
    }
}
