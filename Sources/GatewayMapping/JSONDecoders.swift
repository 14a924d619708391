import GatewayCore

/// JSON Lines: one record object per line. A line that is not a JSON object is a rejected row (its neighbours
/// are still read); a line longer than `maxRowBytes` stops the file.
struct JSONLinesDecoder: RowDecoder {
    let maxRowBytes: Int
    private var line: [UInt8] = []
    private var lineNumber = 0
    private var rowNumber = 0
    private var schema: RowSchema?

    init(maxRowBytes: Int) { self.maxRowBytes = maxRowBytes }

    mutating func feed(_ chunk: [UInt8], emit: (SourceRow) throws -> Void) throws {
        var start = 0
        while start < chunk.count {
            if let nl = chunk[start...].firstIndex(of: 0x0A) {
                line.append(contentsOf: chunk[start..<nl])
                try checkSize()
                start = nl + 1
                try endLine(emit)
            } else {
                line.append(contentsOf: chunk[start...])
                try checkSize()
                start = chunk.count
            }
        }
    }

    mutating func finish(emit: (SourceRow) throws -> Void) throws {
        if !line.isEmpty { try endLine(emit) }
    }

    private func checkSize() throws {
        if line.count > maxRowBytes {
            throw MappingError(
                MappingError.rowTooLarge,
                "line \(lineNumber + 1) is longer than \(maxRowBytes) bytes (maxRowBytes) without a line end")
        }
    }

    private mutating func endLine(_ emit: (SourceRow) throws -> Void) throws {
        lineNumber += 1
        defer { line.removeAll(keepingCapacity: true) }
        if line.last == 0x0D { line.removeLast() }
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        rowNumber += 1
        try emit(
            JSONRows.rowReusing(
                from: line, number: rowNumber, location: SourceRow.lineLocation(lineNumber), schema: &schema))
    }
}

enum JSONRows {
    /// A row from the bytes of one JSON record; a value that is not an object becomes a rejected row.
    static func row(from bytes: [UInt8], number: Int, location: String) -> SourceRow {
        var schema: RowSchema?
        return rowReusing(from: bytes, number: number, location: location, schema: &schema)
    }

    /// As `row(from:number:location:)`; a flat object (scalar or null members, no repeated key) keeps its values by
    /// position under `schema`, which is reused while consecutive records have the same keys in the same order.
    static func rowReusing(from bytes: [UInt8], number: Int, location: String, schema: inout RowSchema?) -> SourceRow {
        // The common record, a flat object, is read without building a value tree; the same names and values.
        if let flat = JSONValue.parseFlatObject(bytes) {
            if let last = schema, last.names == flat.names {
                return SourceRow(number: number, location: location, schema: last, values: flat.values, raw: bytes)
            }
            let fresh = RowSchema(names: flat.names)
            if !fresh.hasRepeatedNames {
                schema = fresh
                return SourceRow(number: number, location: location, schema: fresh, values: flat.values, raw: bytes)
            }
        }
        do {
            let value = try JSONValue.parse(bytes)
            guard case .object = value else {
                return SourceRow(
                    number: number, location: location, fields: [:], raw: bytes,
                    problems: [
                        .error("row", MappingProblemCode.rowMalformed, "\(location) is a JSON value but not an object")
                    ])
            }
            if let flat = value.flatMembers() {
                if let last = schema, last.names == flat.names {
                    return SourceRow(number: number, location: location, schema: last, values: flat.values, raw: bytes)
                }
                let fresh = RowSchema(names: flat.names)
                if !fresh.hasRepeatedNames {
                    schema = fresh
                    return SourceRow(
                        number: number, location: location, schema: fresh, values: flat.values, raw: bytes)
                }
            }
            return SourceRow(number: number, location: location, fields: value.flattened(), raw: bytes)
        } catch let e as JSONValue.ParseError {
            return SourceRow(
                number: number, location: location, fields: [:], raw: bytes,
                problems: [
                    .error(
                        "row", MappingProblemCode.rowMalformed,
                        "\(location) is not JSON: \(e.reason) at byte \(e.offset + 1)")
                ])
        } catch {
            return SourceRow(
                number: number, location: location, fields: [:], raw: bytes,
                problems: [.error("row", MappingProblemCode.rowMalformed, "\(location): \(error)")])
        }
    }
}

