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
    let gateway: String
    private let factory: any MetricsFactory
    private let receivedCounter: Counter
    /// `paysync_callbacks_total` by outcome: each inbox verdict, and `failed` for a 5xx answer.
    private let verdictCounters: [InboxVerdict: Counter]
    private let failedCounter: Counter
    private let duration: Timer
    private let rejections = Mutex<[String: Counter]>([:])

    init(gateway: String, factory: any MetricsFactory) {
        self.gateway = gateway
        self.factory = factory
        func outcomeCounter(_ outcome: String) -> Counter {
            Counter(label: "paysync_callbacks_total", dimensions: [("gateway", gateway), ("outcome", outcome)], factory: factory)
        }
        receivedCounter = Counter(label: "paysync_callbacks_received_total", dimensions: [("gateway", gateway)], factory: factory)
        verdictCounters = Dictionary(uniqueKeysWithValues: InboxVerdict.allCases.map { ($0, outcomeCounter($0.rawValue)) })
        failedCounter = outcomeCounter("failed")
        duration = Timer(label: "paysync_callback_duration_seconds", dimensions: [("gateway", gateway)], factory: factory)
    }

    func received() { receivedCounter.increment() }

    /// Counts how a callback was answered, and how long it took from record to reply.
    func outcome(of reply: CallbackReply, nanoseconds: Int64) {
        if reply.status >= 500 {
            failedCounter.increment()
        } else {
            verdictCounters[reply.verdict]?.increment()
            if reply.verdict == .rejected, let reason = reply.reason { rejection(reason).increment() }
        }
        duration.recordNanoseconds(nanoseconds)
    }

    private func rejection(_ reason: String) -> Counter {
        rejections.withLock { counters in
            if let counter = counters[reason] { return counter }
            let counter = Counter(label: "paysync_callbacks_rejected_total", dimensions: [("gateway", gateway), ("reason", reason)], factory: factory)
            counters[reason] = counter
            return counter
        }
    }
}
