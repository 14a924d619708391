import GatewayCore
import GatewayHTTP

/// The joint reward / punishment read API (Sources/Gateway/Dispatch/MeasureLookup.swift):
/// `GET /v1/trust-travel/eligibility?subject=…` (lookup scope) and `GET /v1/subjects/:key/measures` (read-records).
extension GatewayService {
    func addMeasureRoutes(to router: inout HTTPRouter, lookup: MeasureLookup) {
        lookup.register(on: &router) { [self] scope, context in _ = try require(scope, context) }
    }

    /// The lookups over this node's store, catalogue and identity-hash key.
    public func measureLookup() -> MeasureLookup {
        MeasureLookup(
            store: store, catalogue: dispatcher.engine.catalogue,
            checker: IdentifierChecker(authorities: codes.usccAuthorities), keyring: configuration.keyring,
            cacheMegabytes: configuration.lookupCacheMegabytes)
    }
}
