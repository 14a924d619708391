import Foundation
import GatewayCore
import GatewayTesting
import Testing

@testable import GatewayMapping

/// The byte-level pass: each fast path answers exactly as the general code it stands in front of.
@Suite struct BytePathTests {
    /// Every white-space scalar (and a few near misses) at either end, around ASCII, Chinese and full-width text.
    static let trimSamples: [String] = {
        let spaces: [Unicode.Scalar] = [
            "\u{09}", "\u{0A}", "\u{0B}", "\u{0C}", "\u{0D}", "\u{20}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}",
            "\u{2005}", "\u{200A}", "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}",
        ]
        let nonSpaces: [Unicode.Scalar] = ["\u{200B}", "\u{3001}", "\u{FEFF}", "\u{180E}", "a", "罚", "Ａ", "\u{81}"]
        var out = ["", "a", "罚款", "嘉市监罚〔2024〕1号", "2000.00", "a b", "\u{301}", "e\u{301}"]
        for body in ["x", "某公司", "１２", ""] {
            for s in spaces + nonSpaces {
                out.append(String(s) + body)
                out.append(body + String(s))
                out.append(String(s) + body + String(s))
            }
        }
        return out
    }()

    @Test func trimFastPathEqualsTextNormalization() {
        for s in Self.trimSamples {
            #expect(Transforms.trim(s) == TextNormalization.trim(s), "\(Array(s.unicodeScalars))")
        }
    }

    @Test func splitWithoutSeparatorsEqualsComponents() {
        func general(_ text: String) -> [String] {
            text.components(separatedBy: SourceRow.valueSeparator).map { TextNormalization.trim($0) }
                .filter { !$0.isEmpty }
        }
        for s in Self.trimSamples + ["a\u{1F}b", "\u{1F}", " 罚款 \u{1F} 警告 ", "\u{1F}\u{301}x"] {
            #expect(Transforms.split(s, separators: []) == general(s), "\(Array(s.unicodeScalars))")
            #expect(Transforms.split(s, separators: [""]) == general(s))
        }
        // Only values without U+001F take the fast path.
        #expect(Transforms.splitOnValueSeparator("a\u{1F}b") == nil)
        #expect(Transforms.splitOnValueSeparator(" a ") == ["a"])
        #expect(Transforms.splitOnValueSeparator("  ") == [])
    }

    @Test func holds0xEFFindsTheReplacementCharacter() {
        #expect(SourceRow.holds0xEF("某\u{FFFD}公司"))
        #expect(SourceRow.holds0xEF("Ａ"))  // U+FF21: EF BC A1
        #expect(!SourceRow.holds0xEF("某公司"))
        #expect(!SourceRow.holds0xEF(""))
    }

