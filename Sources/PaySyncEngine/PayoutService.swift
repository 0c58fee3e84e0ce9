import PaySyncCore
import PaySyncGateways
import PaySyncStore

/// Payouts (PayZApp transfers): recorded, submitted through the gateway with our payout number as
/// the idempotency key, and followed up — by callbacks and by the reconciler's queries — until
/// final, by the same rule as refunds (`MoneyOutProgress`).
public struct PayoutService: Sendable {
    let store: any PaySyncStore
    let gateways: GatewayClient
    let clock: any PaySyncClock
    let callbacks: CallbackAddress
    /// Follow-up of processing payouts (and resubmission of unanswered ones), then after failures.
    let followUpMilliseconds: [Int64]

    public init(
        store: any PaySyncStore, gateways: GatewayClient, clock: any PaySyncClock, callbacks: CallbackAddress,
        followUpMilliseconds: [Int64] = [30_000, 60_000, 300_000, 900_000, 3_600_000]
    ) {
        self.store = store
        self.gateways = gateways
        self.clock = clock
        self.callbacks = callbacks
        self.followUpMilliseconds = followUpMilliseconds
    }

    /// Records and submits a payout. The same payout number with the same amount and gateway is the
    /// same payout (`created: false`, nothing sent again); with anything else it is a conflict.
    public func payout(
        account: MerchantAccountID, provider: ProviderID, payoutNumber: String, amount: Money, beneficiary: Beneficiary, channel: String
    ) async throws -> (payout: Payout, created: Bool) {
        if let existing = try await store.payout(account: account, number: payoutNumber) { return (try Self.same(existing, provider, amount), false) }
        guard gateways.supports(.queryPayout(PayoutReference(payoutNumber: payoutNumber)), provider: provider, account: account) else {
            throw PaySyncError(.invalid, code: "payouts_unsupported", message: "\(provider) has no payout API", field: "provider")
        }
        let now = clock.now()
        var random = SystemRandomNumberGenerator()
        let payout = Payout(
            id: "pyt_" + OrderID.make(at: now, using: &random).rawValue.dropFirst(4), account: account, provider: provider, payoutNumber: payoutNumber,
            amount: amount, beneficiary: beneficiary, channel: channel, status: .requested, gatewayPayoutNumber: nil,
            nextCheckAt: now.adding(milliseconds: followUpMilliseconds[0]), failures: 0, createdAt: now, updatedAt: now)
        do {
            try await store.insertPayout(
                payout, audit: [AuditRecord(orderID: nil, kind: .inbound, summary: "payout \(payoutNumber) of \(amount) requested", detail: "\(provider) \(channel)", at: now)])
        } catch let error as StoreError where error.code == .duplicatePayoutNumber {
            // A concurrent request with the same number won the insert.
            guard let existing = try await store.payout(account: account, number: payoutNumber) else { throw error }
            return (try Self.same(existing, provider, amount), false)
        }
        return (try await submit(payout), true)
    }

    static func same(_ existing: Payout, _ provider: ProviderID, _ amount: Money) throws -> Payout {
        guard existing.provider == provider, existing.amount == amount else {
            throw PaySyncError(
                .conflict, code: "payout_number_conflict",
                message: "payout \(existing.payoutNumber) exists with \(existing.amount) at \(existing.provider); this request says \(amount) at \(provider)",
                field: "payoutNumber")
        }
        return existing
    }

    /// The payout with this id, or a `notFound` error.
    public func payout(id: String) async throws -> Payout {
        guard let payout = try await store.payout(id: id) else { throw PaySyncError(.notFound, code: "payout_not_found", message: "no payout \(id)") }
        return payout
    }

    /// Sends (or, unanswered before, sends again — the payout number makes it idempotent) or
    /// queries a payout that is not final, and records what the gateway says.
    public func followUp(_ payout: Payout) async throws -> Payout {
        switch payout.status {
        case .requested: return try await submit(payout)
        case .processing:
            let call = await gateways.perform(.queryPayout(PayoutReference(payoutNumber: payout.payoutNumber)), provider: payout.provider, account: payout.account, orderID: nil)
            return try await record(call, for: payout)
        case .succeeded, .failed: return payout
        }
    }

    private func submit(_ payout: Payout) async throws -> Payout {
        let submission = PayoutSubmission(
            payoutNumber: payout.payoutNumber, amount: payout.amount, payee: payout.beneficiary, channel: payout.channel, notifyURL: callbacks.notifyURL(provider: payout.provider.rawValue, account: payout.account.rawValue))
        let call = await gateways.perform(.submitPayout(submission), provider: payout.provider, account: payout.account, orderID: nil)
        return try await record(call, for: payout)
    }

    private func record(_ call: GatewayCall, for payout: Payout) async throws -> Payout {
        let now = clock.now()
        let schedule = followUpMilliseconds
        return try await store.updatePayout(id: payout.id) { current in
            guard !current.status.isFinal else { return (nil, [call.audit]) }
            var updated = current
            updated.updatedAt = now
            updated.progress = current.progress.following(MoneyOutProgress.word(call.outcome), expected: current.amount, now: now, schedule: schedule)
            return (updated, [call.audit])
        }
    }
}
