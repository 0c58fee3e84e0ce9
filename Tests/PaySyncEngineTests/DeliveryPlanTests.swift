import Foundation
import PaySyncCore
@testable import PaySyncEngine
import PaySyncTransport
import PaySyncStore
import Testing

/// What an attempt's answer does to its delivery and endpoint, as values.
@Suite("Delivery plan")
struct DeliveryPlanTests {
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_795_538_439_000)
    static let exact = DeliveryPolicy(jitter: 0)

    static func job(attempts: Int = 0, retryFrom: Int = 0, failingSince: Timestamp? = nil) -> DeliveryJob {
        DeliveryJob(
            delivery: Delivery(id: 7, eventID: "evt_1", endpointID: "ep_1", status: .pending, attempts: attempts, retryFrom: retryFrom, nextAttemptAt: t0),
            event: OutboxEvent(id: "evt_1", position: 1, type: .orderPaid, account: .default, orderID: nil, occurredAt: t0, payload: "{}"),
            endpoint: WebhookEndpoint(
                id: "ep_1", account: .default, url: "http://127.0.0.1:9/", types: .all, state: .enabled, description: "", secrets: [],
                failingSince: failingSince, createdAt: t0, updatedAt: t0))
    }

    static func decide(_ job: DeliveryJob, _ answer: DeliveryPlan.Answer, policy: DeliveryPolicy = exact) -> DeliveryFinish {
        DeliveryPlan.decide(job, answer: answer, at: t0, latencyMilliseconds: 4, policy: policy)
    }

    @Test("any 2xx delivers and ends the endpoint's run of failures", arguments: [200, 201, 202, 204, 299])
    func success(_ status: Int) {
        let finish = Self.decide(Self.job(failingSince: Self.t0.adding(milliseconds: -1_000)), .status(status, retryAfter: nil, excerpt: "ok"))
        #expect(finish.next == .delivered)
        #expect(finish.endpoint == .succeeded)
        #expect(finish.attempt.statusCode == status)
        #expect(finish.attempt.error == nil)
        #expect(finish.attempt.number == 1)
        #expect(finish.attempt.response == "ok")
        #expect(finish.attempt.latencyMilliseconds == 4)
    }

    /// Attempts made this round → the delay before the next: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    @Test(
        "a failure is retried on the schedule, counted within the round",
        arguments: [
            (0, 5_000), (1, 300_000), (2, 1_800_000), (3, 7_200_000), (4, 18_000_000), (5, 36_000_000), (6, 36_000_000),
        ] as [(Int, Int64)])
    func schedule(_ made: Int, _ delay: Int64) {
        let fresh = Self.decide(Self.job(attempts: made), .status(500, retryAfter: nil, excerpt: ""))
        #expect(fresh.next == .retry(at: Self.t0.adding(milliseconds: delay)))
        #expect(fresh.attempt.number == made + 1)
        #expect(fresh.attempt.error == "HTTP 500")
        // A redelivered one (3 attempts in earlier rounds) follows the same schedule from its round's start.
        let again = Self.decide(Self.job(attempts: made + 3, retryFrom: 3), .status(500, retryAfter: nil, excerpt: ""))
        #expect(again.next == .retry(at: Self.t0.adding(milliseconds: delay)))
        #expect(again.attempt.number == made + 4)
    }

    @Test("the eighth failed attempt of a round fails the delivery, which is kept")
    func scheduleEnds() {
        #expect(Self.decide(Self.job(attempts: 7), .none(reason: "timeout")).next == .failed)
        #expect(Self.decide(Self.job(attempts: 9, retryFrom: 2), .status(503, retryAfter: nil, excerpt: "")).next == .failed)
    }

    @Test("410 disables the endpoint as gone; the event stays pending for recovery")
    func gone() {
        let finish = Self.decide(Self.job(), .status(410, retryAfter: nil, excerpt: "gone"))
        #expect(finish.endpoint == .disable(reason: "gone", since: Self.t0))
        #expect(finish.next == .retry(at: Self.t0.adding(milliseconds: 5_000)))
    }

    @Test(
        "Retry-After is honoured instead of the schedule, up to the cap",
        arguments: [
            ("120", Int64(120_000)), ("0", 0), ("86400", 3_600_000), ("Tue, 24 Nov 2026 23:40:39 GMT", 3_600_000),
            ("Tue, 24 Nov 2026 16:40:59 GMT", 20_000), ("Mon, 23 Nov 2026 16:40:39 GMT", 0), ("soon", 5_000),
        ])
    func retryAfter(_ header: String, _ delay: Int64) {
        // t0 is 2026-11-24T16:40:39Z.
        let finish = Self.decide(Self.job(), .status(503, retryAfter: header, excerpt: ""))
        #expect(finish.next == .retry(at: Self.t0.adding(milliseconds: delay)))
    }

    @Test("an endpoint failing for the allowed time is disabled; before that its run of failures is kept")
    func failingTooLong() {
        let policy = DeliveryPolicy(jitter: 0, disableAfterMilliseconds: 10_000)
        let since = Self.t0.adding(milliseconds: -10_000)
        #expect(Self.decide(Self.job(failingSince: since), .none(reason: "x"), policy: policy).endpoint == .disable(reason: "failing", since: since))
        let recent = Self.t0.adding(milliseconds: -9_999)
        #expect(Self.decide(Self.job(failingSince: recent), .none(reason: "x"), policy: policy).endpoint == .failing(since: recent))
        #expect(Self.decide(Self.job(), .none(reason: "x"), policy: policy).endpoint == .failing(since: Self.t0))
    }

    @Test("jitter moves a delay by at most its fraction, the same way each time it is computed")
    func jitter() {
        let policy = DeliveryPolicy(jitter: 0.1)
        var delays: Set<Int64> = []
        for id in Int64(1)...200 {
            var job = Self.job(attempts: 1)
            job = DeliveryJob(
                delivery: Delivery(id: id, eventID: "e", endpointID: "ep_1", status: .pending, attempts: 1, retryFrom: 0, nextAttemptAt: nil),
                event: job.event, endpoint: job.endpoint)
            guard case .retry(let at) = Self.decide(job, .none(reason: "x"), policy: policy).next else { Issue.record("not retried"); return }
            let delay = at.millisecondsSinceEpoch - Self.t0.millisecondsSinceEpoch
            #expect((270_000...330_000).contains(delay))
            #expect(Self.decide(job, .none(reason: "x"), policy: policy).next == .retry(at: at))
            delays.insert(delay)
        }
        #expect(delays.count > 100)
    }

    @Test("signatures match the Standard Webhooks reference vector; several secrets sign side by side")
    func signature() throws {
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        #expect(
            try WebhookSignature.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secret: secret)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let other = WebhookSignature.newSecret()
        let header = try WebhookSignature.header(id: "msg_1", timestamp: 1, body: body, secrets: [secret, other])
        #expect(header.split(separator: " ").count == 2)
        #expect(try WebhookSignature.secretBytes(other).count == 32)
        #expect(throws: WebhookSignature.InvalidSecret.self) { try WebhookSignature.secretBytes("whsec_AAAA") }
        #expect(throws: WebhookSignature.InvalidSecret.self) { try WebhookSignature.secretBytes("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") }
    }
}

