import GatewayCore

/// Joint reward and punishment dispatcher. Not built yet: a placeholder so the module graph builds.
public enum GatewayDispatchModule {
    /// Record kinds that can trigger measures once the dispatcher exists.
    public static var triggeringKinds: [RecordKind] { [.penalty, .dishonestDebtor, .listEntry] }
}
