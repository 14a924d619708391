import Foundation
import GatewayCore
import Testing

@testable import GatewayMapping

/// Runs a decoder over `bytes` fed in chunks of `chunk` bytes (to exercise every boundary) and returns its rows.
func decode<D: RowDecoder>(_ decoder: D, _ bytes: [UInt8], chunk: Int = 7) throws -> [SourceRow] {
    var d = decoder
    var rows: [SourceRow] = []
    var i = 0
    while i < bytes.count {
        let end = min(bytes.count, i + chunk)
        try d.feed(Array(bytes[i..<end])) { rows.append($0) }
        i = end
    }
    try d.finish { rows.append($0) }
    return rows
}

func csv(_ header: Bool = true, delimiter: String = ",", columns: [String]? = nil, max: Int = 1 << 20) -> CSVDecoder {
    CSVDecoder(delimiter: delimiter.utf8.first!, hasHeader: header, columns: columns, skipLines: 0, maxRowBytes: max)
}

@Suite struct CSVDecoderTests {
    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func quotedFieldsAndLineEnds(chunk: Int) throws {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\"multi\nline\",,\"\"\r\n\r\n4,5,6"
        let rows = try decode(csv(), Array(text.utf8), chunk: chunk)
        #expect(rows.count == 3)
        #expect(rows[0].fields == ["a": "1", "b": "x, \"y\"", "c": "3"])
        #expect(rows[0].location == "line 2")
        #expect(rows[1].fields == ["a": "multi\nline", "b": "", "c": ""])
        #expect(rows[1].location == "line 3")
        #expect(rows[2].fields == ["a": "4", "b": "5", "c": "6"])
        #expect(rows[2].location == "line 6")
        #expect(String(decoding: rows[0].raw, as: UTF8.self) == "1,\"x, \"\"y\"\"\",3")
    }

    /// The one-scan replacement check of a CSV row answers as the scan of every value: also when invalid UTF-8 was
    /// repaired to U+FFFD in a value (the raw row then holds no 0xEF byte), and for line ends left out of `raw`.
    @Test(arguments: [1, 3, 4096])
    func replacementCheckOfCSVRows(chunk: Int) throws {
        let bytes: [UInt8] =
            Array("a,b\r\n中文,x\r\n".utf8) + [0x41, 0xC3, 0x28, 0x2C, 0x79, 0x0A] + Array("\u{FFFD},z\n".utf8)
            + [0xF0, 0x9F, 0x98, 0x41, 0x2C, 0x42, 0x0A] + Array("p,q".utf8)
        let rows = try decode(csv(), bytes, chunk: chunk)
        #expect(rows.count == 5)
        let expected = [false, true, true, true, false]
        for (row, want) in zip(rows, expected) {
            let perValue = row.fields.values.contains { SourceRow.holds0xEF($0) }
            #expect(perValue == want, "\(row.location)")
            #expect(row.anyValueMayHoldReplacement == want, "\(row.location)")
        }
        #expect(rows[0].raw == Array("中文,x".utf8))
        #expect(rows[1].raw == [0x41, 0xC3, 0x28, 0x2C, 0x79])
        #expect(rows[4].raw == Array("p,q".utf8))
        #expect(rows[4].location == "line 6")
    }

    @Test func lineLocationsAreWrittenAsInterpolated() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, 999_999_999, 1_000_000_000, -3, Int.max] {
            #expect(SourceRow.lineLocation(n) == "line \(n)")
        }
    }

    @Test func headerlessWithColumnsAndTabs() throws {
        let rows = try decode(csv(false, delimiter: "\t", columns: ["x", "y"]), Array("1\t2\n3\t4\n".utf8))
        #expect(rows.map(\.fields) == [["x": "1", "y": "2"], ["x": "3", "y": "4"]])
    }

    @Test func columnCountMismatchIsARowProblem() throws {
        let rows = try decode(csv(), Array("a,b\n1\n1,2,3\n1,2\n".utf8))
        #expect(rows.map { $0.problems.map(\.code) } == [["mapping.csv.columnCount"], ["mapping.csv.columnCount"], []])
    }

    @Test func unbalancedQuoteIsAFileErrorNamingTheLine() throws {
        let error = #expect(throws: MappingError.self) {
            try decode(csv(), Array("a,b\n1,2\n3,\"open\n4,5\n".utf8))
        }
        #expect(error?.code == MappingError.csvUnterminatedQuote)
        #expect(error?.message.contains("line 3") == true)
    }

    @Test func aTenMegabyteLineStopsWithRowTooLarge() throws {
        var bytes = Array("a,b\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 10 << 20)
        let error = #expect(throws: MappingError.self) { try decode(csv(), bytes, chunk: 1 << 16) }
        #expect(error?.code == MappingError.rowTooLarge)
        #expect(error?.message.contains("line 2") == true)
    }

    @Test func skipLinesDropsTitleRows() throws {
        var d = CSVDecoder(delimiter: 0x2C, hasHeader: true, columns: nil, skipLines: 2, maxRowBytes: 1 << 20)
        var rows: [SourceRow] = []
        try d.feed(Array("湖州市许可数据\n导出时间 2024-03-01\na,b\n1,2\n".utf8)) { rows.append($0) }
        try d.finish { rows.append($0) }
        #expect(rows.map(\.fields) == [["a": "1", "b": "2"]])
        #expect(rows.first?.location == "line 4")
    }
}

