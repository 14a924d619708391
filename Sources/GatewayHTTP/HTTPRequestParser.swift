/// Limits the parser enforces; anything above them is refused with 413, 414 or 431 rather than buffered.
public struct HTTPParserLimits: Sendable, Hashable {
    /// Longest request line (method, target, version), in bytes, before 414.
    public var maxRequestLine: Int
    /// Largest head (request line and all fields), in bytes, before 431.
    public var maxHeadBytes: Int
    /// Most header fields before 431.
    public var maxHeaderCount: Int
    /// Largest body, in bytes, before 413, unless the route sets its own (`HTTPRequestParser.bodyLimit`).
    public var maxBodyBytes: Int
    /// Largest chunk-size line (size plus extensions) and largest trailer section, in bytes.
    public var maxChunkLine: Int

    public init(
        maxRequestLine: Int = 8192, maxHeadBytes: Int = 32 * 1024, maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1 << 20, maxChunkLine: Int = 4096
    ) {
        self.maxRequestLine = maxRequestLine
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLine = maxChunkLine
    }
}

/// An incremental, strict HTTP/1.1 request parser over bytes: feed what the socket gave, then call `next()`
/// until it returns nil (needs more bytes).
///
/// Each request yields `.head` (the caller may then set `bodyLimit` for the route, or answer
/// `100 Continue`) and then `.end(body:)`. Malformed input throws an `HTTPError` whose `status` is the response
/// to send before closing; after that the parser stays failed. Strictness is deliberate: a gateway behind or
/// in front of other HTTP software must not disagree with it about where a request ends (request smuggling),
/// so obs-fold, whitespace before the colon, bare LF, conflicting or non-numeric Content-Length and
/// Content-Length with Transfer-Encoding are all refused.
public struct HTTPRequestParser: Sendable {
    public enum Event: Sendable {
        /// A request head was accepted; its body (possibly empty) follows as `.end`.
        case head(HTTPRequestHead)
        /// The body of the request whose head came last is complete.
        case end(body: [UInt8])
    }

    private enum State: Sendable {
        case head
        case bodyStart(contentLength: Int?, chunked: Bool)
        case fixedBody(length: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed(HTTPError)
    }

    public let limits: HTTPParserLimits
    /// The body limit for the request being read; reset to `limits.maxBodyBytes` at each new head.
    public var bodyLimit: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// How far the head scan has looked (absolute index into `buffer`), so a slow head is not rescanned.
    private var scanIndex = 0
    private var state: State = .head
    private var body: [UInt8] = []

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
        self.bodyLimit = limits.maxBodyBytes
    }

    /// Bytes received but not yet consumed by a complete request.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether the parser is between requests with nothing buffered (an idle keep-alive connection).
    public var isIdle: Bool {
        if case .head = state { return readIndex == buffer.count }
        return false
    }

    /// Whether the parser is reading a body (for the body-read timeout).
    public var isReadingBody: Bool {
        switch state {
        case .head, .failed: return false
        default: return true
        }
    }

    /// Appends bytes received from the peer.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    private mutating func compact() {
        if readIndex == 0 { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            scanIndex = 0
            readIndex = 0
        } else if readIndex >= 16 * 1024 || readIndex * 2 >= buffer.count {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }

