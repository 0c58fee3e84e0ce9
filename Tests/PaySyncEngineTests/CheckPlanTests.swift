import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncStore
import Testing

/// The reconciler's rules, row by row: (the order's status and check, the gateway's answer) →
/// what the plan writes. Times are seconds after the order's creation; the ladder is
/// `PollLadder.progressive` (5s 30s 1m 3m 5m 10m 30m, rung 6 the last), watches 1h 6h 24h after
/// the close, backoff 5s 15s 30s. A result reads `status check | review reason | events | follow-up`,
/// where a check is `r<rung>@<due>` (`f<n>` failures in a row) or `none`, and `no write` means the
/// order row is left as it is.
@Suite("Check plan")
struct CheckPlanTests {
    static let start = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
    static let closedAt: Int64 = 1_800

    static func at(_ seconds: Int64) -> Timestamp { start.adding(milliseconds: seconds * 1_000) }

    static func report(_ state: PaymentState, _ amount: Money? = Money(minorUnits: 500, currency: .USD), paid: [Money] = []) -> CheckAnswer {
        .payment(
            PaymentReport(
                merchantOrderNumber: "A-1", gatewayOrderNumber: "G-1", state: state, providerStatus: "S", amount: amount, merchantID: nil, paidAmounts: paid))
    }

    /// An order of 5.00 USD in `status` whose check is `rung` due at `due`, anchored at the
    /// creation (or, once canceled here, at the close).
    static func order(_ status: OrderStatus, rung: Int, due: Int64, failures: Int = 0) -> Order {
        let anchor = status == .canceled ? at(closedAt) : start
        var random = SystemRandomNumberGenerator()
        return Order(
            id: .make(at: start, using: &random), account: .default, merchantOrderNumber: try! MerchantOrderNumber("A-1"), provider: try! ProviderID("codepay"),
            amount: Money(minorUnits: 500, currency: .USD), subject: "x", status: status, attempt: 1, version: 4, gatewayOrderNumber: "G-1",
            createdAt: start, updatedAt: start, check: CheckState(anchor: anchor, rung: rung, nextAt: at(due), failures: failures))
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let status: OrderStatus
        let rung: Int
        let due: Int64
        let failures: Int
        let kind: CheckKind
        let answer: CheckAnswer
        let now: Int64
        let expected: String
        var testDescription: String { "\(status.rawValue) r\(rung) \(kind.rawValue) \(answer) → \(expected)" }
    }

    static func row(
        _ status: OrderStatus, rung: Int, due: Int64, failures: Int = 0, kind: CheckKind? = nil, _ answer: CheckAnswer, now: Int64? = nil,
        _ expected: String
    ) -> Row {
        Row(status: status, rung: rung, due: due, failures: failures, kind: kind ?? CheckKind(status: status), answer: answer, now: now ?? due, expected: expected)
    }

