import CCurl
import CCurlShims
import Synchronization

/// Settings for an outbound client to one partner.
public struct HTTPClientConfiguration: Sendable, Hashable {
    public var connectTimeout: Duration
    /// The whole exchange; libcurl has no limit by default, so one is always set.
    public var totalTimeout: Duration
    /// Responses larger than this are abandoned with `http.client.responseTooLarge`.
    public var maxResponseBytes: Int
    /// PEM with our client certificate (and intermediates) for mutual TLS.
    public var clientCertificatePath: String?
    /// PEM private key of the client certificate.
    public var clientKeyPath: String?
    /// PEM bundle of the only CAs trusted for this partner (instead of the system store).
    public var caBundlePath: String?
    /// libcurl public-key pin, e.g. `sha256//BASE64=`; the server key must match it.
    public var pinnedPublicKey: String?

    public init(
        connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(30),
        maxResponseBytes: Int = 4 << 20, clientCertificatePath: String? = nil, clientKeyPath: String? = nil,
        caBundlePath: String? = nil, pinnedPublicKey: String? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBytes = maxResponseBytes
        self.clientCertificatePath = clientCertificatePath
        self.clientKeyPath = clientKeyPath
        self.caBundlePath = caBundlePath
        self.pinnedPublicKey = pinnedPublicKey
    }
}

/// A response received by the client.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    /// Whether the status says "try again later" (408, 425, 429, 5xx except 501 and 505).
    public var isRetryableStatus: Bool {
        switch status {
        case 408, 425, 429, 500, 502, 503, 504: return true
        default: return false
        }
    }
}

/// libcurl is initialised once per process, before the first handle (thread-safe since curl 7.84).
private let curlInitialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

/// Collects one response inside the write and header callbacks.
private final class ResponseCollector {
    var body: [UInt8] = []
    var headerLines: [String] = []
    let limit: Int
    var exceeded = false

    init(limit: Int) { self.limit = limit }
}

