/// Checks a canonical record against the national field rules and the code tables, returning every problem at
/// once (never stopping at the first), each with the field path, a stable code and a message.
///
/// Codes: `field.required`, `code.unknown`, `date.order`, `date.future`, `money.negative`, the identifier codes
/// under the field they concern (`subject.uscc.checksum`), and kind-specific ones such as
/// `penalty.fineAmount.missingForCategory`. Contracts/records/README.md lists them all.
public struct RecordValidator: Sendable {
    public let codes: CodeTables
    public let identifiers: IdentifierChecker
    /// "Today" for checks against the future; injected so tests and replays are deterministic.
    public let today: CivilDate?

    /// The tables the checks use, resolved once (no table lookup by name, no entry search per record).
    let resolved: ResolvedCodes

    public init(codes: CodeTables, strictEmbeddedOrgCode: Bool = false, today: CivilDate? = nil) {
        self.codes = codes
        self.identifiers = IdentifierChecker(
            authorities: codes.usccAuthorities, strictEmbeddedOrgCode: strictEmbeddedOrgCode)
        self.today = today
        self.resolved = ResolvedCodes(codes)
    }

    public func validate(_ record: CanonicalRecord) -> [Problem] {
        var v = Collector(validator: self)
        if record.sourcePartner.isEmpty { v.required("sourcePartner") }
        switch record.body {
        case .license(let l): v.license(l, subject: record.subject)
        case .penalty(let p): v.penalty(p, subject: record.subject)
        case .dishonestDebtor(let d): v.debtor(d, subject: record.subject)
        case .listEntry(let e): v.listEntry(e, subject: record.subject)
        case .retraction(let r): v.retraction(r, subject: record.subject)
        }
        return v.problems
    }
}

/// The codes of one table as a set, for membership tests (`CodeTable.contains` is a linear search of entries).
struct CodeSet: Sendable {
    let table: String
    private let codes: Set<String>

    init(_ tables: CodeTables, _ table: String) {
        self.table = table
        self.codes = Set(tables[table].entries.map(\.code))
    }

    func contains(_ code: String) -> Bool { codes.contains(code) }
}

/// The code tables `RecordValidator` consults, resolved once from `CodeTables`. A class: the validator (and the
/// collector of each `validate` call, which holds it) is then copied with one reference count, not about thirty.
final class ResolvedCodes: Sendable {
    let subjectCategories: CodeSet
    let idDocumentTypes: CodeSet
    let licenseCategories: CodeSet
    let licenseStatus: CodeSet
    let penaltyCategories: CodeSet
    let severityTiers: CodeSet
    let debtorPerformance: CodeSet
    let debtorSituations: CodeSet
    let listKinds: CodeSet
    let lists: CodeSet
    let retractionReasons: CodeSet
    /// The USCC authority and entity-type pairs (`USCC.authorityTypePairs`), for the clean-code byte scan. Kept
    /// here rather than in `IdentifierChecker`, which routes build per request.
    let usccAuthorityTypes: [Bool]
    /// Penalty category → the fields it requires (`requires` of its first entry, as `CodeTable.entry` finds it).
    let penaltyRequires: [String: [String]]

    init(_ codes: CodeTables) {
        subjectCategories = CodeSet(codes, "subject-categories")
        idDocumentTypes = CodeSet(codes, "id-document-types")
        licenseCategories = CodeSet(codes, "license-categories")
        licenseStatus = CodeSet(codes, "license-status")
        penaltyCategories = CodeSet(codes, "penalty-categories")
        severityTiers = CodeSet(codes, "severity-tiers")
        debtorPerformance = CodeSet(codes, "debtor-performance")
        debtorSituations = CodeSet(codes, "debtor-situations")
        listKinds = CodeSet(codes, "list-kinds")
        lists = CodeSet(codes, "lists")
        retractionReasons = CodeSet(codes, "retraction-reasons")
        usccAuthorityTypes = USCC.authorityTypePairs(codes.usccAuthorities)
        var requires: [String: [String]] = [:]
        for entry in codes["penalty-categories"].entries where requires[entry.code] == nil {
            requires[entry.code] = entry.requires ?? []
        }
        penaltyRequires = requires
    }
}

/// Accumulates problems while walking one record.
private struct Collector {
    let validator: RecordValidator
    var problems: [Problem] = []