@Suite struct JSONDecoderTests {
    @Test func jsonValueKeepsNumbersExact() throws {
        let v = try JSONValue.parse(Array(#"{"a":0.1,"b":{"c":"x\u4e2d\"","d":[1,2]},"e":null,"f":[{"g":true}]}"#.utf8))
        #expect(v.flattened() == ["a": "0.1", "b.c": "x中\"", "b.d": "1\u{1F}2", "f.0.g": "true"])
    }

    @Test(arguments: [#"{"a":}"#, #"{"a":1"#, #"{"a" 1}"#, #"[1,]"#, "\"abc", #"{"a":tru}"#, "{\"a\":\"\u{01}\"}"])
    func jsonValueRejectsMalformed(text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func deepNestingIsBounded() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(deep.utf8)) }
    }

    @Test(arguments: [1, 5, 13, 4096])
    func arrayUnderARecordPath(chunk: Int) throws {
        let text =
            #"{"code":0,"meta":{"records":[9]},"data":{"total":2,"records":[{"a":"x,]}"},{"a":"y","n":{"m":[1,{"k":2}]}}, 5 ,"s"]},"tail":[1]}"#
        let rows = try decode(
            JSONArrayDecoder(recordPath: "data.records", maxRowBytes: 1 << 20), Array(text.utf8), chunk: chunk)
        #expect(rows.count == 4)
        #expect(rows[0].fields == ["a": "x,]}"])
        #expect(rows[0].location == "data.records[0]")
        #expect(rows[1].fields["n.m.1.k"] == "2")
        #expect(rows[2].problems.map(\.code) == ["mapping.row.malformed"])
        #expect(rows[3].problems.map(\.code) == ["mapping.row.malformed"])
        #expect(rows[3].location == "data.records[3]")
    }

    @Test func rootArray() throws {
        let rows = try decode(
            JSONArrayDecoder(recordPath: nil, maxRowBytes: 1 << 20), Array(#"[{"a":1},{"a":2}]"#.utf8))
        #expect(rows.map { $0.fields["a"] } == ["1", "2"])
        #expect(rows.map(\.location) == ["$[0]", "$[1]"])
    }

    @Test func truncatedDocumentIsAFileErrorAfterTheCompleteRecords() throws {
        var rows: [SourceRow] = []
        var d = JSONArrayDecoder(recordPath: nil, maxRowBytes: 1 << 20)
        try d.feed(Array(#"[{"a":1},{"a":2},{"a":"#.utf8)) { rows.append($0) }
        let error = #expect(throws: MappingError.self) { try d.finish { rows.append($0) } }
        #expect(error?.code == MappingError.jsonTruncated)
        #expect(error?.message.contains("$[2]") == true)
        #expect(rows.count == 2)
    }

    @Test(arguments: [
        (#"{"data":{"list":[]}}"#, MappingError.jsonRecordPathNotFound),
        (#"[1]]"#, MappingError.jsonMalformed),
        ("", MappingError.jsonTruncated),
        ("42", MappingError.jsonMalformed),
    ])
    func documentErrors(text: String, code: String) {
        let error = #expect(throws: MappingError.self) {
            try decode(JSONArrayDecoder(recordPath: "data.records", maxRowBytes: 1 << 20), Array(text.utf8))
        }
        #expect(error?.code == code)
    }

    @Test func jsonLines() throws {
        let text = "{\"a\":1}\r\n\n  \n{\"a\":2\n[1]\n{\"a\":3}"
        let rows = try decode(JSONLinesDecoder(maxRowBytes: 1 << 20), Array(text.utf8))
        #expect(rows.map(\.location) == ["line 1", "line 4", "line 5", "line 6"])
        #expect(rows.map { $0.problems.map(\.code) } == [[], ["mapping.row.malformed"], ["mapping.row.malformed"], []])
        #expect(rows[3].fields == ["a": "3"])
    }

    @Test func aTenMegabyteJSONLineStops() {
        var bytes = Array("{\"a\":\"".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 10 << 20)
        let error = #expect(throws: MappingError.self) {
            try decode(JSONLinesDecoder(maxRowBytes: 1 << 20), bytes, chunk: 1 << 16)
        }
        #expect(error?.code == MappingError.rowTooLarge)
        #expect(error?.message.contains("line 1") == true)
    }
}

@Suite struct EncodingTests {
    @Test func gbkIsConvertedAcrossChunkBoundaries() throws {
        // "中" in GBK is D6 D0; put it across the 64 KiB chunk boundary.
        var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: ChunkReader.chunkSize - 1)
        bytes += [0xD6, 0xD0, UInt8(ascii: "b")]
        let source = try UTF8ChunkSource(.bytes(bytes), encoding: "gbk")
        var out: [UInt8] = []
        while let c = try source.next() { out += c }
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasSuffix("a中b"))
        #expect(text.utf8.count == ChunkReader.chunkSize - 1 + 3 + 1)
    }

    @Test(arguments: [[UInt8]([0x81, 0x20]), [0xFF], [0x81, 0x7F]])
    func invalidGBKBecomesReplacementCharacters(bad: [UInt8]) throws {
        let source = try UTF8ChunkSource(.bytes(Array("x".utf8) + bad + Array("y".utf8)), encoding: "gbk")
        var out: [UInt8] = []
        while let c = try source.next() { out += c }
        #expect(String(decoding: out, as: UTF8.self).unicodeScalars.contains("\u{FFFD}"))
    }

    @Test func truncatedGBKAtTheEndIsReplaced() throws {
        let source = try UTF8ChunkSource(.bytes(Array("xy".utf8) + [0xD6]), encoding: "gb18030")
        var out: [UInt8] = []
        while let c = try source.next() { out += c }
        #expect(String(decoding: out, as: UTF8.self) == "xy\u{FFFD}")
    }

    @Test func unknownEncodingIsAnError() {
        let error = #expect(throws: MappingError.self) { try UTF8ChunkSource(.bytes([]), encoding: "klingon-8") }
        #expect(error?.code == MappingError.encodingUnsupported)
    }

    @Test func utf8BOMIsDropped() throws {
        let source = try UTF8ChunkSource(.bytes([0xEF, 0xBB, 0xBF] + Array("a,b".utf8)), encoding: nil)
        var out: [UInt8] = []
        while let c = try source.next() { out += c }
        #expect(out == Array("a,b".utf8))
    }
}

@Suite struct XMLDecoderTests {
    func run(
        _ xml: [UInt8], encoding: String? = nil, element: String = "R", namespace: String? = nil, max: Int = 1 << 20
    )
        throws -> [SourceRow]
    {
        let source = try UTF8ChunkSource(.bytes(xml), encoding: encoding)
        var rows: [SourceRow] = []
        try XMLRecordDecoder(recordElement: element, namespace: namespace, maxRowBytes: max).run(source: source) {
            rows.append($0)
        }
        return rows
    }

    @Test func recordsWithNamespacesAttributesAndNesting() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <x:Root xmlns:x="urn:a" xmlns:y="urn:b">
              <x:R id="1"><x:P t="9"><x:N>甲 &amp; 乙</x:N></x:P><x:C>1</x:C><x:C>2</x:C></x:R>
              <y:R id="other"><y:N>not mine</y:N></y:R>
              <x:R id="2"><x:N><![CDATA[<b>]]></x:N><x:E/></x:R>
            </x:Root>
            """
        let rows = try run(Array(xml.utf8), namespace: "urn:a")
        #expect(rows.count == 2)
        #expect(rows[0].fields == ["@id": "1", "P@t": "9", "P.N": "甲 & 乙", "C": "1\u{1F}2"])
        #expect(rows[1].fields == ["@id": "2", "N": "<b>", "E": ""])
        #expect(rows[0].location == "R 1 (line 3)")
    }

    @Test func gb18030DocumentIsRead() throws {
        let xml = "<?xml version=\"1.0\" encoding=\"GB18030\"?><Root><R><N>宣城宣纸</N></R></Root>"
        let bytes = try #require(xml.data(using: String.Encoding(rawValue: 0x8000_0632)))  // kCFStringEncodingGB_18030_2000
        let rows = try run(Array(bytes), encoding: "gb18030")
        #expect(rows.first?.fields["N"] == "宣城宣纸")
    }

    @Test func billionLaughsIsRefusedBeforeParsing() {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        for i in 1...9 {
            let prev = i == 1 ? "lol" : "lol\(i - 1)"
            xml += " <!ENTITY lol\(i) \"" + String(repeating: "&\(prev);", count: 10) + "\">\n"
        }
        xml += "]>\n<Root><R><N>&lol9;</N></R></Root>"
        let error = #expect(throws: MappingError.self) { try run(Array(xml.utf8)) }
        #expect(error?.code == MappingError.xmlDTDForbidden)
    }

    @Test func externalEntityIsRefused() {
        let xml =
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Root><R><N>&x;</N></R></Root>"
        let error = #expect(throws: MappingError.self) { try run(Array(xml.utf8)) }
        #expect(error?.code == MappingError.xmlDTDForbidden)
    }

    /// A processing instruction with no data (`<?pi?>`) made FoundationXML's parser read a null pointer and the
    /// process die (found by the mapping fuzzer, also after a broken XML declaration): it is refused before the
    /// parser sees it, wherever it stands. Instructions with data are read as before.
    @Test func processingInstructionWithoutDataIsRefused() throws {
        for xml in [
            "<?xml version=\"1.0\"?><Root><R><N>x</N></R><?pi?></Root>",
            "<Root><?pi.中?><R><N>x</N></R></Root>",
            "<Root><R><N>x</N></R><!-- c --><?a?></Root>",
            "<?xml verns:q=\"u\"><Root><R><N>x</N></R><?pi?></Root>",
            "<Root><R><N>x</N></R><!-- <?pi?> --></Root>",
        ] {
            let error = #expect(throws: MappingError.self, "\(xml)") { try run(Array(xml.utf8)) }
            #expect(error?.code == MappingError.xmlEmptyProcessingInstruction, "\(xml)")
        }
        for xml in [
            "<?xml version=\"1.0\"?><Root><R><N>x</N></R><?pi x?><?pi\n?></Root>",
            "<Root><R><N>a ? b</N></R><R><N><![CDATA[?>]]></N></R></Root>",
        ] {
            let rows = try run(Array(xml.utf8))
            #expect(rows.count >= 1, "\(xml)")
        }
    }

    /// The scanner finds the instruction wherever the chunks split it.
    @Test func processingInstructionScannerAcrossChunks() {
        func find(_ text: String, chunk: Int) -> Int? {
            var scanner = ProcessingInstructionScanner()
            let bytes = Array(text.utf8)
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + chunk)
                if let at = bytes[start..<end].withUnsafeBufferPointer({ scanner.scan($0) }) { return at }
                start = end
            }
            return nil
        }
        let cases: [(String, Int?)] = [
            ("<a><?pi?></a>", 8), ("<a><?pi x?></a>", nil), ("<a><!--<?pi?>--></a>", 12), ("<?x a<?b?>", 9),
            ("<<?x?>", 5), ("<a>text ? > <b/></a>", nil), ("<a><??></a>", 6), ("<a><?p??></a>", 8),
        ]
        for (text, expected) in cases {
            for chunk in [1, 2, 3, 5, 64] {
                #expect(find(text, chunk: chunk) == expected, "\(text) in chunks of \(chunk)")
            }
        }
    }

    @Test func hugeTextIsBoundedByMaxRowBytes() {
        var bytes = Array("<Root><R><N>".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "A"), count: 10 << 20)
        bytes += Array("</N></R></Root>".utf8)
        let error = #expect(throws: MappingError.self) { try run(bytes, max: 1 << 20) }
        #expect(error?.code == MappingError.rowTooLarge)
    }

    @Test(arguments: ["<Root><R><N>x</N></R>", "<Root><R><N>x</R></Root>", "not xml at all", ""])
    func malformedXMLIsAFileError(xml: String) {
        let error = #expect(throws: MappingError.self) { try run(Array(xml.utf8)) }
        #expect(error?.code == MappingError.xmlMalformed)
    }
}
