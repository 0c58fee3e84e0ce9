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
        try await checkBalance(account: account, provider: provider, covers: amount, payoutNumber: payoutNumber)
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

    /// The gateway's balances (PayZApp), read now; the call is audited.
    /// - Throws: `provider_not_configured` or `balance_unsupported` (400); a `gateway` error (502)
    ///   when the gateway refuses or does not answer.
    public func balance(account: MerchantAccountID, provider: ProviderID) async throws -> [Money] {
        guard gateways.directory.adapter(provider, account: account) != nil else {
            throw PaySyncError.providerNotConfigured(provider, account: account)
        }
        guard gateways.supports(.balance, provider: provider, account: account) else {
            throw PaySyncError(.invalid, code: "balance_unsupported", message: "\(provider) has no balance API", field: "provider")
        }
        let call = await gateways.perform(.balance, provider: provider, account: account, orderID: nil)
        try await store.appendAudit([call.audit])
        switch call.outcome {
        case .answered(.balance(let balances)): return balances
        case .refused(let code, let message):
            throw PaySyncError(.gateway, code: "gateway_refused", message: "\(provider) refused the balance query (\(code)): \(message)")
        case .failed(let failure): throw PaySyncError(.gateway, code: "gateway_unavailable", message: failure.description)
        case .answered(let other): throw PaySyncError(.gateway, code: "gateway_unavailable", message: "the balance query was answered with \(other)")
        }
    }

    /// Refuses a payout larger than the gateway's balance in its currency before anything is
    /// stored or sent, where the gateway has a balance API. A balance that cannot be read, or
    /// lists no such currency, refuses nothing: the gateway still decides (and two payouts may
    /// race past one balance; the gateway's refusal then fails the later).
    func checkBalance(account: MerchantAccountID, provider: ProviderID, covers amount: Money, payoutNumber: String) async throws {
        guard gateways.supports(.balance, provider: provider, account: account) else { return }
        let balances: [Money]
        do {
            balances = try await balance(account: account, provider: provider)
        } catch let error as PaySyncError where error.kind == .gateway {
            return  // Audited with the call; the submit goes on.
        }
        guard let available = balances.first(where: { $0.currency == amount.currency }), available.minorUnits < amount.minorUnits else { return }
        try await store.appendAudit([
            AuditRecord(
                orderID: nil, kind: .system, summary: "payout \(payoutNumber) of \(amount) refused: the \(provider) balance is \(available)",
                operation: "check_balance", outcome: "insufficient_balance", at: clock.now())
        ])
        throw PaySyncError(
            .conflict, code: "insufficient_balance", message: "the \(provider) balance is \(available), less than \(amount); nothing was sent", field: "amount")
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
