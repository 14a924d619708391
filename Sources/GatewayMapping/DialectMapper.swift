import GatewayCore
import Synchronization

/// The outcome of one source row: accepted with its canonical record, rejected with every problem, or skipped by
/// a dialect rule. Rejected and skipped rows keep their raw bytes; nothing is dropped silently.
public struct RowOutcome: Sendable {
    public enum Verdict: String, Codable, Sendable {
        case accepted
        case rejected
        case skipped
    }

    public var row: Int
    public var location: String
    public var verdict: Verdict
    public var record: CanonicalRecord?
    public var problems: [Problem]
    /// The source row's raw bytes (UTF-8 after encoding conversion) for rejected and skipped rows; empty for
    /// accepted rows, whose canonical record stands for them.
    public var raw: [UInt8]
    public var skipReason: String?

    public var recordID: String? { record?.id }
}

/// Maps the rows of one dialect to canonical records and validates them (`RecordValidator`), collecting the
/// mapping problems (unparseable date, unknown local code, invalid bytes …) and the validator's in one list.
public struct DialectMapper: Sendable {
    /// One canonical field's compiled mapping. A class: passing it per field and row then costs one reference
    /// count, not a copy of thirteen members.
    final class Plan: Sendable {
        let path: String
        let type: CanonicalFields.ValueType
        let sources: [String]
        let constant: String?
        let transforms: [String]
        let dateFormats: [String]
        let unit: Money.Unit
        let table: [String: [String]]?
        let tableName: String?
        let split: [String]
        let when: Dialect.Condition?
        let join: Bool
        let omitUnknown: Bool
        /// `transforms`, compiled once (no name matching per value).
        let ops: [Transforms.Op]
        /// Whether `ops` is `trim` alone (the default): then `Transforms.trim` is called directly.
        let trimOnly: Bool
        /// For a code field over a canonical table: its codes and names as hash lookups (built once).
        let lookup: CodeLookup?
        /// For a code field: every value it knows (local codes, canonical codes and names) → its codes, by bytes.
        let exact: ExactCodeTable?

        init(
            path: String, type: CanonicalFields.ValueType, sources: [String], constant: String?, transforms: [String],
            dateFormats: [String], unit: Money.Unit, table: [String: [String]]?, tableName: String?, split: [String],
            when: Dialect.Condition?, join: Bool, omitUnknown: Bool, lookup: CodeLookup? = nil,
            codes: CodeTables? = nil
        ) {
            self.path = path
            self.type = type
            self.sources = sources
            self.constant = constant
            self.transforms = transforms
            self.dateFormats = dateFormats
            self.unit = unit
            self.table = table
            self.tableName = tableName
            self.split = split
            self.when = when
            self.join = join
            self.omitUnknown = omitUnknown
            self.ops = Transforms.compile(transforms)
            if self.ops.count == 1, case .trim = self.ops[0] { self.trimOnly = true } else { self.trimOnly = false }
            self.lookup = lookup
            switch type {
            case .code(let t), .codes(let t):
                var keys = (table ?? [:]).keys.sorted()
                keys += lookup?.keys ?? []
                if t == "sex" { keys += ["male", "男", "female", "女"] }
                if t == "record-kinds" { keys += RecordKind.allCases.map(\.rawValue) }
                self.exact = ExactCodeTable(
                    keys.map { key in
                        let answer = DialectMapper.resolveTrimmedCode(
                            key, local: table, lookup: lookup, table: t, codes: codes)
                        return (key, answer)
                    })
            default:
                self.exact = nil
            }
        }
    }

    public let partnerID: String
    public let dialect: Dialect
    public let kind: RecordKind
    let codes: CodeTables
    let validator: RecordValidator
    let keyring: SubjectKeyring
    let plans: [Plan]
    /// `CanonicalPath` (by raw value) → its slot in `Values`, -1 when the dialect does not map it.
    let slotByPath: [Int]
    /// Source positions per CSV header (see `sourcePositions`).
    let positionCache = PositionCache()
    let nullValues: Set<String>
    /// The longest null value in UTF-8 bytes: longer values are never looked up (hashing long Chinese text costs).
    let nullValueMaxBytes: Int
    let longTermValues: Set<String>
    let nullFirstBytes: ByteSet

    /// Stands in for a date that could not be read (its problem is reported; validator follow-ons are dropped).
    static let sentinelDate = CivilDate(dayNumber: -719_162)  // 0001-01-01

