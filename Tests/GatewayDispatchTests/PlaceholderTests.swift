import GatewayCore
import GatewayDispatch
import Testing

@Test func retractionsAreNotTriggers() {
    #expect(!GatewayDispatchModule.triggeringKinds.contains(.retraction))
}
