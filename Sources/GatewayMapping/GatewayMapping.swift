import GatewayCore

/// The mapping layer turns partner dialects into canonical records (see Partners/README.md once it exists).
/// Not built yet: this module is a placeholder so the module graph builds; see README.md "Not built yet".
public enum GatewayMappingModule {
    /// The canonical record kinds this layer will map to.
    public static var targetKinds: [RecordKind] { RecordKind.allCases }
}