    /// Compiles `dialect`; throws `mapping.dialect.invalid` listing every problem `check` finds.
    public init(partnerID: String, dialect: Dialect, codes: CodeTables, today: CivilDate, keyring: SubjectKeyring)
        throws
    {
        let issues = DialectMapper.check(dialect, codes: codes)
        guard issues.isEmpty else {
            throw MappingError(
                MappingError.dialectInvalid,
                "partner \(partnerID), \(dialect.kind.rawValue) dialect: " + issues.joined(separator: "; "))
        }
        self.partnerID = partnerID
        self.dialect = dialect
        self.kind = dialect.kind
        self.codes = codes
        self.validator = RecordValidator(codes: codes, today: today)
        self.keyring = keyring
        self.nullValues = Set((dialect.nullValues ?? []) + [""])
        self.nullValueMaxBytes = nullValues.map(\.utf8.count).max() ?? 0
        self.nullFirstBytes = ByteSet.nullFirstBytes(nullValues)
        self.longTermValues = Set((dialect.longTermValues ?? []) + ["长期", "永久"])
        var plans: [Plan] = []
        for (path, field) in dialect.fields.sorted(by: { $0.key < $1.key }) {
            guard let type = CanonicalFields.type(of: path, kind: dialect.kind) else { continue }
            let table = field.table.flatMap { dialect.tables?[$0] }.map { $0.mapValues(\.codes) }
            plans.append(
                Plan(
                    path: path, type: type, sources: field.from ?? [], constant: field.const,
                    transforms: field.transforms ?? ["trim"],
                    dateFormats: field.dateFormats ?? dialect.dateFormats ?? Dialect.defaultDateFormats,
                    unit: field.unit == "wanYuan" ? .wanYuan : field.unit == "fen" ? .fen : .yuan, table: table,
                    tableName: field.table, split: field.split ?? [], when: field.when, join: field.join ?? false,
                    omitUnknown: field.onUnknown == "omit", lookup: CodeLookup(type: type, codes: codes), codes: codes))
        }
        self.plans = plans
        var slotOf: [String: Int] = [:]
        for (i, plan) in plans.enumerated() { slotOf[plan.path] = i }
        self.slotByPath = CanonicalPath.paths.map { slotOf[$0] ?? -1 }
    }

    /// Every problem of a dialect: unknown canonical fields or options, missing tables, local codes mapping to
    /// codes the canonical tables lack, required fields left unmapped. Empty when the dialect is usable.
    public static func check(_ dialect: Dialect, codes: CodeTables) -> [String] {
        var issues: [String] = []
        let kind = dialect.kind
        switch dialect.format.type {
        case "csv":
            if dialect.format.header == false, (dialect.format.columns ?? []).isEmpty {
                issues.append("format: a CSV without header needs 'columns'")
            }
            if let d = dialect.format.delimiter, d != "\\t", d.utf8.count != 1 {
                issues.append("format.delimiter '\(d)' is not one byte")
            }
        case "json", "jsonl":
            break
        case "xml":
            if (dialect.format.recordElement ?? "").isEmpty { issues.append("format: XML needs 'recordElement'") }
        default:
            issues.append("format.type '\(dialect.format.type)' is not csv, json, jsonl or xml")
        }
        for (path, field) in dialect.fields.sorted(by: { $0.key < $1.key }) {
            guard let type = CanonicalFields.type(of: path, kind: kind) else {
                issues.append("fields.\(path) is not a canonical field of \(kind.rawValue)")
                continue
            }
            if (field.from ?? []).isEmpty, field.const == nil {
                issues.append("fields.\(path) has neither 'from' nor 'const'")
            }
            for t in field.transforms ?? [] where !Transforms.isKnownTransform(t) {
                issues.append("fields.\(path): unknown transform '\(t)'")
            }
            for f in field.dateFormats ?? [] where !Transforms.isValidDateFormat(f) {
                issues.append("fields.\(path): '\(f)' is not a date form")
            }
            if let o = field.onUnknown, o != "reject", o != "omit" {
                issues.append("fields.\(path): onUnknown '\(o)' is not reject or omit")
            }
            if let u = field.unit, !["yuan", "wanYuan", "fen"].contains(u) {
                issues.append("fields.\(path): unit '\(u)' is not yuan, wanYuan or fen")
            }
            if let tableName = field.table {
                guard let table = dialect.tables?[tableName] else {
                    issues.append("fields.\(path) uses table '\(tableName)', which 'tables' does not define")
                    continue
                }
                let canonical: String?
                switch type {
                case .code(let t), .codes(let t): canonical = t
                default: canonical = nil
                }
                guard let canonical else {
                    issues.append("fields.\(path) is not a code field, yet has a table")
                    continue
                }
                for (local, value) in table.sorted(by: { $0.key < $1.key }) {
                    for code in value.codes where !isCanonical(code, table: canonical, codes: codes) {
                        issues.append(
                            "tables.\(tableName): '\(local)' maps to '\(code)', which is not a code of \(canonical)")
                    }
                }
            }
        }
        for f in dialect.dateFormats ?? [] where !Transforms.isValidDateFormat(f) {
            issues.append("dateFormats: '\(f)' is not a date form")
        }
        for path in CanonicalFields.required[kind] ?? [] where dialect.fields[path] == nil {
            issues.append("fields.\(path) is required for \(kind.rawValue) and not mapped")
        }
        return issues
    }