    static let table: [Row] = [
        // A rung in the middle of the ladder: the answer applies and the next rung follows.
        row(.created, rung: 1, due: 30, report(.pending), "pending r2@60 | submitted:applied"),
        row(.created, rung: 1, due: 30, report(.processing), "pending r2@60 | processing:applied"),
        row(.created, rung: 1, due: 30, report(.paid), "paid none | paid:applied"),
        row(.created, rung: 1, due: 30, report(.failed), "failed none | failed:applied"),
        row(.created, rung: 1, due: 30, report(.expired), "expired none | expired:applied"),
        row(.created, rung: 1, due: 30, report(.canceled), "canceled none | canceled:applied"),
        row(.created, rung: 1, due: 30, report(.paid, Money(minorUnits: 400, currency: .USD)), "created r2@60 | review amount_mismatch"),
        row(.created, rung: 1, due: 30, report(.paid, Money(minorUnits: 500, currency: .EUR)), "created r2@60 | review currency_mismatch"),
        row(.created, rung: 1, due: 30, .unknownAtGateway, "created r2@60"),
        row(.created, rung: 1, due: 30, .noVerdict, "created r1@35 f1"),
        row(.created, rung: 1, due: 30, failures: 2, .noVerdict, "created r1@60 f3"),
        row(.created, rung: 1, due: 30, failures: 7, .noVerdict, "created r1@60 f8"),
        row(.created, rung: 1, due: 30, .canceled(providerStatus: "C"), "created r1@35 f1"),
        row(.created, rung: 1, due: 30, .cancelRefusedPaid(providerStatus: "P"), "created r1@35 f1"),
        row(.created, rung: 1, due: 30, .cancelUnsupported, "created r1@35 f1"),
        row(.created, rung: 1, due: 30, .notAsked, "created r1@35 f1"),
        row(.pending, rung: 1, due: 30, report(.pending), "pending r2@60 | submitted:unchanged"),
        row(.pending, rung: 1, due: 30, report(.paid), "paid none | paid:applied"),
        row(.pending, rung: 1, due: 30, report(.failed), "failed none | failed:applied"),
        row(.pending, rung: 1, due: 30, .noVerdict, "pending r1@35 f1"),
        // A rung run late: the next rung is due now rather than skipped.
        row(.pending, rung: 1, due: 30, report(.pending), now: 90, "pending r2@90 | submitted:unchanged"),

        // The last rung: an answer without a verdict starts the close.
        row(.created, rung: 6, due: 1_800, report(.pending), "closing r6@1800 | submitted:applied, cancelRequested:applied"),
        row(.created, rung: 6, due: 1_800, .unknownAtGateway, "closing r6@1800 | cancelRequested:applied"),
        row(.created, rung: 6, due: 1_800, report(.paid), "paid none | paid:applied"),
        row(.created, rung: 6, due: 1_800, .noVerdict, "created r6@1805 f1"),
        row(.pending, rung: 6, due: 1_800, report(.processing), "closing r6@1800 | processing:unchanged, cancelRequested:applied"),

        // Out of the ladder (a front end asked before the rung was due): the rung never moves.
        row(.pending, rung: 1, due: 30, kind: .onDemand, report(.pending), now: 10, "no write | submitted:unchanged"),
        row(.pending, rung: 1, due: 30, kind: .onDemand, report(.paid), now: 10, "paid none | paid:applied"),
        row(.created, rung: 1, due: 30, kind: .onDemand, report(.pending), now: 10, "pending r1@30 | submitted:applied"),
        row(.pending, rung: 1, due: 30, kind: .onDemand, .noVerdict, now: 10, "no write"),
        row(.pending, rung: 1, due: 30, kind: .onDemand, .unknownAtGateway, now: 10, "no write"),

        // The close: a final answer wins, an open one was canceled at the gateway (or could not be).
        row(.closing, rung: 6, due: 1_800, report(.paid), "paid none | paid:applied"),
        row(.closing, rung: 6, due: 1_800, report(.failed), "canceled none | failed:applied"),
        row(.closing, rung: 6, due: 1_800, report(.expired), "canceled none | expired:applied"),
        row(.closing, rung: 6, due: 1_800, report(.canceled), "canceled none | canceled:applied"),
        row(.closing, rung: 6, due: 1_800, report(.pending), "no write | submitted:unchanged"),
        // A close that finds another amount is due again at once otherwise: it waits the failure backoff.
        row(.closing, rung: 6, due: 1_800, report(.paid, Money(minorUnits: 400, currency: .USD)), "closing r6@1805 f1 | review amount_mismatch"),
        // The order's amount stated, less actually paid: an underpayment is reviewed, never paid.
        row(.closing, rung: 6, due: 1_800, report(.paid, paid: [Money(minorUnits: 450, currency: .USD)]), "closing r6@1805 f1 | review amount_mismatch"),
        // Found again: the wait grows as after failures (5, 15, 30 s …).
        row(.closing, rung: 6, due: 1_800, failures: 2, report(.paid, paid: [Money(minorUnits: 450, currency: .USD)]), "closing r6@1830 f3 | review amount_mismatch"),
        row(.pending, rung: 1, due: 30, report(.paid, paid: [Money(minorUnits: 500, currency: .USD)]), "paid none | paid:applied"),
        row(.closing, rung: 6, due: 1_800, .unknownAtGateway, "canceled r0@5400 | canceled:applied"),
        row(.closing, rung: 6, due: 1_800, .canceled(providerStatus: "C"), "canceled r0@5400 | canceled:applied"),
        row(.closing, rung: 6, due: 1_800, .cancelRefusedPaid(providerStatus: "P"), "paid none | paid:applied"),
        row(.closing, rung: 6, due: 1_800, .cancelUnsupported, "canceled r0@5400 | expired:applied"),
        row(.closing, rung: 6, due: 1_800, .noVerdict, "closing r6@1805 f1"),

        // A watch of a closed order: money found goes to review, and may be refunded.
        row(.canceled, rung: 0, due: 5_400, report(.pending), "canceled r1@23400"),
        row(.canceled, rung: 0, due: 5_400, report(.processing), "canceled r1@23400"),
        row(.canceled, rung: 0, due: 5_400, report(.paid), "canceled none | review paid_after_canceled | paid:review | refund"),
        row(.canceled, rung: 0, due: 5_400, report(.failed), "canceled none"),
        row(.canceled, rung: 0, due: 5_400, report(.expired), "canceled none"),
        row(.canceled, rung: 0, due: 5_400, report(.canceled), "canceled none"),
        row(.canceled, rung: 0, due: 5_400, .noVerdict, "canceled r0@5405 f1"),
        row(.canceled, rung: 0, due: 5_400, .unknownAtGateway, "canceled r1@23400"),
        row(.canceled, rung: 2, due: 88_200, .unknownAtGateway, "canceled none"),
        row(.canceled, rung: 2, due: 88_200, report(.pending), "canceled none"),

        // A check left on a settled order is cleared, whatever was asked.
        row(.paid, rung: 1, due: 30, .notAsked, "paid none"),
        row(.failed, rung: 1, due: 30, .notAsked, "failed none"),
        row(.expired, rung: 1, due: 30, report(.paid), "expired none"),
    ]

