import Logging
import NIOCore
import PaySyncCore
import PaySyncStore
import PostgresNIO

/// Reading rows back into domain values, and writing log rows. A row that does not decode is a
/// `StoreError.corruptRow`, never a crash.
extension PostgresStore {
    static func order(_ row: PostgresRandomAccessRow, _ currencies: CurrencyRegistry) throws -> Order {
        let id = try row["id"].decode(String.self)
        guard let orderID = OrderID(rawValue: id),
            let account = try? MerchantAccountID(try row["account"].decode(String.self)),
            let number = try? MerchantOrderNumber(try row["merchant_order_number"].decode(String.self)),
            let provider = try? ProviderID(try row["provider"].decode(String.self)),
            let currency = currencies.currency(code: try row["currency"].decode(String.self)),
            let status = OrderStatus(rawValue: try row["status"].decode(String.self))
        else { throw StoreError(.corruptRow, "order row \(id) does not decode") }
        let check = try row["next_check_at"].decode(Int64?.self).map { next in
            CheckState(
                anchor: Timestamp(millisecondsSinceEpoch: try row["check_anchor"].decode(Int64?.self) ?? next), rung: Int(try row["check_rung"].decode(Int64.self)),
                nextAt: Timestamp(millisecondsSinceEpoch: next), failures: Int(try row["check_failures"].decode(Int64.self)))
        }
        let checkoutURL = try row["checkout_url"].decode(String?.self)
        let checkoutQR = try row["checkout_qr"].decode(String?.self)
        return Order(
            id: orderID, account: account, merchantOrderNumber: number, provider: provider,
            amount: Money(minorUnits: try row["amount_minor"].decode(Int64.self), currency: currency), subject: try row["subject"].decode(String.self),
            status: status, attempt: Int(try row["attempt"].decode(Int64.self)), version: try row["version"].decode(Int64.self),
            gatewayOrderNumber: try row["gateway_order_number"].decode(String?.self),
            createdAt: Timestamp(millisecondsSinceEpoch: try row["created_at"].decode(Int64.self)),
            updatedAt: Timestamp(millisecondsSinceEpoch: try row["updated_at"].decode(Int64.self)),
            checkout: checkoutURL == nil && checkoutQR == nil ? nil : Checkout(url: checkoutURL, qrContent: checkoutQR), check: check)
    }

    static func event(_ row: PostgresRandomAccessRow, _ currencies: CurrencyRegistry) throws -> OrderEvent {
        let seq = try row["seq"].decode(Int64.self)
        guard let source = EventSource(rawValue: try row["source"].decode(String.self)),
            let to = OrderStatus(rawValue: try row["to_status"].decode(String.self)),
            let outcome = OrderEvent.Outcome(rawValue: try row["outcome"].decode(String.self))
        else { throw StoreError(.corruptRow, "event row \(seq) does not decode") }
        var amount: Money?
        if let minor = try row["evidence_amount_minor"].decode(Int64?.self), let code = try row["evidence_currency"].decode(String?.self) {
            guard let currency = currencies.currency(code: code) else { throw StoreError(.corruptRow, "event row \(seq) has unknown currency \(code)") }
            amount = Money(minorUnits: minor, currency: currency)
        }
        return OrderEvent(
            kind: try row["kind"].decode(String.self), source: source, from: try row["from_status"].decode(String?.self).flatMap(OrderStatus.init(rawValue:)),
            to: to, outcome: outcome, attempt: Int(try row["attempt"].decode(Int64.self)),
            evidence: Evidence(
                summary: try row["summary"].decode(String.self), providerStatus: try row["provider_status"].decode(String?.self), amount: amount,
                reference: try row["reference"].decode(String?.self)),
            at: Timestamp(millisecondsSinceEpoch: try row["at"].decode(Int64.self)))
    }

    static func audit(_ row: PostgresRandomAccessRow) throws -> AuditRecord {
        guard let kind = AuditRecord.Kind(rawValue: try row["kind"].decode(String.self)) else {
            throw StoreError(.corruptRow, "audit row \(try row["seq"].decode(Int64.self)) does not decode")
        }
        return AuditRecord(
            orderID: try row["order_id"].decode(String?.self).flatMap(OrderID.init(rawValue:)), kind: kind, summary: try row["summary"].decode(String.self),
            detail: try row["detail"].decode(String?.self), latencyMilliseconds: try row["latency_ms"].decode(Int64?.self),
            error: try row["error"].decode(String?.self), operation: try row["operation"].decode(String?.self),
            outcome: try row["outcome"].decode(String?.self), at: Timestamp(millisecondsSinceEpoch: try row["at"].decode(Int64.self)))
    }