    static func isCanonical(_ code: String, table: String, codes: CodeTables) -> Bool {
        switch table {
        case "sex": return code == "male" || code == "female"
        case "record-kinds": return RecordKind(rawValue: code) != nil
        default: return codes[table].contains(code)
        }
    }

    // MARK: mapping one row

    /// Maps and validates one row.
    public func map(_ row: SourceRow) -> RowOutcome {
        var values = Values(count: plans.count)
        return map(row, reusing: &values)
    }

    /// `map(_:)` with the value slots of an earlier row (`RunState` keeps one `Values` for a whole file): no slot
    /// array is allocated per row. `values` is left cleared for the next row.
    func map(_ row: SourceRow, reusing values: inout Values) -> RowOutcome {
        var outcome = RowOutcome(
            row: row.number, location: row.location, verdict: .rejected, record: nil, problems: row.problems,
            raw: [], skipReason: nil)
        if row.problems.hasErrors {
            outcome.raw = row.raw
            return outcome
        }
        for rule in dialect.skip ?? [] where matches(rule, row) {
            outcome.verdict = .skipped
            outcome.skipReason = rule.reason ?? "skip rule on \(rule.source)"
            outcome.raw = row.raw
            return outcome
        }
        // Rare: only then sort, so the report lists the fields in a stable order.
        let invalid =
            row.anyValueMayHoldReplacement
            ? row.fields.filter { $0.value.utf8.contains(0xEF) && $0.value.unicodeScalars.contains("\u{FFFD}") }
            : [:]
        for (name, _) in invalid.sorted(by: { $0.key < $1.key }) {
            outcome.problems.append(
                .error(
                    name, MappingProblemCode.invalidBytes,
                    "\(row.location): source field \(name) holds bytes that are not valid \(dialect.encoding ?? "utf-8") (shown as U+FFFD)"
                ))
        }
        if values.slots.count != plans.count { values = Values(count: plans.count) }
        defer { values.clear() }
        let positions = sourcePositions(row)
        // A CSV/flat row's values, taken out of the storage once per row rather than once per field.
        var columns: [String]?
        if positions != nil, case .columns(_, let v) = row.storage { columns = v }
        for (i, plan) in plans.enumerated() { resolve(plan, slot: i, row, positions, columns, &values) }
        var record = build(&values)
        record.assignID(keyring: keyring)
        let failed = values.failed
        let validated = validator.validate(record).filter { p in
            if failed.contains(p.field) { return false }
            if p.code == "date.order" || p.code == "field.required" {
                return !failed.contains { p.message.contains($0) }
            }
            return true
        }
        var problems = outcome.problems
        if !values.problems.isEmpty { problems += values.problems }
        if !validated.isEmpty { problems += validated }
        let verdict: RowOutcome.Verdict = problems.hasErrors ? .rejected : .accepted
        // Built here, once, with the record moved in (not copied into an outcome made earlier).
        // The raw bytes serve the report of rejected and skipped rows only (for XML they are built on demand).
        return RowOutcome(
            row: row.number, location: row.location, verdict: verdict, record: consume record, problems: problems,
            raw: verdict == .accepted ? [] : row.raw, skipReason: nil)
    }

    /// Whether a (transformed) source value means "empty".
    func isNull(_ v: String) -> Bool {
        guard let first = v.utf8.first else { return true }
        if v.utf8.count > nullValueMaxBytes + 8 { return false }  // + room for white space around a null value
        // A null value, or one with white space around it, starts with one of these bytes; most values do not.
        if !nullFirstBytes.contains(first) { return false }
        return nullValues.contains(v) || nullValues.contains(Transforms.trim(v))
    }

    /// The first bytes a value that `isNull` accepts can start with: each null value's first byte, and every
    /// first byte of a white-space scalar (ASCII, and the lead bytes of U+0085/U+00A0, U+1680, U+2000…U+205F,
    /// U+3000).
    struct ByteSet: Sendable {
        private var bits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        init(_ bytes: [UInt8]) { for b in bytes { insert(b) } }

        mutating func insert(_ b: UInt8) {
            let bit = UInt64(1) << UInt64(b & 63)
            switch b >> 6 {
            case 0: bits.0 |= bit
            case 1: bits.1 |= bit
            case 2: bits.2 |= bit
            default: bits.3 |= bit
            }
        }

        func contains(_ b: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(b & 63)
            switch b >> 6 {
            case 0: return bits.0 & bit != 0
            case 1: return bits.1 & bit != 0
            case 2: return bits.2 & bit != 0
            default: return bits.3 & bit != 0
            }
        }