/// Which endpoint URLs a PaySync that refuses private addresses takes, and which secrets sign
/// during a rotation.
@Suite("Endpoint rules")
struct EndpointRuleTests {
    @Test(
        "loopback, private, link-local and unique-local hosts are private; public ones and names are not",
        arguments: [
            ("localhost", true), ("api.localhost", true), ("127.0.0.1", true), ("10.1.2.3", true), ("172.16.0.1", true), ("172.31.255.255", true),
            ("192.168.1.1", true), ("169.254.169.254", true), ("100.64.0.1", true), ("0.0.0.0", true), ("[::1]", true), ("fd00::1", true),
            ("fe80::1", true), ("172.32.0.1", false), ("8.8.8.8", false), ("shop.example", false), ("2001:db8::1", false),
        ])
    func privateHosts(_ host: String, _ isPrivate: Bool) {
        #expect(NetworkAddress.isPrivate(literal: host) == isPrivate)
    }

    @Test("with private addresses refused, a private endpoint URL is refused with private_address")
    func privateRefused() throws {
        let harness = try EngineHarness()
        let refusing = EndpointService(store: harness.store, clock: harness.clock, rules: EndpointService.Rules(allowPrivateAddresses: false))
        #expect(throws: PaySyncError.self) { try refusing.validate(url: "http://10.0.0.7/hooks") }
        #expect(throws: Never.self) { try refusing.validate(url: "https://shop.example/hooks") }
        let allowing = EndpointService(store: harness.store, clock: harness.clock)
        #expect(throws: Never.self) { try allowing.validate(url: "http://10.0.0.7/hooks") }
    }

    @Test("after a rotation both secrets sign until the overlap ends, then only the new one")
    func rotationOverlap() async throws {
        let harness = try EngineHarness()
        let endpoints = EndpointService(store: harness.store, clock: harness.clock)
        let made = try await endpoints.create(account: .default, EndpointService.Fields(url: "https://shop.example/hooks"))
        let rotated = try await endpoints.rotate(id: made.id, overlapMilliseconds: 60_000)
        let start = harness.clock.now()
        #expect(rotated.signingSecrets(at: start).map(\.secret) == [rotated.secrets[0].secret, made.secrets[0].secret])
        #expect(rotated.signingSecrets(at: start.adding(milliseconds: 59_999)).count == 2)
        #expect(rotated.signingSecrets(at: start.adding(milliseconds: 60_000)).map(\.secret) == [rotated.secrets[0].secret])
    }
}