/// An outbound HTTP/1.1 client for one partner, over one reused libcurl handle (so one kept-alive connection).
///
/// Calls are serialised on the handle; use one client per partner, and several if a partner needs parallel
/// deliveries. Failures are thrown as `HTTPError` with `retryable` set for transient causes (connection refused,
/// timeouts, resets) and cleared for permanent ones (certificate problems, oversize responses).
public final class HTTPClient: @unchecked Sendable {
    // @unchecked: the CURL handle is only touched inside `lock`.
    public let configuration: HTTPClientConfiguration
    private let handle: UnsafeMutableRawPointer
    private let lock = Mutex<Void>(())
    /// libcurl's CURLOPT_ERRORBUFFER (CURL_ERROR_SIZE bytes): the reason behind a failure, e.g. which certificate
    /// check failed, which `curl_easy_strerror` does not say.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private static let errorBufferSize = 256

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws(HTTPError) {
        guard curlInitialised, let handle = curl_easy_init() else {
            throw HTTPError(HTTPError.clientSetup, "libcurl could not be initialised")
        }
        self.configuration = configuration
        self.handle = handle
        errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
        try check(CG60_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        try setLong(CURLOPT_NOSIGNAL, 1)
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.nanoseconds / 1_000_000))
        try setLong(CURLOPT_TIMEOUT_MS, max(1, Int(configuration.totalTimeout.nanoseconds / 1_000_000)))
        try setLong(CURLOPT_FOLLOWLOCATION, 0)
        try setLong(CURLOPT_SSL_VERIFYPEER, 1)
        try setLong(CURLOPT_SSL_VERIFYHOST, 2)
        try setString(CURLOPT_PROTOCOLS_STR, "http,https")
        if let path = configuration.clientCertificatePath { try setString(CURLOPT_SSLCERT, path) }
        if let path = configuration.clientKeyPath { try setString(CURLOPT_SSLKEY, path) }
        if let path = configuration.caBundlePath {
            try setString(CURLOPT_CAINFO, path)
            try setString(CURLOPT_CAPATH, nil)
        }
        if let pin = configuration.pinnedPublicKey { try setString(CURLOPT_PINNEDPUBLICKEY, pin) }
        let writer: CG60_curl_write_callback = { data, size, count, userdata in
            guard let userdata, let data else { return 0 }
            let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            if collector.body.count + length > collector.limit {
                collector.exceeded = true
                return 0  // makes curl stop with CURLE_WRITE_ERROR
            }
            collector.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
            return length
        }
        let headerReader: CG60_curl_write_callback = { data, size, count, userdata in
            guard let userdata, let data else { return 0 }
            let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            collector.headerLines.append(
                String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self))
            return length
        }
        try check(CG60_curl_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, writer), "WRITEFUNCTION")
        try check(CG60_curl_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, headerReader), "HEADERFUNCTION")
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    public func get(_ url: String, headers: HTTPHeaders = HTTPHeaders()) throws(HTTPError) -> HTTPClientResponse {
        try send(method: "GET", url: url, headers: headers, body: nil)
    }

    public func post(_ url: String, body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) throws(HTTPError)
        -> HTTPClientResponse
    {
        try send(method: "POST", url: url, headers: headers, body: body)
    }

    /// Sends one request and waits for the whole response (within `totalTimeout`).
    public func send(method: String, url: String, headers: HTTPHeaders, body: [UInt8]?) throws(HTTPError)
        -> HTTPClientResponse
    {
        let result: Result<HTTPClientResponse, HTTPError> = lock.withLock { _ in
            do throws(HTTPError) {
                return .success(try perform(method: method, url: url, headers: headers, body: body))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func perform(method: String, url: String, headers: HTTPHeaders, body: [UInt8]?) throws(HTTPError)
        -> HTTPClientResponse
    {
        let collector = ResponseCollector(limit: configuration.maxResponseBytes)
        errorBuffer[0] = 0
        var list: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(list) }
        // No `Expect: 100-continue` round trip: partners are known and bodies bounded.
        for line in headers.fields.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            list = curl_slist_append(list, line)
        }
        try setString(CURLOPT_URL, url)
        try check(CG60_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "HTTPHEADER")
        let opaque = Unmanaged.passUnretained(collector).toOpaque()
        try check(CG60_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, opaque), "WRITEDATA")
        try check(CG60_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, opaque), "HEADERDATA")
        try setLong(CURLOPT_MAXFILESIZE, configuration.maxResponseBytes)
        try setString(CURLOPT_CUSTOMREQUEST, nil)
        let payload = body ?? []
        switch method {
        case "GET":
            try setLong(CURLOPT_HTTPGET, 1)
        case "POST":
            try setLong(CURLOPT_POST, 1)
        default:
            try setLong(CURLOPT_POST, body == nil ? 0 : 1)
            if body == nil { try setLong(CURLOPT_HTTPGET, 1) }
            try setString(CURLOPT_CUSTOMREQUEST, method)
        }
        let code: CURLcode = withExtendedLifetime(collector) {
            payload.withUnsafeBytes { bytes -> CURLcode in
                if body != nil {
                    let pointer = UnsafeMutableRawPointer(
                        mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                    // POSTFIELDS is not copied: it must live until perform returns (ENGINEERING-NOTES.md).
                    _ = CG60_curl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                    _ = CG60_curl_easy_setopt_pointer(handle, CURLOPT_POSTFIELDS, pointer)
                }
                let code = curl_easy_perform(handle)
                if body != nil {
                    _ = CG60_curl_easy_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
                }
                return code
            }
        }
        if code != CURLE_OK {
            throw classify(code, url: url, collector: collector)
        }
        var status = 0
        _ = CG60_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPClientResponse(status: status, headers: parseHeaders(collector.headerLines), body: collector.body)
    }

    /// Keeps only the last response's fields (after `100 Continue` or redirects there may be several heads).
    private func parseHeaders(_ lines: [String]) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for line in lines {
            if line.hasPrefix("HTTP/") {
                headers = HTTPHeaders()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingASCIIWhitespace()
            headers.add(name, value)
        }
        return headers
    }

    private func classify(_ code: CURLcode, url: String, collector: ResponseCollector) -> HTTPError {
        var text = curl_easy_strerror(code).map { String(cString: $0) } ?? "curl error"
        errorBuffer[Self.errorBufferSize - 1] = 0
        var reason = String(cString: errorBuffer)
        while reason.last?.isNewline == true { reason.removeLast() }
        if !reason.isEmpty, reason != text { text += ": " + reason }
        let detail = "\(url): \(text) (curl \(code.rawValue))"
        if collector.exceeded || code == CURLE_FILESIZE_EXCEEDED {
            return HTTPError(
                HTTPError.clientResponseTooLarge,
                "\(url): the response exceeds \(configuration.maxResponseBytes) bytes", status: 0, retryable: false)
        }
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return HTTPError(HTTPError.clientConnect, detail, status: 0, retryable: true)
        case CURLE_OPERATION_TIMEDOUT:
            return HTTPError(HTTPError.clientTimeout, detail, status: 0, retryable: true)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND:
            return HTTPError(HTTPError.clientTLS, detail, status: 0, retryable: false)
        case CURLE_SSL_CONNECT_ERROR:
            // A handshake that broke off: often a reset under load; a certificate refusal also lands here, so
            // the delivery worker's retry budget decides.
            return HTTPError(HTTPError.clientTLS, detail, status: 0, retryable: true)
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE:
            return HTTPError(HTTPError.clientTransport, detail, status: 0, retryable: true)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            return HTTPError(HTTPError.clientSetup, detail, status: 0, retryable: false)
        default:
            return HTTPError(HTTPError.clientTransport, detail, status: 0, retryable: false)
        }
    }

    private func setLong(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(CG60_curl_easy_setopt_long(handle, option, value), "\(option)")
    }

    private func setString(_ option: CURLoption, _ value: String?) throws(HTTPError) {
        let code: CURLcode
        if let value {
            code = value.withCString { CG60_curl_easy_setopt_string(handle, option, $0) }
        } else {
            code = CG60_curl_easy_setopt_string(handle, option, nil)
        }
        try check(code, "\(option)")
    }

    private func check(_ code: CURLcode, _ what: String) throws(HTTPError) {
        guard code == CURLE_OK else {
            let text = curl_easy_strerror(code).map { String(cString: $0) } ?? "curl error"
            throw HTTPError(HTTPError.clientSetup, "setting \(what) failed: \(text)")
        }
    }
}

extension Substring {
    func trimmingASCIIWhitespace() -> String {
        var s = self[...]
        // `Character.isWhitespace` also covers "\r\n", which is one Character.
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
