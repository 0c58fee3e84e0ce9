/// A fact or command that may move an order, as the state machine sees it.
public enum OrderInput: String, Hashable, Sendable, CaseIterable {
    /// The gateway accepted the create call for the current attempt.
    case submitted
    /// The gateway reports the payment in progress (PROCESSING, paying).
    case processing
    /// The gateway reports the payment succeeded.
    case paid
    /// The gateway reports the payment failed.
    case failed
    /// The gateway reports the payment expired, or its expiry passed with no payment.
    case expired
    /// The merchant or the scheduler asks to close an unpaid order.
    case cancelRequested
    /// The gateway confirms the order is closed (cancel API, or a query/callback saying canceled).
    case canceled
    /// A cancel attempt could not be completed (gateway unreachable); the order is open again.
    case cancelAbandoned
    /// The merchant asks to pay a failed or expired order again under the same number.
    case reinitiated
}

/// Where an event came from.
public enum EventSource: String, Hashable, Sendable, CaseIterable {
    case merchantAPI = "merchant_api"
    case callback
    case query
    case scheduler
    /// A gateway's answer to a call PaySync made (create, cancel).
    case gateway
    case `operator`
}

/// What the state machine concludes about one input in one state.
public enum OrderDecision: Hashable, Sendable {
    /// Move to this status.
    case transition(to: OrderStatus)
    /// Consistent with the current status (a duplicate, a stale or in-progress fact): record it,
    /// change nothing.
    case unchanged
    /// Contradicts a terminal status: record it, change nothing, open a review item.
    case review(ReviewReason)
    /// A command this status does not allow; the caller is told why.
    case refused(RefusalReason)
}

/// Why an event went to the review queue instead of changing an order.
public enum ReviewReason: String, Hashable, Sendable, CaseIterable {
    case failedAfterPaid = "failed_after_paid"
    case expiredAfterPaid = "expired_after_paid"
    case canceledAfterPaid = "canceled_after_paid"
    case paidAfterCanceled = "paid_after_canceled"
    /// A verified callback or query states another amount than the order's: no money state changes.
    case amountMismatch = "amount_mismatch"
    /// A verified callback or query states another currency than the order's.
    case currencyMismatch = "currency_mismatch"
    /// A verified callback of one gateway names an order placed with another.
    case providerMismatch = "provider_mismatch"
}

/// Why a command was refused.
public enum RefusalReason: String, Hashable, Sendable, CaseIterable {
    case alreadyPaid = "order_already_paid"
    case alreadyCanceled = "order_already_canceled"
}
