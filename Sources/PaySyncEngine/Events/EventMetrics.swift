import Metrics
import PaySyncCore
import PaySyncStore
import Synchronization

/// Event metrics, labels low-cardinality:
/// - `paysync_event_attempts_total{outcome}`: delivered, retry, failed (this instance's attempts)
/// - `paysync_event_delivery_lag_seconds`: from the event's commit to its delivered attempt
/// - `paysync_events_written`: events committed, every account and instance together — read from
///   the store (`EventService.refreshMetrics`, before each scrape), so it is right after a restart
///   and the same on every instance
/// - `paysync_endpoints{state,reason}`: endpoints by state (`reason` empty when enabled), read
///   from the store likewise
public final class EventMetrics: Sendable {
    private let factory: any MetricsFactory
    private let delivered: Counter
    private let retried: Counter
    private let failed: Counter
    private let lag: Timer
    private let written: Gauge
    /// One gauge per state seen, by `state/reason`: a state no endpoint is in any more reads 0.
    private let endpoints = Mutex<[String: Gauge]>([:])

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        delivered = Counter(label: "paysync_event_attempts_total", dimensions: [("outcome", "delivered")], factory: factory)
        retried = Counter(label: "paysync_event_attempts_total", dimensions: [("outcome", "retry")], factory: factory)
        failed = Counter(label: "paysync_event_attempts_total", dimensions: [("outcome", "failed")], factory: factory)
        lag = Timer(label: "paysync_event_delivery_lag_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
        written = Gauge(label: "paysync_events_written", dimensions: [], factory: factory)
    }

    func record(_ finish: DeliveryFinish, occurredAt: Timestamp) {
        switch finish.next {
        case .delivered:
            delivered.increment()
            lag.recordMilliseconds(max(0, finish.attempt.at.millisecondsSinceEpoch - occurredAt.millisecondsSinceEpoch))
        case .retry: retried.increment()
        case .failed: failed.increment()
        }
    }

    /// What the store says now: events written and how many endpoints are in each state.
    func record(written count: Int64, endpoints all: [WebhookEndpoint]) {
        written.record(count)
        var counts: [String: (state: String, reason: String, count: Int)] = [:]
        for endpoint in all {
            let (state, reason) = endpoint.state.columns
            counts["\(state)/\(reason ?? "")", default: (state, reason ?? "", 0)].count += 1
        }
        endpoints.withLock { gauges in
            for (key, entry) in counts where gauges[key] == nil {
                gauges[key] = Gauge(label: "paysync_endpoints", dimensions: [("state", entry.state), ("reason", entry.reason)], factory: factory)
            }
            for (key, gauge) in gauges { gauge.record(counts[key]?.count ?? 0) }
        }
    }
}