        static func nullFirstBytes(_ nullValues: Set<String>) -> ByteSet {
            ByteSet(nullValues.compactMap(\.utf8.first) + [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xC2, 0xE1, 0xE2, 0xE3])
        }
    }

    func matches(_ c: Dialect.Condition, _ row: SourceRow) -> Bool {
        let value = row.value(c.source).map { Transforms.trim($0) } ?? ""
        if let empty = c.empty, empty != isNull(value) { return false }
        if let list = c.in, !list.contains(value) { return false }
        if let list = c.notIn, list.contains(value) { return false }
        return true
    }

    /// Typed values of one row, one slot per plan (in `plans` order), and the problems found reading them.
    struct Values {
        enum Slot {
            case none
            case text(String)
            case date(CivilDate)
            case limit(DateLimit)
            case money(Money)
            case int(Int)
            case list([String])
        }

        var slots: [Slot]
        var problems: [Problem] = []
        var failed: Set<String> = []

        init(count: Int) { slots = Array(repeating: .none, count: count) }

        /// Back to `init(count:)`'s state, keeping the storage.
        mutating func clear() {
            for i in slots.indices { slots[i] = .none }
            if !problems.isEmpty { problems.removeAll(keepingCapacity: true) }
            if !failed.isEmpty { failed.removeAll(keepingCapacity: true) }
        }

        mutating func fail(_ path: String, _ code: String, _ message: String) {
            problems.append(.error(path, code, message))
            failed.insert(path)
        }
    }

    /// For a CSV row: per plan, per source name, its column position (-1: no such column), resolved once per
    /// file; nil for other rows (and for CSV headers that repeat a name), which look names up per row.
    func sourcePositions(_ row: SourceRow) -> [[Int]]? {
        guard case .columns(let schema, _) = row.storage, !schema.hasRepeatedNames else { return nil }
        return positionCache.positions(for: schema) { schema in
            plans.map { plan in plan.sources.map { schema.index[$0] ?? -1 } }
        }
    }

    /// The raw value of a plan's `k`-th source.
    @inline(__always)
    func sourceValue(
        _ row: SourceRow, _ positions: [[Int]]?, _ columns: [String]?, slot: Int, _ k: Int, _ name: String
    ) -> String? {
        if let positions, let values = columns {
            let i = positions[slot][k]
            return i >= 0 && i < values.count ? values[i] : nil
        }
        return row.value(name)
    }

    func resolve(
        _ plan: Plan, slot: Int, _ row: SourceRow, _ positions: [[Int]]?, _ columns: [String]?, _ values: inout Values
    ) {
        var value: String?
        var source = "const"
        if plan.when.map({ matches($0, row) }) ?? true {
            if plan.join {
                var parts: [String] = []
                var names: [String] = []
                for (k, name) in plan.sources.enumerated() {
                    guard let raw = sourceValue(row, positions, columns, slot: slot, k, name) else { continue }
                    let v = plan.trimOnly ? Transforms.trim(raw) : Transforms.apply(plan.ops, to: raw)
                    if !isNull(v) {
                        parts.append(v)
                        names.append(name)
                    }
                }
                if !parts.isEmpty {
                    value = parts.joined(separator: SourceRow.valueSeparator)
                    source = names.joined(separator: "+")
                }
            } else {
                // The first source with a value (no arrays or joining: this runs for every field of every row).
                for (k, name) in plan.sources.enumerated() {
                    guard let raw = sourceValue(row, positions, columns, slot: slot, k, name) else { continue }
                    let v = plan.trimOnly ? Transforms.trim(raw) : Transforms.apply(plan.ops, to: raw)
                    if !isNull(v) {
                        value = v
                        source = name
                        break
                    }
                }
            }
        }
        if value == nil, let c = plan.constant { value = c }
        guard let value else { return }
        // Only messages use it: built when a problem is reported, not for every field.
        var origin: String { source == "const" ? "the dialect's constant" : "source field \(source)" }
        switch plan.type {
        case .text:
            values.slots[slot] = .text(value)
        case .texts:
            values.slots[slot] = .list(Transforms.split(value, separators: plan.split))
        case .date:
            if let d = Transforms.parseDate(value, formats: plan.dateFormats) {
                values.slots[slot] = .date(d)
            } else {
                values.fail(
                    plan.path, MappingProblemCode.dateUnparseable,
                    "\(plan.path): '\(value)' (\(origin)) is not a date in any of the forms \(plan.dateFormats.joined(separator: ", "))"
                )
            }
        case .dateLimit:
            if longTermValues.contains(Transforms.trim(value)) {
                values.slots[slot] = .limit(.longTerm)
            } else if let d = Transforms.parseDate(value, formats: plan.dateFormats) {
                values.slots[slot] = .limit(DateLimit(d))
            } else {
                values.fail(
                    plan.path, MappingProblemCode.dateUnparseable,
                    "\(plan.path): '\(value)' (\(origin)) is neither a date in the forms \(plan.dateFormats.joined(separator: ", ")) nor a long-term value"
                )
            }
        case .money:
            do {
                values.slots[slot] = .money(try Transforms.parseMoney(value, defaultUnit: plan.unit))
            } catch {
                let why = (error as? CoreError)?.message ?? "\(error)"
                values.fail(
                    plan.path, MappingProblemCode.moneyUnparseable,
                    "\(plan.path): '\(value)' (\(origin)) is not an amount: \(why)")
            }
        case .integer:
            if let n = Transforms.parseInteger(value) {
                values.slots[slot] = .int(n)
            } else {
                values.fail(
                    plan.path, MappingProblemCode.numberUnparseable,
                    "\(plan.path): '\(value)' (\(origin)) is not a whole number")
            }
        case .code(let table):
            if let codes = resolveCode(value, plan: plan, table: table) {
                values.slots[slot] = .text(codes.first ?? "")
            } else if plan.omitUnknown {
                values.problems.append(
                    .warning(
                        plan.path, MappingProblemCode.codeUnmapped,
                        unknownCodeMessage(value, origin, plan, table) + "; left out"))
            } else {
                values.fail(plan.path, MappingProblemCode.codeUnknown, unknownCodeMessage(value, origin, plan, table))
            }
        case .codes(let table):
            var out: [String] = []
            for part in Transforms.split(value, separators: plan.split) {
                if let codes = resolveCode(part, plan: plan, table: table) {
                    // The common case, one code: its array as it is (nothing to leave out as a repeat).
                    if out.isEmpty, codes.count == 1 {
                        out = codes
                        continue
                    }
                    for c in codes where !out.contains(c) { out.append(c) }
                } else {
                    values.fail(
                        plan.path, MappingProblemCode.codeUnknown, unknownCodeMessage(part, origin, plan, table))
                }
            }
            values.slots[slot] = .list(out)
        }
    }

