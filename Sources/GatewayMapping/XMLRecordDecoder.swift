import Foundation
import GatewayCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// XML: every element with the dialect's `recordElement` local name (in its `namespace`, when given) is one
/// record. Child elements become fields by their local-name path below the record (`Party.Name`), attributes
/// `@name` / `Child@name`; repeated elements are joined with U+001F.
///
/// Parsed by FoundationXML's `XMLParser` from a stream, so memory is bounded by one record. The input is first
/// converted to UTF-8 by `UTF8ChunkSource` (the XML declaration's encoding is rewritten to match), and a document
/// carrying a DTD is refused before parsing: partner exports need none, and refusing it rules out entity
/// expansion attacks ("billion laughs") and external entities.
final class XMLRecordDecoder {
    let recordElement: String
    let namespace: String?
    let maxRowBytes: Int

    init(recordElement: String, namespace: String?, maxRowBytes: Int) {
        self.recordElement = recordElement
        self.namespace = namespace
        self.maxRowBytes = maxRowBytes
    }

    func run(source: UTF8ChunkSource, emit: (SourceRow) throws -> Void) throws {
        let prefix = try XMLPrologue.read(source: source)
        let stream = ReplayInputStream(prefix: prefix, source: source)
        let parser = XMLParser(stream: stream)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        try withoutActuallyEscaping(emit) { emit in
            let delegate = Delegate(owner: self, emit: emit, parser: parser)
            parser.delegate = delegate
            let ok = parser.parse()
            if let error = delegate.thrown { throw error }
            if let error = stream.thrown { throw error }
            if !ok {
                let err = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "unknown error"
                throw MappingError(
                    MappingError.xmlMalformed,
                    "the XML is not well formed at line \(parser.lineNumber), column \(parser.columnNumber): \(err)")
            }
            if delegate.state.depth != 0 || !delegate.state.sawRoot {
                throw MappingError(MappingError.xmlMalformed, "the XML document ends early (line \(parser.lineNumber))")
            }
        }
    }

    /// The reading state, a struct kept in one property of the delegate: each callback then makes one access to
    /// it, instead of a dynamically checked access (exclusivity) per property of a class, about 20 per element.
    struct ReadState {
        let recordElement: String
        let namespace: String?
        let maxRowBytes: Int
        var depth = 0
        var sawRoot = false
        // The record being read.
        var recordDepth: Int?
        var recordLine = 0
        var rowNumber = 0
        var path: [String] = []
        /// Per open element below the record: whether it had child elements (then it is not a field itself).
        var hadChild: [Bool] = []
        var text = ""
        /// The record's fields in document order while no name repeats (then `fields` takes over), so that a
        /// record with the same names as the previous one reuses its `RowSchema` and the mapper reads its values by
        /// position (no dictionary per record).
        var names: [String] = []
        var values: [String] = []
        /// Whether `names` so far equal the first names of `schema`.
        var followsSchema = true
        var schema: RowSchema?
        var useDictionary = false
        var fields: [String: String] = [:]
        var size = 0

        init(recordElement: String, namespace: String?, maxRowBytes: Int) {
            self.recordElement = recordElement
            self.namespace = namespace
            self.maxRowBytes = maxRowBytes
        }

        mutating func add(_ key: String, _ value: String) {
            size += key.utf8.count + value.utf8.count
            if !useDictionary {
                let k = names.count
                if followsSchema, let schema, k < schema.names.count, schema.names[k] == key {
                    // The names of a schema are distinct, so `key` is not among the earlier names.
                    names.append(key)
                    values.append(value)
                    return
                }
                followsSchema = false
                if !names.contains(key) {
                    names.append(key)
                    values.append(value)
                    return
                }
                // A repeated name: the values are joined under one key, by name.
                useDictionary = true
                fields = [:]
                for (n, v) in zip(names, values) { fields[n] = v }
            }
            if let old = fields[key] {
                fields[key] = old + SourceRow.valueSeparator + value
            } else {
                fields[key] = value
            }
        }

        mutating func start(
            _ elementName: String, namespaceURI: String?, attributes: [String: String], line: () -> Int
        ) {
            depth += 1
            sawRoot = true
            if recordDepth == nil {
                if elementName == recordElement, namespace == nil || namespace == namespaceURI {
                    recordDepth = depth
                    recordLine = line()
                    fields = [:]
                    names.removeAll(keepingCapacity: true)
                    values.removeAll(keepingCapacity: true)
                    followsSchema = true
                    useDictionary = false
                    size = 0
                    path = []
                    hadChild = []
                    for (k, v) in attributes { add("@" + k, v) }
                }
                return
            }
            if !hadChild.isEmpty { hadChild[hadChild.count - 1] = true }
            path.append(elementName)
            hadChild.append(false)
            if !attributes.isEmpty {
                let base = path.joined(separator: ".")
                for (k, v) in attributes { add(base + "@" + k, v) }
            }
            text = ""
        }

