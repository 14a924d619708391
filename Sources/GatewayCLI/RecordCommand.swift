import Foundation
import GatewayCore

/// `g60-gateway record validate`: validates canonical records (JSON Lines).
enum RecordCommand: Command {
    static let name = "record"
    static let summary = "validate canonical records (JSON Lines)"
    static let help = """
        Usage: g60-gateway record validate [--today YYYY-MM-DD] [--contracts DIR] [FILE]

        Reads canonical records (Contracts/records/, one JSON object per line) from FILE or standard input and
        prints one verdict per line:
          LINE<TAB>accepted|rejected<TAB>RECORD-ID<TAB>PROBLEMS
        PROBLEMS lists every problem (field, stable code, message; warnings too), or '-'. Blank lines are skipped.
        A line that is not a canonical record is rejected with code record.malformed.
        --today   the date that 'in the future' is checked against (default: the system date)

        Exit status: 0 all accepted, 1 some rejected, 2 usage error, 4 the file cannot be read.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--today", "--contracts"])
        guard args.positional.first == "validate" else { throw UsageError("expected 'record validate'") }
        guard args.positional.count <= 2 else { throw UsageError("record validate takes at most one FILE") }
        var today = CivilDate.today()
        if let t = args.value("--today") {
            guard let d = CivilDate(iso: t) else { throw UsageError("--today '\(t)' is not YYYY-MM-DD") }
            today = d
        }
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let codes = try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
        let validator = RecordValidator(codes: codes, today: today)
        let data: Data
        if args.positional.count == 2 {
            let path = args.positional[1]
            guard let d = FileManager.default.contents(atPath: path) else {
                io.err("g60-gateway record: cannot read \(path)")
                return .unreadable
            }
            data = d
        } else {
            data = io.readStandardInput()
        }
        var allAccepted = true
        var lineNumber = 0
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            var record: CanonicalRecord
            do {
                record = try decoder.decode(CanonicalRecord.self, from: Data(line))
            } catch {
                allAccepted = false
                io.out("\(lineNumber)\trejected\t-\trecord.malformed: \(describe(error))")
                continue
            }
            let givenID = record.id
            record.assignID(keyring: .demo)
            var problems = validator.validate(record)
            if let givenID, givenID != record.id {
                problems.append(
                    .error("id", "record.id.mismatch", "id '\(givenID)' does not match the natural key's id '\(record.id!)'"))
            }
            let accepted = !problems.hasErrors
            allAccepted = allAccepted && accepted
            let text = problems.isEmpty ? "-" : problems.map { "\($0.severity.rawValue) \($0.field) \($0.code): \($0.message)" }.joined(separator: "; ")
            io.out("\(lineNumber)\t\(accepted ? "accepted" : "rejected")\t\(record.id ?? "-")\t\(text)")
        }
        return allAccepted ? .ok : .negative
    }

    /// A decoding error as one sentence naming the field path.
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop(while: { $0 == "." }).description
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return "missing field \(path(ctx.codingPath + [key]))"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return "wrong type at \(path(ctx.codingPath)): \(ctx.debugDescription)"
        case .dataCorrupted(let ctx):
            let underlying = (ctx.underlyingError as NSError?)?.localizedDescription
            return "\(path(ctx.codingPath).isEmpty ? "not JSON" : path(ctx.codingPath)): \(underlying ?? ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
