import PaySyncCore
import Testing

/// The order life cycle, pair by pair. Each row is (status, input, expected decision):
/// `→ x` transition to x, `=` unchanged, `review x` review item, `refused x` refused command.
@Suite("Order state machine")
struct OrderStateMachineTests {
    static let table: [(OrderStatus, OrderInput, String)] = [
        (.created, .submitted, "→ pending"), (.created, .processing, "→ pending"), (.created, .paid, "→ paid"),
        (.created, .failed, "→ failed"), (.created, .expired, "→ expired"), (.created, .cancelRequested, "→ closing"),
        (.created, .canceled, "→ canceled"), (.created, .cancelAbandoned, "="), (.created, .reinitiated, "="),

        (.pending, .submitted, "="), (.pending, .processing, "="), (.pending, .paid, "→ paid"),
        (.pending, .failed, "→ failed"), (.pending, .expired, "→ expired"), (.pending, .cancelRequested, "→ closing"),
        (.pending, .canceled, "→ canceled"), (.pending, .cancelAbandoned, "="), (.pending, .reinitiated, "="),

        (.closing, .submitted, "="), (.closing, .processing, "="), (.closing, .paid, "→ paid"),
        (.closing, .failed, "→ canceled"), (.closing, .expired, "→ canceled"), (.closing, .cancelRequested, "="),
        (.closing, .canceled, "→ canceled"), (.closing, .cancelAbandoned, "→ pending"), (.closing, .reinitiated, "="),

        (.paid, .submitted, "="), (.paid, .processing, "="), (.paid, .paid, "="),
        (.paid, .failed, "review failed_after_paid"), (.paid, .expired, "review expired_after_paid"),
        (.paid, .cancelRequested, "refused order_already_paid"), (.paid, .canceled, "review canceled_after_paid"),
        (.paid, .cancelAbandoned, "="), (.paid, .reinitiated, "refused order_already_paid"),

        (.canceled, .submitted, "="), (.canceled, .processing, "="), (.canceled, .paid, "review paid_after_canceled"),
        (.canceled, .failed, "="), (.canceled, .expired, "="), (.canceled, .cancelRequested, "="),
        (.canceled, .canceled, "="), (.canceled, .cancelAbandoned, "="), (.canceled, .reinitiated, "refused order_already_canceled"),

        (.failed, .submitted, "="), (.failed, .processing, "="), (.failed, .paid, "→ paid"),
        (.failed, .failed, "="), (.failed, .expired, "="), (.failed, .cancelRequested, "→ canceled"),
        (.failed, .canceled, "→ canceled"), (.failed, .cancelAbandoned, "="), (.failed, .reinitiated, "→ created"),

        (.expired, .submitted, "="), (.expired, .processing, "="), (.expired, .paid, "→ paid"),
        (.expired, .failed, "="), (.expired, .expired, "="), (.expired, .cancelRequested, "→ canceled"),
        (.expired, .canceled, "→ canceled"), (.expired, .cancelAbandoned, "="), (.expired, .reinitiated, "→ created"),
    ]

    static func expected(_ text: String) -> OrderDecision {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "→": return .transition(to: OrderStatus(rawValue: parts[1])!)
        case "review": return .review(ReviewReason(rawValue: parts[1])!)
        case "refused": return .refused(RefusalReason(rawValue: parts[1])!)
        default: return .unchanged
        }
    }

    @Test("the table covers every (status, input) pair exactly once")
    func tableIsComplete() {
        let pairs = Self.table.map { "\($0.0.rawValue)/\($0.1.rawValue)" }
        #expect(pairs.count == OrderStatus.allCases.count * OrderInput.allCases.count)
        #expect(Set(pairs).count == pairs.count)
    }

    @Test("each pair decides as specified", arguments: table)
    func decides(_ status: OrderStatus, _ input: OrderInput, _ expected: String) {
        #expect(OrderStateMachine.decide(input, in: status) == Self.expected(expected))
    }

    @Test("paid and canceled never move, whatever arrives", arguments: [OrderStatus.paid, .canceled])
    func terminalNeverReopens(_ status: OrderStatus) {
        for input in OrderInput.allCases {
            if case .transition = OrderStateMachine.decide(input, in: status) {
                Issue.record("\(status) moved on \(input)")
            }
        }
    }

    @Test("a payment is never overridden by a cancel: every open status goes to paid on paid",
          arguments: [OrderStatus.created, .pending, .closing, .failed, .expired])
    func paymentWins(_ status: OrderStatus) {
        #expect(OrderStateMachine.decide(.paid, in: status) == .transition(to: .paid))
    }
}
