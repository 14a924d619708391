// swift-tools-version: 6.0
// The G60 credit exchange gateway. No Swift package dependencies: only the toolchain and Debian C libraries
// (OpenSSL 3, libcurl, SQLite 3) through system-library targets. See ../shared/ARCHITECTURE.md for the graph.
import PackageDescription

let package = Package(
    name: "g60-gateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "g60-gateway", targets: ["g60-gateway"])
    ],
    targets: [
        // C libraries from Debian -dev packages.
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // Tiny C targets for what Swift cannot import: function-like macros, variadics, epoll/accept4.
        .target(name: "COpenSSLShims", dependencies: ["COpenSSL"], path: "Sources/COpenSSLShims"),
        .target(name: "CCurlShims", dependencies: ["CCurl"], path: "Sources/CCurlShims"),
        .target(name: "CSocketShims", path: "Sources/CSocketShims"),

        // Swift modules; dependencies point down only.
        .target(name: "GatewayCore", path: "Sources/GatewayCore"),
        .target(
            name: "GatewayCrypto", dependencies: ["GatewayCore", "COpenSSL", "COpenSSLShims"],
            path: "Sources/GatewayCrypto"),
        .target(
            name: "GatewayStore", dependencies: ["GatewayCore", "CSQLite"], path: "Sources/GatewayStore"),
        .target(name: "GatewayMapping", dependencies: ["GatewayCore"], path: "Sources/GatewayMapping"),
        .target(
            name: "GatewayDispatch", dependencies: ["GatewayCore"],
            path: "Sources/GatewayDispatch"),
        .target(
            name: "GatewayHTTP",
            dependencies: ["CSocketShims", "COpenSSL", "COpenSSLShims", "CCurl", "CCurlShims"],
            path: "Sources/GatewayHTTP"),
        .target(
            name: "Gateway",
            dependencies: [
                "GatewayCore", "GatewayCrypto", "GatewayStore", "GatewayMapping", "GatewayDispatch", "GatewayHTTP",
            ],
            path: "Sources/Gateway"),
        .target(
            name: "GatewayCLI", dependencies: ["Gateway", "GatewayStore", "GatewayCrypto", "GatewayMapping"],
            path: "Sources/GatewayCLI"),
        .executableTarget(name: "g60-gateway", dependencies: ["GatewayCLI"], path: "Sources/g60-gateway"),
        .target(name: "GatewayTesting", dependencies: ["GatewayCore"], path: "Sources/GatewayTesting"),

        // Test helper: the process the store's crash test kills with SIGKILL (Tests/GatewayStoreTests/CrashTests.swift).
        .executableTarget(
            name: "g60-store-crash-child", dependencies: ["GatewayStore"], path: "Sources/StoreCrashChild"),

        // Benchmarks (not part of `make test`): `make bench-store`.
        .executableTarget(
            name: "g60-store-bench", dependencies: ["GatewayCore", "GatewayStore"], path: "Benchmarks/store",
            exclude: ["README.md", "callgrind.sh"]),
        .executableTarget(
            name: "g60-crypto-bench", dependencies: ["GatewayCrypto"], path: "Benchmarks/crypto",
            exclude: ["run.sh"]),
        // Benchmark (not part of `make test`): `make bench-report`, the dual-publicity report on a month of data.
        .executableTarget(
            name: "g60-report-bench", dependencies: ["Gateway", "GatewayCore", "GatewayStore"],
            path: "Benchmarks/report"),
        // Benchmarks (not part of `make test`): the HTTP transport's release bench server, run by
        // `make bench-http` (Benchmarks/http/run.sh).
        .executableTarget(
            name: "g60-http-bench-server", dependencies: ["GatewayHTTP"], path: "Benchmarks/http/Server"),
        // Benchmark (not part of `make test`): `make bench-lookup` (Benchmarks/lookup/run.sh), the trust-travel
        // eligibility lookup of the real service over 1M subjects, next to nginx.
        .executableTarget(
            name: "g60-lookup-bench", dependencies: ["Gateway", "GatewayCore", "GatewayStore"],
            path: "Benchmarks/lookup/Bench"),

        // Benchmark (not part of `make test`): `make bench-ingest`, POST to durable receipt through a running node.
        .executableTarget(
            name: "g60-ingest-bench", dependencies: ["Gateway", "GatewayCore", "GatewayCrypto", "GatewayHTTP", "GatewayStore"],
            path: "Benchmarks/ingest"),

        // Fuzz harnesses (not part of `make test`): `make fuzz` / `make fuzz-ci` build them with -sanitize=fuzzer
        // in .build/fuzz (Fuzz/README.md); the ordinary build makes corpus replayers of the same code.
        .executableTarget(name: "g60-fuzz-envelope", dependencies: ["GatewayCrypto"], path: "Fuzz/envelope"),
        .executableTarget(name: "g60-fuzz-record", dependencies: ["GatewayCore"], path: "Fuzz/record"),
        .executableTarget(name: "g60-fuzz-mapping", dependencies: ["GatewayMapping"], path: "Fuzz/mapping"),
        // Benchmark (not part of `make test`): `make bench-ops`, one /ops refresh and one /metrics scrape on a
        // store holding a day of traffic.
        .executableTarget(
            name: "g60-ops-bench", dependencies: ["Gateway", "GatewayCore", "GatewayStore", "GatewayMapping"],
            path: "Benchmarks/ops"),
        // Benchmark (not part of `make test`): `make bench-privacy`, the cost of encrypting evidence at rest on the
        // message log's append path (clear vs sealed, same run).
        .executableTarget(
            name: "g60-privacy-bench", dependencies: ["GatewayCore", "GatewayCrypto", "GatewayStore"],
            path: "Benchmarks/privacy"),

        // Tests: one target per module.
        .testTarget(name: "GatewayCoreTests", dependencies: ["GatewayCore", "GatewayTesting"]),
        .testTarget(name: "GatewayCryptoTests", dependencies: ["GatewayCrypto", "GatewayTesting"]),
        .testTarget(
            name: "GatewayStoreTests",
            dependencies: ["GatewayStore", "GatewayTesting", "g60-store-crash-child", "GatewayCrypto"]),
        .testTarget(name: "GatewayMappingTests", dependencies: ["GatewayMapping", "GatewayTesting"]),
        .testTarget(name: "GatewayDispatchTests", dependencies: ["GatewayDispatch", "GatewayTesting"]),
        .testTarget(name: "GatewayHTTPTests", dependencies: ["GatewayHTTP", "GatewayTesting"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "GatewayTesting"]),
        .testTarget(name: "GatewayCLITests", dependencies: ["GatewayCLI", "GatewayTesting"]),
        // Every partner folder under Partners/ (picked up without code) against its golden files.
        .testTarget(name: "PartnerConformanceTests", dependencies: ["GatewayMapping", "GatewayTesting"]),
        // Reliability and security suite (issue 10): the whole service under SIGKILL, partner outages, hostile and
        // slow clients, and the privacy grep; runs the built g60-gateway as a child process.
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "Gateway", "GatewayCLI", "GatewayTesting", "g60-gateway",
                // TLSRefusalTests drives the HTTPS listener with OpenSSL client contexts pinned to one version/suite.
                "COpenSSL", "COpenSSLShims",
            ]),
    ]
)
