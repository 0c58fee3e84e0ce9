import Logging
import Metrics
import PaySyncCore
import PaySyncGateways
import PaySyncStore
import PaySyncTransport
import ServiceLifecycle
import Synchronization

/// Delivers committed events to the merchant's endpoints: claims due deliveries as leased rows,
/// signs each attempt afresh (Standard Webhooks), posts it, and records the attempt with what it
/// decided (`DeliveryPlan`) in one write. At least once: a crash between the post and that write
/// means the lease runs out and the same event, with the same id, is sent again.
///
/// Each endpoint has at most `concurrencyPerEndpoint` attempts in flight and the instance
/// `concurrency`; a slot freed by one endpoint's answer is refilled at once, so a slow endpoint
/// holds only its own slots and never delays another's deliveries.
public struct EventDeliverer: Service {
    let store: any PaySyncStore
    let transport: any HTTPTransport
    let clock: any PaySyncClock
    let policy: DeliveryPolicy
    let metrics: EventMetrics
    let logger: Logger
    /// Failing endpoints and store writes, logged once per streak.
    let streaks = FailureStreaks()

    public init(
        store: any PaySyncStore, transport: any HTTPTransport, clock: any PaySyncClock, policy: DeliveryPolicy = DeliveryPolicy(),
        metrics: EventMetrics = EventMetrics(), logger: Logger = Logger(label: "paysync.events")
    ) {
        self.store = store
        self.transport = transport
        self.clock = clock
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
    }

    /// Runs until cancelled or shut down. On graceful shutdown it stops claiming and lets the
    /// attempts in flight finish and be recorded (each within the policy's timeout), so a restart
    /// sends again only what a crash interrupted.
    public func run() async throws {
        let stopping = Atomic<Bool>(false)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: String?.self) { group in
                var busy: [String: Int] = [:]
                var inFlight = 0
                var ticking = false
                // Claim when there is room worth a claim: a claim is a write, and one per freed
                // slot cost more than the attempts it fed (`paysync-bench events`). So claims run
                // on each tick, and when an answer leaves its endpoint at most half busy.
                var claimNow = true
                while !Task.isCancelled, !stopping.load(ordering: .relaxed) {
                    if claimNow, inFlight < policy.concurrency {
                        let jobs = await claim(busy: busy, limit: policy.concurrency - inFlight)
                        for job in jobs {
                            busy[job.endpoint.id, default: 0] += 1
                            inFlight += 1
                            group.addTask { await attempt(job); return job.endpoint.id }
                        }
                    }
                    claimNow = false
                    if !ticking {
                        ticking = true
                        group.addTask {
                            // Canceled: shutting down; the loop ends on its next turn.
                            do { try await Task.sleep(for: .milliseconds(policy.pollMilliseconds)) } catch { return nil }
                            return nil
                        }
                    }
                    guard let finished = await group.next() else { break }
                    if let endpoint = finished {
                        busy[endpoint, default: 1] -= 1
                        inFlight -= 1
                        let left = busy[endpoint] ?? 0
                        if left == 0 { busy[endpoint] = nil }
                        claimNow = left <= policy.concurrencyPerEndpoint / 2 || inFlight <= policy.concurrency / 2
                    } else {
                        ticking = false
                        claimNow = true
                    }
                }
                // In-flight attempts finish and are recorded before the group returns.
            }
        } onGracefulShutdown: {
            stopping.store(true, ordering: .relaxed)
        }
    }

    /// Claims what is due now, sends it all and waits for every answer; returns how many attempts
    /// were made. Tests and the demo call this on a manual clock.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let jobs = try await store.claimDueDeliveries(
            now: clock.now(), leaseMilliseconds: policy.leaseMilliseconds, perEndpoint: policy.concurrencyPerEndpoint, busy: [:],
            limit: policy.concurrency)
        await withTaskGroup(of: Void.self) { group in
            for job in jobs { group.addTask { await attempt(job) } }
        }
        return jobs.count
    }

    /// A claim for `run`: a failing store is logged once per streak and claims nothing.
    private func claim(busy: [String: Int], limit: Int) async -> [DeliveryJob] {
        do {
            let jobs = try await store.claimDueDeliveries(
                now: clock.now(), leaseMilliseconds: policy.leaseMilliseconds, perEndpoint: policy.concurrencyPerEndpoint, busy: busy, limit: limit)
            if let failures = streaks.succeeded("store") { logger.notice("event claims recovered", metadata: ["paysync.failures": "\(failures)"]) }
            return jobs
        } catch {
            if Task.isCancelled { return [] }  // shutting down mid-claim: no failure
            if streaks.failed("store") { logger.error("event claims failing", metadata: ["error": "\(error)"]) }
            return []
        }
    }

    /// One attempt: sign, post, decide, record. A failed record is logged; the lease brings the
    /// delivery back.
    func attempt(_ job: DeliveryJob) async {
        let body = Array(job.event.payload.utf8)
        let started = clock.now()
        let answer: DeliveryPlan.Answer
        do {
            let secrets = job.endpoint.signingSecrets(at: started).map(\.secret)
            let signature = try WebhookSignature.header(id: job.event.id, timestamp: started.millisecondsSinceEpoch / 1_000, body: body, secrets: secrets)
            let request = GatewayHTTPRequest(
                method: .post, url: job.endpoint.url,
                headers: [
                    ("content-type", "application/json"), ("user-agent", "PaySync-Webhooks/1"), ("webhook-id", job.event.id),
                    ("webhook-timestamp", "\(started.millisecondsSinceEpoch / 1_000)"), ("webhook-signature", signature),
                ], body: body)
            switch await transport.send(request, timeoutMilliseconds: policy.timeoutMilliseconds) {
            case .success(let response):
                answer = .status(
                    response.status, retryAfter: response.headers["retry-after"],
                    excerpt: String(decoding: response.body.prefix(policy.responseExcerptBytes), as: UTF8.self))
            case .failure(let failure):
                answer = .none(reason: "\(failure.kind.rawValue): \(failure.message)")
            }
        } catch {
            answer = .none(reason: "not_sent: \(error)")
        }
        let finished = clock.now()
        let finish = DeliveryPlan.decide(
            job, answer: answer, at: finished, latencyMilliseconds: finished.millisecondsSinceEpoch - started.millisecondsSinceEpoch, policy: policy)
        let metadata: Logger.Metadata = ["paysync.event": "\(job.event.id)", "paysync.endpoint": "\(job.endpoint.id)"]
        switch finish.next {
        case .delivered:
            if let failures = streaks.succeeded(job.endpoint.id) {
                logger.notice("endpoint delivering again", metadata: metadata.merging(["paysync.failures": "\(failures)"]) { $1 })
            }
        case .retry, .failed:
            if streaks.failed(job.endpoint.id) {
                logger.warning("endpoint failing", metadata: metadata.merging(["error": "\(finish.attempt.error ?? "")"]) { $1 })
            }
        }
        if case .disable(let reason, _) = finish.endpoint {
            logger.error("endpoint disabled", metadata: metadata.merging(["paysync.reason": "\(reason)"]) { $1 })
        }
        do {
            try await store.finishDelivery(finish)
            metrics.record(finish, occurredAt: job.event.occurredAt)
        } catch {
            logger.error("delivery attempt not recorded; the lease returns it", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }
}
