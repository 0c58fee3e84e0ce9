import Foundation
import PaySyncCore
@testable import PaySyncEngine
import PaySyncGateways
import PaySyncStore
import PaySyncTransport
import Synchronization
import Testing

/// A merchant endpoint that answers from a script (the last answer repeats) and records what it
/// was sent, with the clock's time.
final class ScriptedReceiver: HTTPTransport {
    struct Received: Sendable {
        let at: Timestamp
        let request: GatewayHTTPRequest
    }

    private let state: Mutex<(answers: [Result<GatewayHTTPResponse, GatewayFailure>], received: [Received])>
    let clock: any PaySyncClock

    init(clock: any PaySyncClock, answers: [Result<GatewayHTTPResponse, GatewayFailure>]) {
        self.clock = clock
        state = Mutex((answers, []))
    }

    static func status(_ code: Int, _ headers: [String: String] = [:]) -> Result<GatewayHTTPResponse, GatewayFailure> {
        .success(GatewayHTTPResponse(status: code, headers: headers, body: Array("answer \(code)".utf8)))
    }

    var received: [Received] { state.withLock { $0.received } }

    func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
        let now = clock.now()
        return state.withLock { state in
            state.received.append(Received(at: now, request: request))
            return state.answers.count > 1 ? state.answers.removeFirst() : state.answers[0]
        }
    }
}

@Suite("Event deliverer")
struct EventDelivererTests {
    let harness: EngineHarness

    init() throws { harness = try EngineHarness() }

    func endpoint(_ id: String = "ep_1") async throws -> WebhookEndpoint {
        let endpoint = WebhookEndpoint(
            id: id, account: .default, url: "http://127.0.0.1:9/hooks", types: .all, state: .enabled, description: "", secrets: [EndpointSecret(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")],
            failingSince: nil, createdAt: EngineHarness.start, updatedAt: EngineHarness.start)
        try await harness.store.insertEndpoint(endpoint)
        return endpoint
    }

    /// Runs every due delivery, stepping the clock to the next one, until none is left or `limit` rounds.
    func drain(_ deliverer: EventDeliverer, rounds limit: Int = 20) async throws {
        for _ in 0..<limit {
            guard let next = try await harness.store.nextDeliveryTime() else { return }
            if next > harness.clock.now() { harness.clock.set(next) }
            try await deliverer.deliverDue()
        }
    }

    func seconds(_ received: [ScriptedReceiver.Received]) -> [Int64] {
        received.map { ($0.at.millisecondsSinceEpoch - EngineHarness.start.millisecondsSinceEpoch) / 1_000 }
    }

    @Test("an endpoint answering 500 is tried at 0 s, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h on the clock, then the event is failed and kept")
    func retrySchedule() async throws {
        _ = try await endpoint()
        let receiver = ScriptedReceiver(clock: harness.clock, answers: [ScriptedReceiver.status(500)])
        let deliverer = EventDeliverer(store: harness.store, transport: receiver, clock: harness.clock, policy: DeliveryPolicy(jitter: 0))
        try await harness.order("A-1")
        try await drain(deliverer)
        #expect(seconds(receiver.received) == [0, 5, 305, 2_105, 9_305, 27_305, 63_305, 99_305])
        let event = try #require(try await harness.store.events(EventQuery(account: .default)).events.first)
        #expect(try await harness.store.deliveries(eventID: event.id).map(\.status) == [.failed])
        let attempts = try await harness.store.attempts(eventID: event.id)
        #expect(attempts.map(\.number) == Array(1...8))
        #expect(attempts.map(\.statusCode) == Array(repeating: 500, count: 8))
        #expect(attempts[0].response == "answer 500")
    }

    @Test("every attempt carries the event's id and body, signed afresh with its own timestamp")
    func signedAttempts() async throws {
        _ = try await endpoint()
        let receiver = ScriptedReceiver(clock: harness.clock, answers: [ScriptedReceiver.status(503), ScriptedReceiver.status(204)])
        let deliverer = EventDeliverer(store: harness.store, transport: receiver, clock: harness.clock, policy: DeliveryPolicy(jitter: 0))
        try await harness.order("A-1")
        try await drain(deliverer)
        let event = try #require(try await harness.store.events(EventQuery(account: .default)).events.first)
        let requests = receiver.received.map(\.request)
        #expect(requests.count == 2)
        for (request, at) in zip(requests, receiver.received.map(\.at)) {
            let timestamp = at.millisecondsSinceEpoch / 1_000
            #expect(request.header("webhook-id") == event.id)
            #expect(request.header("webhook-timestamp") == "\(timestamp)")
            #expect(request.body == Array(event.payload.utf8))
            #expect(
                request.header("webhook-signature")
                    == (try WebhookSignature.signature(id: event.id, timestamp: timestamp, body: request.body, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")))
        }
        #expect(requests[0].header("webhook-timestamp") != requests[1].header("webhook-timestamp"))
        #expect(try await harness.store.deliveries(eventID: event.id).map(\.status) == [.delivered])
    }

    @Test("410 disables the endpoint; what commits meanwhile waits, and recovery after enabling sends it in order")
    func goneThenRecovered() async throws {
        let endpoint = try await endpoint()
        let receiver = ScriptedReceiver(clock: harness.clock, answers: [ScriptedReceiver.status(410), ScriptedReceiver.status(200)])
        // One attempt in flight per endpoint: recovered events arrive in the order they are sent.
        let deliverer = EventDeliverer(
            store: harness.store, transport: receiver, clock: harness.clock, policy: DeliveryPolicy(jitter: 0, concurrencyPerEndpoint: 1))
        try await harness.order("A-1")
        try await deliverer.deliverDue()
        #expect(try await harness.store.endpoint(id: endpoint.id)?.state == .disabled(reason: "gone"))
        try await harness.order("A-2")
        try await harness.order("A-3")
        try await drain(deliverer)
        #expect(receiver.received.count == 1)
        let endpoints = EndpointService(store: harness.store, clock: harness.clock)
        _ = try await endpoints.update(id: endpoint.id, EndpointService.Fields(enabled: true))
        #expect(try await EventService(store: harness.store, clock: harness.clock).recover(endpointID: endpoint.id, since: EngineHarness.start) == 3)
        try await drain(deliverer)
        let ids = receiver.received.dropFirst().compactMap { $0.request.header("webhook-id") }
        let events = try await harness.store.events(EventQuery(account: .default)).events
        #expect(ids == events.map(\.id))
        #expect(try await harness.store.events(EventQuery(account: .default, delivered: .no)).events.isEmpty)
    }
}