    func unknownCodeMessage(_ value: String, _ origin: String, _ plan: Plan, _ table: String) -> String {
        let local = plan.tableName.map { "the dialect's table '\($0)' nor " } ?? ""
        return "\(plan.path): '\(value)' (\(origin)) is in neither \(local)the codes or names of \(table)"
    }

    /// A source value → canonical codes: the dialect's local table, then a canonical code, then a canonical
    /// Chinese name (and, for penalty categories, a pre-2021 v1 name).
    func resolveCode(_ value: String, plan: Plan, table: String) -> [String]? {
        let v = Transforms.trim(value)
        // The values the field knows, by their bytes (the same answers as below; see `ExactCodeTable`).
        if let answer = plan.exact?.find(v) { return answer }
        return Self.resolveTrimmedCode(v, local: plan.table, lookup: plan.lookup, table: table, codes: codes)
    }

    /// `resolveCode` for a trimmed value, by `String` equality: the general path, and what `ExactCodeTable` holds.
    static func resolveTrimmedCode(
        _ v: String, local: [String: [String]]?, lookup: CodeLookup?, table: String, codes: CodeTables?
    ) -> [String]? {
        if let local = local?[v] { return local }
        switch table {
        case "sex":
            if v == "male" || v == "男" { return ["male"] }
            if v == "female" || v == "女" { return ["female"] }
            return nil
        case "record-kinds":
            return RecordKind(rawValue: v).map { [$0.rawValue] }
        default:
            if let lookup { return lookup.resolve(v) }
            guard let codes else { return nil }
            let t = codes[table]
            if t.contains(v) { return [v] }
            if let e = t.entry(named: v) { return [e.code] }
            if table == "penalty-categories", let e = codes["penalty-categories-v1"].entry(named: v) { return e.mapsTo }
            return nil
        }
    }

    // MARK: building the record