        /// Adds text to the open field; the error when the record grows beyond `maxRowBytes`.
        mutating func characters(_ string: String) -> MappingError? {
            guard recordDepth != nil, !path.isEmpty else { return nil }
            text += string
            if size + text.utf8.count > maxRowBytes {
                return MappingError(
                    MappingError.rowTooLarge,
                    "record \(rowNumber + 1) starting at line \(recordLine) is longer than \(maxRowBytes) bytes (maxRowBytes)"
                )
            }
            return nil
        }

        /// Closes an element; the record, when this closes one.
        mutating func end() -> SourceRow? {
            defer { depth -= 1 }
            guard let rd = recordDepth else { return nil }
            if depth == rd {
                recordDepth = nil
                rowNumber += 1
                let location = "\(recordElement) \(rowNumber) (line \(recordLine))"
                let storage: SourceRow.Storage
                if useDictionary {
                    storage = .dictionary(fields)
                } else if followsSchema, let schema, schema.names.count == names.count {
                    storage = .columns(schema, values)
                } else {
                    let fresh = RowSchema(names: names)
                    schema = fresh
                    storage = .columns(fresh, values)
                }
                return SourceRow(number: rowNumber, location: location, storage: storage, xmlElement: recordElement)
            }
            if hadChild.last != true {
                add(path.count == 1 ? path[0] : path.joined(separator: "."), text)
            }
            text = ""
            path.removeLast()
            hadChild.removeLast()
            return nil
        }
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        let emit: (SourceRow) throws -> Void
        weak var parser: XMLParser?
        var thrown: Error?
        var state: ReadState

        init(owner: XMLRecordDecoder, emit: @escaping (SourceRow) throws -> Void, parser: XMLParser) {
            self.emit = emit
            self.parser = parser
            self.state = ReadState(
                recordElement: owner.recordElement, namespace: owner.namespace, maxRowBytes: owner.maxRowBytes)
        }

        func fail(_ error: Error) {
            if thrown == nil { thrown = error }
            parser?.abortParsing()
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            state.start(elementName, namespaceURI: namespaceURI, attributes: attributeDict) { parser.lineNumber }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let error = state.characters(string) { fail(error) }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            guard let row = state.end() else { return }
            do {
                try emit(row)
            } catch {
                fail(error)
            }
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            self.parser(parser, foundCharacters: String(decoding: CDATABlock, as: UTF8.self))
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {}
    }
}

/// The XML prologue: read up to the root element, refuse a DTD, and make the declaration say UTF-8.
enum XMLPrologue {
    static let maxPrologue = 1 << 20

    static func read(source: UTF8ChunkSource) throws -> [UInt8] {
        var buffer: [UInt8] = []
        while true {
            // The root element starts at the first '<' followed by a letter or '_'.
            if let rootStart = rootIndex(buffer) {
                let prologue = Array(buffer[..<rootStart])
                if containsDTD(prologue) {
                    throw MappingError(
                        MappingError.xmlDTDForbidden,
                        "\(source.name) declares a DTD (<!DOCTYPE …>); DTDs and entity declarations are refused (entity expansion attacks)"
                    )
                }
                return rewriteDeclaration(prologue) + buffer[rootStart...]
            }
            if buffer.count > maxPrologue {
                throw MappingError(
                    MappingError.xmlMalformed, "no root element in the first \(maxPrologue) bytes of \(source.name)")
            }
            guard let chunk = try source.next() else {
                if containsDTD(buffer) {
                    throw MappingError(
                        MappingError.xmlDTDForbidden, "\(source.name) declares a DTD (<!DOCTYPE …>); refused")
                }
                throw MappingError(MappingError.xmlMalformed, "\(source.name) has no root element")
            }
            buffer += chunk
        }
    }

    static func rootIndex(_ b: [UInt8]) -> Int? {
        var i = 0
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "<") {
                let c = b[i + 1]
                if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") || c >= 0x80 {
                    return i
                }
            }
            i += 1
        }
        return nil
    }

    static func containsDTD(_ b: [UInt8]) -> Bool {
        let text = String(decoding: b, as: UTF8.self).uppercased()
        return text.contains("<!DOCTYPE") || text.contains("<!ENTITY")
    }

    /// Replaces `encoding="…"` in the XML declaration by UTF-8 (the bytes were converted already).
    static func rewriteDeclaration(_ prologue: [UInt8]) -> [UInt8] {
        guard prologue.starts(with: Array("<?xml".utf8)), let end = firstIndex(of: Array("?>".utf8), in: prologue)
        else {
            return prologue
        }
        var decl = String(decoding: prologue[..<end], as: UTF8.self)
        if let r = decl.range(of: #"encoding\s*=\s*["'][^"']*["']"#, options: .regularExpression) {
            decl.replaceSubrange(r, with: "encoding=\"UTF-8\"")
        }
        return Array(decl.utf8) + prologue[end...]
    }

    static func firstIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    /// A readable stand-in for the raw bytes of an XML record (XMLParser does not expose byte offsets).
    ///
    /// Written over bytes (Foundation's `replacingOccurrences` was half of the XML mapping time). The bytes equal
    /// the former String form: values split on U+001F (always a grapheme boundary), `&`, `<`, `>` escaped. Where
    /// one of those sits next to a non-ASCII byte (it could then belong to a larger grapheme cluster, which
    /// Foundation's matching leaves alone), that value takes the Foundation path as before.
    static func serialize(element: String, fields: [String: String]) -> [UInt8] {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func tag(_ name: String, closing: Bool) {
            out.append(UInt8(ascii: "<"))
            if closing { out.append(UInt8(ascii: "/")) }
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ">"))
        }
        func escapedPart(_ part: ArraySlice<UInt8>) {
            for b in part {
                switch b {
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                default: out.append(b)
                }
            }
        }
        tag(element, closing: false)
        for (k, v) in fields.sorted(by: { $0.key < $1.key }) {
            let bytes = Array(v.utf8)
            var ambiguous = false
            for (i, b) in bytes.enumerated() where b == 0x26 || b == 0x3C || b == 0x3E {
                if (i > 0 && bytes[i - 1] >= 0x80) || (i + 1 < bytes.count && bytes[i + 1] >= 0x80) {
                    ambiguous = true
                    break
                }
            }
            if ambiguous {
                for part in v.components(separatedBy: SourceRow.valueSeparator) {
                    tag(k, closing: false)
                    out.append(contentsOf: esc(part).utf8)
                    tag(k, closing: true)
                }
                continue
            }
            for part in bytes.split(separator: 0x1F, omittingEmptySubsequences: false) {
                tag(k, closing: false)
                escapedPart(part)
                tag(k, closing: true)
            }
        }
        tag(element, closing: true)
        return out
    }

}

