import Metrics
import Synchronization

/// Callback metrics, per gateway, with low-cardinality labels only (gateway, outcome, reason).
///
/// - `paysync_callbacks_total{gateway, outcome}`: outcome = applied, unchanged, review, duplicate,
///   parked, rejected, failed
/// - `paysync_callbacks_rejected_total{gateway, reason}`
/// - `paysync_callback_duration_seconds{gateway}`: record-to-reply latency
///
/// Handles are made once per label set and reused: asking the factory for one on every callback
/// costs more than the callback's signature check.
public struct IngestMetrics: Sendable {
    let factory: any MetricsFactory
    private let counters = Handles<Counter>()
    private let timers = Handles<Timer>()

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    func received(_ gateway: String) {
        counter("paysync_callbacks_received_total", [("gateway", gateway)]).increment()
    }

    func outcome(_ gateway: String, _ outcome: String, reason: String?, nanoseconds: Int64) {
        counter("paysync_callbacks_total", [("gateway", gateway), ("outcome", outcome)]).increment()
        if outcome == "rejected", let reason {
            counter("paysync_callbacks_rejected_total", [("gateway", gateway), ("reason", reason)]).increment()
        }
        timers.handle("paysync_callback_duration_seconds", [("gateway", gateway)]) {
            Timer(label: $0, dimensions: $1, factory: factory)
        }.recordNanoseconds(nanoseconds)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        counters.handle(label, dimensions) { Counter(label: $0, dimensions: $1, factory: factory) }
    }
}

/// Metric handles by label and dimensions.
private final class Handles<Handle: Sendable>: Sendable {
    private let cache = Mutex<[String: Handle]>([:])

    func handle(_ label: String, _ dimensions: [(String, String)], make: (String, [(String, String)]) -> Handle) -> Handle {
        var key = label
        for (name, value) in dimensions { key += "\u{1F}\(name)=\(value)" }
        return cache.withLock { cache in
            if let handle = cache[key] { return handle }
            let handle = make(label, dimensions)
            cache[key] = handle
            return handle
        }
    }
}