    static func reviewItem(_ row: PostgresRandomAccessRow) throws -> ReviewItem {
        let id = try row["id"].decode(Int64.self)
        guard let orderID = OrderID(rawValue: try row["order_id"].decode(String.self)),
            let reason = ReviewReason(rawValue: try row["reason"].decode(String.self)),
            let status = ReviewItem.Status(rawValue: try row["status"].decode(String.self))
        else { throw StoreError(.corruptRow, "review row \(id) does not decode") }
        return ReviewItem(
            id: id, orderID: orderID, reason: reason, detail: try row["detail"].decode(String.self),
            openedAt: Timestamp(millisecondsSinceEpoch: try row["opened_at"].decode(Int64.self)), status: status,
            resolvedAt: try row["resolved_at"].decode(Int64?.self).map(Timestamp.init(millisecondsSinceEpoch:)),
            resolvedBy: try row["resolved_by"].decode(String?.self), note: try row["note"].decode(String?.self))
    }

    static func refund(_ row: PostgresRandomAccessRow, _ currencies: CurrencyRegistry) throws -> Refund {
        let id = try row["id"].decode(String.self)
        guard let orderID = OrderID(rawValue: try row["order_id"].decode(String.self)),
            let account = try? MerchantAccountID(try row["account"].decode(String.self)),
            let provider = try? ProviderID(try row["provider"].decode(String.self)),
            let currency = currencies.currency(code: try row["currency"].decode(String.self)),
            let status = RefundStatus(rawValue: try row["status"].decode(String.self))
        else { throw StoreError(.corruptRow, "refund row \(id) does not decode") }
        return Refund(
            id: id, orderID: orderID, account: account, provider: provider, refundNumber: try row["refund_number"].decode(String.self),
            amount: Money(minorUnits: try row["amount_minor"].decode(Int64.self), currency: currency), reason: try row["reason"].decode(String.self),
            status: status, gatewayRefundNumber: try row["gateway_refund_number"].decode(String?.self),
            nextCheckAt: try row["next_check_at"].decode(Int64?.self).map(Timestamp.init(millisecondsSinceEpoch:)),
            failures: Int(try row["failures"].decode(Int64.self)), createdAt: Timestamp(millisecondsSinceEpoch: try row["created_at"].decode(Int64.self)),
            updatedAt: Timestamp(millisecondsSinceEpoch: try row["updated_at"].decode(Int64.self)))
    }

    static func insert(_ event: OrderEvent, orderID: OrderID, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO order_events (order_id, kind, source, from_status, to_status, outcome, attempt, summary, provider_status,
              evidence_amount_minor, evidence_currency, reference, at)
            VALUES (\(orderID.rawValue), \(event.kind), \(event.source.rawValue), \(event.from?.rawValue), \(event.to.rawValue), \(event.outcome.rawValue),
              \(event.attempt), \(event.evidence.summary), \(event.evidence.providerStatus), \(event.evidence.amount?.minorUnits),
              \(event.evidence.amount?.currency.code), \(event.evidence.reference), \(event.at.millisecondsSinceEpoch))
            """, logger: logger)
    }

    static func insert(_ records: [AuditRecord], _ connection: PostgresConnection, _ logger: Logger) async throws {
        for record in records {
            try await connection.query(
                """
                INSERT INTO audit_log (order_id, kind, summary, detail, latency_ms, error, operation, outcome, at)
                VALUES (\(record.orderID?.rawValue), \(record.kind.rawValue), \(record.summary), \(record.detail), \(record.latencyMilliseconds),
                  \(record.error), \(record.operation), \(record.outcome), \(record.at.millisecondsSinceEpoch))
                """, logger: logger)
        }
    }

    /// Writes a refund's mutable columns.
    static func update(_ refund: Refund, over before: Refund?, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE refunds SET status = \(refund.status.rawValue), gateway_refund_number = \(refund.gatewayRefundNumber),
              next_check_at = \(refund.nextCheckAt?.millisecondsSinceEpoch), failures = \(refund.failures), updated_at = \(refund.updatedAt.millisecondsSinceEpoch)
            WHERE id = \(refund.id)
            """, logger: logger)
        try await insert(Outbox.refundChanged(from: before, to: refund), connection, logger)
    }
}
