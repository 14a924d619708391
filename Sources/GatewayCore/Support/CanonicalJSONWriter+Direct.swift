/// The hot path of `CanonicalJSONWriter`: canonical records written straight into the byte buffer, members in
/// sorted key order by hand (no value tree, no sorting per object). `CanonicalJSONWriterTests` compares it with
/// `JSONEncoder` for every kind, with every optional member present and absent.
extension CanonicalJSONWriter {
    /// Writes members of one object, tracking the commas.
    struct Members {
        var first = true
    }

    private mutating func key(_ k: StaticString, _ m: inout Members) {
        if !m.first { bytes.append(UInt8(ascii: ",")) }
        m.first = false
        bytes.append(0x22)
        bytes.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        bytes.append(0x22)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func str(_ k: StaticString, _ v: String?, _ m: inout Members) {
        guard let v else { return }
        key(k, &m)
        writeString(v)
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
            str("caseFilingDate", x.caseFilingDate.description, &n)
            str("caseNumber", x.caseNumber, &n)
            str("court", x.court, &n)
            str("enforcementBasisNumber", x.enforcementBasisNumber, &n)
            str("obligation", x.obligation, &n)
            str("performance", x.performance, &n)
            str("performedPart", x.performedPart, &n)
            str("province", x.province, &n)
            str("publishedDate", x.publishedDate.description, &n)
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
            str("decisionDate", x.decisionDate.description, &n)
            str("decisionNumber", x.decisionNumber, &n)
            str("documentTitle", x.documentTitle, &n)
            str("licenseNumber", x.licenseNumber, &n)
            str("remarks", x.remarks, &n)
            authority("sourceUnit", x.sourceUnit, &n)
            str("status", x.status, &n)
            str("validFrom", x.validFrom.description, &n)
            str("validUntil", x.validUntil.description, &n)
        case .listEntry(let x):
            key("listEntry", &m)
            bytes.append(UInt8(ascii: "{"))
            authority("authority", x.authority, &n)
            str("basis", x.basis, &n)
            str("documentNumber", x.documentNumber, &n)
            str("listCode", x.listCode, &n)
            str("listKind", x.listKind, &n)
            str("listName", x.listName, &n)
            str("listedDate", x.listedDate.description, &n)
            str("validUntil", x.validUntil?.description, &n)
        case .penalty(let x):
            key("penalty", &m)
            bytes.append(UInt8(ascii: "{"))
            authority("authority", x.authority, &n)
            strings("categories", x.categories, &n)
            str("confiscatedAmount", x.confiscatedAmount?.yuanText, &n)
            str("content", x.content, &n)
            str("decisionDate", x.decisionDate.description, &n)
            str("decisionNumber", x.decisionNumber, &n)
            str("facts", x.facts, &n)
            str("fineAmount", x.fineAmount?.yuanText, &n)
            str("keyArea", x.keyArea, &n)
            str("legalBasis", x.legalBasis, &n)
            str("publicityEndDate", x.publicityEndDate?.description, &n)
            str("remarks", x.remarks, &n)
            str("severity", x.severity, &n)
            authority("sourceUnit", x.sourceUnit, &n)
            str("suspendedOrRevokedLicense", x.suspendedOrRevokedLicense, &n)
            str("validUntil", x.validUntil.description, &n)
            str("violationType", x.violationType, &n)
        case .retraction(let x):
            key("retraction", &m)
            bytes.append(UInt8(ascii: "{"))
            authority("authority", x.authority, &n)
            str("documentNumber", x.documentNumber, &n)
            str("effectiveDate", x.effectiveDate.description, &n)
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
    public mutating func writeRecord(_ r: CanonicalRecord) {
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
