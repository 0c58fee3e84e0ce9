import Metrics
import PaySyncStore
import Synchronization

/// Callback metrics, per gateway, with low-cardinality labels only (gateway, outcome, reason).
///
/// - `paysync_callbacks_received_total{gateway}`
/// - `paysync_callbacks_total{gateway, outcome}`: outcome = applied, unchanged, review, duplicate,
///   parked, rejected, failed
/// - `paysync_callbacks_rejected_total{gateway, reason}`
/// - `paysync_callback_duration_seconds{gateway}`: record-to-reply latency
///
/// A gateway's handles are made on its first callback and reused: asking the factory for one on
/// every callback costs more than the callback's signature check, and so did building a label key
/// for each of a callback's three handles.
public final class IngestMetrics: Sendable {
    let factory: any MetricsFactory
    private let gateways = Mutex<[String: GatewayMetrics]>([:])

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// The handles of one gateway's callbacks.
    func gateway(_ name: String) -> GatewayMetrics {
        gateways.withLock { gateways in
            if let made = gateways[name] { return made }
            let made = GatewayMetrics(gateway: name, factory: factory)
            gateways[name] = made
            return made
        }
    }
}

/// One gateway's callback metrics: every handle but the rejection reasons' is made up front.
final class GatewayMetrics: Sendable {
    /// Every verdict, and `failed` for a callback answered 5xx.
    static let outcomes = InboxVerdict.allCases.map(\.rawValue) + ["failed"]
    let gateway: String
    private let factory: any MetricsFactory
    private let receivedCounter: Counter
    private let outcomeCounters: [String: Counter]
    private let duration: Timer
    private let rejections = Mutex<[String: Counter]>([:])

    init(gateway: String, factory: any MetricsFactory) {
        self.gateway = gateway
        self.factory = factory
        receivedCounter = Counter(label: "paysync_callbacks_received_total", dimensions: [("gateway", gateway)], factory: factory)
        outcomeCounters = Dictionary(
            uniqueKeysWithValues: Self.outcomes.map {
                ($0, Counter(label: "paysync_callbacks_total", dimensions: [("gateway", gateway), ("outcome", $0)], factory: factory))
            })
        duration = Timer(label: "paysync_callback_duration_seconds", dimensions: [("gateway", gateway)], factory: factory)
    }

    func received() { receivedCounter.increment() }

    func outcome(_ outcome: String, reason: String?, nanoseconds: Int64) {
        if let counter = outcomeCounters[outcome] {
            counter.increment()
        } else {
            Counter(label: "paysync_callbacks_total", dimensions: [("gateway", gateway), ("outcome", outcome)], factory: factory).increment()
        }
        if outcome == "rejected", let reason {
            rejections.withLock { counters in
                if let counter = counters[reason] { return counter }
                let counter = Counter(label: "paysync_callbacks_rejected_total", dimensions: [("gateway", gateway), ("reason", reason)], factory: factory)
                counters[reason] = counter
                return counter
            }.increment()
        }
        duration.recordNanoseconds(nanoseconds)
    }
}