    var codes: CodeTables { validator.codes }
    var resolved: ResolvedCodes { validator.resolved }

    mutating func add(_ field: String, _ code: String, _ message: String, warning: Bool = false) {
        problems.append(Problem(field: field, code: code, message: message, severity: warning ? .warning : .error))
    }

    mutating func required(_ field: String) {
        add(field, "field.required", "\(field) is required and missing")
    }

    mutating func text(_ value: String?, _ field: String) {
        if value.map({ TextNormalization.trim($0).isEmpty }) ?? true { required(field) }
    }

    /// `field` is only built when there is a problem to report (`penalty.categories[2]` is interpolated).
    mutating func code(
        _ value: String?, table set: CodeSet, _ field: @autoclosure () -> String, required isRequired: Bool = true
    ) {
        guard let value, !value.isEmpty else {
            if isRequired { required(field()) }
            return
        }
        if !set.contains(value) {
            let table = set.table
            let known = codes[table].entries.map(\.code).joined(separator: ", ")
            let field = field()
            add(field, "code.unknown", "\(field) '\(value)' is not a code of \(table).json (known: \(known))")
        }
    }

    mutating func order(_ earlier: CivilDate?, _ earlierField: String, _ later: CivilDate?, _ laterField: String) {
        guard let earlier, let later, later < earlier else { return }
        add(laterField, "date.order", "\(laterField) \(later) is before \(earlierField) \(earlier)")
    }

    mutating func notFuture(_ date: CivilDate, _ field: String) {
        guard let today = validator.today, date > today else { return }
        add(field, "date.future", "\(field) \(date) is after today (\(today))")
    }

    mutating func identifier(_ value: String?, kind: IdentifierKind, field: String, required isRequired: Bool) {
        guard let value, !value.isEmpty else {
            if isRequired { required(field) }
            return
        }
        if kind == .uscc, USCC.isPlaceholder(value) {
            if isRequired {
                add(field, "\(field).placeholder", "\(field) '\(value)' is the all-zero placeholder, not a code")
            }
            return
        }
        // Most codes are clean: a byte scan says so without building the check and its normalised string.
        // (The validator's checker holds `codes.usccAuthorities`, whose pairs `resolved` holds.)
        if kind == .uscc, USCC.isClean(value, authorityTypes: resolved.usccAuthorityTypes) { return }
        let check = validator.identifiers.check(value, as: kind, today: validator.today)
        for p in check.problems {
            // Identifier codes are `uscc.checksum`; here they sit under the field: `subject.uscc.checksum`.
            let suffix = p.code.split(separator: ".", maxSplits: 1).dropFirst().first.map(String.init) ?? p.code
            problems.append(Problem(field: field, code: "\(field).\(suffix)", message: p.message, severity: p.severity))
        }
    }

    /// `nameField` and `usccField` are the full paths (`penalty.authority.name`): literals, so no string is built
    /// per record.
    mutating func authority(_ a: Authority, _ nameField: String, _ usccField: String, usccRequired: Bool) {
        text(a.name, nameField)
        identifier(a.uscc, kind: .uscc, field: usccField, required: usccRequired)
    }

    mutating func subject(_ s: Subject, organisationNeedsRepresentative: Bool) {
        code(s.category, table: resolved.subjectCategories, "subject.category")
        text(s.name, "subject.name")
        switch s.category {
        case "naturalPerson":
            if let uscc = s.uscc, !uscc.isEmpty {
                add("subject.uscc", "subject.uscc.notForNaturalPerson",
                    "a natural person has no USCC, yet '\(uscc)' is given", warning: true)
            }
            if let identity = s.identity {
                personIdentity(identity, field: "subject.identity")
            } else {
                required("subject.identity")
            }
        case "legalEntity", "individualBusiness":
            identifier(s.uscc, kind: .uscc, field: "subject.uscc", required: true)
            if organisationNeedsRepresentative { text(s.legalRepresentative, "subject.legalRepresentative") }
            if let rep = s.legalRepresentativeIdentity {
                personIdentity(rep, field: "subject.legalRepresentativeIdentity")
            }
        default:
            break
        }
        if let org = s.organizationCode, !org.isEmpty {
            identifier(org, kind: .orgcode, field: "subject.organizationCode", required: false)
        }
    }

