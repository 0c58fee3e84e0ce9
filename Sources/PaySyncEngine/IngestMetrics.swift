import Metrics

/// Callback metrics, per gateway, with low-cardinality labels only (gateway, outcome, reason).
///
/// - `paysync_callbacks_total{gateway, outcome}`: outcome = applied, unchanged, review, duplicate,
///   parked, rejected, failed
/// - `paysync_callbacks_rejected_total{gateway, reason}`
/// - `paysync_callback_duration_seconds{gateway}`: record-to-reply latency
public struct IngestMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    func received(_ gateway: String) {
        Counter(label: "paysync_callbacks_received_total", dimensions: [("gateway", gateway)], factory: factory).increment()
    }

    func outcome(_ gateway: String, _ outcome: String, reason: String?, nanoseconds: Int64) {
        Counter(label: "paysync_callbacks_total", dimensions: [("gateway", gateway), ("outcome", outcome)], factory: factory).increment()
        if outcome == "rejected", let reason {
            Counter(label: "paysync_callbacks_rejected_total", dimensions: [("gateway", gateway), ("reason", reason)], factory: factory).increment()
        }
        Timer(label: "paysync_callback_duration_seconds", dimensions: [("gateway", gateway)], factory: factory).recordNanoseconds(nanoseconds)
    }
}
