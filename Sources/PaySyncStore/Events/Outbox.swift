import Foundation
import PaySyncCore

/// Which events a committed change produces, and their payloads. Drivers call these inside the
/// transaction that writes the change, on the rows as written (`after` carries the committed
/// version), so an event exists exactly when its change committed and says what was committed.
public enum Outbox {
    /// An order's status change: `order.pending`, `.paid`, `.failed`, `.expired` or `.canceled`.
    /// A change that leaves the status alone (a check rescheduled) and the passing states
    /// `created` and `closing` produce none.
    public static func orderChanged(from before: Order?, to after: Order) throws -> [NewOutboxEvent] {
        guard before?.status != after.status else { return [] }
        let type: EventType? =
            switch after.status {
            case .pending: .orderPending
            case .paid: .orderPaid
            case .failed: .orderFailed
            case .expired: .orderExpired
            case .canceled: .orderCanceled
            case .created, .closing: nil
            }
        guard let type else { return [] }
        return [try event(type, account: after.account, orderID: after.id, at: after.updatedAt, data: OrderResource(after))]
    }

    /// A review item opened on `order` (as committed with it): `review.opened`, preceded by
    /// `order.paid_after_close` when a payment reached a closed order.
    public static func reviewOpened(_ item: ReviewItem, order: Order) throws -> [NewOutboxEvent] {
        let opened = try event(.reviewOpened, account: order.account, orderID: order.id, at: item.openedAt, data: ReviewResource(item))
        guard item.reason == .paidAfterCanceled else { return [opened] }
        return [try event(.orderPaidAfterClose, account: order.account, orderID: order.id, at: item.openedAt, data: OrderResource(order)), opened]
    }

    /// A review item resolved by an operator.
    public static func reviewResolved(_ item: ReviewItem, account: MerchantAccountID) throws -> [NewOutboxEvent] {
        [try event(.reviewResolved, account: account, orderID: item.orderID, at: item.resolvedAt ?? item.openedAt, data: ReviewResource(item))]
    }

    /// A refund reaching `succeeded` or `failed`.
    public static func refundChanged(from before: Refund?, to after: Refund) throws -> [NewOutboxEvent] {
        guard before?.status != after.status else { return [] }
        let type: EventType? =
            switch after.status {
            case .succeeded: .refundSucceeded
            case .failed: .refundFailed
            case .requested, .processing: nil
            }
        guard let type else { return [] }
        return [try event(type, account: after.account, orderID: after.orderID, at: after.updatedAt, data: RefundResource(after))]
    }

    /// A payout reaching `succeeded` or `failed`.
    public static func payoutChanged(from before: Payout?, to after: Payout) throws -> [NewOutboxEvent] {
        guard before?.status != after.status else { return [] }
        let type: EventType? =
            switch after.status {
            case .succeeded: .payoutSucceeded
            case .failed: .payoutFailed
            case .requested, .processing: nil
            }
        guard let type else { return [] }
        return [try event(type, account: after.account, orderID: nil, at: after.updatedAt, data: PayoutResource(after))]
    }

    /// What every delivery of an event carries. Keys sorted (the API's encoder).
    struct Envelope<Object: Encodable>: Encodable {
        let account: String
        let data: Object
        let id: String
        let occurredAt: String
        let type: String
    }

    static func event(_ type: EventType, account: MerchantAccountID, orderID: OrderID?, at: Timestamp, data: some Encodable) throws -> NewOutboxEvent {
        let id = newID()
        let envelope = Envelope(account: account.rawValue, data: data, id: id, occurredAt: at.iso8601, type: type.rawValue)
        let payload = String(decoding: try JSONEncoder.api.encode(envelope), as: UTF8.self)
        return NewOutboxEvent(id: id, type: type, account: account, orderID: orderID, occurredAt: at, payload: payload)
    }

    /// `evt_` and 128 random bits in hex: unique without coordination between instances.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return "evt_" + hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
