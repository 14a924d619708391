import Gateway

/// `g60-gateway version`: the tool's and the linked C libraries' versions.
enum VersionCommand: Command {
    static let name = "version"
    static let summary = "print the versions of the gateway and the C libraries it is linked against"
    static let help = """
        Usage: g60-gateway version

        Prints the gateway's version and the OpenSSL, SQLite and libcurl it runs with.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        guard arguments.isEmpty else { throw UsageError("version takes no arguments") }
        io.out("g60-gateway 0.1.0")
        for line in GatewayAssembly.libraryVersions { io.out(line) }
        return .ok
    }
}
