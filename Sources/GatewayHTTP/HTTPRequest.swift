import Foundation

/// The head of a request as the parser accepted it: request line and header fields, plus what the framing
/// rules derived from them.
public struct HTTPRequestHead: Sendable {
    /// The method token as sent, e.g. `GET` (methods are case-sensitive).
    public var method: String
    /// The request target as sent, e.g. `/v1/envelopes?since=3`.
    public var target: String {
        didSet { queryMark = Self.queryMark(target) }
    }
    /// Where `?` is in `target`: found once, not by every reader of `path` and `query` (routing, authentication's
    /// exempt paths and the handler each ask; the scans showed in the lookup route's profile).
    private var queryMark: String.Index?
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: HTTPHeaders
    /// Whether the connection stays open after the response (HTTP/1.1 default, `Connection: close`, 1.0 rules).
    public var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` and waits for an interim response before the body.
    public var expectsContinue: Bool
    /// The declared body length; nil for chunked bodies or no body.
    public var contentLength: Int?
    /// Whether the body comes with `Transfer-Encoding: chunked`.
    public var chunked: Bool

    public init(
        method: String, target: String, minorVersion: Int = 1, headers: HTTPHeaders = HTTPHeaders(),
        keepAlive: Bool = true, expectsContinue: Bool = false, contentLength: Int? = nil, chunked: Bool = false
    ) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.contentLength = contentLength
        self.chunked = chunked
        self.queryMark = Self.queryMark(target)
    }

    /// Where `?` stands in the target, found by a scan of its bytes (the generic `UTF8View.firstIndex(of:)` cost
    /// ≈ 880 instructions a request in the lookup's profile).
    private static func queryMark(_ target: String) -> String.Index? {
        var text = target
        let offset: Int? = text.withUTF8 { bytes in
            for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "?") { return i }
            return nil
        }
        guard let offset else { return nil }
        return target.utf8.index(target.utf8.startIndex, offsetBy: offset)
    }

    /// The path part of the target (before `?`).
    public var path: Substring {
        if let q = queryMark { return target[..<q] }
        return target[...]
    }

    /// The query part of the target (after `?`), or nil.
    public var query: Substring? {
        guard let q = queryMark else { return nil }
        return target[target.utf8.index(after: q)...]
    }

    /// The first value of query parameter `name`, percent-decoded with `+` as a space; "" for `name=`, nil when
    /// absent, when written without `=`, or not valid percent-encoding. Scans the query's UTF-8 bytes: splitting a
    /// String on Characters (grapheme breaking) showed in the lookup route's profile.
    public func queryValue(_ name: String) -> String? {
        guard let query else { return nil }
        // The usual case, a native target: scanned through a pointer (no index arithmetic per byte).
        var nameText = name
        let scanned: String?? = nameText.withUTF8 { nameBytes in
            query.utf8.withContiguousStorageIfAvailable { bytes -> String? in
                guard let range = Self.valueRange(of: nameBytes, in: bytes) else { return nil }
                return Self.decodedQueryValue(UnsafeBufferPointer(rebasing: bytes[range]))
            }
        }
        if let scanned { return scanned }
        let bytes = query.utf8
        let wanted = name.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            let pair = bytes[start..<end]
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")), pair[..<equals].elementsEqual(wanted) {
                let value = pair[pair.index(after: equals)...]
                // Nothing to decode (the usual identity number): no Foundation round trip.
                if !value.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
                    return String(decoding: value, as: UTF8.self)
                }
                return String(decoding: value, as: UTF8.self).replacingOccurrences(of: "+", with: " ")
                    .removingPercentEncoding
            }
            start = end == bytes.endIndex ? end : bytes.index(after: end)
        }
        return nil
    }

    /// The byte range of the first `name=` pair's value in a query, or nil.
    private static func valueRange(of name: UnsafeBufferPointer<UInt8>, in query: UnsafeBufferPointer<UInt8>)
        -> Range<Int>?
    {
        var start = 0
        while start < query.count {
            var end = start
            while end < query.count && query[end] != UInt8(ascii: "&") { end += 1 }
            var equals = start
            while equals < end && query[equals] != UInt8(ascii: "=") { equals += 1 }
            if equals < end && equals - start == name.count {
                var same = true
                for i in 0..<name.count where query[start + i] != name[i] {
                    same = false
                    break
                }
                if same { return (equals + 1)..<end }
            }
            start = end + 1
        }
        return nil
    }

    /// A query value's text: percent-decoded with `+` as a space, nil when not valid percent-encoding.
    private static func decodedQueryValue(_ value: UnsafeBufferPointer<UInt8>) -> String? {
        if !value.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(decoding: value, as: UTF8.self)
        }
        return String(decoding: value, as: UTF8.self).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// A complete request: head and body bytes.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]

    public init(head: HTTPRequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    public var method: String { head.method }
    public var path: Substring { head.path }
    public var headers: HTTPHeaders { head.headers }
}
