import GRDB
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    public func insertPayout(_ payout: Payout, audit: [AuditRecord]) async throws {
        try await writer.write { [self] db in
            do {
                let b = payout.beneficiary
                try db.cachedStatement(sql: """
                        INSERT INTO payouts (id, account, provider, payout_number, amount_minor, currency, beneficiary_account_number,
                          beneficiary_account_name, beneficiary_bank_code, beneficiary_bank, beneficiary_phone, channel, status,
                          gateway_payout_number, next_check_at, failures, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """).execute(
                    arguments: [
                        payout.id, payout.account.rawValue, payout.provider.rawValue, payout.payoutNumber, payout.amount.minorUnits,
                        payout.amount.currency.code, b.accountNumber, b.accountName, b.bankCode, b.bank, b.phone, payout.channel,
                        payout.status.rawValue, payout.gatewayPayoutNumber, payout.nextCheckAt?.millisecondsSinceEpoch, payout.failures,
                        payout.createdAt.millisecondsSinceEpoch, payout.updatedAt.millisecondsSinceEpoch,
                    ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError(.duplicatePayoutNumber, "payout number \(payout.payoutNumber) already exists for account \(payout.account)")
            }
            try insert(audit, db)
            try insert(Outbox.payoutChanged(from: nil, to: payout), db)
        }
    }

    public func updatePayout(id: String, _ change: @escaping @Sendable (Payout) throws -> (Payout?, [AuditRecord])) async throws -> Payout {
        try await writer.write { [self] db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM payouts WHERE id = ?"), arguments: [id]) else {
                throw StoreError(.payoutNotFound, "no payout \(id)")
            }
            let current = try Self.payout(row, currencies)
            let (updated, audit) = try change(current)
            if let updated { try update(updated, over: current, db) }
            try insert(audit, db)
            return updated ?? current
        }
    }

    public func payout(id: String) async throws -> Payout? {
        try await pool.read { [currencies] db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM payouts WHERE id = ?"), arguments: [id]).map { try Self.payout($0, currencies) }
        }
    }

    public func payout(account: MerchantAccountID, number: String) async throws -> Payout? {
        try await pool.read { [currencies] db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM payouts WHERE account = ? AND payout_number = ?"), arguments: [account.rawValue, number])
                .map { try Self.payout($0, currencies) }
        }
    }

    public func claimDuePayouts(now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Payout] {
        try await claimDue(in: "payouts", now: now, leaseMilliseconds: leaseMilliseconds, limit: limit, Self.payout)
    }

    /// Writes a payout's mutable columns.
    func update(_ payout: Payout, over before: Payout?, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE payouts SET status = ?, gateway_payout_number = ?, next_check_at = ?, failures = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [
                payout.status.rawValue, payout.gatewayPayoutNumber, payout.nextCheckAt?.millisecondsSinceEpoch, payout.failures,
                payout.updatedAt.millisecondsSinceEpoch, payout.id,
            ])
        try insert(Outbox.payoutChanged(from: before, to: payout), db)
    }

    static func payout(_ row: Row, _ currencies: CurrencyRegistry) throws -> Payout {
        let id: String = row["id"]
        guard let account = try? MerchantAccountID(row["account"]), let provider = try? ProviderID(row["provider"]),
            let currency = currencies.currency(code: row["currency"]), let status = PayoutStatus(rawValue: row["status"])
        else { throw StoreError(.corruptRow, "payout row \(id) does not decode") }
        let next: Int64? = row["next_check_at"]
        return Payout(
            id: id, account: account, provider: provider, payoutNumber: row["payout_number"],
            amount: Money(minorUnits: row["amount_minor"], currency: currency),
            beneficiary: Beneficiary(
                accountNumber: row["beneficiary_account_number"], accountName: row["beneficiary_account_name"], bankCode: row["beneficiary_bank_code"],
                bank: row["beneficiary_bank"], phone: row["beneficiary_phone"]),
            channel: row["channel"], status: status, gatewayPayoutNumber: row["gateway_payout_number"],
            nextCheckAt: next.map(Timestamp.init(millisecondsSinceEpoch:)), failures: row["failures"],
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]), updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"]))
    }
}
