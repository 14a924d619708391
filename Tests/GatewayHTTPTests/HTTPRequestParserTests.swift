@testable import GatewayHTTP
import Testing

/// Parses `input` delivered in the given pieces; returns the requests seen and the error, if any.
func parseAll(
    _ pieces: [[UInt8]], limits: HTTPParserLimits = HTTPParserLimits(), bodyLimit: Int? = nil
) -> (requests: [HTTPRequest], error: HTTPError?) {
    var parser = HTTPRequestParser(limits: limits)
    var requests: [HTTPRequest] = []
    var head: HTTPRequestHead? = nil
    do {
        for piece in pieces {
            parser.feed(piece)
            while let event = try parser.next() {
                switch event {
                case .head(let h):
                    head = h
                    if let bodyLimit { parser.bodyLimit = bodyLimit }
                case .end(let body):
                    guard let h = head else { return (requests, HTTPError("test.order", "end before head")) }
                    requests.append(HTTPRequest(head: h, body: body))
                    head = nil
                }
            }
        }
    } catch {
        return (requests, error)
    }
    return (requests, nil)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

struct HTTPRequestParserTests {
    let simpleGet = "GET /v1/ping?x=1 HTTP/1.1\r\nHost: gw\r\nAccept: */*\r\n\r\n"
    let post =
        "POST /v1/envelopes HTTP/1.1\r\nHost: gw\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world"
    let chunkedPost =
        "POST /c HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"

    @Test func parsesASimpleGet() throws {
        let (requests, error) = parseAll([bytes(simpleGet)])
        #expect(error == nil)
        let request = try #require(requests.first)
        #expect(request.method == "GET")
        #expect(request.head.target == "/v1/ping?x=1")
        #expect(request.path == "/v1/ping")
        #expect(request.head.query == "x=1")
        #expect(request.headers["host"] == "gw")
        #expect(request.headers["ACCEPT"] == "*/*")
        #expect(request.head.keepAlive)
        #expect(request.body.isEmpty)
    }

    /// Query values: the first pair of exactly that name; `+` and percent escapes decoded; "" for `name=`; nil when
    /// absent, written without `=`, or badly escaped. Same answers from a native target and a bridged-free copy.
    @Test(arguments: [
        ("subject=1", "subject", "1"),
        ("sub=1&subject=2", "subject", "2"),
        ("subjects=1&subject=2&subject=3", "subject", "2"),
        ("a=1&subject", "subject", nil),
        ("subject=", "subject", ""),
        ("subject=a+b%20c", "subject", "a b c"),
        ("subject=%zz", "subject", nil),
        ("=1&subject=%E4%BF%A1", "subject", "信"),
        ("&&subject=x&", "subject", "x"),
        ("a=1", "subject", nil),
        ("subject=1", "", nil),
        ("=v", "", "v"),
    ] as [(String, String, String?)])
    func queryValues(query: String, name: String, expected: String?) {
        let head = HTTPRequestHead(method: "GET", target: "/p?" + query)
        #expect(head.queryValue(name) == expected)
    }

    /// The router's and authentication's path comparison: equal bytes only.
    @Test func pathsCompareByBytes() {
        let target = "/healthz?x=1"
        let path = target[..<(target.firstIndex(of: "?") ?? target.endIndex)]
        #expect(sameBytes("/healthz", path))
        #expect(!sameBytes("/healthy", path))
        #expect(!sameBytes("/healthz/", path))
        #expect(!sameBytes("", path))
        #expect(sameBytes("", ""[...]))
    }

    /// Path and query follow the target, also when it is replaced after parsing (the `?` is found once per target).
    @Test func pathAndQueryFollowTheTarget() {
        var head = HTTPRequestHead(method: "GET", target: "/a/b?subject=1&x=%41")
        #expect(head.path == "/a/b")
        #expect(head.query == "subject=1&x=%41")
        #expect(head.queryValue("x") == "A")
        head.target = "/c"
        #expect(head.path == "/c")
        #expect(head.query == nil)
        #expect(head.queryValue("subject") == nil)
        head.target = "/d?"
        #expect(head.path == "/d")
        #expect(head.query == "")
        head.target = "/?k=v?w"
        #expect(head.path == "/")
        #expect(head.queryValue("k") == "v?w")
    }

    @Test(arguments: ["simple", "post", "chunked"])
    func everySplitPointGivesTheSameRequest(kind: String) throws {
        let text = kind == "simple" ? simpleGet : kind == "post" ? post : chunkedPost
        let whole = bytes(text)
        let (expected, error) = parseAll([whole])
        #expect(error == nil)
        let reference = try #require(expected.first)
        for split in 0...whole.count {
            let (requests, e) = parseAll([Array(whole[..<split]), Array(whole[split...])])
            #expect(e == nil, "split at \(split)")
            #expect(requests.count == 1, "split at \(split)")
            #expect(requests.first?.body == reference.body, "split at \(split)")
            #expect(requests.first?.head.target == reference.head.target)
        }
        // One byte at a time.
        let (requests, e) = parseAll(whole.map { [$0] })
        #expect(e == nil)
        #expect(requests.first?.body == reference.body)
    }

    @Test func chunkedBodyIsReassembled() throws {
        let (requests, error) = parseAll([bytes(chunkedPost)])
        #expect(error == nil)
        let request = try #require(requests.first)
        #expect(request.body == bytes("hello world"))
        #expect(request.head.chunked)
        #expect(request.head.contentLength == nil)
    }

    @Test func pipelinedRequestsComeOutInOrder() throws {
        let text = simpleGet + post + chunkedPost + "\r\n" + "GET /v1/pong HTTP/1.1\r\nHost: gw\r\n\r\n"
        let (requests, error) = parseAll([bytes(text)])
        #expect(error == nil)
        #expect(requests.map { String($0.path) } == ["/v1/ping", "/v1/envelopes", "/c", "/v1/pong"])
        #expect(requests[1].body == bytes("hello world"))
        #expect(requests[2].body == bytes("hello world"))
    }

    @Test func connectionSemantics() throws {
        let close = parseAll([bytes("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")]).requests
        #expect(close.first?.head.keepAlive == false)
        let http10 = parseAll([bytes("GET / HTTP/1.0\r\n\r\n")]).requests
        #expect(http10.first?.head.keepAlive == false)
        #expect(http10.first?.head.minorVersion == 0)
        let http10KeepAlive = parseAll([bytes("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")]).requests
        #expect(http10KeepAlive.first?.head.keepAlive == true)
    }

    @Test func expectContinueIsReportedBeforeTheBody() throws {
        var parser = HTTPRequestParser()
        parser.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"))
        guard case .head(let head) = try #require(try parser.next()) else {
            Issue.record("expected a head")
            return
        }
        #expect(head.expectsContinue)
        #expect(try parser.next() == nil)
        parser.feed(bytes("abc"))
        guard case .end(let body) = try #require(try parser.next()) else {
            Issue.record("expected the body")
            return
        }
        #expect(body == bytes("abc"))
    }

    static let malformed: [(String, String, Int)] = [
        ("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  continued\r\n\r\n", 400),
        ("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        ("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400),
        (
            "conflicting Content-Length",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400
        ),
        ("conflicting Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", 400),
        ("non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3a\r\n\r\nabc", 400),
        ("signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400),
        ("empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400),
        ("huge Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
        (
            "Content-Length with Transfer-Encoding",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400
        ),
        ("unknown Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (
            "double chunked",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400
        ),
        ("bare LF in header", "GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n", 400),
        ("bare LF request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
        ("bare LF end", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400),
        ("bare CR in value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400),
        ("NUL in value", "GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", 400),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("garbage version", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400),
        ("lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400),
        ("missing Host", "GET / HTTP/1.1\r\nX: a\r\n\r\n", 400),
        ("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("double space in request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("absolute target", "GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400),
        ("empty name", "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400),
        ("bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (
            "chunk size with 0x",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400
        ),
        (
            "chunk without CRLF",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400
        ),
        (
            "chunk size bare LF",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400
        ),
        ("Transfer-Encoding in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("unknown expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417),
    ]

    @Test(arguments: malformed)
    func malformedRequestsAreRefused(name: String, text: String, status: Int) {
        let (requests, error) = parseAll([bytes(text)])
        #expect(requests.isEmpty, "\(name)")
        #expect(error?.status == status, "\(name): \(String(describing: error))")
    }

    @Test func malformedRequestsAreRefusedAtEverySplit() {
        for (name, text, status) in Self.malformed {
            let whole = bytes(text)
            for split in stride(from: 0, through: whole.count, by: 3) {
                let (requests, error) = parseAll([Array(whole[..<split]), Array(whole[split...])])
                #expect(requests.isEmpty && error?.status == status, "\(name) split at \(split)")
            }
        }
    }

    @Test func failedParserStaysFailed() {
        var parser = HTTPRequestParser()
        parser.feed(bytes("GET / HTTP/1.1\r\nHost : a\r\n\r\n"))
        #expect(throws: HTTPError(HTTPError.header, "")) { try parser.next() }
        parser.feed(bytes(simpleGet))
        #expect(throws: HTTPError(HTTPError.header, "")) { try parser.next() }
    }

    @Test func oversizedRequestLineIs414() {
        let limits = HTTPParserLimits(maxRequestLine: 100, maxHeadBytes: 1000)
        let line = "GET /" + String(repeating: "a", count: 200)
        let (_, error) = parseAll([bytes(line)], limits: limits)
        #expect(error?.status == 414)
        let (_, complete) = parseAll([bytes(line + " HTTP/1.1\r\nHost: a\r\n\r\n")], limits: limits)
        #expect(complete?.status == 414)
    }

    @Test func oversizedHeadIs431() {
        let limits = HTTPParserLimits(maxHeadBytes: 200)
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 300)
        #expect(parseAll([bytes(big)], limits: limits).error?.status == 431)
        #expect(parseAll([bytes(big + "\r\n\r\n")], limits: limits).error?.status == 431)
        var many = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<10 { many += "X-\(i): v\r\n" }
        let countLimits = HTTPParserLimits(maxHeaderCount: 5)
        #expect(parseAll([bytes(many + "\r\n")], limits: countLimits).error?.status == 431)
    }

    @Test func bodyLimitsAre413() {
        let limits = HTTPParserLimits(maxBodyBytes: 5)
        #expect(parseAll([bytes(post)], limits: limits).error?.status == 413)
        #expect(parseAll([bytes(chunkedPost)], limits: limits).error?.status == 413)
        // A route may raise or lower the limit once it has seen the head.
        #expect(parseAll([bytes(post)], limits: limits, bodyLimit: 100).error == nil)
        #expect(parseAll([bytes(post)], bodyLimit: 3).error?.status == 413)
    }

    @Test func contentLengthListOfEqualValuesIsAccepted() throws {
        let text = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc"
        let (requests, error) = parseAll([bytes(text)])
        #expect(error == nil)
        #expect(requests.first?.body == bytes("abc"))
    }

    @Test func leadingEmptyLinesAreIgnored() {
        let (requests, error) = parseAll([bytes("\r\n\r\n" + simpleGet)])
        #expect(error == nil)
        #expect(requests.count == 1)
    }

    @Test func idleAndBodyStateAreReported() throws {
        var parser = HTTPRequestParser()
        #expect(parser.isIdle)
        parser.feed(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\na"))
        #expect(!parser.isIdle)
        _ = try parser.next()
        #expect(try parser.next() == nil)
        #expect(parser.isReadingBody)
        parser.feed(bytes("b"))
        _ = try parser.next()
        #expect(parser.isIdle)
    }
}

extension HTTPRequestParser.Event: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.end(let x), .end(let y)): return x == y
        case (.head(let x), .head(let y)): return x.target == y.target && x.method == y.method
        default: return false
        }
    }
}
