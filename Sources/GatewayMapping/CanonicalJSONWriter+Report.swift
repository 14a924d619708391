import GatewayCore

/// Row-report entries for `CanonicalJSONWriter` (which lives in GatewayCore and knows only the canonical model).
extension CanonicalJSONWriter.Value {
    static func report(_ e: RowReportEntry) -> Self {
        members([
            ("row", .int(e.row)), ("location", .string(e.location)), ("verdict", .string(e.verdict.rawValue)),
            ("recordId", s(e.recordId)), ("problems", .array(e.problems.map(problem))), ("skipReason", s(e.skipReason)),
            ("raw", s(e.raw)),
        ])
    }
}

extension CanonicalJSONWriter {
    /// A row-report entry written straight into the buffer, keys in sorted order by hand; the same bytes as
    /// `write(.report(entry))` (`CanonicalJSONWriterTests` compares both with `JSONEncoder`).
    public mutating func writeReport(_ e: RowReportEntry) {
        bytes.append(contentsOf: #"{"location":"#.utf8)
        writeString(e.location)
        bytes.append(contentsOf: #","problems":["#.utf8)
        for (i, p) in e.problems.enumerated() {
            bytes.append(contentsOf: (i == 0 ? #"{"code":"# : #",{"code":"#).utf8)
            writeString(p.code)
            bytes.append(contentsOf: #","field":"#.utf8)
            writeString(p.field)
            bytes.append(contentsOf: #","message":"#.utf8)
            writeString(p.message)
            bytes.append(contentsOf: #","severity":"#.utf8)
            writeString(p.severity.rawValue)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        if let raw = e.raw {
            bytes.append(contentsOf: #","raw":"#.utf8)
            writeString(raw)
        }
        if let id = e.recordId {
            bytes.append(contentsOf: #","recordId":"#.utf8)
            writeString(id)
        }
        bytes.append(contentsOf: #","row":"#.utf8)
        bytes.append(contentsOf: String(e.row).utf8)
        if let reason = e.skipReason {
            bytes.append(contentsOf: #","skipReason":"#.utf8)
            writeString(reason)
        }
        bytes.append(contentsOf: #","verdict":"#.utf8)
        writeString(e.verdict.rawValue)
        bytes.append(UInt8(ascii: "}"))
    }

    public static func reportText(_ e: RowReportEntry) -> String {
        var w = CanonicalJSONWriter()
        w.writeReport(e)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
