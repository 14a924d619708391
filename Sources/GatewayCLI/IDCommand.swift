import Foundation
import GatewayCore

/// `g60-gateway id check`: checks USCCs, resident identity numbers and organisation codes.
enum IDCommand: Command {
    static let name = "id"
    static let summary = "check USCCs, resident identity numbers and organisation codes"
    static let help = """
        Usage: g60-gateway id check [--kind uscc|ric|orgcode] [--strict-orgcode] [--contracts DIR] [CODE ...]

        Checks each CODE (or, with none given, each line of standard input) and prints one line per code:
          CODE<TAB>valid|invalid<TAB>uscc|ric|orgcode|unknown<TAB>REASON
        REASON is '-' for a clean valid code, the warnings for a valid one (for example an embedded organisation
        code that fails its own check), or every reason it is invalid.

        Input is normalised first: surrounding spaces trimmed, full-width digits and letters made half-width,
        lower-case letters upper-cased; a 15-digit legacy identity number is upgraded to 18 digits. Each of these
        is reported as a warning. Masked numbers (3208191960****6833) are invalid: they identify nobody exactly.

        Without --kind, a code is valid when it is valid as any kind (an 18-digit string may be both a USCC and an
        identity number: the third column names the kinds, joined by '+').
        --strict-orgcode   reject a USCC whose embedded organisation code fails (default: a warning)
        --contracts DIR    the Contracts/ folder (default: found above the working directory, or $G60_CONTRACTS)

        Exit status: 0 all valid, 1 some invalid, 2 usage error.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--kind", "--contracts"], switches: ["--strict-orgcode"])
        guard args.positional.first == "check" else { throw UsageError("expected 'id check'") }
        var kind: IdentifierKind?
        if let k = args.value("--kind") {
            guard let parsed = IdentifierKind(rawValue: k) else { throw UsageError("--kind must be uscc, ric or orgcode") }
            kind = parsed
        }
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let codes = try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
        let checker = IdentifierChecker(
            authorities: codes.usccAuthorities, strictEmbeddedOrgCode: args.has("--strict-orgcode"))
        var inputs = Array(args.positional.dropFirst())
        if inputs.isEmpty {
            inputs = String(decoding: io.readStandardInput(), as: UTF8.self)
                .split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map(String.init)
                .filter { !TextNormalization.trim($0).isEmpty }
        }
        guard !inputs.isEmpty else { throw UsageError("no codes given (as arguments or on standard input)") }
        var allValid = true
        for input in inputs {
            let line: String
            if let kind {
                let check = checker.check(input, as: kind)
                line = format(input, valid: check.isValid, kinds: kind.rawValue, problems: check.problems)
                allValid = allValid && check.isValid
            } else {
                let result = checker.checkAnyKind(input)
                if result.valid.isEmpty {
                    let best = result.best
                    let kindName = TextNormalization.identifier(input).count == 0 ? "unknown" : best.kind.rawValue
                    line = format(input, valid: false, kinds: kindName, problems: best.problems)
                    allValid = false
                } else {
                    line = format(
                        input, valid: true, kinds: result.valid.map(\.kind.rawValue).joined(separator: "+"),
                        problems: result.valid.flatMap(\.problems))
                }
            }
            io.out(line)
        }
        return allValid ? .ok : .negative
    }

    private static func format(_ input: String, valid: Bool, kinds: String, problems: [Problem]) -> String {
        let shown = valid ? problems.filter { $0.severity == .warning } : problems.filter { $0.severity == .error }
        let reason = shown.isEmpty ? "-" : shown.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
        return [input, valid ? "valid" : "invalid", kinds, reason].joined(separator: "\t")
    }
}
