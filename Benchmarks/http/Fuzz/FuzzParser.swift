// libFuzzer harness for GatewayHTTP's request parser (`make fuzz-http`). Built with `swiftc -sanitize=fuzzer`
// together with the parser's source files (no sockets, no OpenSSL). A crash, or an input that parses
// differently when delivered in two pieces, is a finding.

/// What a parse produced, comparable between deliveries.
private func outcome(_ pieces: [UnsafeRawBufferPointer]) -> [String] {
    let limits = HTTPParserLimits(maxRequestLine: 512, maxHeadBytes: 2048, maxHeaderCount: 32, maxBodyBytes: 4096)
    var parser = HTTPRequestParser(limits: limits)
    var seen: [String] = []
    do {
        for piece in pieces {
            parser.feed(piece)
            while let event = try parser.next() {
                switch event {
                case .head(let head):
                    seen.append(
                        "H \(head.method) \(head.target) \(head.headers.count) \(head.keepAlive) \(head.chunked)")
                case .end(let body):
                    seen.append("B \(body.count) \(body.reduce(0) { $0 &* 31 &+ Int($1) })")
                }
            }
        }
    } catch {
        seen.append("E \(error.code) \(error.status)")
    }
    return seen
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let all = UnsafeRawBufferPointer(start: data, count: size)
    let whole = outcome([all])
    if size > 1 {
        let split = Int(data[0]) % size
        let pieces = outcome([
            UnsafeRawBufferPointer(rebasing: all[..<split]), UnsafeRawBufferPointer(rebasing: all[split...]),
        ])
        if pieces != whole {
            fatalError("split at \(split) changes the parse: \(whole) vs \(pieces)")
        }
    }
    return 0
}
