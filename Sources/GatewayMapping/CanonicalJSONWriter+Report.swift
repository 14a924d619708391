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
        writeReport(
            row: e.row, location: e.location, verdict: e.verdict, recordID: e.recordId, problems: e.problems,
            skipReason: e.skipReason, raw: e.raw)
    }

    /// The report line of `outcome`: the same bytes as `writeReport(RowReportEntry(outcome))`, without building
    /// the entry (the masked raw row is only built for rejected and skipped rows, as the entry does).
    public mutating func writeReport(_ o: RowOutcome) {
        let accepted = o.verdict == .accepted
        // The line of most rows, accepted without a problem: assembled in one pass (the same bytes as below).
        if accepted, o.problems.isEmpty, o.skipReason == nil, let id = o.recordID {
            let written = appendLine { line in
                line.literal(#"{"location":"#)
                line.string(o.location)
                line.literal(#","problems":[],"recordId":"#)
                line.string(id)
                line.literal(#","row":"#)
                line.integer(o.row)
                line.literal(#","verdict":"accepted"}"#)
            }
            if written { return }
        }
        writeReport(
            row: o.row, location: o.location, verdict: o.verdict, recordID: accepted ? o.recordID : nil,
            problems: o.problems, skipReason: o.skipReason,
            raw: accepted ? nil : IdentityMasking.mask(String(decoding: o.raw, as: UTF8.self)))
    }

    mutating func writeReport(
        row: Int, location: String, verdict: RowOutcome.Verdict, recordID: String?, problems: [Problem],
        skipReason: String?, raw: String?
    ) {
        bytes.append(contentsOf: #"{"location":"#.utf8)
        writeString(location)
        bytes.append(contentsOf: #","problems":["#.utf8)
        for (i, p) in problems.enumerated() {
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
        if let raw {
            bytes.append(contentsOf: #","raw":"#.utf8)
            writeString(raw)
        }
        if let id = recordID {
            bytes.append(contentsOf: #","recordId":"#.utf8)
            writeString(id)
        }
        bytes.append(contentsOf: #","row":"#.utf8)
        writeDecimal(row)
        if let reason = skipReason {
            bytes.append(contentsOf: #","skipReason":"#.utf8)
            writeString(reason)
        }
        switch verdict {
        case .accepted: bytes.append(contentsOf: #","verdict":"accepted"}"#.utf8)
        case .rejected: bytes.append(contentsOf: #","verdict":"rejected"}"#.utf8)
        case .skipped: bytes.append(contentsOf: #","verdict":"skipped"}"#.utf8)
        }
    }

    /// An integer in decimal, as `String(n)` writes it, without the intermediate string.
    mutating func writeDecimal(_ n: Int) { DecimalDigits.append(n, to: &bytes) }

    public static func reportText(_ e: RowReportEntry) -> String {
        var w = CanonicalJSONWriter()
        w.writeReport(e)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
