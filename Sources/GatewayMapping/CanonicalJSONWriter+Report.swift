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
