import Metrics
import PaySyncCore
import PaySyncGateways

/// Every call to a gateway, as Prometheus reads it: `paysync_gateway_calls_total` by gateway,
/// operation and outcome (`answered`, `refused`, or the failure's kind: `timeout`, `unreachable`,
/// `http_status`, …), and `paysync_gateway_call_duration_seconds` by gateway and operation.
public struct GatewayCallMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// The outcome label of a call.
    static func outcome(_ outcome: GatewayOutcome) -> String {
        switch outcome {
        case .answered: "answered"
        case .refused: "refused"
        case .failed(let failure): failure.kind.rawValue
        }
    }

    func record(_ outcome: GatewayOutcome, of operation: GatewayOperation, provider: ProviderID, latencyMilliseconds: Int64?) {
        // Handles are looked up by label and dimensions in the factory: gateway calls are few
        // beside callbacks, so no cache of our own.
        Counter(
            label: "paysync_gateway_calls_total",
            dimensions: [("gateway", provider.rawValue), ("operation", operation.name), ("outcome", Self.outcome(outcome))], factory: factory
        ).increment()
        if let latencyMilliseconds {
            Timer(label: "paysync_gateway_call_duration_seconds", dimensions: [("gateway", provider.rawValue), ("operation", operation.name)], factory: factory)
                .recordMilliseconds(latencyMilliseconds)
        }
    }
}
