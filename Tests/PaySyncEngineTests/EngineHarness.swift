import Foundation
import PaySyncCore
@testable import PaySyncEngine
import PaySyncGateways
@testable import PaySyncSQLite
import PaySyncSandbox
import PaySyncStore
import Synchronization

/// The engine over a temporary SQLite file and a manual clock, its gateways answering from a
/// script: no HTTP, no signatures. The adapters are real (the sandbox's credentials) because the
/// engine looks a gateway up by them; nothing ever listens.
struct EngineHarness: Sendable {
    /// A whole second on the clock, :39 past a minute (watches fall on the next whole minute).
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_538_439_000)
    static let credentials = SandboxCredentials.generate()
    let store: SQLiteStore
    let clock = ManualClock(EngineHarness.start)
    let gateways = ScriptedGateways()
    let client: GatewayClient

    init() throws {
        store = try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("paysync-engine-\(UUID().uuidString).sqlite").path)
        var directory = GatewayDirectory()
        for adapter in try Self.credentials.adapters(baseURL: "http://127.0.0.1:9") { directory.register(adapter) }
        client = GatewayClient(directory: directory, exchange: gateways, clock: clock)
    }

    func reconciler(policy: ReconcilerPolicy = ReconcilerPolicy(), schedules: OrderPolicy = OrderPolicy(), owner: String = "test") -> Reconciler {
        Reconciler(store: store, gateways: client, clock: clock, schedules: schedules, policy: policy, owner: owner)
    }

    /// Stores an order of `amount` (default 5.00 USD, or 25000 LAK at `newpay`) made at the start, on
    /// its gateway's ladder: `created` with no gateway number (its create got no answer), or `pending`.
    @discardableResult
    func order(
        _ number: String, provider: String = "codepay", amount: Money? = nil, status: OrderStatus = .pending, schedule: any CheckSchedule = PollLadder.progressive
    ) async throws -> Order {
        var random = SystemRandomNumberGenerator()
        let amount = amount ?? (provider == "newpay" ? Money(minorUnits: 2_500_000, currency: .LAK) : Money(minorUnits: 500, currency: .USD))
        let order = Order(
            id: .make(at: Self.start, using: &random), account: .default, merchantOrderNumber: try MerchantOrderNumber(number), provider: try ProviderID(provider),
            amount: amount, subject: "x", status: status, attempt: 1, version: 1, gatewayOrderNumber: status == .created ? nil : "G-\(number)",
            createdAt: Self.start, updatedAt: Self.start, check: .start(schedule, anchor: Self.start))
        try await store.insertOrder(
            order, event: OrderEvent(kind: "created", source: .merchantAPI, from: nil, to: status, outcome: .applied, attempt: 1, evidence: Evidence(summary: "x"), at: Self.start),
            audit: [])
        return order
    }

    /// An ingestor over this store and clock, serving the default account.
    func ingestor() -> Ingestor {
        Ingestor(store: store, clock: clock, directory: client.directory, accounts: [.default])
    }

    func stored(_ number: String) async throws -> Order? {
        try await store.order(account: .default, number: try MerchantOrderNumber(number))
    }

    /// Steps the clock to each due check of `number` and runs `reconciler`, up to `untilSeconds` after the start.
    func drive(_ reconciler: Reconciler, _ number: String, untilSeconds: Int64) async throws {
        let end = Self.start.adding(milliseconds: untilSeconds * 1_000)
        for _ in 0..<100 {
            guard let next = try await stored(number)?.check?.nextAt, next <= end else { return }
            if next > clock.now() { clock.set(next) }
            try await reconciler.runDueChecks()
        }
        throw DriveError(number: number)
    }

    struct DriveError: Error, CustomStringConvertible {
        let number: String
        var description: String { "the schedule of \(number) did not end within 100 checks" }
    }

    /// `operation@seconds` for each gateway call made about `number`, from the audit rows' structured fields.
    func calls(_ number: String) async throws -> [String] {
        guard let order = try await stored(number) else { return [] }
        return try await store.audit(orderID: order.id).filter { $0.kind == .outbound }.map {
            "\($0.operation ?? "-")@\(($0.at.millisecondsSinceEpoch - Self.start.millisecondsSinceEpoch) / 1_000)"
        }
    }

    /// The order's events as `kind:source:outcome`.
    func events(_ number: String) async throws -> [String] {
        guard let order = try await stored(number) else { return [] }
        return try await store.events(orderID: order.id).map { "\($0.kind):\($0.source.rawValue):\($0.outcome.rawValue)" }
    }
}

/// Gateways that answer from a table: per gateway, operation and merchant number, answers taken in
/// order (the last repeats); every call is recorded as a value. An unscripted call fails as if the
/// gateway were unreachable.
final class ScriptedGateways: GatewayExchange {
    struct Call: Hashable, Sendable, CustomStringConvertible {
        let provider: String
        let operation: String
        let number: String
        let at: Timestamp
        var description: String { "\(provider) \(operation) \(number)" }
    }

    private let answers = Mutex<[String: [GatewayOutcome]]>([:])
    private let made = Mutex<[Call]>([])

    var calls: [Call] { made.withLock { $0 } }

    /// From now on, `operation` about `number` at `provider` answers `outcomes`, one per call, the last repeating.
    func script(_ provider: String, _ operation: String, _ number: String, _ outcomes: GatewayOutcome...) {
        answers.withLock { $0["\(provider) \(operation) \(number)"] = outcomes }
    }

    /// A payment report as a query answers it.
    static func payment(_ number: String, _ state: PaymentState, minor: Int64 = 500, currency: Currency = .USD) -> GatewayOutcome {
        .answered(.payment(PaymentReport(
            merchantOrderNumber: number, gatewayOrderNumber: "G-\(number)", state: state, providerStatus: state.rawValue.uppercased(),
            amount: Money(minorUnits: minor, currency: currency), merchantID: nil)))
    }

    func exchange(_ operation: GatewayOperation, with adapter: any GatewayAdapter, now: Timestamp, nonce: String) async -> GatewayExchangeResult {
        // The adapter still builds (and signs) the request: an operation it does not offer, such as
        // NewPay's and PayZApp's cancel, never reaches the wire, as in production.
        do {
            _ = try adapter.request(for: operation, now: now, nonce: nonce)
        } catch {
            return GatewayExchangeResult(outcome: .failed(GatewayFailure(error.kind == .unsupported ? .unsupported : .notSent, error.description)))
        }
        let number = Self.number(operation)
        let key = "\(adapter.provider.rawValue) \(operation.name) \(number)"
        made.withLock { $0.append(Call(provider: adapter.provider.rawValue, operation: operation.name, number: number, at: now)) }
        let outcome = answers.withLock { answers -> GatewayOutcome in
            guard var queue = answers[key], let first = queue.first else { return .failed(GatewayFailure(.unreachable, "no script for \(key)")) }
            if queue.count > 1 { queue.removeFirst() }
            answers[key] = queue
            return first
        }
        return GatewayExchangeResult(outcome: outcome, detail: "scripted")
    }

    static func number(_ operation: GatewayOperation) -> String {
        switch operation {
        case .createPayment(let creation): creation.merchantOrderNumber
        case .queryPayment(let reference), .cancelPayment(let reference): reference.merchantOrderNumber
        case .submitRefund(let submission): submission.refundNumber
        case .queryRefund(let reference): reference.refundNumber
        case .submitPayout(let submission): submission.payoutNumber
        case .queryPayout(let reference): reference.payoutNumber
        case .queryUTR(let utr), .repairUTR(let utr, _): utr
        case .balance: "-"
        }
    }
}