/// An InputStream over a UTF-8 chunk source, replaying the already-read prologue first.
final class ReplayInputStream: InputStream {
    private var pending: [UInt8]
    private var offset = 0
    private let source: UTF8ChunkSource
    private var ended = false
    var thrown: Error?

    init(prefix: [UInt8], source: UTF8ChunkSource) {
        self.pending = prefix
        self.source = source
        super.init(data: Data())
    }

    override func open() {}
    override func close() {}
    override var hasBytesAvailable: Bool { offset < pending.count || !ended }
    override var streamStatus: Stream.Status { thrown != nil ? .error : (hasBytesAvailable ? .open : .atEnd) }
    /// (The parser asks after a failed read; the base class's getter traps on a subclass.)
    override var streamError: Error? { thrown }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength len: Int) -> Int {
        while offset >= pending.count {
            if ended { return 0 }
            do {
                if let chunk = try source.next() {
                    pending = chunk
                    offset = 0
                } else {
                    ended = true
                    return 0
                }
            } catch {
                thrown = error
                ended = true
                return -1
            }
        }
        let n = min(len, pending.count - offset)
        // Scanned before the parser sees them: a processing instruction with no data must never reach it.
        if let at = pending.withUnsafeBufferPointer({ scanner.scan(UnsafeBufferPointer(rebasing: $0[offset..<offset + n])) }) {
            thrown = MappingError(
                MappingError.xmlEmptyProcessingInstruction,
                "the XML holds a processing instruction with no data (<?target?>) ending at byte \(at + 1) of the "
                    + "document (after the encoding's conversion to UTF-8): refused, since the XML parser fails on one")
            ended = true
            return -1
        }
        pending.withUnsafeBufferPointer { p in
            if let base = p.baseAddress { buffer.update(from: base + offset, count: n) }
        }
        offset += n
        return n
    }

    private var scanner = ProcessingInstructionScanner()
}

/// Finds, across chunks, a processing instruction whose target is followed at once by `?>` (`<?target?>`): libxml2
/// hands such an instruction's data to FoundationXML as a null pointer, which `XMLParser` on Linux passes to
/// `strlen` (a crash found by the mapping fuzzer).
///
/// Deliberately blind to context: the pattern `<?`, then bytes other than white space, `?`, `>` and `<`, then `?>`,
/// is looked for everywhere, also in comments, CDATA sections and another instruction's data. libxml2 recovers from
/// malformed markup in ways a scanner cannot follow (it ended a broken XML declaration at a plain `>`, then called
/// back for the instruction after it), so a scanner that skipped what it took for a comment or an instruction's data
/// could be led past the one that crashes. The price: such a pattern inside a comment or CDATA section refuses a
/// document that would have parsed.
struct ProcessingInstructionScanner {
    enum State {
        case text
        /// After `<`.
        case open
        /// In a would-be target after `<?`.
        case target
        /// `?` after the target.
        case targetQuestion
    }

    private(set) var state = State.text
    /// Bytes scanned so far.
    private(set) var position = 0

    /// Scans `bytes`, the next ones of the document; returns the offset in the document of the `>` that ends an
    /// instruction with no data, or nil.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        for (i, b) in bytes.enumerated() {
            if b == 0x3C {  // <
                state = .open
                continue
            }
            switch state {
            case .text:
                break
            case .open:
                state = b == 0x3F ? .target : .text
            case .target:
                switch b {
                case 0x3F: state = .targetQuestion
                case 0x20, 0x09, 0x0A, 0x0D, 0x3E: state = .text
                default: break
                }
            case .targetQuestion:
                if b == 0x3E { return position + i }
                state = b == 0x3F ? .targetQuestion : .target
            }
        }
        position += bytes.count
        return nil
    }
}
