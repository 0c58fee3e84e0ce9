import GRDB
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    public func summary(_ query: SummaryQuery) async throws -> OperationsSummary {
        try await pool.read { db in
            var periods: [OperationsSummary.Period] = []
            for since in query.periods {
                var byStatus: [OrderStatus: Int] = [:]
                for row in try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT status, COUNT(*) AS n FROM orders WHERE created_at >= ? GROUP BY status"),
                    arguments: [since.millisecondsSinceEpoch])
                {
                    guard let status = OrderStatus(rawValue: row["status"]) else {
                        throw StoreError(.corruptRow, "orders: unknown status \(row["status"] as String)")
                    }
                    byStatus[status] = row["n"]
                }
                let refused = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT COUNT(*) FROM inbox WHERE verdict = 'rejected' AND received_at >= ?"),
                    arguments: [since.millisecondsSinceEpoch]) ?? 0
                periods.append(.init(since: since, ordersByStatus: byStatus, refusedCallbacks: refused))
            }
            let now = query.now.millisecondsSinceEpoch
            let checks = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT COUNT(*) AS scheduled, COUNT(CASE WHEN next_check_at <= ? THEN 1 END) AS due,
                      COUNT(CASE WHEN next_check_at <= ? THEN 1 END) AS overdue,
                      COUNT(CASE WHEN check_failures >= ? AND \(Self.openStatusSQL) THEN 1 END) AS stuck
                    FROM orders INDEXED BY orders_due_checks WHERE next_check_at IS NOT NULL
                    """), arguments: [now, now - query.overdueMilliseconds, query.stuckFailures])
            var reviews: [ReviewReason: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT reason, COUNT(*) AS n FROM review_items WHERE status = 'open' GROUP BY reason")) {
                guard let reason = ReviewReason(rawValue: row["reason"]) else {
                    throw StoreError(.corruptRow, "review_items: unknown reason \(row["reason"] as String)")
                }
                reviews[reason] = row["n"]
            }
            let failed = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM deliveries WHERE status = 'failed'")) ?? 0
            return OperationsSummary(
                periods: periods, checksScheduled: checks?["scheduled"] ?? 0, checksDue: checks?["due"] ?? 0, checksOverdue: checks?["overdue"] ?? 0,
                stuckOrders: checks?["stuck"] ?? 0, openReviews: reviews, failedDeliveries: failed)
        }
    }

    public func checkBacklog(now: Timestamp, stuckFailures: Int, limit: Int) async throws -> CheckBacklog {
        try await pool.read { [currencies] db in
            let stuck = try Self.fetchOrders(
                db.cachedStatement(sql: """
                    SELECT * FROM orders INDEXED BY orders_due_checks
                    WHERE next_check_at IS NOT NULL AND check_failures >= ? AND \(Self.openStatusSQL)
                    ORDER BY check_failures DESC, next_check_at LIMIT ?
                    """), [stuckFailures, limit], currencies)
            let due = try Self.fetchOrders(
                db.cachedStatement(sql: "SELECT * FROM orders WHERE next_check_at <= ? ORDER BY next_check_at LIMIT ?"),
                [now.millisecondsSinceEpoch, limit], currencies)
            return CheckBacklog(stuck: stuck, due: due)
        }
    }
}