    func build(_ v: inout Values) -> CanonicalRecord {
        let slotByPath = self.slotByPath
        func slot(_ p: CanonicalPath) -> Values.Slot {
            let i = slotByPath[p.rawValue]
            return i >= 0 ? v.slots[i] : .none
        }
        func opt(_ p: CanonicalPath) -> String? {
            if case .text(let s) = slot(p) { return s }
            return nil
        }
        func text(_ p: CanonicalPath) -> String { opt(p) ?? "" }
        func dateOpt(_ p: CanonicalPath) -> CivilDate? {
            if case .date(let d) = slot(p) { return d }
            return nil
        }
        func limitOpt(_ p: CanonicalPath) -> DateLimit? {
            if case .limit(let d) = slot(p) { return d }
            return nil
        }
        func list(_ p: CanonicalPath) -> [String]? {
            if case .list(let l) = slot(p) { return l }
            return nil
        }
        func money(_ p: CanonicalPath) -> Money? {
            if case .money(let m) = slot(p) { return m }
            return nil
        }
        func int(_ p: CanonicalPath) -> Int? {
            if case .int(let n) = slot(p) { return n }
            return nil
        }
        func date(_ p: CanonicalPath) -> CivilDate {
            if let d = dateOpt(p) { return d }
            let path = p.path
            if !v.failed.contains(path) {
                v.fail(path, MappingProblemCode.fieldRequired, "\(path) is required and missing")
            }
            return DialectMapper.sentinelDate
        }
        func limit(_ p: CanonicalPath) -> DateLimit {
            if let d = limitOpt(p) { return d }
            let path = p.path
            if !v.failed.contains(path) {
                v.fail(path, MappingProblemCode.fieldRequired, "\(path) is required and missing")
            }
            return .date(DialectMapper.sentinelDate)
        }
        func authority(_ name: CanonicalPath, _ uscc: CanonicalPath) -> Authority {
            Authority(name: text(name), uscc: opt(uscc))
        }
        func identity(_ number: CanonicalPath, _ documentType: CanonicalPath) -> PersonIdentity? {
            guard let n = opt(number) else { return nil }
            return PersonIdentity(documentType: opt(documentType) ?? "residentIdCard", clearNumber: n)
        }
        let subject = Subject(
            category: text(.subjectCategory), name: text(.subjectName), uscc: opt(.subjectUscc),
            registrationNumber: opt(.subjectRegistrationNumber), organizationCode: opt(.subjectOrganizationCode),
            taxNumber: opt(.subjectTaxNumber), institutionCertificate: opt(.subjectInstitutionCertificate),
            socialOrganizationNumber: opt(.subjectSocialOrganizationNumber),
            legalRepresentative: opt(.subjectLegalRepresentative),
            legalRepresentativeIdentity: identity(.subjectLegalRepresentativeIdentityNumber, .subjectLegalRepresentativeIdentityDocumentType),
            identity: identity(.subjectIdentityNumber, .subjectIdentityDocumentType))
        let body: CanonicalRecord.Body
        switch kind {
        case .license:
            body = .license(
                LicenseDecision(
                    documentTitle: text(.licenseDocumentTitle), decisionNumber: text(.licenseDecisionNumber),
                    category: text(.licenseCategory), categoryDetail: opt(.licenseCategoryDetail),
                    certificateName: opt(.licenseCertificateName), licenseNumber: opt(.licenseLicenseNumber),
                    content: text(.licenseContent), decisionDate: date(.licenseDecisionDate),
                    validFrom: date(.licenseValidFrom), validUntil: limit(.licenseValidUntil),
                    authority: authority(.licenseAuthorityName, .licenseAuthorityUscc), status: opt(.licenseStatus),
                    sourceUnit: authority(.licenseSourceUnitName, .licenseSourceUnitUscc), remarks: opt(.licenseRemarks)))
        case .penalty:
            body = .penalty(
                PenaltyDecision(
                    decisionNumber: text(.penaltyDecisionNumber), violationType: text(.penaltyViolationType),
                    facts: text(.penaltyFacts), legalBasis: text(.penaltyLegalBasis),
                    categories: list(.penaltyCategories) ?? [], content: text(.penaltyContent),
                    fineAmount: money(.penaltyFineAmount), confiscatedAmount: money(.penaltyConfiscatedAmount),
                    suspendedOrRevokedLicense: opt(.penaltySuspendedOrRevokedLicense),
                    decisionDate: date(.penaltyDecisionDate), validUntil: limit(.penaltyValidUntil),
                    publicityEndDate: dateOpt(.penaltyPublicityEndDate), authority: authority(.penaltyAuthorityName, .penaltyAuthorityUscc),
                    sourceUnit: authority(.penaltySourceUnitName, .penaltySourceUnitUscc), severity: opt(.penaltySeverity),
                    keyArea: opt(.penaltyKeyArea), remarks: opt(.penaltyRemarks)))
        case .dishonestDebtor:
            body = .dishonestDebtor(
                DishonestDebtorListing(
                    caseNumber: text(.dishonestDebtorCaseNumber), court: text(.dishonestDebtorCourt),
                    province: opt(.dishonestDebtorProvince),
                    enforcementBasisNumber: text(.dishonestDebtorEnforcementBasisNumber),
                    basisIssuer: text(.dishonestDebtorBasisIssuer),
                    caseFilingDate: date(.dishonestDebtorCaseFilingDate),
                    obligation: text(.dishonestDebtorObligation), performance: text(.dishonestDebtorPerformance),
                    performedPart: opt(.dishonestDebtorPerformedPart),
                    unperformedPart: opt(.dishonestDebtorUnperformedPart),
                    situations: list(.dishonestDebtorSituations) ?? [],
                    publishedDate: date(.dishonestDebtorPublishedDate), sex: opt(.dishonestDebtorSex),
                    age: int(.dishonestDebtorAge)))
        case .listEntry:
            body = .listEntry(
                ListEntry(
                    listKind: text(.listEntryListKind), listName: text(.listEntryListName),
                    listCode: opt(.listEntryListCode), authority: authority(.listEntryAuthorityName, .listEntryAuthorityUscc),
                    basis: text(.listEntryBasis), documentNumber: opt(.listEntryDocumentNumber),
                    listedDate: date(.listEntryListedDate), validUntil: limitOpt(.listEntryValidUntil)))
        case .retraction:
            if RecordKind(rawValue: text(.retractionTargetKind)) == nil, !v.failed.contains(CanonicalPath.retractionTargetKind.path) {
                v.fail(
                    CanonicalPath.retractionTargetKind.path, MappingProblemCode.fieldRequired,
                    "retraction.targetKind is required and missing")
            }
            body = .retraction(
                Retraction(
                    targetKind: RecordKind(rawValue: text(.retractionTargetKind)) ?? .penalty,
                    targetNumber: text(.retractionTargetNumber), targetRecordId: opt(.retractionTargetRecordId),
                    reason: text(.retractionReason), effectiveDate: date(.retractionEffectiveDate),
                    authority: authority(.retractionAuthorityName, .retractionAuthorityUscc), documentNumber: opt(.retractionDocumentNumber),
                    remarks: opt(.retractionRemarks)))
        }
        return CanonicalRecord(sourcePartner: partnerID, subject: consume subject, body: consume body)
    }
}

