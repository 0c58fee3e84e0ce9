import PaySyncCore
import PaySyncStore
import Testing

@Suite("Store conformance: payouts")
struct PayoutConformanceTests {
    static func payout(_ number: String, due seconds: Int64?) -> Payout {
        Payout(
            id: "pyt_" + number, account: .default, provider: try! ProviderID("payzapp"), payoutNumber: number,
            amount: Money(minorUnits: 50_000, currency: .INR),
            beneficiary: Beneficiary(accountNumber: "001234567890", accountName: "A Kumar", bankCode: "HDFC0000001", bank: "HDFC", phone: "9800000000"),
            channel: "IMPS", status: .requested, gatewayPayoutNumber: nil, nextCheckAt: seconds.map(CheckClaimConformanceTests.at), failures: 0,
            createdAt: Fixture.t0, updatedAt: Fixture.t0)
    }

    @Test("a payout reads back by id and number; its number is unique per account; due ones are claimed earliest first and leased",
          arguments: StoreDriver.all)
    func insertReadClaim(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insertPayout(Self.payout("PO-2", due: 60), audit: [])
        try await store.insertPayout(Self.payout("PO-1", due: 30), audit: [])
        try await store.insertPayout(Self.payout("PO-3", due: nil), audit: [])
        #expect(try await store.payout(id: "pyt_PO-1") == Self.payout("PO-1", due: 30))
        #expect(try await store.payout(account: .default, number: "PO-2")?.id == "pyt_PO-2")
        await #expect(throws: StoreError(.duplicatePayoutNumber, "payout number PO-1 already exists for account default")) {
            var twin = Self.payout("PO-1", due: 30)
            twin = Payout(
                id: "pyt_other", account: twin.account, provider: twin.provider, payoutNumber: twin.payoutNumber, amount: twin.amount,
                beneficiary: twin.beneficiary, channel: twin.channel, status: .requested, gatewayPayoutNumber: nil, nextCheckAt: nil, failures: 0,
                createdAt: Fixture.t0, updatedAt: Fixture.t0)
            try await store.insertPayout(twin, audit: [])
        }
        #expect(try await store.nextDueTime() == CheckClaimConformanceTests.at(30))
        let due = try await store.claimDuePayouts(now: CheckClaimConformanceTests.at(60), leaseMilliseconds: 30_000, limit: 10)
        #expect(due.map(\.payoutNumber) == ["PO-1", "PO-2"])
        #expect(try await store.claimDuePayouts(now: CheckClaimConformanceTests.at(60), leaseMilliseconds: 30_000, limit: 10).isEmpty)
        let updated = try await store.updatePayout(id: "pyt_PO-1") { current in
            var next = current
            next.status = .succeeded
            next.gatewayPayoutNumber = "PO1000001"
            next.nextCheckAt = nil
            return (next, [])
        }
        #expect(try await store.payout(id: "pyt_PO-1") == updated)
        try await store.close()
    }

    @Test("a payout callback delivered twice at once moves the payout once", arguments: StoreDriver.all)
    func callbackDedup(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insertPayout(Self.payout("PO-1", due: 30), audit: [])
        let verdicts = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let judgement = try await store.resolveInbox(
                        .new(InboxRefundConformanceTests.entry("{\"payout\":\"PO-1\"}", provider: "payzapp")), provider: try ProviderID("payzapp"),
                        account: .default, dedupKey: "PO-1:succeeded", target: .payout(number: "PO-1")
                    ) { record, _ in
                        guard case .payout(var payout)? = record else { return CallbackDecision(verdict: .parked) }
                        payout.status = .succeeded
                        payout.nextCheckAt = nil
                        return CallbackDecision(verdict: .applied, change: .payout(payout, audit: []))
                    }
                    return judgement.verdict.rawValue
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(verdicts.sorted() == ["applied", "duplicate"])
        #expect(try await store.payout(id: "pyt_PO-1")?.status == .succeeded)
        try await store.close()
    }
}
