/// The kinds of identifier the gateway checks.
public enum IdentifierKind: String, Codable, Sendable, CaseIterable {
    /// 统一社会信用代码, GB 32100-2015.
    case uscc
    /// 公民身份号码 (resident identity number), GB 11643-1999.
    case ric
    /// 组织机构代码, GB 11714.
    case orgcode
}

/// The outcome of checking one identifier: valid or not, the normalised form, and every problem and warning.
public struct IdentifierCheck: Hashable, Sendable {
    public let kind: IdentifierKind
    /// The input as given.
    public let input: String
    /// The form that was checked (trimmed, half-width, upper-case; a 15-digit RIC upgraded to 18).
    public let normalized: String
    /// Errors (the code is invalid) and warnings (valid, with a remark), each with a stable code.
    public let problems: [Problem]

    public var isValid: Bool { !problems.hasErrors }
    public var errors: [Problem] { problems.filter { $0.severity == .error } }
    public var warnings: [Problem] { problems.filter { $0.severity == .warning } }

    public init(kind: IdentifierKind, input: String, normalized: String, problems: [Problem]) {
        self.kind = kind
        self.input = input
        self.normalized = normalized
        self.problems = problems
    }
}

/// Checks identifiers of every kind, with the registration-authority table loaded from `Contracts/codes/`.
public struct IdentifierChecker: Sendable {
    public let authorities: USCCAuthorityTable?
    /// Whether an embedded organisation code that fails its own check rejects a USCC (default: only a warning,
    /// since registries issued such codes and a gateway must not drop a legal record over it; DOMAIN.md §6.1).
    public let strictEmbeddedOrgCode: Bool

    public init(authorities: USCCAuthorityTable? = nil, strictEmbeddedOrgCode: Bool = false) {
        self.authorities = authorities
        self.strictEmbeddedOrgCode = strictEmbeddedOrgCode
    }

    public func check(_ code: String, as kind: IdentifierKind, today: CivilDate? = nil) -> IdentifierCheck {
        switch kind {
        case .uscc: return USCC.check(code, authorities: authorities, strictEmbeddedOrgCode: strictEmbeddedOrgCode)
        case .ric: return ResidentID.check(code, today: today)
        case .orgcode: return OrganizationCode.check(code)
        }
    }

    /// Checks `code` as every kind and returns the valid results (USCC first, then RIC, then org code); when none
    /// is valid, returns the check of the kind the input most looks like, so its reasons are the useful ones.
    public func checkAnyKind(_ code: String, today: CivilDate? = nil) -> (valid: [IdentifierCheck], best: IdentifierCheck) {
        let all = IdentifierKind.allCases.map { check(code, as: $0, today: today) }
        let valid = all.filter(\.isValid)
        if let first = valid.first { return (valid, first) }
        let normalized = TextNormalization.identifier(code)
        let likely: IdentifierKind
        switch normalized.count {
        case 9: likely = .orgcode
        case 15: likely = .ric
        case 18 where ResidentID.isMasked(normalized):
            likely = .ric
        case 18:
            let body = normalized.utf8.prefix(17)
            likely = body.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) && !normalized.hasPrefix("9") ? .ric : .uscc
        default: likely = .uscc
        }
        return ([], all.first { $0.kind == likely }!)
    }
}

/// Notes the normalisation as a warning when it changed the input, so a partner learns its export is irregular.
func normalizationWarnings(input: String, normalized: String, field: String) -> [Problem] {
    guard input != normalized else { return [] }
    return [
        .warning(
            field, "\(field).normalized",
            "'\(input)' was read as '\(normalized)' (spaces trimmed, full-width or lower-case characters converted)")
    ]
}
