import Foundation
import GatewayCore
import GatewayMapping

/// `g60-gateway map`: maps one file in a partner's dialect to canonical records and a row report.
enum MapCommand: Command {
    static let name = "map"
    static let summary = "map a partner's export file to canonical records (JSON Lines) and a row report"
    static let help = """
        Usage: g60-gateway map --partner SLUG_OR_DIR --kind KIND [FILE] [--report FILE] [--progress]
                               [--no-duplicate-check] [--duplicate-index-mb N] [--today YYYY-MM-DD]
                               [--partners DIR] [--contracts DIR]

        Reads FILE (or standard input) as the partner's dialect for KIND (Partners/<slug>/partner.json, format in
        Partners/README.md) and writes the accepted canonical records as JSON Lines to standard output.
          --report FILE  one JSON line per source row: row, location, verdict (accepted/rejected/skipped),
                         recordId, problems (field, code, message, severity), raw row for rejected/skipped rows
          --progress     show rows, rows/s and rejected rows on standard error (default: only on a terminal)
          --no-duplicate-check  do not reject rows repeating an earlier row's natural key (row.duplicate); the
                         index behind that check is the only memory that grows with the file (~30 bytes a row)
          --duplicate-index-mb N  memory budget of that index in MiB (default 32, about 1.1M distinct records);
                         past it the index moves to an unlinked temporary file in $TMPDIR (or /tmp), so memory
                         stays flat; the rows reported as duplicates are the same
          --today        the date 'in the future' is checked against (default: the system date)
          --partners     the Partners/ folder (default: beside Contracts/, or $G60_PARTNERS)
        KIND is one of: \(RecordKind.allCases.map(\.rawValue).joined(separator: ", ")).

        Exit status: 0 every row accepted (or skipped by a dialect rule), 1 some rows rejected, 2 usage error,
        4 the file cannot be read as the dialect says (the message says where and why).
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(
            arguments,
            valued: ["--partner", "--kind", "--report", "--today", "--partners", "--contracts", "--duplicate-index-mb"],
            switches: ["--progress", "--no-duplicate-check"])
        guard let partnerArg = args.value("--partner") else { throw UsageError("--partner is required") }
        guard let kindArg = args.value("--kind") else { throw UsageError("--kind is required") }
        guard let kind = RecordKind(rawValue: kindArg) else {
            throw UsageError(
                "--kind '\(kindArg)' is not one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard args.positional.count <= 1 else { throw UsageError("map takes at most one FILE") }
        var today = CivilDate.today()
        if let t = args.value("--today") {
            guard let d = CivilDate(iso: t) else { throw UsageError("--today '\(t)' is not YYYY-MM-DD") }
            today = d
        }
        var indexBudget = MappingEngine.defaultDuplicateIndexBudget
        if let m = args.value("--duplicate-index-mb") {
            guard let mb = Int(m), mb >= 0, mb <= 1 << 20 else {
                throw UsageError("--duplicate-index-mb '\(m)' is not a whole number of MiB from 0 to 1048576")
            }
            indexBudget = mb << 20
        }
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let codes = try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
        let engine: MappingEngine
        do {
            let folder = try Partner.locate(
                partnerArg, partnersRoot: PartnersLocator.find(args.value("--partners"), contracts: contracts))
            let partner = try Partner.load(folder: folder)
            engine = try MappingEngine(
                partner: partner, kind: kind, codes: codes, today: today,
                detectDuplicates: !args.has("--no-duplicate-check"), duplicateIndexBudget: indexBudget)
        } catch let e as MappingError {
            throw UsageError(e.description)
        }
        let input: MappingInput = args.positional.first.map { .file($0) } ?? .standardInput
        var reportHandle: FileHandle?
        if let path = args.value("--report") {
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let h = FileHandle(forWritingAtPath: path)
            else {
                throw UsageError("cannot write the report to \(path)")
            }
            reportHandle = h
        }
        defer { try? reportHandle?.close() }
        let showProgress = args.has("--progress") || io.stderrIsTerminal
        // Byte-level output: records and report lines are written straight into two reusable byte buffers
        // (no String per line, no re-validation per line), flushed every 64 KiB.
        var out = CanonicalJSONWriter()
        var report = CanonicalJSONWriter()
        out.bytes.reserveCapacity(1 << 17)
        report.bytes.reserveCapacity(1 << 17)
        let started = Date()
        var lastProgress = started
        var summary = MappingSummary()
        var rejectedSoFar = 0
        let writeReport = reportHandle != nil
        func flush() {
            if !out.bytes.isEmpty {
                // Ends with a newline: the same bytes as the lines joined by newlines, plus one, as `out` wrote them.
                io.outBytes(out.bytes)
                out.bytes.removeAll(keepingCapacity: true)
            }
            if !report.bytes.isEmpty {
                if let h = reportHandle { report.bytes.withUnsafeBytes { h.write(Data($0)) } }
                report.bytes.removeAll(keepingCapacity: true)
            }
        }
        do {
            summary = try engine.run(input) { outcome in
                if outcome.verdict == .rejected { rejectedSoFar += 1 }
                if outcome.verdict == .accepted, let r = outcome.record {
                    out.writeRecord(r)
                    out.bytes.append(0x0A)
                }
                if writeReport {
                    report.writeReport(outcome)
                    report.bytes.append(0x0A)
                }
                if out.bytes.count > 1 << 16 || report.bytes.count > 1 << 16 { flush() }
                if showProgress, outcome.row % 1000 == 0 {
                    let now = Date()
                    if now.timeIntervalSince(lastProgress) >= 1 {
                        lastProgress = now
                        let rate = Double(outcome.row) / max(now.timeIntervalSince(started), 0.001)
                        io.err("map: \(outcome.row) rows, \(Int(rate)) rows/s, \(rejectedSoFar) rejected")
                    }
                }
            }
        } catch let e as MappingError {
            flush()
            io.err("g60-gateway map: \(input.name): \(e.message) [\(e.code)]")
            return .unreadable
        }
        flush()
        if showProgress || summary.rejected > 0 {
            let seconds = Date().timeIntervalSince(started)
            io.err(
                "map: \(summary.rows) rows: \(summary.accepted) accepted, \(summary.rejected) rejected, \(summary.skipped) skipped"
                    + (showProgress ? String(format: " (%.0f rows/s)", Double(summary.rows) / max(seconds, 0.001)) : "")
            )
        }
        return summary.rejected > 0 ? .negative : .ok
    }
}

/// Finds the `Partners/` folder: explicit, `$G60_PARTNERS`, or beside the Contracts/ folder.
enum PartnersLocator {
    static func find(_ explicit: String?, contracts: URL) -> URL? {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let env = ProcessInfo.processInfo.environment["G60_PARTNERS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let sibling = contracts.deletingLastPathComponent().appendingPathComponent("Partners")
        return FileManager.default.fileExists(atPath: sibling.path) ? sibling : nil
    }
}
