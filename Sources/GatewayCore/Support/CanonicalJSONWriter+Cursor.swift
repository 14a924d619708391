/// `writeRecord` over a write cursor: the record is written with plain stores into one scratch buffer on the stack
/// and appended to `bytes` at once. Appending each key and value to the array (a uniqueness and capacity check and
/// a `memcpy` call per append, about 50 appends a record) was most of the cost of writing a record. The bytes are
/// those of `writeRecordAppending` (the array-append path, still used for records larger than the scratch buffer);
/// `CanonicalJSONWriterTests` compares both with `JSONEncoder`.
extension CanonicalJSONWriter {
    /// The scratch buffer's first size (records are ≈ 1 KB; a string needs room for six bytes a byte, its worst
    /// case of escaping). A record that does not fit is written again into a buffer four times the size, up to
    /// `cursorLimit`; beyond that it takes the append path.
    static let cursorCapacity = 4_096
    static let cursorLimit = 1 << 20

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

    /// A write position in a fixed buffer. Each write first checks the room it needs (a string: six bytes per byte,
    /// the worst case of escaping); when the buffer is too small it sets `overflow` and writes nothing more.
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

        /// The bytes of a string, quoted and escaped. Clean bytes are checked and copied eight at a time (the SWAR
        /// test of `needsEscape`); from the first word holding a byte to escape on, byte by byte.
        @inline(__always)
        private mutating func utf8(_ b: UnsafeBufferPointer<UInt8>) {
            let n = b.count
            guard room(6 * n + 2) else { return }
            byte(0x22)
            if let base = b.baseAddress {
                let src = UnsafeRawPointer(base)
                let dst = UnsafeMutableRawPointer(p)
                let ones: UInt64 = 0x0101_0101_0101_0101
                let highs: UInt64 = 0x8080_8080_8080_8080
                var i = 0
                while i + 8 <= n {
                    let x = src.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let quote = x ^ (ones &* 0x22)
                    let backslash = x ^ (ones &* 0x5C)
                    let control = (x &- ones &* 0x20) & ~x
                    let zeroQuote = (quote &- ones) & ~quote
                    let zeroBackslash = (backslash &- ones) & ~backslash
                    if (control | zeroQuote | zeroBackslash) & highs != 0 { break }
                    dst.storeBytes(of: x, toByteOffset: i, as: UInt64.self)
                    i += 8
                }
                if i < n, n - i < 8, n >= 8 {
                    // Fewer than eight bytes left (the loop found no byte to escape): the last word, overlapping
                    // bytes already copied, is tested and stored whole when clean, instead of byte by byte.
                    let x = src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                    let quote = x ^ (ones &* 0x22)
                    let backslash = x ^ (ones &* 0x5C)
                    let control = (x &- ones &* 0x20) & ~x
                    let zeroQuote = (quote &- ones) & ~quote
                    let zeroBackslash = (backslash &- ones) & ~backslash
                    if (control | zeroQuote | zeroBackslash) & highs == 0 {
                        dst.storeBytes(of: x, toByteOffset: n - 8, as: UInt64.self)
                        i = n
                    }
                }
                p += i
                while i < n {
                    escaped(base[i])
                    i += 1
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
        mutating func unsigned(_ value: UInt64) {
            var digits = 1
            var rest = value / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            var v = value
            var i = digits - 1
            repeat {
                p[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
                i -= 1
            } while i >= 0
            p += digits
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
                    if age >= 0 {
                        if room(24) { unsigned(UInt64(age)) }
                    } else {
                        literal(age)
                    }
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

        /// A negative number as `String(n)` writes it (rare: an age is not negative).
        mutating func literal(_ n: Int) {
            let text = String(n)
            var t = text
            t.withUTF8 { b in
                guard let base = b.baseAddress, room(b.count) else { return }
                copy(base, b.count)
            }
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

    /// One canonical record, keys sorted (see `writeRecordAppending` for the order).
    public mutating func writeRecord(_ r: CanonicalRecord) {
        var capacity = max(Self.cursorCapacity, scratch?.capacity ?? 0)
        while capacity <= Self.cursorLimit {
            if scratch?.capacity != capacity || !isKnownUniquelyReferenced(&scratch) {
                scratch = Scratch(capacity: capacity)
            }
            guard let s = scratch else { break }
            var c = Cursor(p: s.base, end: s.base + capacity)
            c.record(r)
            if !c.overflow {
                bytes.append(contentsOf: UnsafeBufferPointer(start: s.base, count: c.p - s.base))
                return
            }
            capacity *= 4
        }
        writeRecordAppending(r)
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

        public mutating func integer(_ n: Int) {
            if n >= 0 {
                if cursor.room(24) { cursor.unsigned(UInt64(n)) }
            } else {
                cursor.literal(n)
            }
        }
    }

    /// Appends the line `body` assembles; appends nothing and returns false when it does not fit the scratch
    /// buffer (`cursorCapacity` bytes, or more once a record needed more), so the caller can take its general path.
    @discardableResult
    public mutating func appendLine(_ body: (inout Line) -> Void) -> Bool {
        let capacity = max(Self.cursorCapacity, scratch?.capacity ?? 0)
        if scratch?.capacity != capacity || !isKnownUniquelyReferenced(&scratch) {
            scratch = Scratch(capacity: capacity)
        }
        guard let s = scratch else { return false }
        var line = Line(cursor: Cursor(p: s.base, end: s.base + capacity))
        body(&line)
        if line.cursor.overflow { return false }
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.base, count: line.cursor.p - s.base))
        return true
    }
}
