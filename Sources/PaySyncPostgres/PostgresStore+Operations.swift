import PaySyncCore
import PaySyncStore
import PostgresNIO

extension PostgresStore {
    public func summary(_ query: SummaryQuery) async throws -> OperationsSummary {
        var periods: [OperationsSummary.Period] = []
        for since in query.periods {
            var byStatus: [OrderStatus: Int] = [:]
            for row in try await rows("SELECT status, COUNT(*) AS n FROM orders WHERE created_at >= \(since.millisecondsSinceEpoch) GROUP BY status") {
                let text = try row["status"].decode(String.self)
                guard let status = OrderStatus(rawValue: text) else { throw StoreError(.corruptRow, "orders: unknown status \(text)") }
                byStatus[status] = Int(try row["n"].decode(Int64.self))
            }
            let refused = try await rows(
                "SELECT COUNT(*) AS n FROM inbox WHERE verdict = 'rejected' AND received_at >= \(since.millisecondsSinceEpoch)"
            ).first?["n"].decode(Int64.self) ?? 0
            periods.append(.init(since: since, ordersByStatus: byStatus, refusedCallbacks: Int(refused)))
        }
        let now = query.now.millisecondsSinceEpoch
        let overdueBefore = now - query.overdueMilliseconds
        let stuckFailures = query.stuckFailures
        let checks = try await rows(
            """
            SELECT COUNT(*) AS scheduled, COUNT(*) FILTER (WHERE next_check_at <= \(now)) AS due,
              COUNT(*) FILTER (WHERE next_check_at <= \(overdueBefore)) AS overdue,
              COUNT(*) FILTER (WHERE check_failures >= \(stuckFailures) AND status IN ('created', 'pending', 'closing')) AS stuck
            FROM orders WHERE next_check_at IS NOT NULL
            """
        ).first
        var reviews: [ReviewReason: Int] = [:]
        for row in try await rows("SELECT reason, COUNT(*) AS n FROM review_items WHERE status = 'open' GROUP BY reason") {
            let text = try row["reason"].decode(String.self)
            guard let reason = ReviewReason(rawValue: text) else { throw StoreError(.corruptRow, "review_items: unknown reason \(text)") }
            reviews[reason] = Int(try row["n"].decode(Int64.self))
        }
        let failed = try await rows("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'failed'").first?["n"].decode(Int64.self) ?? 0
        func count(_ column: String) throws -> Int { Int(try checks?[column].decode(Int64.self) ?? 0) }
        return OperationsSummary(
            periods: periods, checksScheduled: try count("scheduled"), checksDue: try count("due"), checksOverdue: try count("overdue"),
            stuckOrders: try count("stuck"), openReviews: reviews, failedDeliveries: Int(failed))
    }

    public func checkBacklog(now: Timestamp, stuckFailures: Int, limit: Int) async throws -> CheckBacklog {
        let stuck = try await rows(
            """
            SELECT * FROM orders WHERE next_check_at IS NOT NULL AND check_failures >= \(stuckFailures)
              AND status IN ('created', 'pending', 'closing')
            ORDER BY check_failures DESC, next_check_at LIMIT \(limit)
            """
        ).map { try Self.order($0, currencies) }
        let due = try await rows("SELECT * FROM orders WHERE next_check_at <= \(now.millisecondsSinceEpoch) ORDER BY next_check_at LIMIT \(limit)")
            .map { try Self.order($0, currencies) }
        return CheckBacklog(stuck: stuck, due: due)
    }
}
