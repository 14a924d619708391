import GatewayCore

extension RowOutcome {
    /// A row outcome made outside the mapping engine (the service's canonical-JSON path and envelope-level
    /// rejections), so every verdict travels in the same row-report form.
    public static func external(
        row: Int, location: String, verdict: Verdict, record: CanonicalRecord? = nil, problems: [Problem],
        raw: [UInt8] = []
    ) -> RowOutcome {
        RowOutcome(
            row: row, location: location, verdict: verdict, record: record, problems: problems, raw: raw,
            skipReason: nil)
    }
}
