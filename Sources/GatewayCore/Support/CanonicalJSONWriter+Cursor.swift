/// Canonical records (`writeRecord`): the one walk of a record's fields, members in sorted key order by hand (no
/// value tree, no sorting per object), written through a cursor with plain stores into one scratch buffer that is
/// appended to `bytes` at once. (Appending each key and value to the array, a uniqueness and capacity check and a
/// `memcpy` call per append, about 50 a record, was most of the cost of writing a record.) A new canonical field is
/// added here, in its key's sorted place: `CanonicalJSONWriterTests` compares the output with `JSONEncoder` for
/// every kind, with every optional member present and absent, and for records of several MiB, and fails until then.
extension CanonicalJSONWriter {
    /// The scratch buffer's first size (records are ≈ 1 KB). A record that does not fit is written again into a
    /// buffer four times the size, as often as it takes, so a record of any size takes this path.
    static let cursorCapacity = 4_096
    /// The largest scratch buffer kept from record to record: a larger one, made for a record over 1 MiB, is freed
    /// once that record is written.
    static let scratchKeepLimit = 1 << 20

    /// Writes members of one object, tracking the commas.
    struct Members {
        var first = true
    }

    /// The scratch buffer of `writeRecord`, kept by the writer from record to record (copied writers each make
    /// their own: it is only used when uniquely referenced).
    final class Scratch: @unchecked Sendable {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(capacity: capacity)
        }

