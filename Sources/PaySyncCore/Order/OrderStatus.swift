/// Where an order stands. `paid` and `canceled` are terminal: nothing moves an order out of them.
/// `failed` and `expired` are final for the current payment attempt but the order may be paid
/// again under the same merchant order number (re-initiation).
public enum OrderStatus: String, Hashable, Sendable, CaseIterable {
    /// Recorded; the gateway's create call has not been confirmed yet.
    case created
    /// The gateway holds the payment and awaits the customer.
    case pending
    /// Closing is in progress: a cancel was requested and the gateway has not confirmed it.
    case closing
    case paid
    case failed
    case expired
    case canceled

    /// `paid` or `canceled`: never reopened.
    public var isTerminal: Bool {
        switch self {
        case .paid, .canceled: true
        case .created, .pending, .closing, .failed, .expired: false
        }
    }

    /// `true` when the current attempt has an outcome (a front end can stop waiting).
    public var isSettledAttempt: Bool {
        switch self {
        case .paid, .canceled, .failed, .expired: true
        case .created, .pending, .closing: false
        }
    }
}
