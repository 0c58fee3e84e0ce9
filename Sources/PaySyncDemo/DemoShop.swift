import Foundation
import Hummingbird
import PaySyncCore
import PaySyncEngine
import Synchronization

/// The merchant's own systems in the demo: a shop that builds its view of every order, refund,
/// payout and review **only** from PaySync's events, verifying every signature, while its
/// endpoint misbehaves as the options say — answers 500, times out, is down for an hour of
/// simulated time, and loses acknowledgements after applying the event (so it comes again).
final class DemoShop: Sendable {
    struct Faults: Sendable, Hashable {
        var failures: Double
        var timeouts: Double
        var lostAcks: Double
        /// The outage: from `outageStart` for `outageMilliseconds` every request gets 503.
        var outageStart: Timestamp
        var outageMilliseconds: Int64
        var seed: UInt64
    }

    /// What the shop holds and what happened at its door.
    struct State: Sendable {
        var orders: [String: (status: String, version: Int64)] = [:]
        var refunds: [String: String] = [:]
        var payouts: [String: String] = [:]
        var reviews: [Int64: String] = [:]
        /// Every request, by event id: how many times it came.
        var arrivals: [String: Int] = [:]
        /// Events applied, by id: one that comes again is acknowledged and not applied twice.
        var appliedIDs: Set<String> = []
        var requests = 0
        var applied = 0
        /// Events that came again after the shop had applied them (a lost acknowledgement, a redelivery).
        var redelivered = 0
        /// Order events older than the version held, ignored (never applied out of order).
        var staleIgnored = 0
        /// Requests whose signature or timestamp did not verify.
        var unverified: [String] = []
        var failed = 0, timedOut = 0, outage = 0, lostAcks = 0
        /// Events that failed every retry and were sent again by the operator's recovery.
        var recovered = 0
    }

    let clock: any PaySyncClock
    let faults: Faults
    let secret = Mutex<String?>(nil)
    let state = Mutex(State())
    /// The header a "timed out" answer carries: on simulated time a timeout must not cost real
    /// seconds, so the shop answers at once and `SimulatedTimeouts` turns the answer into the
    /// timeout the deliverer would have met (docs/demo.md).
    static let stalledHeader = "x-demo-stalled"

    init(clock: any PaySyncClock, faults: Faults) {
        self.clock = clock
        self.faults = faults
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("events") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            return try await self.receive(
                id: request.headers[.init("webhook-id")!], timestamp: request.headers[.init("webhook-timestamp")!],
                signature: request.headers[.init("webhook-signature")!], body: Array(body.readableBytesView))
        }
        return router
    }

    /// One delivery: verified first, then the fault the seed draws for it, then applied.
    func receive(id: String?, timestamp: String?, signature: String?, body: [UInt8]) async throws -> Response {
        let now = clock.now()
        guard let id, let timestamp, let signature, let seconds = Int64(timestamp), let secret = secret.withLock({ $0 }),
            abs(seconds - now.millisecondsSinceEpoch / 1_000) <= 300
        else {
            state.withLock { $0.unverified.append(id ?? "no id") }
            return Response(status: .unauthorized)
        }
        // The shop's own secret: one that cannot sign is the demo's defect, thrown (500, and the
        // event stays undelivered, which an invariant names).
        let expected = try WebhookSignature.signature(id: id, timestamp: seconds, body: body, secret: secret)
        guard signature.split(separator: " ").contains(where: { String($0) == expected }) else {
            state.withLock { $0.unverified.append(id ?? "no id") }
            return Response(status: .unauthorized)
        }
        guard let envelope = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let type = envelope["type"] as? String,
            let data = envelope["data"] as? [String: Any]
        else { throw DemoError("event \(id) is not an envelope") }
        let attempt = state.withLock { state -> Int in
            state.requests += 1
            state.arrivals[id, default: 0] += 1
            return state.arrivals[id]!
        }
        if now >= faults.outageStart, now.millisecondsSinceEpoch < faults.outageStart.millisecondsSinceEpoch + faults.outageMilliseconds {
            state.withLock { $0.outage += 1 }
            return Response(status: .serviceUnavailable)
        }
        // Drawn from what the event says, not its random id, so a seed replays the same faults.
        let subject = data["merchantOrderNumber"] ?? data["refundNumber"] ?? data["payoutNumber"] ?? data["id"] ?? ""
        let draw = Self.draw(faults.seed, key: "\(type)/\(subject)/\(data["version"] ?? data["status"] ?? "")", attempt: attempt)
        if draw < faults.failures {
            state.withLock { $0.failed += 1 }
            return Response(status: .internalServerError)
        }
        if draw < faults.failures + faults.timeouts {
            state.withLock { $0.timedOut += 1 }
            return Response(status: .gatewayTimeout, headers: [.init(Self.stalledHeader)!: "1"])
        }
        apply(id: id, type: type, data: data)
        if draw < faults.failures + faults.timeouts + faults.lostAcks {
            state.withLock { $0.lostAcks += 1 }
            return Response(status: .internalServerError)
        }
        return Response(status: .noContent)
    }

    /// The shop's own bookkeeping: an order moves only to a higher version.
    func apply(id: String, type: String, data: [String: Any]) {
        state.withLock { state in
            guard state.appliedIDs.insert(id).inserted else {
                state.redelivered += 1
                return
            }
            state.applied += 1
            switch type.split(separator: ".").first {
            case "order":
                guard let number = data["merchantOrderNumber"] as? String, let status = data["status"] as? String,
                    let version = (data["version"] as? NSNumber)?.int64Value
                else { return }
                if let held = state.orders[number], held.version >= version {
                    if held.version > version { state.staleIgnored += 1 }
                    return
                }
                state.orders[number] = (status, version)
            case "refund":
                if let number = data["refundNumber"] as? String, let status = data["status"] as? String { state.refunds[number] = status }
            case "payout":
                if let number = data["payoutNumber"] as? String, let status = data["status"] as? String { state.payouts[number] = status }
            case "review":
                if let review = (data["id"] as? NSNumber)?.int64Value, let status = data["status"] as? String { state.reviews[review] = status }
            default:
                break
            }
        }
    }

    /// A fraction in [0, 1) from the seed, the event's content and the attempt (SplitMix64): the same run
    /// draws the same faults for the same deliveries.
    static func draw(_ seed: UInt64, key: String, attempt: Int) -> Double {
        var value = seed ^ UInt64(attempt) &* 0x9E37_79B9_7F4A_7C15
        for byte in key.utf8 { value = (value ^ UInt64(byte)) &* 0x1000_0000_01B3 }
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return Double(value >> 11) / Double(1 << 53)
    }
}
