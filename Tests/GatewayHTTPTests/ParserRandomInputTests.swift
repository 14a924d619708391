import GatewayHTTP
import Testing

/// A small deterministic generator (SplitMix64) so a failing input can be reproduced from its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Outcome of parsing one input, comparable across different splits of the same bytes.
struct Outcome: Equatable {
    var requests: [String]
    var errorCode: String?
}

func outcome(_ pieces: [[UInt8]]) -> Outcome {
    let limits = HTTPParserLimits(maxRequestLine: 256, maxHeadBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 512)
    let (requests, error) = parseAll(pieces, limits: limits)
    return Outcome(
        requests: requests.map { "\($0.method) \($0.head.target) \($0.head.headers.count) \($0.body)" },
        errorCode: error?.code)
}

/// Valid requests to mutate.
let seedTexts: [String] = [
    "GET /v1/ping?x=1 HTTP/1.1\r\nHost: gw\r\nAccept: */*\r\n\r\n",
    "POST /e HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello",
    "POST /c HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
    "PUT /p HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 2, 2\r\n\r\nok",
]
let seeds: [[UInt8]] = seedTexts.map { Array($0.utf8) }

/// Mutates a seed: byte flips, insertions of framing bytes, deletions, duplications.
func mutate(_ seed: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
    var bytes = seed
    let interesting: [UInt8] = [13, 10, 32, 9, 58, 0, 59, 44, 48, 57, 65, 102, 255, 127]
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
        guard !bytes.isEmpty else { break }
        let i = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
        case 1: bytes[i] = interesting.randomElement(using: &rng) ?? 0
        case 2: bytes.insert(interesting.randomElement(using: &rng) ?? 0, at: i)
        case 3: bytes.remove(at: i)
        case 4:
            let j = min(bytes.count, i + Int.random(in: 1...8, using: &rng))
            bytes.insert(contentsOf: bytes[i..<j], at: i)
        default: bytes = Array(bytes[..<i])
        }
    }
    return bytes
}

@Test func twoHundredThousandRandomInputsNeverCrashAndParseTheSameWhateverTheSplit() {
    var rng = SplitMix(state: 0x6_0060)
    var accepted = 0
    var refused = 0
    for n in 0..<200_000 {
        let seed = seeds[n % seeds.count]
        let input = mutate(seed, &rng)
        let whole = outcome([input])
        let split = input.isEmpty ? 0 : Int.random(in: 0...input.count, using: &rng)
        let pieces = outcome([Array(input[..<split]), Array(input[split...])])
        if whole != pieces {
            Issue.record("input \(n) parses differently split at \(split): \(input)")
            return
        }
        if whole.errorCode == nil { accepted += 1 } else { refused += 1 }
    }
    // Both outcomes must be exercised, or the mutator is not testing anything.
    #expect(accepted > 1000)
    #expect(refused > 1000)
}

@Test func timerWheelExpiresAtTheDeadlineAndKeepsFarDeadlines() {
    let ms: UInt64 = 1_000_000
    var wheel = TimerWheel(tickNanoseconds: 100 * ms, slotCount: 8, now: 0)
    wheel.schedule(id: 1, token: 1, deadline: 250 * ms)
    wheel.schedule(id: 2, token: 1, deadline: 5_000 * ms)  // more than one turn (800 ms) ahead
    wheel.schedule(id: 3, token: 1, deadline: 0)  // already due
    #expect(wheel.advance(to: 100 * ms).map(\.id) == [3])
    #expect(wheel.advance(to: 200 * ms).isEmpty)
    #expect(wheel.advance(to: 300 * ms).map(\.id) == [1])
    #expect(wheel.advance(to: 4_900 * ms).isEmpty)
    #expect(wheel.advance(to: 5_000 * ms).map(\.id) == [2])
    #expect(wheel.count == 0)
}

@Test func routerMatchesParametersAndReports405() throws {
    var router = HTTPRouter()
    router.get("/a/:x") { _, c in .text(c.parameters["x"] ?? "") }
    router.post("/a/b", bodyLimit: 9) { _, _ in .text("post") }
    router.get("/files/*") { _, c in .text(c.parameters["*"] ?? "") }
    let matched = router.resolve(method: "GET", path: "/a/b%20c")
    #expect(matched.pattern == "/a/:x")
    #expect(matched.parameters["x"] == "b c")
    #expect(router.resolve(method: "POST", path: "/a/b").bodyLimit == 9)
    #expect(router.resolve(method: "GET", path: "/files/x/y").parameters["*"] == "x/y")
    #expect(router.resolve(method: "DELETE", path: "/a/b").pattern == "(405)")
    #expect(router.resolve(method: "GET", path: "/zzz").pattern == "(404)")
    #expect(router.resolve(method: "GET", path: "/a/%zz").pattern == "(404)")
}

@Test func problemJSONEscapesAndKeepsTheCode() {
    let problem = HTTPProblem(status: 400, code: "x.y", detail: "bad \"value\"\n")
    let text = String(decoding: problem.jsonBytes, as: UTF8.self)
    #expect(
        text == #"{"type":"about:blank","title":"Bad Request","status":400,"code":"x.y","detail":"bad \"value\"\n"}"#)
    // Server errors never leak their message to the client.
    let hidden = HTTPProblem(HTTPError("db.locked", "SQLite said: /var/lib/secret.db is locked", status: 503))
    #expect(hidden.detail == nil)
    #expect(hidden.status == 503)
}
