import GatewayCore
import GatewayMapping
import Testing

@Test func mapsToEveryCanonicalKind() {
    #expect(Set(GatewayMappingModule.targetKinds) == Set(RecordKind.allCases))
}