/// A JSON document whose records are the elements of one array, at the root or under a path of keys
/// (`data.records`). A small bracket-depth scanner cuts each element out of the byte stream and parses only that
/// element, so memory is bounded by one record however long the array is.
struct JSONArrayDecoder: RowDecoder {
    private struct Frame {
        var isObject: Bool
        var key: [UInt8]?
        var expectingKey: Bool
    }

    let path: [[UInt8]]
    let pathText: String
    let maxRowBytes: Int

    private var stack: [Frame] = []
    private var inString = false
    private var escape = false
    private var stringIsKey = false
    private var keyBuffer: [UInt8] = []
    private var offset = 0
    private var sawRoot = false
    private var rootDone = false
    private var foundTarget = false
    // Capture of the current element.
    private var capturing = false
    private var capture: [UInt8] = []
    private var captureDepth = 0
    private var captureScalar = false
    private var captureStart = 0
    private var rowNumber = 0
    private var schema: RowSchema?

    init(recordPath: String?, maxRowBytes: Int) {
        let p = (recordPath ?? "").split(separator: ".").map { Array($0.utf8) }
        path = p
        pathText = recordPath ?? ""
        self.maxRowBytes = maxRowBytes
    }

    private var inTarget: Bool {
        let i = stack.count - 1
        guard i == path.count, i >= 0, !stack[i].isObject else { return false }
        for j in 0..<i where !(stack[j].isObject && stack[j].key == path[j]) { return false }
        return true
    }

    private func location(_ index: Int) -> String {
        (pathText.isEmpty ? "$" : pathText) + "[\(index)]"
    }

    mutating func feed(_ chunk: [UInt8], emit: (SourceRow) throws -> Void) throws {
        try chunk.withUnsafeBufferPointer { buf in try feed(buf, emit: emit) }
    }

    private mutating func feed(_ buf: UnsafeBufferPointer<UInt8>, emit: (SourceRow) throws -> Void) throws {
        var i = 0
        let n = buf.count
        while i < n {
            // Inside a string of a captured record, the bytes up to the next quote or backslash are appended in
            // one run: what `captureByte` does with them one by one, without passing the size limit (the byte
            // that passes it takes the byte-by-byte step, which throws).
            if capturing, inString, !escape {
                let limit = min(n, i + max(maxRowBytes - capture.count, 0))
                var j = i
                while j < limit, buf[j] != 0x22, buf[j] != 0x5C { j += 1 }
                if j > i {
                    capture.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
                    offset += j - i
                    i = j
                    continue
                }
            }
            let byte = buf[i]
            i += 1
            offset += 1
            if capturing {
                switch captureByte(byte) {
                case .more:
                    if capture.count > maxRowBytes { try checkCaptureSize() }
                case .element: try endCapture(emit)
                case .elementAndArrayEnd:
                    try endCapture(emit)
                    _ = stack.popLast()
                    if stack.isEmpty { rootDone = true }
                }
                continue
            }
            if inString {
                if escape {
                    escape = false
                } else if byte == 0x5C {
                    escape = true
                } else if byte == 0x22 {
                    inString = false
                    if stringIsKey, let top = stack.indices.last {
                        stack[top].key = keyBuffer
                        stack[top].expectingKey = false
                    }
                    continue
                }
                if stringIsKey {
                    keyBuffer.append(byte)
                    if keyBuffer.count > 4096 {
                        throw MappingError(MappingError.jsonMalformed, "a key longer than 4096 bytes at byte \(offset)")
                    }
                }
                continue
            }
            switch byte {
            case 0x20, 0x0A, 0x0D, 0x09:
                continue
            default:
                break
            }
            if rootDone {
                throw MappingError(
                    MappingError.jsonMalformed, "text after the end of the JSON document at byte \(offset)")
            }
            if inTarget, byte != UInt8(ascii: ","), byte != UInt8(ascii: "]") {
                startCapture(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "{"):
                sawRoot = true
                stack.append(Frame(isObject: true, key: nil, expectingKey: true))
            case UInt8(ascii: "["):
                sawRoot = true
                stack.append(Frame(isObject: false, key: nil, expectingKey: false))
                if inTarget { foundTarget = true }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard let top = stack.popLast(), top.isObject == (byte == UInt8(ascii: "}")) else {
                    throw MappingError(
                        MappingError.jsonMalformed, "unbalanced '\(Character(Unicode.Scalar(byte)))' at byte \(offset)")
                }
                if stack.isEmpty { rootDone = true }
            case UInt8(ascii: ","):
                if let i = stack.indices.last, stack[i].isObject { stack[i].expectingKey = true }
            case UInt8(ascii: ":"):
                break
            case 0x22:
                sawRoot = true
                inString = true
                stringIsKey = stack.last.map { $0.isObject && $0.expectingKey } ?? false
                keyBuffer.removeAll(keepingCapacity: true)
            default:
                // A scalar outside the records: skipped byte by byte (its characters are harmless here).
                sawRoot = true
                if stack.isEmpty {
                    throw MappingError(
                        MappingError.jsonMalformed, "the document is a scalar, not an object or array (byte \(offset))")
                }
            }
        }
    }

