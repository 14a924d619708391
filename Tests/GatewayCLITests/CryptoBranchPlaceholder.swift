// Added on the crypto branch only so that the package loads (the skeleton commit has no file in this target).
import GatewayCLI
import Testing

@Test func cliListsVerbs() {
    #expect(!CLI.commands.isEmpty)
}
