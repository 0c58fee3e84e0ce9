import PaySyncCore
import PaySyncStore

/// The one place an `OrderInput` becomes a stored change: the state machine decides, and the
/// decision, its event (applied or not), any review item and the given audit rows become one
/// `OrderChange` that the store commits atomically. Ingestion, the reconciler and the merchant
/// API all go through here.
extension Order {
    public func change(
        applying input: OrderInput, source: EventSource, evidence: Evidence, at now: Timestamp, audit: [AuditRecord] = []
    ) -> OrderChange<OrderDecision> {
        let decision = OrderStateMachine.decide(input, in: status)
        var updated: Order?
        var outcome: OrderEvent.Outcome
        var reviews: [NewReviewItem] = []
        switch decision {
        case .transition(let next):
            var order = self
            order.status = next
            order.updatedAt = now
            if input == .reinitiated {
                order.attempt += 1
                order.gatewayOrderNumber = nil
                order.checkout = nil
            }
            // Callbacks win: once the attempt has an outcome no check remains. A close starts now.
            if next.isSettledAttempt {
                order.check = nil
            } else if next == .closing {
                order.check = CheckState(anchor: check?.anchor ?? now, rung: check?.rung ?? 0, nextAt: now)
            }
            updated = order
            outcome = .applied
        case .unchanged:
            outcome = .unchanged
        case .review(let reason):
            outcome = .review
            reviews.append(NewReviewItem(reason: reason, detail: "\(input.rawValue) from \(source.rawValue) while \(status.rawValue): \(evidence.summary)", at: now))
            // The late payment is on record: a watch of the closed order found what it watched for.
            if reason == .paidAfterCanceled, check != nil {
                var order = self
                order.check = nil
                updated = order
            }
        case .refused:
            outcome = .refused
        }
        let event = OrderEvent(
            kind: input.rawValue, source: source, from: status, to: updated?.status ?? status, outcome: outcome,
            attempt: updated?.attempt ?? attempt, evidence: evidence, at: now
        )
        return OrderChange(order: updated, events: [event], audit: audit, reviews: reviews, result: decision)
    }
}
