/// The order life cycle as one explicit table: `decide(_:in:)` maps every (status, input) pair to
/// a decision. The state machine does no I/O; the caller applies the decision in one store
/// transaction together with its event and audit rows.
///
/// ```
///  created ──submitted/processing──▶ pending ──cancelRequested──▶ closing ──canceled──▶ canceled
///     │                                 │                           │ cancelAbandoned ▶ pending
///     └─────────── paid ───────────────┴──────── paid ────────────┴──▶ paid
///  failed / expired ──reinitiated──▶ created (next attempt, same merchant order number)
/// ```
/// Rules: paid and canceled never reopen; a fact contradicting them goes to review; money that
/// arrives for a failed or expired attempt is recorded as paid (the gateway's truth wins); a
/// cancel never overrides a payment.
public enum OrderStateMachine {
    public static func decide(_ input: OrderInput, in status: OrderStatus) -> OrderDecision {
        switch (status, input) {
        // created: recorded, gateway create not confirmed.
        case (.created, .submitted), (.created, .processing): .transition(to: .pending)
        case (.created, .paid): .transition(to: .paid)
        case (.created, .failed): .transition(to: .failed)
        case (.created, .expired): .transition(to: .expired)
        // The gateway may hold the order even when the create call's answer was lost: close it
        // there (query, then cancel) rather than locally.
        case (.created, .cancelRequested): .transition(to: .closing)
        case (.created, .canceled): .transition(to: .canceled)
        case (.created, .cancelAbandoned), (.created, .reinitiated): .unchanged

        // pending: at the gateway, awaiting the customer.
        case (.pending, .submitted), (.pending, .processing): .unchanged
        case (.pending, .paid): .transition(to: .paid)
        case (.pending, .failed): .transition(to: .failed)
        case (.pending, .expired): .transition(to: .expired)
        case (.pending, .cancelRequested): .transition(to: .closing)
        case (.pending, .canceled): .transition(to: .canceled)
        case (.pending, .cancelAbandoned), (.pending, .reinitiated): .unchanged

        // closing: a cancel is under way. A payment that lands first wins (never cancel a paid
        // order); a gateway-side failure or expiry completes the close.
        case (.closing, .submitted), (.closing, .processing): .unchanged
        case (.closing, .paid): .transition(to: .paid)
        case (.closing, .failed), (.closing, .expired), (.closing, .canceled): .transition(to: .canceled)
        case (.closing, .cancelRequested), (.closing, .reinitiated): .unchanged
        case (.closing, .cancelAbandoned): .transition(to: .pending)

        // paid: terminal.
        case (.paid, .submitted), (.paid, .processing), (.paid, .paid), (.paid, .cancelAbandoned): .unchanged
        case (.paid, .failed): .review(.failedAfterPaid)
        case (.paid, .expired): .review(.expiredAfterPaid)
        case (.paid, .canceled): .review(.canceledAfterPaid)
        case (.paid, .cancelRequested), (.paid, .reinitiated): .refused(.alreadyPaid)

        // canceled: terminal. Money after the close is never dropped: it goes to review.
        case (.canceled, .paid): .review(.paidAfterCanceled)
        case (.canceled, .submitted), (.canceled, .processing), (.canceled, .failed), (.canceled, .expired),
            (.canceled, .cancelRequested), (.canceled, .canceled), (.canceled, .cancelAbandoned):
            .unchanged
        case (.canceled, .reinitiated): .refused(.alreadyCanceled)

        // failed / expired: this attempt is over; the order may be paid again.
        case (.failed, .paid), (.expired, .paid): .transition(to: .paid)
        case (.failed, .cancelRequested), (.expired, .cancelRequested),
            (.failed, .canceled), (.expired, .canceled):
            .transition(to: .canceled)
        case (.failed, .reinitiated), (.expired, .reinitiated): .transition(to: .created)
        case (.failed, .submitted), (.failed, .processing), (.failed, .failed), (.failed, .expired), (.failed, .cancelAbandoned),
            (.expired, .submitted), (.expired, .processing), (.expired, .failed), (.expired, .expired), (.expired, .cancelAbandoned):
            .unchanged
        }
    }
}