    /// `CanonicalPath` lists canonical fields only, once each, with its case order matching `paths`.
    @Test func canonicalPathsAreCanonicalFields() {
        #expect(CanonicalPath.allCases.count == CanonicalPath.paths.count)
        #expect(Set(CanonicalPath.paths).count == CanonicalPath.paths.count)
        for p in CanonicalPath.allCases {
            let kindName = String(p.path.prefix { $0 != "." })
            let kind = kindName == "subject" ? RecordKind.penalty : RecordKind(rawValue: kindName)
            let resolved = try? #require(kind, "\(p.path)")
            if let resolved { #expect(CanonicalFields.type(of: p.path, kind: resolved) != nil, "\(p.path)") }
            // The case name is the path without dots.
            #expect("\(p)" == p.path.split(separator: ".").enumerated().map { i, part in
                i == 0 ? String(part) : part.prefix(1).uppercased() + part.dropFirst()
            }.joined())
        }
    }

    /// The report line written from the outcome equals the one written from `RowReportEntry`, for each verdict.
    @Test func reportFromOutcomeEqualsReportFromEntry() throws {
        let mapper = try MapperTests().mapper(penaltyDialect(skip: #"[{"source":"wsh","in":["SKIP"],"reason":"test"}]"#))
        let rows = [
            MapperTests().row([:]), MapperTests().row(["dm": "bad", "fk": "x"]), MapperTests().row(["wsh": "SKIP"]),
            MapperTests().row(["mc": "张三 110101199003077777"]),
        ]
        var verdicts: Set<String> = []
        for (n, row) in rows.enumerated() {
            var r = row
            r.number = n * 1_000_001 + 7
            let o = mapper.map(r)
            verdicts.insert(o.verdict.rawValue)
            var a = CanonicalJSONWriter()
            a.writeReport(o)
            var b = CanonicalJSONWriter()
            b.writeReport(RowReportEntry(o))
            #expect(a.bytes == b.bytes)
            #expect(String(decoding: a.bytes, as: UTF8.self) == (try MappingJSON().line(RowReportEntry(o))))
        }
        #expect(verdicts == ["accepted", "rejected", "skipped"])
    }

    @Test func writeDecimalEqualsStringOfInt() {
        for n in [0, 1, 9, 10, 99, 100, 12345, 999_999_999, 1_000_000_000, 999_999_999_999, 1_000_000_000_000, -1, -42,
            Int.max, Int.min]
        {
            var w = CanonicalJSONWriter()
            w.writeDecimal(n)
            #expect(String(decoding: w.bytes, as: UTF8.self) == String(n))
        }
    }

    /// Raw bytes are kept for rejected and skipped rows, and dropped for accepted ones.
    @Test func rawIsKeptForRejectedRowsOnly() throws {
        let mapper = try MapperTests().mapper(penaltyDialect())
        #expect(mapper.map(MapperTests().row([:])).raw.isEmpty)
        #expect(mapper.map(MapperTests().row(["fk": "x"])).raw == Array("raw".utf8))
    }

    /// XML records keep their values by position under a reused schema while their names repeat in the same order;
    /// they read exactly as the former dictionaries, and their raw form is built (on demand) from the same fields.
    @Test func xmlRecordsByColumnReadAsDictionaries() throws {
        let xml = """
            <?xml version="1.0"?>
            <Root>
            <R><A>1</A><B>2</B></R>
            <R><A>3</A><B>4</B></R>
            <R><B>5</B><A>6</A></R>
            <R><A>7</A><A>8</A><B>9</B></R>
            <R a="x"><A>&amp;</A><B><C>c</C></B></R>
            <R><A>10</A></R>
            <R><A>11</A><B>12</B><D>13</D></R>
            <R></R>
            </Root>
            """
        let rows = try XMLDecoderTests().run(Array(xml.utf8))
        let expected: [[String: String]] = [
            ["A": "1", "B": "2"], ["A": "3", "B": "4"], ["B": "5", "A": "6"], ["A": "7\u{1F}8", "B": "9"],
            ["@a": "x", "A": "&", "B.C": "c"], ["A": "10"], ["A": "11", "B": "12", "D": "13"], [:],
        ]
        #expect(rows.count == expected.count)
        for (row, fields) in zip(rows, expected) {
            #expect(row.fields == fields)
            for name in ["A", "B", "B.C", "D", "@a", "X"] { #expect(row.value(name) == fields[name]) }
            #expect(row.raw == XMLPrologue.serialize(element: "R", fields: fields))
        }
        guard case .columns(let s0, _) = rows[0].storage, case .columns(let s1, _) = rows[1].storage,
            case .columns(let s2, _) = rows[2].storage
        else {
            Issue.record("records without repeated names should be stored by column")
            return
        }
        #expect(s0 === s1)
        #expect(s1 !== s2)
        if case .columns = rows[3].storage { Issue.record("a repeated element should be stored as a dictionary") }
        #expect(String(decoding: rows[4].raw, as: UTF8.self) == "<R><@a>x</@a><A>&amp;</A><B.C>c</B.C></R>")
    }
}

@Suite struct ASCIIDateTests {
    @Test func asciiDatesParseAsByScalars() {
        let formats = ["yyyy-MM-dd", "yyyy/M/d", "yyyyMMdd", "yyyy.MM.dd", "dd/MM/yyyy", "yyyy年M月d日", "yyyy-M-d"]
        let values = [
            "2024-05-12", "2024-5-12", "2024/05/12", "2024/5/1", "20240512", "2024.05.12", "12/05/2024", "2024年5月12日",
            "2024-05-12 08:00:00", "2024-05-12T08:00:00", "2024-05-12x", "2024-13-01", "2024-02-30", "", "2024",
            "２０２４-05-12", "2024-05-1", "24-05-12", "2024-05-12 ", "2024/05/12T",
        ]
        for f in formats {
            for v in values {
                #expect(Transforms.parseDate(v, format: f) == Transforms.parseDateByScalars(v, format: f), "\(v) \(f)")
            }
        }
        #expect(Transforms.parseDate("2024-05-12", format: "yyyy-MM-dd") == CivilDate(year: 2024, month: 5, day: 12))
    }
}

@Suite struct FlatJSONTests {
    @Test func flatObjectsParseAsTheValueTree() {
        let lines = [
            #"{"a":"1","b":2,"c":null}"#, #" { "a" : "x\"y\u00e9\n" , "b" : -1.5e3 , "t":true,"f":false } "#, #"{}"#,
            #"{"a":"6","a":"7"}"#, #"{"a":{"n":"8"}}"#, #"{"b":[1,2]}"#, #"[1]"#, #""s""#, #"{"a":"1",}"#, #"{"a":"1""#,
            #"{"a":"1"} x"#, #"{"a":tru}"#, #"{"a":"\ud83d\ude00"}"#, #"{"a":"嘉兴","b":"2024-05-12"}"#, "", "{",
            #"{"a":1"#, #"{"a" "b"}"#, #"{1:2}"#,
        ]
        for line in lines {
            let bytes = Array(line.utf8)
            let fast = JSONValue.parseFlatObject(bytes)
            let tree = (try? JSONValue.parse(bytes))?.flatMembers()
            #expect(fast?.names == tree?.names, "\(line)")
            #expect(fast?.values == tree?.values, "\(line)")
        }
        #expect(JSONValue.parseFlatObject(Array(#"{"a":"1","b":null}"#.utf8))?.names == ["a"])
    }
}

@Suite struct IDTableTests {
    /// The id of row `row` (≥ 1) in the duplicate-index tests: every fourth repeats an earlier one, every seventh
    /// shares its low bits (the slot index) with the others of its kind; `x` is the generator's state.
    static func collidingKey(row: Int, x: inout UInt64) -> RunState.IDKey {
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        if row % 4 == 0 { return RunState.IDKey(high: UInt64(row / 2), low: UInt64(row / 2) << 20) }
        if row % 7 == 0 { return RunState.IDKey(high: x, low: 42) }
        return RunState.IDKey(high: x, low: x >> 3)
    }

    /// The open-addressing table answers as a dictionary would, through several growths, also when ids collide in
    /// their low bits (the slot index).
    @Test func findsEveryEarlierIDAndOnlyThose() {
        var table = IDTable()
        var reference: [RunState.IDKey: Int32] = [:]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for row in Int32(1)...5000 {
            let key = Self.collidingKey(row: Int(row), x: &x)
            let expected = reference[key].map(Int.init)
            if expected == nil { reference[key] = row }
            #expect(table.firstRow(key, row: row) == expected)
        }
        #expect(table.count == reference.count)
    }

    /// The table stays 64–80 % full once past its first growths: 25–31.25 bytes per entry (it was 27–53 when it
    /// doubled at ¾), with every id still found.
    @Test func staysBetweenFourFifthsAndTwoThirdsFull() {
        var table = IDTable()
        var x: UInt64 = 0x0123_4567_89AB_CDEF
        var keys: [RunState.IDKey] = []
        for row in Int32(1)...20_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let key = RunState.IDKey(high: x, low: x &* 0x9E37_79B9_7F4A_7C15)
            keys.append(key)
            #expect(table.firstRow(key, row: row) == nil)
            if row >= 100 {
                let perEntry = Double(table.bytes) / Double(table.count)
                #expect(perEntry >= 25 && perEntry <= 31.25 + 0.5, "row \(row): \(perEntry) bytes per entry")
            }
        }
        for (i, key) in keys.enumerated() where i % 7 == 0 {
            #expect(table.firstRow(key, row: 99_999) == i + 1)
        }
        #expect(table.count == 20_000)
    }

    /// A copy of a table is a value: recording in one does not change the other.
    @Test func copiesAreIndependent() {
        var a = IDTable()
        _ = a.firstRow(RunState.IDKey(high: 1, low: 1), row: 1)
        var b = a
        #expect(b.firstRow(RunState.IDKey(high: 2, low: 2), row: 2) == nil)
        #expect(a.firstRow(RunState.IDKey(high: 2, low: 2), row: 3) == nil)
        #expect(b.firstRow(RunState.IDKey(high: 2, low: 2), row: 4) == 2)
        #expect(a.firstRow(RunState.IDKey(high: 2, low: 2), row: 5) == 3)
        #expect(a.firstRow(RunState.IDKey(high: 1, low: 1), row: 6) == 1)
    }

    @Test func idKeysReadRecordIDs() {
        let key = RunState.IDKey("rec_0123456789abcdef0123456789abcdef")
        #expect(key?.high == 0x0123_4567_89ab_cdef && key?.low == 0x0123_4567_89ab_cdef)
        #expect(RunState.IDKey("rec_0123456789abcdef0123456789abcdeF") == nil)
        #expect(RunState.IDKey("rec_0123") == nil)
        #expect(RunState.IDKey("xec_0123456789abcdef0123456789abcdef") == nil)
    }
}

@Suite struct DirectDateAndMoneyTests {
    /// Dates and amounts written digit by digit equal `JSONEncoder`'s output of `description` / `yuanText`.
    @Test func datesAndAmountsMatchJSONEncoder() throws {
        let dates = [(1, 1, 1), (999, 9, 9), (2024, 5, 12), (2099, 12, 31), (9999, 12, 31), (10000, 1, 1)]
            .compactMap { CivilDate(year: $0.0, month: $0.1, day: $0.2) }
        #expect(dates.count >= 5)
        let fens: [Int64] = [0, 5, -5, 99, 100, 101, -100, 200_000, -123_456, Int64.max, Int64.min + 1, Int64.min]
        let a = Authority(name: "某局", uscc: MapperTests.authorityUSCC)
        for (i, date) in dates.enumerated() {
            for (j, fen) in fens.enumerated() {
                let limit: DateLimit = j % 3 == 0 ? .longTerm : .date(date)
                let bodies: [CanonicalRecord.Body] = [
                    .penalty(
                        PenaltyDecision(
                            decisionNumber: "n\(i)", violationType: "v", facts: "f", legalBasis: "b", categories: [],
                            content: "c", fineAmount: Money(fen: fen), confiscatedAmount: j % 2 == 0 ? Money(fen: -fen) : nil,
                            decisionDate: date, validUntil: limit, publicityEndDate: j % 2 == 1 ? date : nil, authority: a,
                            sourceUnit: a)),
                    .listEntry(ListEntry(listKind: "red", listName: "x", authority: a, basis: "b", listedDate: date,
                        validUntil: j % 2 == 0 ? limit : nil)),
                ]
                for body in bodies {
                    let r = CanonicalRecord(sourcePartner: "p", subject: Subject(category: "legalEntity", name: "n"), body: body)
                    #expect(try MappingJSON().line(r) == CanonicalJSONWriterTests.reference(r), "\(date) \(fen)")
                }
            }
        }
    }
}

@Suite struct JSONArrayRunTests {
    /// String runs of captured records read the same whatever the chunk size, escapes and limit included.
    @Test func recordsReadAlikeAtEveryChunkSize() throws {
        let text = #"{"data":{"records":[{"a":"x\"y\\z","b":"嘉兴市\u0041"},{"a":"\\","b":"2"} , "s" ]}}"#
        var expected: [[String: String]]?
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let rows = try decode(JSONArrayDecoder(recordPath: "data.records", maxRowBytes: 1 << 20), Array(text.utf8), chunk: chunk)
            let fields = rows.map(\.fields)
            if let expected { #expect(fields == expected, "chunk \(chunk)") } else { expected = fields }
        }
        #expect(expected?.first == ["a": "x\"y\\z", "b": "嘉兴市A"])
        #expect(expected?.count == 3)
    }

    @Test func aLongStringStopsAtTheLimit() throws {
        let text = #"[{"a":""# + String(repeating: "长", count: 100) + #""}]"#
        for chunk in [5, 4096] {
            let error = #expect(throws: MappingError.self) {
                try decode(JSONArrayDecoder(recordPath: nil, maxRowBytes: 64), Array(text.utf8), chunk: chunk)
            }
            #expect(error?.code == MappingError.rowTooLarge)
        }
    }
}
