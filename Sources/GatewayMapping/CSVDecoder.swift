import GatewayCore

#if canImport(Glibc)
    import Glibc
#endif

/// An incremental RFC 4180 CSV decoder over UTF-8 bytes: quoted fields with doubled quotes, any one-byte
/// delimiter, LF or CRLF line ends, line breaks inside quotes. Memory is bounded by one row (`maxRowBytes`).
struct CSVDecoder: RowDecoder {
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    let delimiter: UInt8
    let hasHeader: Bool
    let skipLines: Int
    let maxRowBytes: Int
    private(set) var columns: [String]?
    private var schema: RowSchema?

    private var state = State.fieldStart
    private var field: [UInt8] = []
    /// Whether the current field is unquoted from its first byte: its value is then `raw[fieldStartIndex...]` up to
    /// the delimiter or line end, read from there (not copied into `field` byte run by byte run).
    private var fieldInRaw = false
    private var fieldStartIndex = 0
    private var fields: [String] = []
    private var raw: [UInt8] = []
    private var line = 1
    private var rowStartLine = 1
    private var quoteOpenLine = 1
    private var rowNumber = 0
    private var linesSkipped = 0
    /// Whether every value of the current row is its field's bytes as they are (no UTF-8 repair).
    private var valuesAreRawBytes = true

