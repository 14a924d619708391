// The benchmark server: GatewayHTTP serving the two benchmark routes, built in release by
// Benchmarks/http/run.sh. Not part of the gateway; it exists to measure the transport alone.
import Foundation
import GatewayHTTP

#if canImport(Glibc)
    import Glibc
#endif

var port: UInt16 = 8080
var loops = 1
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--port": port = UInt16(arguments.popFirst() ?? "") ?? port
    case "--loops": loops = Int(arguments.popFirst() ?? "") ?? loops
    default:
        writeStderr("usage: g60-http-bench-server [--port N] [--loops N]")
        exit(2)
    }
}

let hello = Array(#"{"status":"ok","service":"g60-gateway","node":"bench","version":"1.0","message":"hello"}"#.utf8)
var router = HTTPRouter()
router.get("/hello") { _, _ in .json(hello) }
router.post("/echo", bodyLimit: 64 * 1024) { request, _ in
    .json(Array(#"{"received":\#(request.body.count)}"#.utf8))
}
do {
    let server = try HTTPServer(
        configuration: HTTPServerConfiguration(
            host: "127.0.0.1", port: port, loopCount: loops, maxConnections: 20_000, allowPlaintext: true),
        router: router)
    try server.start()
    writeStderr("g60-http-bench-server listening on 127.0.0.1:\(server.port) with \(loops) loop(s)")
    while true { pause() }
} catch {
    writeStderr("g60-http-bench-server: \(error)")
    exit(1)
}
