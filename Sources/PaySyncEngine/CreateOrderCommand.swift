import PaySyncGateways
import PaySyncCore

/// A merchant's request to take a payment. Creating is idempotent on
/// `(account, merchantOrderNumber)`: see `OrderService.create(_:)`.
public struct CreateOrderCommand: Hashable, Sendable {
    public var account: MerchantAccountID
    public var provider: ProviderID
    public var amount: Money
    public var subject: String
    /// The merchant's number; PaySync generates one when `nil`.
    public var merchantOrderNumber: MerchantOrderNumber?

    public init(
        account: MerchantAccountID, provider: ProviderID, amount: Money, subject: String, merchantOrderNumber: MerchantOrderNumber?
    ) {
        self.account = account
        self.provider = provider
        self.amount = amount
        self.subject = subject
        self.merchantOrderNumber = merchantOrderNumber
    }
}

/// What a create request did.
public struct CreateOrderResult: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable {
        /// A new order.
        case created
        /// The same order already existed and is still open: nothing changed.
        case existing
        /// The order had failed or expired: a new payment attempt under the same number.
        case reinitiated
        /// The order is paid: it cannot be paid again.
        case alreadyPaid = "already_paid"
        /// The order is canceled: it cannot be paid again.
        case alreadyCanceled = "already_canceled"
    }

    public let outcome: Outcome
    public let order: Order
    /// What the gateway's create call did, when this request made one.
    public let submission: Submission?

    public init(outcome: Outcome, order: Order, submission: Submission? = nil) {
        self.outcome = outcome
        self.order = order
        self.submission = submission
    }

    /// The gateway's answer to the create call.
    public enum Submission: Hashable, Sendable {
        /// The gateway holds the payment; the order is `pending` with its checkout.
        case accepted
        /// The gateway said no; the order is `failed` (pay again to retry).
        case refused(code: String, message: String)
        /// No verdict (timeout, 5xx, unreadable answer): the order stays `created`, "unknown at the
        /// gateway". It is never re-sent blindly: the reconciler queries, then cancels.
        case unknown(GatewayFailure)
    }
}