        deinit { base.deallocate() }
    }

    /// The scratch buffer of `capacity` bytes: the one kept, or a new one (kept in its place) when the kept one has
    /// another size or is shared with a copy of this writer.
    @inline(__always)
    mutating func scratchBuffer(capacity: Int) -> Scratch {
        if scratch?.capacity == capacity, isKnownUniquelyReferenced(&scratch), let kept = scratch { return kept }
        let made = Scratch(capacity: capacity)
        scratch = made
        return made
    }

    /// A write position in a fixed buffer. Each write first checks the room it needs (a string: its length and
    /// quotes, and six bytes per byte from its first byte to escape on, the worst case of escaping); when the
    /// buffer is too small it sets `overflow` and writes nothing more.
    struct Cursor {
        var p: UnsafeMutablePointer<UInt8>
        let end: UnsafeMutablePointer<UInt8>
        var overflow = false

        @inline(__always)
        mutating func room(_ n: Int) -> Bool {
            if overflow || end - p < n {
                overflow = true
                return false
            }
            return true
        }

        /// One byte; the callers have checked the room (`room`) for it.
        @inline(__always)
        mutating func byte(_ b: UInt8) {
            p.initialize(to: b)
            p += 1
        }

        @inline(__always)
        mutating func copy(_ s: UnsafePointer<UInt8>, _ n: Int) {
            if n <= 24 {
                // A `memcpy` call costs more than a short run of stores.
                var i = 0
                while i < n {
                    p[i] = s[i]
                    i += 1
                }
            } else {
                p.initialize(from: s, count: n)
            }
            p += n
        }

        /// `,"k":` (no comma before the first member), and room for the single-byte punctuation that follows.
        @inline(__always)
        mutating func key(_ k: StaticString, _ m: inout Members) {
            let n = k.utf8CodeUnitCount
            guard room(n + 8) else { return }
            if !m.first { byte(UInt8(ascii: ",")) }
            m.first = false
            byte(0x22)
            copy(k.utf8Start, n)
            byte(0x22)
            byte(UInt8(ascii: ":"))
        }

        /// A punctuation byte (`{`, `}`, `[`, `]`, `,`).
        @inline(__always)
        mutating func mark(_ b: UInt8) {
            guard room(1) else { return }
            byte(b)
        }

        /// A JSON string, escaped as `writeString` escapes it.
        mutating func string(_ s: String) {
            let done: Void? = s.utf8.withContiguousStorageIfAvailable { b in utf8(b) }
            if done == nil {
                var s = s
                s.withUTF8 { b in utf8(b) }
            }
        }

        /// The bytes of a string, quoted and escaped. Clean bytes are checked and copied eight at a time
        /// (`ByteWord.needsJSONEscape`); from the first word holding a byte to escape on, byte by byte, after a
        /// second room check for six bytes a byte.
        @inline(__always)
        private mutating func utf8(_ b: UnsafeBufferPointer<UInt8>) {
            let n = b.count
            guard room(n + 2) else { return }
            byte(0x22)
            if let base = b.baseAddress {
                let src = UnsafeRawPointer(base)
                let dst = UnsafeMutableRawPointer(p)
                var i = 0
                while i + 8 <= n {
                    let x = ByteWord.load(src, i)
                    if ByteWord.needsJSONEscape(x) { break }
                    dst.storeBytes(of: x, toByteOffset: i, as: UInt64.self)
                    i += 8
                }
                if i < n, n - i < 8, n >= 8 {
                    // Fewer than eight bytes left (the loop found no byte to escape): the last word, overlapping
                    // bytes already copied, is tested and stored whole when clean, instead of byte by byte.
                    let x = ByteWord.load(src, n - 8)
                    if !ByteWord.needsJSONEscape(x) {
                        dst.storeBytes(of: x, toByteOffset: n - 8, as: UInt64.self)
                        i = n
                    }
                }
                p += i
                if i < n {
                    // Room so far: the rest and the closing quote; escaped, the rest takes up to six bytes a byte.
                    guard room(6 * (n - i) + 1) else { return }
                    repeat {
                        escaped(base[i])
                        i += 1
                    } while i < n
                }
            }
            byte(0x22)
        }

        @inline(__always)
        private mutating func escaped(_ c: UInt8) {
            switch c {
            case 0x22: pair(0x22)
            case 0x5C: pair(0x5C)
            case 0x0A: pair(UInt8(ascii: "n"))
            case 0x0D: pair(UInt8(ascii: "r"))
            case 0x09: pair(UInt8(ascii: "t"))
            case 0x08: pair(UInt8(ascii: "b"))
            case 0x0C: pair(UInt8(ascii: "f"))
            case 0x00..<0x20:
                let hex: StaticString = "0123456789abcdef"
                byte(0x5C)
                byte(UInt8(ascii: "u"))
                byte(UInt8(ascii: "0"))
                byte(UInt8(ascii: "0"))
                byte(hex.utf8Start[Int(c >> 4)])
                byte(hex.utf8Start[Int(c & 0x0F)])
            default: byte(c)
            }
        }

        @inline(__always)
        private mutating func pair(_ c: UInt8) {
            byte(0x5C)
            byte(c)
        }

        mutating func str(_ k: StaticString, _ v: String?, _ m: inout Members) {
            guard let v else { return }
            key(k, &m)
            string(v)
        }

        mutating func date(_ k: StaticString, _ v: CivilDate?, _ m: inout Members) {
            guard let v else { return }
            key(k, &m)
            writeDate(v)
        }

        mutating func date(_ k: StaticString, _ v: DateLimit?, _ m: inout Members) {
            guard let v else { return }
            key(k, &m)
            switch v {
            case .longTerm: writeDate(DateLimit.longTermSentinel)
            case .date(let d): writeDate(d)
            }
        }

        /// A date as `description` writes it (`YYYY-MM-DD`), digit by digit; other years take `description`.
        mutating func writeDate(_ d: CivilDate) {
            guard (0...9999).contains(d.year), (1...12).contains(d.month), (1...31).contains(d.day) else {
                string(d.description)
                return
            }
            guard room(12) else { return }
            let y = d.year
            byte(0x22)
            byte(UInt8(truncatingIfNeeded: 0x30 + y / 1000))
            byte(UInt8(truncatingIfNeeded: 0x30 + y / 100 % 10))
            byte(UInt8(truncatingIfNeeded: 0x30 + y / 10 % 10))
            byte(UInt8(truncatingIfNeeded: 0x30 + y % 10))
            byte(0x2D)
            byte(UInt8(truncatingIfNeeded: 0x30 + d.month / 10))
            byte(UInt8(truncatingIfNeeded: 0x30 + d.month % 10))
            byte(0x2D)
            byte(UInt8(truncatingIfNeeded: 0x30 + d.day / 10))
            byte(UInt8(truncatingIfNeeded: 0x30 + d.day % 10))
            byte(0x22)
        }

        /// An amount as `yuanText` writes it (`-1234.50`).
        mutating func money(_ k: StaticString, _ v: Money?, _ m: inout Members) {
            guard let v else { return }
            key(k, &m)
            guard room(32) else { return }
            let magnitude = v.fen.magnitude
            byte(0x22)
            if v.fen < 0 { byte(UInt8(ascii: "-")) }
            unsigned(magnitude / 100)
            let cents = magnitude % 100
            byte(UInt8(ascii: "."))
            byte(UInt8(truncatingIfNeeded: 0x30 + cents / 10))
            byte(UInt8(truncatingIfNeeded: 0x30 + cents % 10))
            byte(0x22)
        }

        /// A whole number in decimal (at most 20 digits; the callers have checked the room).
        @inline(__always)
        mutating func unsigned(_ value: UInt64) {
            p += DecimalDigits.write(value, to: p)
        }

        /// An integer as `String(n)` writes it.
        mutating func integer(_ n: Int) {
            guard room(DecimalDigits.maxCount) else { return }
            p += DecimalDigits.write(n, to: p)
        }

        mutating func strings(_ k: StaticString, _ v: [String], _ m: inout Members) {
            key(k, &m)
            mark(UInt8(ascii: "["))
            for (i, s) in v.enumerated() {
                if i > 0 { mark(UInt8(ascii: ",")) }
                string(s)
            }
            mark(UInt8(ascii: "]"))
        }

        mutating func authority(_ k: StaticString, _ a: Authority, _ m: inout Members) {
            key(k, &m)
            var n = Members()
            mark(UInt8(ascii: "{"))
            str("name", a.name, &n)
            str("uscc", a.uscc, &n)
            mark(UInt8(ascii: "}"))
        }

        mutating func identity(_ k: StaticString, _ p: PersonIdentity?, _ m: inout Members) {
            guard let p else { return }
            key(k, &m)
            var n = Members()
            mark(UInt8(ascii: "{"))
            str("documentType", p.documentType, &n)
            key("exact", &n)
            literal(p.exact ? "true" : "false")
            str("hash", p.hash, &n)
            str("masked", p.masked, &n)
            mark(UInt8(ascii: "}"))
        }

        mutating func literal(_ s: StaticString) {
            guard room(s.utf8CodeUnitCount) else { return }
            copy(s.utf8Start, s.utf8CodeUnitCount)
        }

        mutating func subject(_ x: Subject, _ m: inout Members) {
            key("subject", &m)
            var n = Members()
            mark(UInt8(ascii: "{"))
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
            mark(UInt8(ascii: "}"))
        }

        mutating func body(_ b: CanonicalRecord.Body, _ m: inout Members) {
            var n = Members()
            switch b {
            case .dishonestDebtor(let x):
                key("dishonestDebtor", &m)
                mark(UInt8(ascii: "{"))
                if let age = x.age {
                    key("age", &n)
                    integer(age)
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
                mark(UInt8(ascii: "{"))
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
                mark(UInt8(ascii: "{"))
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
                mark(UInt8(ascii: "{"))
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
                mark(UInt8(ascii: "{"))
                authority("authority", x.authority, &n)
                str("documentNumber", x.documentNumber, &n)
                date("effectiveDate", x.effectiveDate, &n)
                str("reason", x.reason, &n)
                str("remarks", x.remarks, &n)
                str("targetKind", x.targetKind.rawValue, &n)
                str("targetNumber", x.targetNumber, &n)
                str("targetRecordId", x.targetRecordId, &n)
            }
            mark(UInt8(ascii: "}"))
        }

        mutating func record(_ r: CanonicalRecord) {
            var m = Members()
            mark(UInt8(ascii: "{"))
            let bodyFirst = r.kind == .dishonestDebtor  // "dishonestDebtor" < "id" < "kind" < the other body keys
            if bodyFirst { body(r.body, &m) }
            str("id", r.id, &m)
            str("kind", r.kind.rawValue, &m)
            if !bodyFirst { body(r.body, &m) }
            str("schema", CanonicalRecord.schemaName, &m)
            str("sourcePartner", r.sourcePartner, &m)
            subject(r.subject, &m)
            mark(UInt8(ascii: "}"))
        }
    }

    /// One canonical record, keys sorted: the body key (`dishonestDebtor`, `license`, `listEntry`, `penalty`,
    /// `retraction`) falls between `id`/`kind` and `schema` alphabetically, so `Cursor.record` writes it in its place.
    /// A record of any size: written again into a buffer four times larger while it does not fit.
    public mutating func writeRecord(_ r: CanonicalRecord) {
        var capacity = max(Self.cursorCapacity, scratch?.capacity ?? 0)
        while true {
            let s = scratchBuffer(capacity: capacity)
            var c = Cursor(p: s.base, end: s.base + capacity)
            c.record(r)
            if !c.overflow {
                bytes.append(contentsOf: UnsafeBufferPointer(start: s.base, count: c.p - s.base))
                if capacity > Self.scratchKeepLimit { scratch = nil }
                return
            }
            capacity *= 4
        }
    }

    /// A record's canonical JSON as text (what the store keeps and compares versions in).
    public static func recordText(_ r: CanonicalRecord) -> String {
        var w = CanonicalJSONWriter()
        w.writeRecord(r)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

extension CanonicalJSONWriter {
    /// A small line assembled in the scratch buffer of `writeRecord` and appended at once: literal bytes, JSON
    /// strings (escaped as `writeString` escapes them) and integers (as `String(n)` writes them). For lines of a
    /// fixed shape written per row, such as the row report's line of an accepted row.
    public struct Line {
        var cursor: Cursor

        public mutating func literal(_ s: StaticString) { cursor.literal(s) }

        public mutating func string(_ s: String) { cursor.string(s) }

        public mutating func integer(_ n: Int) { cursor.integer(n) }
    }

    /// Appends the line `body` assembles; appends nothing and returns false when it does not fit the scratch
    /// buffer (`cursorCapacity` bytes, or more once a record needed more), so the caller can take its general path.
    @discardableResult
    public mutating func appendLine(_ body: (inout Line) -> Void) -> Bool {
        let capacity = max(Self.cursorCapacity, scratch?.capacity ?? 0)
        let s = scratchBuffer(capacity: capacity)
        var line = Line(cursor: Cursor(p: s.base, end: s.base + capacity))
        body(&line)
        if line.cursor.overflow { return false }
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.base, count: line.cursor.p - s.base))
        return true
    }
}
