import PaySyncCore

/// How events are delivered (configuration `events.*`, docs/configuration.md).
public struct DeliveryPolicy: Hashable, Sendable {
    /// When each attempt of a round is made, counted from the previous one: the first at once,
    /// then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. After the last, the delivery is `failed`.
    public var schedule: [Int64]
    /// Each delay is moved by up to this fraction either way, so endpoints that failed together
    /// are not retried together. The jitter is a hash of the delivery and attempt: the same
    /// every time it is computed.
    public var jitter: Double
    /// The longest `Retry-After` honoured; a longer one is cut to it.
    public var retryAfterCapMilliseconds: Int64
    /// An endpoint failing without a single delivered attempt for this long is disabled.
    public var disableAfterMilliseconds: Int64
    /// How long one attempt may take, connection included.
    public var timeoutMilliseconds: Int64
    /// How much of an answer's body is kept with the attempt.
    public var responseExcerptBytes: Int
    /// Attempts in flight to one endpoint at most.
    public var concurrencyPerEndpoint: Int
    /// Attempts in flight in this instance at most.
    public var concurrency: Int
    /// How long a claimed delivery stays leased to this instance: longer than an attempt.
    public var leaseMilliseconds: Int64
    /// How often an idle deliverer looks for due deliveries.
    public var pollMilliseconds: Int64

    public init(
        schedule: [Int64] = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000], jitter: Double = 0.1,
        retryAfterCapMilliseconds: Int64 = 3_600_000, disableAfterMilliseconds: Int64 = 5 * 86_400_000, timeoutMilliseconds: Int64 = 15_000,
        responseExcerptBytes: Int = 512, concurrencyPerEndpoint: Int = 16, concurrency: Int = 256, leaseMilliseconds: Int64 = 60_000,
        pollMilliseconds: Int64 = 200
    ) {
        self.schedule = schedule
        self.jitter = jitter
        self.retryAfterCapMilliseconds = retryAfterCapMilliseconds
        self.disableAfterMilliseconds = disableAfterMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.responseExcerptBytes = responseExcerptBytes
        self.concurrencyPerEndpoint = concurrencyPerEndpoint
        self.concurrency = concurrency
        self.leaseMilliseconds = leaseMilliseconds
        self.pollMilliseconds = pollMilliseconds
    }
}
