/// A response to send: status, header fields and the whole body.
///
/// The server adds `Content-Length`, `Date` and `Connection`; handlers set everything else.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a body of the given media type.
    public static func bytes(_ body: [UInt8], contentType: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: body)
    }

    /// A JSON response from already-encoded bytes (the gateway's encoders produce them).
    public static func json(_ body: [UInt8], status: Int = 200) -> HTTPResponse {
        .bytes(body, contentType: "application/json", status: status)
    }

    /// A plain-text response.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        .bytes(Array(text.utf8), contentType: "text/plain; charset=utf-8", status: status)
    }

    /// An `application/problem+json` response (RFC 9457) with a stable `code` member.
    public static func problem(_ problem: HTTPProblem) -> HTTPResponse {
        .bytes(problem.jsonBytes, contentType: "application/problem+json", status: problem.status)
    }

    /// Writes status line, fields and body into `out`, adding the framing fields the server owns.
    /// - Parameter announceKeepAlive: say `Connection: keep-alive` (HTTP/1.0 clients assume close otherwise).
    func serialize(
        into out: inout [UInt8], keepAlive: Bool, date: [UInt8], omitBody: Bool, announceKeepAlive: Bool = false
    ) {
        out.append(contentsOf: statusLine(status))
        for field in headers.fields {
            // The framing fields the server owns are 10, 14 or 17 bytes long: most names are passed on by length.
            let length = field.name.utf8.count
            if (length == 10 || length == 14 || length == 17)
                && (asciiCaseInsensitiveEqual(field.name, "content-length")
                    || asciiCaseInsensitiveEqual(field.name, "connection")
                    || asciiCaseInsensitiveEqual(field.name, "transfer-encoding"))
            {
                continue
            }
            out.append(contentsOf: field.name.utf8)
            out.append(0x3A)
            out.append(0x20)
            out.append(contentsOf: field.value.utf8)
            out.append(13)
            out.append(10)
        }
        out.append(contentsOf: date)
        if !keepAlive { out.append(contentsOf: connectionClose) }
        if keepAlive && announceKeepAlive { out.append(contentsOf: connectionKeepAlive) }
        if status >= 200 && status != 204 && status != 304 {
            out.append(contentsOf: contentLengthPrefix)
            appendDecimal(body.count, to: &out)
            out.append(13)
            out.append(10)
        }
        out.append(13)
        out.append(10)
        if !omitBody { out.append(contentsOf: body) }
    }
}

private let connectionClose: [UInt8] = Array("Connection: close\r\n".utf8)
private let connectionKeepAlive: [UInt8] = Array("Connection: keep-alive\r\n".utf8)
private let contentLengthPrefix: [UInt8] = Array("Content-Length: ".utf8)

func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value == 0 {
        out.append(0x30)
        return
    }
    var digits:
        (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
        ) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var n = value
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
        while n > 0 && count < 20 {
            buffer[19 - count] = UInt8(0x30 + n % 10)
            n /= 10
            count += 1
        }
        out.append(contentsOf: buffer[(20 - count)...])
    }
}

/// Precomputed status lines for the common statuses, built on demand for others.
private let commonStatusLines: [Int: [UInt8]] = {
    var table: [Int: [UInt8]] = [:]
    for status in [
        100, 200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 408, 409, 413, 414, 417, 422, 429, 431,
        500, 501, 502, 503, 504, 505,
    ] {
        table[status] = Array("HTTP/1.1 \(status) \(reasonPhrase(status))\r\n".utf8)
    }
    return table
}()

private let status200: [UInt8] = Array("HTTP/1.1 200 OK\r\n".utf8)

@inline(__always)
private func statusLine(_ status: Int) -> [UInt8] {
    if status == 200 { return status200 }
    return commonStatusLines[status] ?? Array("HTTP/1.1 \(status) \(reasonPhrase(status))\r\n".utf8)
}

/// The reason phrase for a status code (only informative in HTTP/1.1).
public func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: return "Continue"
    case 200: return "OK"
    case 201: return "Created"
    case 202: return "Accepted"
    case 204: return "No Content"
    case 304: return "Not Modified"
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 403: return "Forbidden"
    case 404: return "Not Found"
    case 405: return "Method Not Allowed"
    case 408: return "Request Timeout"
    case 409: return "Conflict"
    case 413: return "Content Too Large"
    case 414: return "URI Too Long"
    case 417: return "Expectation Failed"
    case 422: return "Unprocessable Content"
    case 429: return "Too Many Requests"
    case 431: return "Request Header Fields Too Large"
    case 500: return "Internal Server Error"
    case 501: return "Not Implemented"
    case 502: return "Bad Gateway"
    case 503: return "Service Unavailable"
    case 504: return "Gateway Timeout"
    case 505: return "HTTP Version Not Supported"
    default: return "Status"
    }
}

/// A problem detail (RFC 9457) with the gateway's stable `code` member, e.g. `http.request.bodyTooLarge`.
public struct HTTPProblem: Sendable, Hashable {
    public var status: Int
    public var code: String
    public var title: String
    public var detail: String?
    public var type: String

    public init(status: Int, code: String, title: String? = nil, detail: String? = nil, type: String = "about:blank") {
        self.status = status
        self.code = code
        self.title = title ?? reasonPhrase(status)
        self.detail = detail
        self.type = type
    }

    /// The problem for an `HTTPError`: its status (500 when it has none) and code; its message as detail.
    public init(_ error: HTTPError) {
        let status = (400...599).contains(error.status) ? error.status : 500
        self.init(status: status, code: error.code, detail: status >= 500 ? nil : error.message)
    }

    /// The JSON body, members in a fixed order.
    public var jsonBytes: [UInt8] {
        var out = "{\"type\":" + jsonString(type) + ",\"title\":" + jsonString(title) + ",\"status\":\(status)"
        out += ",\"code\":" + jsonString(code)
        if let detail { out += ",\"detail\":" + jsonString(detail) }
        out += "}"
        return Array(out.utf8)
    }
}

/// A JSON string literal with the escapes RFC 8259 requires.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
