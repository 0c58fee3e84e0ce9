import Logging
import PaySyncCore
import PaySyncStore
import PostgresNIO

extension PostgresStore {
    public func insertPayout(_ payout: Payout, audit: [AuditRecord]) async throws {
        try await transaction { connection in
            let b = payout.beneficiary
            do {
                try await connection.query(
                    """
                    INSERT INTO payouts (id, account, provider, payout_number, amount_minor, currency, beneficiary_account_number,
                      beneficiary_account_name, beneficiary_bank_code, beneficiary_bank, beneficiary_phone, channel, status,
                      gateway_payout_number, next_check_at, failures, created_at, updated_at)
                    VALUES (\(payout.id), \(payout.account.rawValue), \(payout.provider.rawValue), \(payout.payoutNumber), \(payout.amount.minorUnits),
                      \(payout.amount.currency.code), \(b.accountNumber), \(b.accountName), \(b.bankCode), \(b.bank), \(b.phone), \(payout.channel),
                      \(payout.status.rawValue), \(payout.gatewayPayoutNumber), \(payout.nextCheckAt?.millisecondsSinceEpoch), \(payout.failures),
                      \(payout.createdAt.millisecondsSinceEpoch), \(payout.updatedAt.millisecondsSinceEpoch))
                    """, logger: logger)
            } catch where Self.isUniqueViolation(error) {
                throw StoreError(.duplicatePayoutNumber, "payout number \(payout.payoutNumber) already exists for account \(payout.account)")
            }
            try await Self.insert(audit, connection, logger)
            try await Self.insert(Outbox.payoutChanged(from: nil, to: payout), connection, logger)
        }
    }

    public func updatePayout(id: String, _ change: @escaping @Sendable (Payout) throws -> (Payout?, [AuditRecord])) async throws -> Payout {
        try await transaction { connection in
            guard let row = try await rows("SELECT * FROM payouts WHERE id = \(id) FOR UPDATE", connection).first else {
                throw StoreError(.payoutNotFound, "no payout \(id)")
            }
            let current = try Self.payout(row, currencies)
            let (updated, audit) = try change(current)
            if let updated { try await Self.update(updated, over: current, connection, logger) }
            try await Self.insert(audit, connection, logger)
            return updated ?? current
        }
    }

    public func payout(id: String) async throws -> Payout? {
        try await rows("SELECT * FROM payouts WHERE id = \(id)").first.map { try Self.payout($0, currencies) }
    }

    public func payout(account: MerchantAccountID, number: String) async throws -> Payout? {
        try await rows("SELECT * FROM payouts WHERE account = \(account.rawValue) AND payout_number = \(number)").first.map { try Self.payout($0, currencies) }
    }

    public func claimDuePayouts(now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Payout] {
        try await claimDue(in: "payouts", now: now, leaseMilliseconds: leaseMilliseconds, limit: limit, Self.payout, id: \.id, due: \.nextCheckAt)
    }

    /// Writes a payout's mutable columns, and the events its change from `before` produces.
    static func update(_ payout: Payout, over before: Payout?, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE payouts SET status = \(payout.status.rawValue), gateway_payout_number = \(payout.gatewayPayoutNumber),
              next_check_at = \(payout.nextCheckAt?.millisecondsSinceEpoch), failures = \(payout.failures), updated_at = \(payout.updatedAt.millisecondsSinceEpoch)
            WHERE id = \(payout.id)
            """, logger: logger)
        try await insert(Outbox.payoutChanged(from: before, to: payout), connection, logger)
    }

    static func payout(_ row: PostgresRandomAccessRow, _ currencies: CurrencyRegistry) throws -> Payout {
        let id = try row["id"].decode(String.self)
        guard let account = try? MerchantAccountID(try row["account"].decode(String.self)),
            let provider = try? ProviderID(try row["provider"].decode(String.self)),
            let currency = currencies.currency(code: try row["currency"].decode(String.self)),
            let status = PayoutStatus(rawValue: try row["status"].decode(String.self))
        else { throw StoreError(.corruptRow, "payout row \(id) does not decode") }
        return Payout(
            id: id, account: account, provider: provider, payoutNumber: try row["payout_number"].decode(String.self),
            amount: Money(minorUnits: try row["amount_minor"].decode(Int64.self), currency: currency),
            beneficiary: Beneficiary(
                accountNumber: try row["beneficiary_account_number"].decode(String.self), accountName: try row["beneficiary_account_name"].decode(String.self),
                bankCode: try row["beneficiary_bank_code"].decode(String.self), bank: try row["beneficiary_bank"].decode(String.self),
                phone: try row["beneficiary_phone"].decode(String.self)),
            channel: try row["channel"].decode(String.self), status: status, gatewayPayoutNumber: try row["gateway_payout_number"].decode(String?.self),
            nextCheckAt: try row["next_check_at"].decode(Int64?.self).map(Timestamp.init(millisecondsSinceEpoch:)),
            failures: Int(try row["failures"].decode(Int64.self)), createdAt: Timestamp(millisecondsSinceEpoch: try row["created_at"].decode(Int64.self)),
            updatedAt: Timestamp(millisecondsSinceEpoch: try row["updated_at"].decode(Int64.self)))
    }
}
