import Logging
import PaySyncCore
import PaySyncStore

/// Refunds and payouts that are not final: claimed beside the checks and followed up at their gateway.
extension Reconciler {
    /// Claims the refunds and payouts due now (one batch of each) and follows them up, at most
    /// `perGatewayConcurrency` at once; returns how many. A follow-up writes only its refund or
    /// payout row (and audit), never an order, so follow-ups run beside the checks and beside
    /// each other.
    func followUpRefundsAndPayouts() async throws -> Int {
        async let dueRefunds = refunds == nil ? [] : store.claimDueRefunds(now: clock.now(), leaseMilliseconds: policy.leaseMilliseconds, limit: policy.batchSize)
        async let duePayouts = payouts == nil ? [] : store.claimDuePayouts(now: clock.now(), leaseMilliseconds: policy.leaseMilliseconds, limit: policy.batchSize)
        let (claimedRefunds, claimedPayouts) = try await (dueRefunds, duePayouts)
        var followUps: [@Sendable () async -> Void] = []
        if let refunds { followUps += claimedRefunds.map { refund in { await self.followUp(refund: refund, with: refunds) } } }
        if let payouts { followUps += claimedPayouts.map { payout in { await self.followUp(payout: payout, with: payouts) } } }
        let limit = max(1, policy.perGatewayConcurrency)
        await withTaskGroup(of: Void.self) { group in
            for (index, followUp) in followUps.enumerated() {
                if index >= limit { await group.next() }
                group.addTask(operation: followUp)
            }
        }
        return followUps.count
    }

    /// One refund's follow-up; a failure is logged and the refund waits for its next turn (its claim pushed it ahead).
    func followUp(refund: Refund, with refunds: RefundService) async {
        do {
            _ = try await refunds.followUp(refund)
        } catch {
            logger.error(
                "refund follow-up failed",
                metadata: ["paysync.refund": "\(refund.id)", "paysync.order": "\(refund.orderID)", "paysync.provider": "\(refund.provider)", "error": "\(error)"])
        }
    }

    /// One payout's follow-up; a failure is logged and the payout waits for its next turn.
    func followUp(payout: Payout, with payouts: PayoutService) async {
        do {
            _ = try await payouts.followUp(payout)
        } catch {
            logger.error("payout follow-up failed", metadata: ["paysync.payout": "\(payout.id)", "paysync.provider": "\(payout.provider)", "error": "\(error)"])
        }
    }
}