    /// The next event, or nil when more bytes are needed.
    /// - Throws: `HTTPError` with the status to answer (400, 413, 414, 417, 431, 501, 505); the parser then
    ///   stays failed and the connection must be closed after the response.
    public mutating func next() throws(HTTPError) -> Event? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPError) -> Event? {
        switch state {
        case .failed(let error):
            throw error
        case .head:
            guard let head = try parseHeadIfComplete() else { return nil }
            bodyLimit = limits.maxBodyBytes
            state = .bodyStart(contentLength: head.contentLength, chunked: head.chunked)
            return .head(head)
        case .bodyStart(let contentLength, let chunked):
            if chunked {
                state = .chunkSize
                return try step()
            }
            let length = contentLength ?? 0
            if length > bodyLimit {
                throw HTTPError(
                    HTTPError.bodyTooLarge,
                    "Content-Length \(length) is above this route's limit of \(bodyLimit) bytes",
                    status: 413)
            }
            state = .fixedBody(length: length)
            return try step()
        case .fixedBody(let length):
            if buffer.count - readIndex < length { return nil }
            let result = Array(buffer[readIndex..<(readIndex + length)])
            readIndex += length
            finishMessage()
            return .end(body: result)
        case .chunkSize:
            guard let size = try parseChunkSizeLine() else { return nil }
            if size == 0 {
                state = .trailers
            } else {
                if size > bodyLimit - body.count {
                    throw HTTPError(
                        HTTPError.bodyTooLarge, "the chunked body grows above this route's limit of \(bodyLimit) bytes",
                        status: 413)
                }
                if body.isEmpty { body.reserveCapacity(size) }
                state = .chunkData(remaining: size)
            }
            return try step()
        case .chunkData(let remaining):
            let available = buffer.count - readIndex
            if available == 0 { return nil }
            let take = min(available, remaining)
            body.append(contentsOf: buffer[readIndex..<(readIndex + take)])
            readIndex += take
            if take == remaining {
                state = .chunkDataEnd
                return try step()
            }
            state = .chunkData(remaining: remaining - take)
            return nil
        case .chunkDataEnd:
            if buffer.count - readIndex < 2 { return nil }
            guard buffer[readIndex] == cr, buffer[readIndex + 1] == lf else {
                throw HTTPError(HTTPError.chunk, "chunk data is not followed by CRLF", status: 400)
            }
            readIndex += 2
            state = .chunkSize
            return try step()
        case .trailers:
            guard try skipTrailers() else { return nil }
            let result = body
            body = []
            finishMessage()
            return .end(body: result)
        }
    }

    private mutating func finishMessage() {
        state = .head
        scanIndex = readIndex
    }

    // MARK: - Head

    /// Finds the end of the head (CRLF CRLF) and parses it; nil while it is incomplete.
    private mutating func parseHeadIfComplete() throws(HTTPError) -> HTTPRequestHead? {
        // Ignore empty lines before a request line (RFC 9112 §2.2), e.g. a CRLF after a previous body.
        while buffer.count - readIndex >= 2, buffer[readIndex] == cr, buffer[readIndex + 1] == lf {
            readIndex += 2
        }
        if readIndex < buffer.count, buffer[readIndex] == lf {
            throw HTTPError(HTTPError.bareLineFeed, "a line ends with LF without CR", status: 400)
        }
        if scanIndex < readIndex { scanIndex = readIndex }
        let start = readIndex
        let end: Int? = try buffer.withUnsafeBufferPointer { (bytes) throws(HTTPError) -> Int? in
            var i = scanIndex
            let count = bytes.count
            while i < count {
                if bytes[i] == lf {
                    if i == start || bytes[i - 1] != cr {
                        throw HTTPError(HTTPError.bareLineFeed, "a line ends with LF without CR", status: 400)
                    }
                    // An empty line (CRLF right after the previous LF) ends the head.
                    if i - start >= 3, bytes[i - 2] == lf { return i + 1 }
                }
                i += 1
            }
            return nil
        }
        guard let headEnd = end else {
            scanIndex = buffer.count
            let pending = buffer.count - start
            if pending > limits.maxHeadBytes {
                throw HTTPError(
                    HTTPError.headersTooLarge, "the request head exceeds \(limits.maxHeadBytes) bytes", status: 431)
            }
            // Still inside the request line?
            if pending > limits.maxRequestLine, !buffer[start..<buffer.count].contains(lf) {
                throw HTTPError(
                    HTTPError.requestLineTooLong, "the request line exceeds \(limits.maxRequestLine) bytes",
                    status: 414)
            }
            return nil
        }
        if headEnd - start > limits.maxHeadBytes {
            throw HTTPError(
                HTTPError.headersTooLarge, "the request head exceeds \(limits.maxHeadBytes) bytes", status: 431)
        }
        let head = try buffer.withUnsafeBufferPointer { (bytes) throws(HTTPError) -> HTTPRequestHead in
            try parseHead(UnsafeBufferPointer(rebasing: bytes[start..<headEnd]))
        }
        readIndex = headEnd
        scanIndex = headEnd
        return head
    }

    /// Parses a complete head whose lines are known to end with CRLF and whose last line is empty.
    private func parseHead(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> HTTPRequestHead {
        // Request line.
        var lineEnd = 0
        while bytes[lineEnd] != cr { lineEnd += 1 }
        if bytes[lineEnd + 1] != lf {
            throw HTTPError(HTTPError.requestLine, "the request line holds a CR not followed by LF", status: 400)
        }
        if lineEnd > limits.maxRequestLine {
            throw HTTPError(
                HTTPError.requestLineTooLong, "the request line exceeds \(limits.maxRequestLine) bytes", status: 414)
        }
        var i = 0
        while i < lineEnd, isTokenByte(bytes[i]) { i += 1 }
        guard i > 0, i < lineEnd, bytes[i] == sp else {
            throw HTTPError(HTTPError.requestLine, "the request line does not start with a method token", status: 400)
        }
        let method = string(bytes, 0, i)
        i += 1
        let targetStart = i
        while i < lineEnd, bytes[i] > sp, bytes[i] < 0x7F { i += 1 }
        guard i > targetStart, i < lineEnd, bytes[i] == sp else {
            throw HTTPError(HTTPError.requestLine, "the request target is missing or holds invalid bytes", status: 400)
        }
        let targetEnd = i
        let first = bytes[targetStart]
        let isAsterisk = targetEnd - targetStart == 1 && first == UInt8(ascii: "*")
        guard first == UInt8(ascii: "/") || (isAsterisk && method == "OPTIONS") else {
            throw HTTPError(HTTPError.requestLine, "the request target is not in origin form (/path)", status: 400)
        }
        let target = string(bytes, targetStart, targetEnd)
        i += 1
        let minor = try parseVersion(bytes, i, lineEnd)

        // Header fields.
        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        var contentLength: Int? = nil
        var transferEncodings = 0
        var hostCount = 0
        var closeRequested = false
        var keepAliveRequested = false
        var expectsContinue = false
        var lineStart = lineEnd + 2
        while true {
            var end = lineStart
            while bytes[end] != cr { end += 1 }
            if end == lineStart { break }  // the empty line
            if bytes[end + 1] != lf {
                throw HTTPError(HTTPError.header, "a header field holds a CR not followed by LF", status: 400)
            }
            if headers.count >= limits.maxHeaderCount {
                throw HTTPError(
                    HTTPError.headersTooLarge, "more than \(limits.maxHeaderCount) header fields", status: 431)
            }
            let c = bytes[lineStart]
            if c == sp || c == ht {
                throw HTTPError(HTTPError.headerFold, "obsolete line folding in a header field", status: 400)
            }
            var colon = lineStart
            while colon < end, isTokenByte(bytes[colon]) { colon += 1 }
            guard colon < end, colon > lineStart, bytes[colon] == UInt8(ascii: ":") else {
                if colon < end, bytes[colon] == sp || bytes[colon] == ht {
                    throw HTTPError(HTTPError.header, "whitespace between a header name and its colon", status: 400)
                }
                throw HTTPError(HTTPError.header, "a header field has no valid name and colon", status: 400)
            }
            var valueStart = colon + 1
            while valueStart < end, bytes[valueStart] == sp || bytes[valueStart] == ht { valueStart += 1 }
            var valueEnd = end
            while valueEnd > valueStart, bytes[valueEnd - 1] == sp || bytes[valueEnd - 1] == ht { valueEnd -= 1 }
            for k in valueStart..<valueEnd {
                let b = bytes[k]
                if b < sp && b != ht || b == 0x7F {
                    throw HTTPError(HTTPError.header, "a header value holds a control character", status: 400)
                }
            }
            let nameStart = lineStart
            let nameLength = colon - nameStart
            func nameIs(_ lower: StaticString) -> Bool {
                guard lower.utf8CodeUnitCount == nameLength else { return false }
                let p = lower.utf8Start
                for k in 0..<nameLength where bytes[nameStart + k] | 0x20 != p[k] { return false }
                return true
            }
            let value = UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            switch nameLength {
            case 14 where nameIs("content-length"):
                let length = try parseContentLength(value)
                if let previous = contentLength, previous != length {
                    throw HTTPError(HTTPError.contentLength, "conflicting Content-Length values", status: 400)
                }
                contentLength = length
            case 17 where nameIs("transfer-encoding"):
                if !equalsLowercase(value, "chunked") {
                    throw HTTPError(
                        HTTPError.transferEncoding, "only Transfer-Encoding: chunked is implemented", status: 501)
                }
                transferEncodings += 1
            case 4 where nameIs("host"):
                hostCount += 1
            case 10 where nameIs("connection"):
                forEachToken(value) { token in
                    if equalsLowercase(token, "close") { closeRequested = true }
                    if equalsLowercase(token, "keep-alive") { keepAliveRequested = true }
                }
            case 6 where nameIs("expect"):
                if equalsLowercase(value, "100-continue") {
                    expectsContinue = minor == 1
                } else {
                    throw HTTPError(HTTPError.expectation, "only Expect: 100-continue is supported", status: 417)
                }
            default:
                break
            }
            headers.add(string(bytes, nameStart, colon), string(bytes, valueStart, valueEnd))
            lineStart = end + 2
        }

        if transferEncodings > 0 {
            if contentLength != nil {
                throw HTTPError(
                    HTTPError.transferEncoding, "both Content-Length and Transfer-Encoding are present", status: 400)
            }
            if transferEncodings > 1 {
                throw HTTPError(HTTPError.transferEncoding, "chunked is applied more than once", status: 400)
            }
            if minor == 0 {
                throw HTTPError(HTTPError.transferEncoding, "Transfer-Encoding in an HTTP/1.0 request", status: 400)
            }
        }
        if minor == 1, hostCount != 1 {
            throw HTTPError(
                HTTPError.host, "an HTTP/1.1 request needs exactly one Host field (got \(hostCount))",
                status: 400)
        }
        let keepAlive = minor == 1 ? !closeRequested : (keepAliveRequested && !closeRequested)
        return HTTPRequestHead(
            method: method, target: target, minorVersion: minor, headers: headers, keepAlive: keepAlive,
            expectsContinue: expectsContinue, contentLength: transferEncodings > 0 ? nil : contentLength,
            chunked: transferEncodings > 0)
    }

    private func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(HTTPError)
        -> Int
    {
        let prefix: StaticString = "HTTP/"
        guard end - start == 8 else {
            throw HTTPError(HTTPError.requestLine, "the request line does not end with HTTP/1.x", status: 400)
        }
        for k in 0..<5 where bytes[start + k] != prefix.utf8Start[k] {
            throw HTTPError(HTTPError.requestLine, "the request line does not end with HTTP/1.x", status: 400)
        }
        let major = bytes[start + 5]
        let dot = bytes[start + 6]
        let minor = bytes[start + 7]
        guard isDigit(major), dot == UInt8(ascii: "."), isDigit(minor) else {
            throw HTTPError(HTTPError.requestLine, "the request line does not end with HTTP/1.x", status: 400)
        }
        guard major == UInt8(ascii: "1"), minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1") else {
            throw HTTPError(HTTPError.version, "only HTTP/1.0 and HTTP/1.1 are served", status: 505)
        }
        return Int(minor - UInt8(ascii: "0"))
    }

    /// Content-Length: digits only; a list (`5, 5`) is accepted only when all members agree.
    private func parseContentLength(_ value: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> Int {
        var result: Int? = nil
        var current = 0
        var digits = 0
        func finishMember() throws(HTTPError) {
            guard digits > 0 else {
                throw HTTPError(HTTPError.contentLength, "Content-Length is empty or not a number", status: 400)
            }
            if let r = result, r != current {
                throw HTTPError(HTTPError.contentLength, "conflicting Content-Length values", status: 400)
            }
            result = current
            current = 0
            digits = 0
        }
        var k = 0
        while k < value.count {
            let b = value[k]
            if isDigit(b) {
                digits += 1
                if digits > 15 {
                    throw HTTPError(HTTPError.contentLength, "Content-Length has more than 15 digits", status: 400)
                }
                current = current * 10 + Int(b - UInt8(ascii: "0"))
            } else if b == UInt8(ascii: ",") {
                try finishMember()
                while k + 1 < value.count, value[k + 1] == sp || value[k + 1] == ht { k += 1 }
            } else if (b == sp || b == ht) && digits > 0 {
                // Whitespace is only allowed before a comma.
                var j = k
                while j < value.count, value[j] == sp || value[j] == ht { j += 1 }
                guard j < value.count, value[j] == UInt8(ascii: ",") else {
                    throw HTTPError(HTTPError.contentLength, "Content-Length is not a number", status: 400)
                }
                k = j - 1
            } else {
                throw HTTPError(HTTPError.contentLength, "Content-Length is not a number", status: 400)
            }
            k += 1
        }
        try finishMember()
        return result ?? 0
    }

    // MARK: - Chunked

    /// Parses `chunk-size [chunk-ext] CRLF`; nil while the line is incomplete.
    private mutating func parseChunkSizeLine() throws(HTTPError) -> Int? {
        guard let lfIndex = try firstLF(from: readIndex, limit: limits.maxChunkLine) else { return nil }
        guard lfIndex > readIndex, buffer[lfIndex - 1] == cr else {
            throw HTTPError(HTTPError.bareLineFeed, "a chunk-size line ends with LF without CR", status: 400)
        }
        let end = lfIndex - 1
        var k = readIndex
        var size = 0
        var digits = 0
        while k < end, let v = hexValue(buffer[k]) {
            digits += 1
            if digits > 15 { throw HTTPError(HTTPError.chunk, "a chunk size has more than 15 hex digits", status: 400) }
            size = size * 16 + v
            k += 1
        }
        guard digits > 0 else { throw HTTPError(HTTPError.chunk, "a chunk size is not hexadecimal", status: 400) }
        while k < end, buffer[k] == sp || buffer[k] == ht { k += 1 }
        if k < end {
            guard buffer[k] == UInt8(ascii: ";") else {
                throw HTTPError(HTTPError.chunk, "unexpected bytes after a chunk size", status: 400)
            }
            for j in k..<end where buffer[j] < sp && buffer[j] != ht || buffer[j] == 0x7F {
                throw HTTPError(HTTPError.chunk, "a chunk extension holds a control character", status: 400)
            }
        }
        readIndex = lfIndex + 1
        return size
    }

    /// Consumes the trailer section up to its empty line; false while incomplete. Trailer fields are dropped.
    private mutating func skipTrailers() throws(HTTPError) -> Bool {
        var lineStart = readIndex
        while true {
            let budget = limits.maxChunkLine - (lineStart - readIndex)
            if budget <= 0 {
                throw HTTPError(
                    HTTPError.chunk, "the trailer section exceeds \(limits.maxChunkLine) bytes", status: 400)
            }
            guard let lfIndex = try firstLF(from: lineStart, limit: budget) else { return false }
            guard lfIndex > lineStart, buffer[lfIndex - 1] == cr else {
                throw HTTPError(HTTPError.bareLineFeed, "a trailer line ends with LF without CR", status: 400)
            }
            if lfIndex - 1 == lineStart {
                readIndex = lfIndex + 1
                return true
            }
            if buffer[lineStart] == sp || buffer[lineStart] == ht {
                throw HTTPError(HTTPError.headerFold, "obsolete line folding in a trailer field", status: 400)
            }
            lineStart = lfIndex + 1
        }
    }

    /// The index of the first LF at or after `from`, or nil; throws when none is found within `limit` bytes.
    private func firstLF(from: Int, limit: Int) throws(HTTPError) -> Int? {
        var k = from
        while k < buffer.count {
            if buffer[k] == lf { return k }
            k += 1
            if k - from > limit {
                throw HTTPError(HTTPError.chunk, "a chunk line exceeds \(limits.maxChunkLine) bytes", status: 400)
            }
        }
        return nil
    }
}