    mutating func personIdentity(_ p: PersonIdentity, field: String) {
        let type = p.documentType
        if !type.hasPrefix("other:") { code(type, table: resolved.idDocumentTypes, "\(field).documentType") }
        if !p.exact {
            add("\(field).number", "\(field).masked",
                "\(field) '\(p.masked)' is masked: kept as published, but the subject cannot be matched exactly",
                warning: true)
            return
        }
        if let clear = p.clearNumber {
            if type == "residentIdCard" {
                let check = ResidentID.check(clear, today: validator.today)
                for problem in check.problems {
                    let suffix = problem.code.split(separator: ".", maxSplits: 1).dropFirst().first.map(String.init) ?? problem.code
                    // Messages must not repeat the clear number: they travel in row reports.
                    problems.append(
                        Problem(
                            field: "\(field).number", code: "\(field).\(suffix)",
                            message: "identity number \(p.masked): " + describe(problem.code),
                            severity: problem.severity))
                }
            } else if TextNormalization.trim(clear).isEmpty {
                required("\(field).number")
            }
        } else if p.hash == nil {
            required("\(field).number")
        }
    }

    func describe(_ code: String) -> String {
        switch code {
        case "ric.checksum": return "the check character does not match"
        case "ric.birthDate": return "the birth date is not a real date, before 1880, or in the future"
        case "ric.length": return "an identity number has 18 characters (or 15 for the legacy form)"
        case "ric.character": return "17 digits and a final digit or X are expected"
        case "ric.region": return "an address code never starts with 0"
        case "ric.legacy15": return "a 15-digit legacy number, upgraded to 18 digits"
        case "ric.normalized": return "spaces trimmed, full-width or lower-case characters converted"
        default: return code
        }
    }

    mutating func license(_ l: LicenseDecision, subject s: Subject) {
        subject(s, organisationNeedsRepresentative: true)
        text(l.documentTitle, "license.documentTitle")
        text(l.decisionNumber, "license.decisionNumber")
        code(l.category, table: resolved.licenseCategories, "license.category")
        if l.category == "other" { text(l.categoryDetail, "license.categoryDetail") }
        text(l.content, "license.content")
        code(l.status, table: resolved.licenseStatus, "license.status", required: false)
        authority(l.authority, "license.authority.name", "license.authority.uscc", usccRequired: true)
        authority(l.sourceUnit, "license.sourceUnit.name", "license.sourceUnit.uscc", usccRequired: true)
        notFuture(l.decisionDate, "license.decisionDate")
        order(l.validFrom, "license.validFrom", l.validUntil.date, "license.validUntil")
        order(l.decisionDate, "license.decisionDate", l.validUntil.date, "license.validUntil")
    }

    mutating func penalty(_ p: PenaltyDecision, subject s: Subject) {
        subject(s, organisationNeedsRepresentative: true)
        text(p.decisionNumber, "penalty.decisionNumber")
        text(p.violationType, "penalty.violationType")
        text(p.facts, "penalty.facts")
        text(p.legalBasis, "penalty.legalBasis")
        text(p.content, "penalty.content")
        if p.categories.isEmpty { required("penalty.categories") }
        // Field → the (last) category requiring it; a short list, as rows have one or two categories.
        var requiredFields: [(key: String, value: String)] = []
        for (i, category) in p.categories.enumerated() {
            code(category, table: resolved.penaltyCategories, "penalty.categories[\(i)]")
            for field in resolved.penaltyRequires[category] ?? [] {
                if let j = requiredFields.firstIndex(where: { $0.key == field }) {
                    requiredFields[j].value = category
                } else {
                    requiredFields.append((field, category))
                }
            }
        }
        func present(_ field: String) -> Bool {
            switch field {
            case "fineAmount": return p.fineAmount != nil
            case "confiscatedAmount": return p.confiscatedAmount != nil
            case "suspendedOrRevokedLicense":
                return !(p.suspendedOrRevokedLicense.map { TextNormalization.trim($0).isEmpty } ?? true)
            default: return false
            }
        }
        if requiredFields.count > 1 { requiredFields.sort { $0.key < $1.key } }
        for (field, category) in requiredFields where !present(field) {
            let name = codes["penalty-categories"].entry(category)?.name ?? category
            add("penalty.\(field)", "penalty.\(field).missingForCategory",
                "penalty.\(field) is required because the categories include \(category) (\(name))")
        }
        // Two checks in this order, without an array per record.
        if let amount = p.fineAmount, amount.fen < 0 {
            add("penalty.fineAmount", "money.negative", "penalty.fineAmount \(amount) is negative")
        }
        if let amount = p.confiscatedAmount, amount.fen < 0 {
            add("penalty.confiscatedAmount", "money.negative", "penalty.confiscatedAmount \(amount) is negative")
        }
        code(p.severity, table: resolved.severityTiers, "penalty.severity", required: false)
        authority(p.authority, "penalty.authority.name", "penalty.authority.uscc", usccRequired: true)
        authority(p.sourceUnit, "penalty.sourceUnit.name", "penalty.sourceUnit.uscc", usccRequired: true)
        notFuture(p.decisionDate, "penalty.decisionDate")
        order(p.decisionDate, "penalty.decisionDate", p.validUntil.date, "penalty.validUntil")
        order(p.decisionDate, "penalty.decisionDate", p.publicityEndDate, "penalty.publicityEndDate")
    }

