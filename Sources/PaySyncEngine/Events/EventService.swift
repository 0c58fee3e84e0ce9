import Logging
import PaySyncCore
import PaySyncStore

/// The merchant's view of its events: the feed in commit order (with long polling), each
/// event's attempts, a redelivery, and recovery of what an endpoint missed.
public struct EventService: Sendable {
    let store: any PaySyncStore
    let clock: any PaySyncClock
    /// How often a long poll looks again (wall clock).
    let pollMilliseconds: UInt64
    let metrics: EventMetrics
    let logger: Logger
    /// A store that cannot be read for the metrics, logged once per streak.
    let streaks = FailureStreaks()

    public init(
        store: any PaySyncStore, clock: any PaySyncClock, pollMilliseconds: UInt64 = 100, metrics: EventMetrics = EventMetrics(),
        logger: Logger = Logger(label: "paysync.events")
    ) {
        self.store = store
        self.clock = clock
        self.pollMilliseconds = pollMilliseconds
        self.metrics = metrics
        self.logger = logger
    }

    /// Reads the store-wide event metrics (events written, endpoints by state); `/metrics` calls
    /// it before each scrape. When the store cannot be read the gauges keep their last values and
    /// the failure is logged once per streak.
    public func refreshMetrics() async {
        do {
            let written = try await store.eventsWritten()
            let endpoints = try await store.endpoints(account: nil)
            metrics.record(written: written, endpoints: endpoints)
            if let failures = streaks.succeeded("metrics") { logger.notice("event metrics read again", metadata: ["paysync.failures": "\(failures)"]) }
        } catch {
            if streaks.failed("metrics") { logger.error("event metrics cannot be read", metadata: ["error": "\(error)"]) }
        }
    }

    /// A page of the feed. When it is empty and `waitMilliseconds` is positive, waits up to that
    /// long (wall clock) for an event to commit, then answers with what there is.
    public func list(_ query: EventQuery, waitMilliseconds: UInt64 = 0) async throws -> EventPage {
        var waited: UInt64 = 0
        while true {
            let page = try await store.events(query)
            guard page.events.isEmpty, waited < waitMilliseconds else { return page }
            let pause = min(pollMilliseconds, waitMilliseconds - waited)
            try await Task.sleep(nanoseconds: pause * 1_000_000)
            waited += pause
        }
    }

    public func get(id: String) async throws -> OutboxEvent {
        guard let event = try await store.event(id: id) else { throw notFound(id) }
        return event
    }

    public func attempts(eventID: String) async throws -> [DeliveryAttempt] {
        _ = try await get(id: eventID)
        return try await store.attempts(eventID: eventID)
    }

    public func deliveries(eventID: String) async throws -> [Delivery] {
        try await store.deliveries(eventID: eventID)
    }

    /// Sends the event again to every enabled endpoint that selects it; returns how many.
    public func redeliver(eventID: String) async throws -> Int {
        do { return try await store.redeliver(eventID: eventID, at: clock.now()) } catch let error as StoreError where error.code == .eventNotFound {
            throw notFound(eventID)
        }
    }

    /// Sends the endpoint every event since `since` it has not received, in commit order; returns how many.
    public func recover(endpointID: String, since: Timestamp) async throws -> Int {
        do { return try await store.recover(endpointID: endpointID, since: since, at: clock.now()) } catch let error as StoreError
            where error.code == .endpointNotFound
        {
            throw PaySyncError(.notFound, code: "endpoint_not_found", message: error.message)
        }
    }

    private func notFound(_ id: String) -> PaySyncError {
        PaySyncError(.notFound, code: "event_not_found", message: "no event \(id)")
    }
}