/// The canonical paths `DialectMapper.build` reads, each resolved to its value slot once per dialect
/// (`DialectMapper.slotByPath`), so that building a record does no string hashing.
enum CanonicalPath: Int, CaseIterable {
    case subjectCategory
    case subjectName
    case subjectUscc
    case subjectRegistrationNumber
    case subjectOrganizationCode
    case subjectTaxNumber
    case subjectInstitutionCertificate
    case subjectSocialOrganizationNumber
    case subjectLegalRepresentative
    case subjectLegalRepresentativeIdentityNumber
    case subjectLegalRepresentativeIdentityDocumentType
    case subjectIdentityNumber
    case subjectIdentityDocumentType
    case licenseDocumentTitle
    case licenseDecisionNumber
    case licenseCategory
    case licenseCategoryDetail
    case licenseCertificateName
    case licenseLicenseNumber
    case licenseContent
    case licenseDecisionDate
    case licenseValidFrom
    case licenseValidUntil
    case licenseAuthorityName
    case licenseAuthorityUscc
    case licenseStatus
    case licenseSourceUnitName
    case licenseSourceUnitUscc
    case licenseRemarks
    case penaltyDecisionNumber
    case penaltyViolationType
    case penaltyFacts
    case penaltyLegalBasis
    case penaltyCategories
    case penaltyContent
    case penaltyFineAmount
    case penaltyConfiscatedAmount
    case penaltySuspendedOrRevokedLicense
    case penaltyDecisionDate
    case penaltyValidUntil
    case penaltyPublicityEndDate
    case penaltyAuthorityName
    case penaltyAuthorityUscc
    case penaltySourceUnitName
    case penaltySourceUnitUscc
    case penaltySeverity
    case penaltyKeyArea
    case penaltyRemarks
    case dishonestDebtorCaseNumber
    case dishonestDebtorCourt
    case dishonestDebtorProvince
    case dishonestDebtorEnforcementBasisNumber
    case dishonestDebtorBasisIssuer
    case dishonestDebtorCaseFilingDate
    case dishonestDebtorObligation
    case dishonestDebtorPerformance
    case dishonestDebtorPerformedPart
    case dishonestDebtorUnperformedPart
    case dishonestDebtorSituations
    case dishonestDebtorPublishedDate
    case dishonestDebtorSex
    case dishonestDebtorAge
    case listEntryListKind
    case listEntryListName
    case listEntryListCode
    case listEntryAuthorityName
    case listEntryAuthorityUscc
    case listEntryBasis
    case listEntryDocumentNumber
    case listEntryListedDate
    case listEntryValidUntil
    case retractionTargetKind
    case retractionTargetNumber
    case retractionTargetRecordId
    case retractionReason
    case retractionEffectiveDate
    case retractionAuthorityName
    case retractionAuthorityUscc
    case retractionDocumentNumber
    case retractionRemarks

    var path: String { Self.paths[rawValue] }