    mutating func debtor(_ d: DishonestDebtorListing, subject s: Subject) {
        subject(s, organisationNeedsRepresentative: false)
        text(d.caseNumber, "dishonestDebtor.caseNumber")
        text(d.court, "dishonestDebtor.court")
        text(d.enforcementBasisNumber, "dishonestDebtor.enforcementBasisNumber")
        text(d.basisIssuer, "dishonestDebtor.basisIssuer")
        text(d.obligation, "dishonestDebtor.obligation")
        code(d.performance, table: resolved.debtorPerformance, "dishonestDebtor.performance")
        if d.performance == "partial" { text(d.unperformedPart, "dishonestDebtor.unperformedPart") }
        if d.situations.isEmpty { required("dishonestDebtor.situations") }
        for (i, situation) in d.situations.enumerated() {
            code(situation, table: resolved.debtorSituations, "dishonestDebtor.situations[\(i)]")
        }
        if let sex = d.sex, sex != "male", sex != "female" {
            add("dishonestDebtor.sex", "code.unknown", "dishonestDebtor.sex '\(sex)' is not male or female")
        }
        // 法释〔2017〕7号 Art. 4: minors are never listed.
        var minor = d.age.map { $0 < 18 } ?? false
        if let clear = s.identity?.clearNumber, s.identity?.documentType == "residentIdCard",
            let birth = ResidentID.birthDate(clear), birth.adding(years: 18) > d.publishedDate
        {
            minor = true
        }
        if minor {
            add("dishonestDebtor", "dishonestDebtor.minor",
                "the debtor was under 18 when published; minors are never listed (法释〔2017〕7号 Art. 4)")
        }
        notFuture(d.publishedDate, "dishonestDebtor.publishedDate")
        order(d.caseFilingDate, "dishonestDebtor.caseFilingDate", d.publishedDate, "dishonestDebtor.publishedDate")
    }

    mutating func listEntry(_ e: ListEntry, subject s: Subject) {
        subject(s, organisationNeedsRepresentative: false)
        code(e.listKind, table: resolved.listKinds, "listEntry.listKind")
        text(e.listName, "listEntry.listName")
        if let listCode = e.listCode {
            code(listCode, table: resolved.lists, "listEntry.listCode")
            if let entry = codes["lists"].entry(listCode), let kind = entry.mapsTo?.first, kind != e.listKind {
                add("listEntry.listKind", "listEntry.listKind.mismatch",
                    "list \(listCode) (\(entry.name)) is a \(kind) list, but listKind is \(e.listKind)")
            }
        }
        text(e.basis, "listEntry.basis")
        authority(e.authority, "listEntry.authority.name", "listEntry.authority.uscc", usccRequired: false)
        notFuture(e.listedDate, "listEntry.listedDate")
        order(e.listedDate, "listEntry.listedDate", e.validUntil?.date, "listEntry.validUntil")
    }

    mutating func retraction(_ r: Retraction, subject s: Subject) {
        subject(s, organisationNeedsRepresentative: false)
        if r.targetKind == .retraction {
            add("retraction.targetKind", "retraction.targetKind.invalid", "a retraction cannot retract a retraction")
        }
        text(r.targetNumber, "retraction.targetNumber")
        code(r.reason, table: resolved.retractionReasons, "retraction.reason")
        authority(r.authority, "retraction.authority.name", "retraction.authority.uscc", usccRequired: false)
    }
}
