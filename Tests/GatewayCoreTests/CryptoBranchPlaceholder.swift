// Added on the crypto branch only so that the package loads (the skeleton commit has no file in this target).
// Delete it when the target gains real tests.
import GatewayCore
import Testing

@Test func coreErrorsCompareByCode() {
    #expect(CoreError("a.b", "one") == CoreError("a.b", "two"))
}