// MARK: - Byte helpers

private let cr: UInt8 = 13
private let lf: UInt8 = 10
private let sp: UInt8 = 32
private let ht: UInt8 = 9

@inline(__always)
private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

@inline(__always)
private func hexValue(_ b: UInt8) -> Int? {
    switch b {
    case 0x30...0x39: return Int(b - 0x30)
    case 0x41...0x46: return Int(b - 0x41 + 10)
    case 0x61...0x66: return Int(b - 0x61 + 10)
    default: return nil
    }
}

/// RFC 9110 tchar: the bytes allowed in a method or a field name.
private let tokenTable: [Bool] = {
    var table = [Bool](repeating: false, count: 256)
    for b in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(b)] = true }
    for b in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(b)] = true }
    for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(b)] = true }
    for c in "!#$%&'*+-.^_`|~".utf8 { table[Int(c)] = true }
    return table
}()

@inline(__always)
private func isTokenByte(_ b: UInt8) -> Bool { tokenTable[Int(b)] }

@inline(__always)
private func string(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
}

/// Whether `value` equals `lower` ignoring ASCII case (`lower` must be lowercase).
private func equalsLowercase(_ value: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
    guard value.count == lower.utf8CodeUnitCount else { return false }
    let p = lower.utf8Start
    for k in 0..<value.count where value[k] | 0x20 != p[k] && value[k] != p[k] { return false }
    return true
}

/// Calls `body` for each comma-separated token of a list value, trimmed of whitespace.
private func forEachToken(_ value: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    var start = 0
    var k = 0
    while k <= value.count {
        if k == value.count || value[k] == UInt8(ascii: ",") {
            var s = start
            var e = k
            while s < e, value[s] == sp || value[s] == ht { s += 1 }
            while e > s, value[e - 1] == sp || value[e - 1] == ht { e -= 1 }
            if e > s { body(UnsafeBufferPointer(rebasing: value[s..<e])) }
            start = k + 1
        }
        k += 1
    }
}