    static func plan(_ now: Int64) -> CheckPlan {
        CheckPlan(
            schedule: PollLadder.progressive, watches: WatchSchedule(offsetsMilliseconds: [3_600_000, 21_600_000, 86_400_000]),
            failureBackoffMilliseconds: [5_000, 15_000, 30_000], now: at(now))
    }

    static func describe(_ change: OrderChange<CheckFollowUp>) -> String {
        var parts: [String] = []
        if let order = change.order {
            let check = order.check.map { "r\($0.rung)@\(($0.nextAt.millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 1_000)" + ($0.failures > 0 ? " f\($0.failures)" : "") }
            parts.append("\(order.status.rawValue) \(check ?? "none")")
        } else {
            parts.append("no write")
        }
        parts += change.reviews.map { "review \($0.reason.rawValue)" }
        if !change.events.isEmpty { parts.append(change.events.map { "\($0.kind):\($0.outcome.rawValue)" }.joined(separator: ", ")) }
        if change.result == .refundLatePayment { parts.append("refund") }
        return parts.joined(separator: " | ")
    }

    @Test("each (status, check, answer) plans as specified", arguments: table)
    func plans(_ row: Row) {
        let order = Self.order(row.status, rung: row.rung, due: row.due, failures: row.failures)
        let change = Self.plan(row.now).decide(row.kind, row.answer, on: order, audit: [])
        #expect(Self.describe(change) == row.expected)
    }

