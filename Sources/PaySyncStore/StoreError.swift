import PaySyncCore

/// A storage failure a caller can act on.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// `(account, merchantOrderNumber)` or the order id already exists.
        case duplicateOrderNumber = "duplicate_order_number"
        case orderNotFound = "order_not_found"
        case reviewNotFound = "review_not_found"
        case refundNotFound = "refund_not_found"
        case duplicateRefundNumber = "duplicate_refund_number"
        case duplicatePayoutNumber = "duplicate_payout_number"
        case payoutNotFound = "payout_not_found"
        case endpointNotFound = "endpoint_not_found"
        case eventNotFound = "event_not_found"
        /// An operator with that name already exists.
        case duplicateOperator = "duplicate_operator"
        /// A stored row could not be read back into a domain value.
        case corruptRow = "corrupt_row"
        /// A callback's decision or change names another kind of record than the one the store
        /// matched (an order change for a refund, say): a defect, refused before anything is written.
        case mismatchedRecord = "mismatched_record"
        /// The database cannot be opened or reached (bad URL, server down, refused login).
        case unavailable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension MerchantAccountID {
    /// A stored account name read back; `corruptRow` naming `row` and why when it is not one.
    public init(stored text: String, row: String) throws {
        do { self = try MerchantAccountID(text) } catch { throw StoreError(.corruptRow, "\(row): \(error)") }
    }
}