    private mutating func startCapture(_ byte: UInt8) {
        capturing = true
        captureStart = offset
        capture.removeAll(keepingCapacity: true)
        capture.append(byte)
        captureScalar = !(byte == UInt8(ascii: "{") || byte == UInt8(ascii: "["))
        captureDepth = captureScalar ? 0 : 1
        inString = byte == 0x22
        escape = false
    }

    private enum CaptureStep { case more, element, elementAndArrayEnd }

    /// One byte of the element being cut out; says when the element is complete (no closure per byte: that cost
    /// a retain/release pair per byte).
    private mutating func captureByte(_ byte: UInt8) -> CaptureStep {
        if inString {
            capture.append(byte)
            if escape {
                escape = false
            } else if byte == 0x5C {
                escape = true
            } else if byte == 0x22 {
                inString = false
            }
            return .more
        }
        if captureScalar && (byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]")) {
            return byte == UInt8(ascii: "]") ? .elementAndArrayEnd : .element
        }
        capture.append(byte)
        switch byte {
        case 0x22: inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["): if !captureScalar { captureDepth += 1 }
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            if !captureScalar {
                captureDepth -= 1
                if captureDepth == 0 { return .element }
            }
        default: break
        }
        return .more
    }

    private func checkCaptureSize() throws {
        if capture.count > maxRowBytes {
            throw MappingError(
                MappingError.rowTooLarge,
                "record \(location(rowNumber)) starting at byte \(captureStart) is longer than \(maxRowBytes) bytes (maxRowBytes)"
            )
        }
    }

    private mutating func endCapture(_ emit: (SourceRow) throws -> Void) throws {
        capturing = false
        inString = false
        let index = rowNumber
        rowNumber += 1
        try emit(JSONRows.rowReusing(from: capture, number: rowNumber, location: location(index), schema: &schema))
        capture.removeAll(keepingCapacity: true)
    }

    mutating func finish(emit: (SourceRow) throws -> Void) throws {
        if capturing || inString || !stack.isEmpty {
            let what =
                capturing
                ? "inside record \(location(rowNumber)) (started at byte \(captureStart))"
                : inString ? "inside a string" : "with \(stack.count) unclosed bracket(s)"
            throw MappingError(
                MappingError.jsonTruncated, "the JSON document ends at byte \(offset) \(what): truncated?")
        }
        if !sawRoot {
            throw MappingError(MappingError.jsonTruncated, "the input is empty: no JSON document")
        }
        if !foundTarget {
            throw MappingError(
                MappingError.jsonRecordPathNotFound,
                "no array at record path '\(pathText.isEmpty ? "$" : pathText)' in the document")
        }
    }
}
