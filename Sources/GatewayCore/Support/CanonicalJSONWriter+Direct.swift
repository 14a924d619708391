/// The hot path of `CanonicalJSONWriter`: canonical records written straight into the byte buffer, members in
/// sorted key order by hand (no value tree, no sorting per object). `CanonicalJSONWriterTests` compares it with
/// `JSONEncoder` for every kind, with every optional member present and absent.
extension CanonicalJSONWriter {
    /// Writes members of one object, tracking the commas.
    struct Members {
        var first = true
    }

    /// `,"k":` (no comma before the first member), assembled on the stack and appended at once: one append
    /// (one uniqueness and capacity check) per key instead of five.
    private mutating func key(_ k: StaticString, _ m: inout Members) {
        let n = k.utf8CodeUnitCount
        let comma = !m.first
        m.first = false
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n + 4) { t in
            guard let base = t.baseAddress else { return }
            var i = 0
            if comma {
                base[0] = UInt8(ascii: ",")
                i = 1
            }
            base[i] = 0x22
            (base + i + 1).initialize(from: k.utf8Start, count: n)
            base[i + 1 + n] = 0x22
            base[i + 2 + n] = UInt8(ascii: ":")
            bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: i + 3 + n))
        }
    }

    private mutating func str(_ k: StaticString, _ v: String?, _ m: inout Members) {
        guard let v else { return }
        key(k, &m)
        writeString(v)
    }

    /// A date as `description` writes it (`YYYY-MM-DD`), digit by digit; other years take `description`.
    private mutating func date(_ k: StaticString, _ v: CivilDate?, _ m: inout Members) {
        guard let v else { return }
        key(k, &m)
        writeDate(v)
    }

    private mutating func date(_ k: StaticString, _ v: DateLimit?, _ m: inout Members) {
        guard let v else { return }
        key(k, &m)
        switch v {
        case .longTerm: writeDate(DateLimit.longTermSentinel)
        case .date(let d): writeDate(d)
        }
    }

    private mutating func writeDate(_ d: CivilDate) {
        guard (0...9999).contains(d.year), (1...12).contains(d.month), (1...31).contains(d.day) else {
            writeString(d.description)
            return
        }
        let y = d.year
        let digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            0x22, UInt8(0x30 + y / 1000), UInt8(0x30 + y / 100 % 10), UInt8(0x30 + y / 10 % 10), UInt8(0x30 + y % 10),
            0x2D, UInt8(0x30 + d.month / 10), UInt8(0x30 + d.month % 10), 0x2D, UInt8(0x30 + d.day / 10),
            UInt8(0x30 + d.day % 10), 0x22
        )
        withUnsafeBytes(of: digits) { bytes.append(contentsOf: $0) }
    }

    /// An amount as `yuanText` writes it (`-1234.50`), without the intermediate strings.
    private mutating func money(_ k: StaticString, _ v: Money?, _ m: inout Members) {
        guard let v else { return }
        key(k, &m)
        let magnitude = v.fen.magnitude
        bytes.append(0x22)
        if v.fen < 0 { bytes.append(UInt8(ascii: "-")) }
        var whole = magnitude / 100
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any UInt64 in decimal
        withUnsafeMutableBytes(of: &digits) { d in
            var i = d.count
            repeat {
                i -= 1
                d[i] = UInt8(truncatingIfNeeded: 0x30 + whole % 10)
                whole /= 10
            } while whole > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[i...]))
        }
        let cents = magnitude % 100
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + cents / 10))
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + cents % 10))
        bytes.append(0x22)
    }

    private mutating func strings(_ k: StaticString, _ v: [String], _ m: inout Members) {
        key(k, &m)
        bytes.append(UInt8(ascii: "["))
        for (i, s) in v.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            writeString(s)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func authority(_ k: StaticString, _ a: Authority, _ m: inout Members) {
        key(k, &m)
        var n = Members()
        bytes.append(UInt8(ascii: "{"))
        str("name", a.name, &n)
        str("uscc", a.uscc, &n)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func identity(_ k: StaticString, _ p: PersonIdentity?, _ m: inout Members) {
        guard let p else { return }
        key(k, &m)
        var n = Members()
        bytes.append(UInt8(ascii: "{"))
        str("documentType", p.documentType, &n)
        key("exact", &n)
        bytes.append(contentsOf: p.exact ? Array("true".utf8) : Array("false".utf8))
        str("hash", p.hash, &n)
        str("masked", p.masked, &n)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func subject(_ x: Subject, _ m: inout Members) {
        key("subject", &m)
        var n = Members()
        bytes.append(UInt8(ascii: "{"))
        str("category", x.category, &n)
        identity("identity", x.identity, &n)
        str("institutionCertificate", x.institutionCertificate, &n)
        str("legalRepresentative", x.legalRepresentative, &n)
        identity("legalRepresentativeIdentity", x.legalRepresentativeIdentity, &n)
        str("name", x.name, &n)
        str("organizationCode", x.organizationCode, &n)
        str("registrationNumber", x.registrationNumber, &n)
        str("socialOrganizationNumber", x.socialOrganizationNumber, &n)
        str("taxNumber", x.taxNumber, &n)
        str("uscc", x.uscc, &n)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func body(_ b: CanonicalRecord.Body, _ m: inout Members) {
        var n = Members()
        switch b {
        case .dishonestDebtor(let x):
            key("dishonestDebtor", &m)
            bytes.append(UInt8(ascii: "{"))
            if let age = x.age {
                key("age", &n)
                bytes.append(contentsOf: String(age).utf8)
            }
            str("basisIssuer", x.basisIssuer, &n)
            date("caseFilingDate", x.caseFilingDate, &n)
            str("caseNumber", x.caseNumber, &n)
            str("court", x.court, &n)
            str("enforcementBasisNumber", x.enforcementBasisNumber, &n)
            str("obligation", x.obligation, &n)
            str("performance", x.performance, &n)
            str("performedPart", x.performedPart, &n)
            str("province", x.province, &n)
            date("publishedDate", x.publishedDate, &n)
            str("sex", x.sex, &n)
            strings("situations", x.situations, &n)
            str("unperformedPart", x.unperformedPart, &n)
        case .license(let x):
            key("license", &m)
            bytes.append(UInt8(ascii: "{"))
            authority("authority", x.authority, &n)
            str("category", x.category, &n)
            str("categoryDetail", x.categoryDetail, &n)
            str("certificateName", x.certificateName, &n)
            str("content", x.content, &n)
            date("decisionDate", x.decisionDate, &n)
            str("decisionNumber", x.decisionNumber, &n)
            str("documentTitle", x.documentTitle, &n)
            str("licenseNumber", x.licenseNumber, &n)
            str("remarks", x.remarks, &n)
            authority("sourceUnit", x.sourceUnit, &n)
            str("status", x.status, &n)
            date("validFrom", x.validFrom, &n)
            date("validUntil", x.validUntil, &n)
        case .listEntry(let x):
            key("listEntry", &m)
            bytes.append(UInt8(ascii: "{"))
            authority("authority", x.authority, &n)
            str("basis", x.basis, &n)
            str("documentNumber", x.documentNumber, &n)
            str("listCode", x.listCode, &n)
            str("listKind", x.listKind, &n)
            str("listName", x.listName, &n)
            date("listedDate", x.listedDate, &n)
            date("validUntil", x.validUntil, &n)
        case .penalty(let x):
            key("penalty", &m)
            bytes.append(UInt8(ascii: "{"))
            authority("authority", x.authority, &n)
            strings("categories", x.categories, &n)
            money("confiscatedAmount", x.confiscatedAmount, &n)
            str("content", x.content, &n)
            date("decisionDate", x.decisionDate, &n)
            str("decisionNumber", x.decisionNumber, &n)
            str("facts", x.facts, &n)
            money("fineAmount", x.fineAmount, &n)
            str("keyArea", x.keyArea, &n)
            str("legalBasis", x.legalBasis, &n)
            date("publicityEndDate", x.publicityEndDate, &n)
            str("remarks", x.remarks, &n)
            str("severity", x.severity, &n)
            authority("sourceUnit", x.sourceUnit, &n)
            str("suspendedOrRevokedLicense", x.suspendedOrRevokedLicense, &n)
            date("validUntil", x.validUntil, &n)
            str("violationType", x.violationType, &n)
        case .retraction(let x):
            key("retraction", &m)
            bytes.append(UInt8(ascii: "{"))
            authority("authority", x.authority, &n)
            str("documentNumber", x.documentNumber, &n)
            date("effectiveDate", x.effectiveDate, &n)
            str("reason", x.reason, &n)
            str("remarks", x.remarks, &n)
            str("targetKind", x.targetKind.rawValue, &n)
            str("targetNumber", x.targetNumber, &n)
            str("targetRecordId", x.targetRecordId, &n)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// One canonical record, keys sorted: the body key (`dishonestDebtor`, `license`, `listEntry`, `penalty`,
    /// `retraction`) falls between `id`/`kind` and `schema` alphabetically, so it is written in its place.
    /// Appends to `bytes` piece by piece; `writeRecord` (the cursor path) writes the same bytes faster and falls
    /// back to this for records larger than its scratch buffer.
    mutating func writeRecordAppending(_ r: CanonicalRecord) {
        var m = Members()
        bytes.append(UInt8(ascii: "{"))
        let bodyFirst = r.kind == .dishonestDebtor  // "dishonestDebtor" < "id" < "kind" < the other body keys
        if bodyFirst { body(r.body, &m) }
        str("id", r.id, &m)
        str("kind", r.kind.rawValue, &m)
        if !bodyFirst { body(r.body, &m) }
        str("schema", CanonicalRecord.schemaName, &m)
        str("sourcePartner", r.sourcePartner, &m)
        subject(r.subject, &m)
        bytes.append(UInt8(ascii: "}"))
    }

    public static func recordText(_ r: CanonicalRecord) -> String {
        var w = CanonicalJSONWriter()
        w.writeRecord(r)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