    static let paths: [String] = [
        "subject.category",
        "subject.name",
        "subject.uscc",
        "subject.registrationNumber",
        "subject.organizationCode",
        "subject.taxNumber",
        "subject.institutionCertificate",
        "subject.socialOrganizationNumber",
        "subject.legalRepresentative",
        "subject.legalRepresentativeIdentity.number",
        "subject.legalRepresentativeIdentity.documentType",
        "subject.identity.number",
        "subject.identity.documentType",
        "license.documentTitle",
        "license.decisionNumber",
        "license.category",
        "license.categoryDetail",
        "license.certificateName",
        "license.licenseNumber",
        "license.content",
        "license.decisionDate",
        "license.validFrom",
        "license.validUntil",
        "license.authority.name",
        "license.authority.uscc",
        "license.status",
        "license.sourceUnit.name",
        "license.sourceUnit.uscc",
        "license.remarks",
        "penalty.decisionNumber",
        "penalty.violationType",
        "penalty.facts",
        "penalty.legalBasis",
        "penalty.categories",
        "penalty.content",
        "penalty.fineAmount",
        "penalty.confiscatedAmount",
        "penalty.suspendedOrRevokedLicense",
        "penalty.decisionDate",
        "penalty.validUntil",
        "penalty.publicityEndDate",
        "penalty.authority.name",
        "penalty.authority.uscc",
        "penalty.sourceUnit.name",
        "penalty.sourceUnit.uscc",
        "penalty.severity",
        "penalty.keyArea",
        "penalty.remarks",
        "dishonestDebtor.caseNumber",
        "dishonestDebtor.court",
        "dishonestDebtor.province",
        "dishonestDebtor.enforcementBasisNumber",
        "dishonestDebtor.basisIssuer",
        "dishonestDebtor.caseFilingDate",
        "dishonestDebtor.obligation",
        "dishonestDebtor.performance",
        "dishonestDebtor.performedPart",
        "dishonestDebtor.unperformedPart",
        "dishonestDebtor.situations",
        "dishonestDebtor.publishedDate",
        "dishonestDebtor.sex",
        "dishonestDebtor.age",
        "listEntry.listKind",
        "listEntry.listName",
        "listEntry.listCode",
        "listEntry.authority.name",
        "listEntry.authority.uscc",
        "listEntry.basis",
        "listEntry.documentNumber",
        "listEntry.listedDate",
        "listEntry.validUntil",
        "retraction.targetKind",
        "retraction.targetNumber",
        "retraction.targetRecordId",
        "retraction.reason",
        "retraction.effectiveDate",
        "retraction.authority.name",
        "retraction.authority.uscc",
        "retraction.documentNumber",
        "retraction.remarks",
    ]
}

/// The source positions of the last CSV header a mapper saw: a file has one header, so one entry suffices.
final class PositionCache: Sendable {
    private let state = Mutex<(schema: RowSchema?, positions: [[Int]])>((nil, []))

    func positions(for schema: RowSchema, compute: (RowSchema) -> [[Int]]) -> [[Int]] {
        state.withLock { state in
            if state.schema !== schema {
                state = (schema, compute(schema))
            }
            return state.positions
        }
    }
}

/// A canonical code table as the mapper reads it: `contains`, `entry(named:)` (first entry of a name) and, for
/// penalty categories, the v1 names, as hash lookups instead of scans. The same answers as `resolveCode`'s scans.
struct CodeLookup: Sendable {
    let codes: Set<String>
    let byName: [String: String]
    /// v1 name → the canonical codes it maps to (nil when its entry has no `mapsTo`), penalty categories only.
    let v1ByName: [String: [String]?]

    init?(type: CanonicalFields.ValueType, codes tables: CodeTables) {
        let table: String
        switch type {
        case .code(let t), .codes(let t): table = t
        default: return nil
        }
        if table == "sex" || table == "record-kinds" { return nil }
        let t = tables[table]
        codes = Set(t.entries.map(\.code))
        var byName: [String: String] = [:]
        for e in t.entries where byName[e.name] == nil { byName[e.name] = e.code }
        self.byName = byName
        var v1: [String: [String]?] = [:]
        if table == "penalty-categories" {
            for e in tables["penalty-categories-v1"].entries where v1[e.name] == nil { v1[e.name] = .some(e.mapsTo) }
        }
        v1ByName = v1
    }

    /// Every code, name and v1 name, in a stable order (the keys of `ExactCodeTable`).
    var keys: [String] { codes.sorted() + byName.keys.sorted() + v1ByName.keys.sorted() }

    func resolve(_ v: String) -> [String]? {
        if codes.contains(v) { return [v] }
        if let code = byName[v] { return [code] }
        if let mapsTo = v1ByName[v] { return mapsTo }
        return nil
    }
}