    init(delimiter: UInt8, hasHeader: Bool, columns: [String]?, skipLines: Int, maxRowBytes: Int) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
        self.columns = hasHeader ? nil : columns
        self.skipLines = skipLines
        self.maxRowBytes = maxRowBytes
    }

    mutating func feed(_ chunk: [UInt8], emit: (SourceRow) throws -> Void) throws {
        try chunk.withUnsafeBufferPointer { buf in try feed(buf, emit: emit) }
    }

    private mutating func feed(_ buf: UnsafeBufferPointer<UInt8>, emit: (SourceRow) throws -> Void) throws {
        var i = 0
        let n = buf.count
        while i < n {
            let byte = buf[i]
            if linesSkipped < skipLines {
                i += 1
                if byte == 0x0A {
                    linesSkipped += 1
                    line += 1
                    rowStartLine = line
                }
                continue
            }
            // Inside a field, the bytes up to the next byte that changes state are appended in one run: what
            // the byte-by-byte steps below do with them, without passing the row's size limit (the byte that
            // passes it takes the step below, which throws).
            if state == .unquoted || state == .quoted {
                let limit = min(n, i + max(maxRowBytes - raw.count, 0))
                var j = i
                if state == .unquoted {
                    // Eight bytes at a time while none is the delimiter or a line feed (`ByteWord.equalBytes`),
                    // then byte by byte up to the one that is.
                    if let base = buf.baseAddress {
                        let d = ByteWord.repeating(delimiter)
                        let lf = ByteWord.repeating(0x0A)
                        let words = UnsafeRawPointer(base)
                        while j + 8 <= limit {
                            let x = ByteWord.load(words, j)
                            if ByteWord.equalBytes(x, d) | ByteWord.equalBytes(x, lf) != 0 { break }
                            j += 8
                        }
                    }
                    while j < limit, buf[j] != delimiter, buf[j] != 0x0A { j += 1 }
                } else {
                    while j < limit, buf[j] != 0x22 {
                        if buf[j] == 0x0A { line += 1 }
                        j += 1
                    }
                }
                if j > i {
                    let run = UnsafeBufferPointer(rebasing: buf[i..<j])
                    raw.append(contentsOf: run)
                    if !fieldInRaw { field.append(contentsOf: run) }
                    i = j
                    continue
                }
            }
            i += 1
            raw.append(byte)
            if raw.count > maxRowBytes {
                throw MappingError(
                    MappingError.rowTooLarge,
                    "the row starting at line \(rowStartLine) is longer than \(maxRowBytes) bytes (maxRowBytes); "
                        + (state == .quoted
                            ? "a quoted field opened at line \(quoteOpenLine) may never close"
                            : "is a line ending missing?"))
            }
            switch state {
            case .fieldStart:
                if byte == 0x22 {
                    state = .quoted
                    quoteOpenLine = line
                } else if byte == delimiter {
                    endField()
                } else if byte == 0x0A {
                    line += 1
                    try endRow(emit)
                } else {
                    fieldInRaw = true
                    fieldStartIndex = raw.count - 1
                    state = .unquoted
                }
            case .unquoted:
                if byte == delimiter {
                    endField()
                    state = .fieldStart
                } else if byte == 0x0A {
                    line += 1
                    try endRow(emit)
                } else if !fieldInRaw {
                    field.append(byte)
                }
            case .quoted:
                if byte == 0x22 {
                    state = .quoteInQuoted
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
            case .quoteInQuoted:
                if byte == 0x22 {
                    field.append(0x22)
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                    state = .fieldStart
                } else if byte == 0x0A {
                    line += 1
                    try endRow(emit)
                } else if byte == 0x0D {
                    // CR before LF after a closing quote.
                } else {
                    // Text after a closing quote: kept, as spreadsheet tools do.
                    field.append(byte)
                    state = .unquoted
                }
            }
        }
    }

    mutating func finish(emit: (SourceRow) throws -> Void) throws {
        if state == .quoted {
            throw MappingError(
                MappingError.csvUnterminatedQuote,
                "the quoted field opened at line \(quoteOpenLine) (row starting at line \(rowStartLine)) never closes before the end of the input"
            )
        }
        if !raw.isEmpty {
            raw.append(0x0A)
            try endRow(emit)
        }
    }

    /// Ends a field: called right after the delimiter or line feed that ends it was appended to `raw`.
    private mutating func endField() {
        // Invalid UTF-8 is repaired to U+FFFD: that value's bytes are then not the row's (see `valuesAreRawBytes`).
        // (Comparing the bytes costs a tenth of `String(validating:)`, which validates through a slower path.)
        if fieldInRaw {
            fieldInRaw = false
            let start = fieldStartIndex
            var end = raw.count - 1
            if end > start, raw[end - 1] == 0x0D { end -= 1 }
            let (value, same) = raw.withUnsafeBufferPointer { b -> (String, Bool) in
                let bytes = UnsafeBufferPointer(rebasing: b[start..<end])
                let value = String(decoding: bytes, as: UTF8.self)
                return (value, Self.sameBytes(value, bytes))
            }
            if !same { valuesAreRawBytes = false }
            fields.append(value)
            return
        }
        if state == .unquoted || state == .fieldStart, field.last == 0x0D { field.removeLast() }
        let value = String(decoding: field, as: UTF8.self)
        if valuesAreRawBytes, !field.withUnsafeBufferPointer({ Self.sameBytes(value, $0) }) {
            valuesAreRawBytes = false
        }
        fields.append(value)
        if !field.isEmpty { field.removeAll(keepingCapacity: true) }
    }

    static func sameBytes(_ s: String, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let same: Bool? = s.utf8.withContiguousStorageIfAvailable { u in
            guard u.count == b.count else { return false }
            guard let ub = u.baseAddress, let bb = b.baseAddress else { return true }
            return memcmp(ub, bb, b.count) == 0
        }
        return same ?? s.utf8.elementsEqual(b)
    }

    private mutating func endRow(_ emit: (SourceRow) throws -> Void) throws {
        endField()
        state = .fieldStart
        defer {
            valuesAreRawBytes = true
            fields.removeAll(keepingCapacity: true)
            raw.removeAll(keepingCapacity: true)
            rowStartLine = line
        }
        // A blank line is not a row.
        if fields.count == 1, fields[0].isEmpty { return }
        if hasHeader, columns == nil {
            columns = fields.map { Transforms.trim($0) }
            return
        }
        rowNumber += 1
        // The line end is left out of `raw` (see `SourceRow.rawTrailing`), not cut from a copy.
        var trailing = 0
        while trailing < raw.count, raw[raw.count - 1 - trailing] == 0x0A || raw[raw.count - 1 - trailing] == 0x0D {
            trailing += 1
        }
        // The column names, resolved once per file (per header), not a dictionary per row.
        let rowSchema: RowSchema
        if let columns {
            if let schema { rowSchema = schema } else {
                rowSchema = RowSchema(names: columns)
                schema = rowSchema
            }
        } else {
            rowSchema = RowSchema(names: (1...max(fields.count, 1)).map(String.init))
        }
        let names = rowSchema.names
        var problems: [Problem] = []
        if fields.count != names.count {
            problems.append(
                .error(
                    "row", MappingProblemCode.columnCount,
                    "line \(rowStartLine) has \(fields.count) fields, the header has \(names.count)"))
        }
        try emit(
            SourceRow(
                number: rowNumber, location: SourceRow.lineLocation(rowStartLine), schema: rowSchema, values: fields,
                raw: raw, rawTrailing: trailing, valuesAreRawBytes: valuesAreRawBytes, problems: problems))
    }
}