    @Test("the table tries every kind of check against every kind of answer it can meet")
    func tableCoversKinds() {
        #expect(Set(Self.table.map(\.kind)) == Set(CheckKind.allCases))
        for kind in [CheckKind.rung, .close] {
            let answers = Set(Self.table.filter { $0.kind == kind }.map { "\($0.answer)".prefix(while: { $0 != "(" }) })
            #expect(answers.isSuperset(of: ["payment", "unknownAtGateway", "noVerdict", "canceled", "cancelRefusedPaid", "cancelUnsupported"]))
        }
    }

    @Test("the plan never sets a version: the store stamps it")
    func versionLeftToTheStore() {
        for row in Self.table {
            let order = Self.order(row.status, rung: row.rung, due: row.due, failures: row.failures)
            #expect(Self.plan(row.now).decide(row.kind, row.answer, on: order, audit: []).order.map(\.version) ?? 4 == 4)
        }
    }

    @Test("the calls' audit rows travel with every change")
    func auditTravels() {
        let audit = AuditRecord(orderID: nil, kind: .outbound, summary: "codepay query_payment -> failed timeout", at: Self.at(30))
        let change = Self.plan(30).decide(.rung, .noVerdict, on: Self.order(.created, rung: 1, due: 30), audit: [audit])
        #expect(change.audit == [audit])
    }

    @Test("a query's refusal means unknown at the gateway only while the gateway cannot know the order")
    func refusalClassified() {
        let refused = GatewayOutcome.refused(code: "ORDER_NOT_EXIST", message: "no such order")
        var unsent = Self.order(.created, rung: 1, due: 30)
        unsent.gatewayOrderNumber = nil
        #expect(CheckAnswer.query(refused, kind: .rung, claimed: Self.order(.created, rung: 1, due: 30)) == .unknownAtGateway)
        #expect(CheckAnswer.query(refused, kind: .rung, claimed: Self.order(.pending, rung: 1, due: 30)) == .noVerdict)
        #expect(CheckAnswer.query(refused, kind: .close, claimed: unsent) == .unknownAtGateway)
        #expect(CheckAnswer.query(refused, kind: .close, claimed: Self.order(.closing, rung: 6, due: 1_800)) == .noVerdict)
        #expect(CheckAnswer.query(refused, kind: .watch, claimed: unsent) == .unknownAtGateway)
        #expect(CheckAnswer.query(refused, kind: .watch, claimed: Self.order(.canceled, rung: 0, due: 5_400)) == .noVerdict)
        #expect(CheckAnswer.query(refused, kind: .onDemand, claimed: unsent) == .noVerdict)
        #expect(CheckAnswer.query(.failed(GatewayFailure(.timeout, "10 s")), kind: .rung, claimed: unsent) == .noVerdict)
    }

    @Test("a cancel's outcome becomes canceled, refused because paid, unsupported or no verdict")
    func cancelClassified() {
        #expect(CheckAnswer.cancel(.answered(.cancel(.closed(providerStatus: "CLOSED")))) == .canceled(providerStatus: "CLOSED"))
        #expect(CheckAnswer.cancel(.answered(.cancel(.alreadyPaid(providerStatus: "PAID")))) == .cancelRefusedPaid(providerStatus: "PAID"))
        #expect(CheckAnswer.cancel(.failed(GatewayFailure(.unsupported, "no cancel API"))) == .cancelUnsupported)
        #expect(CheckAnswer.cancel(.failed(GatewayFailure(.timeout, "10 s"))) == .noVerdict)
        #expect(CheckAnswer.cancel(.refused(code: "E", message: "no")) == .noVerdict)
    }

    @Test("a close cancels at the gateway only a payment still open there")
    func closeCancelsOpenOnly() {
        let cancels = PaymentState.allCases.filter { state in
            CheckPlan.closeCancels(PaymentReport(merchantOrderNumber: "A-1", gatewayOrderNumber: nil, state: state, providerStatus: "S", amount: nil, merchantID: nil))
        }
        #expect(cancels == [.pending, .processing])
    }
}
