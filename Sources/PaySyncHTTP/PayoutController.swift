import Foundation
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// Payouts under `/v1/payouts`: money the merchant sends out (PayZApp transfers).
struct PayoutController<Context: RequestContext>: Sendable {
    let payouts: PayoutService
    let currencies: CurrencyRegistry
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("payouts", use: create)
        group.get("payouts/{id}", use: get)
        group.get("providers/{provider}/balance", use: balance)
    }

    struct BalanceBody: Encodable {
        let provider: String
        let account: String
        let balances: [MoneyBody]
    }

    /// `GET /v1/providers/{provider}/balance?account=` — the gateway's balances, read now.
    @Sendable func balance(_ request: Request, context: Context) async throws -> Response {
        let text = try context.parameters.require("provider")
        let provider: ProviderID
        do { provider = try ProviderID(text) } catch {
            throw APIError(.badRequest, code: "invalid_provider", message: error.description, field: "provider")
        }
        var account = MerchantAccountID.default
        for (key, value) in request.uri.queryParameters {
            guard key == "account" else {
                throw APIError(.badRequest, code: "invalid_query", message: "unknown query parameter \"\(key)\"; known: account", field: String(key))
            }
            do { account = try MerchantAccountID(String(value)) } catch {
                throw APIError(.badRequest, code: "invalid_query", message: error.description, field: "account")
            }
        }
        let balances = try await payouts.balance(account: account, provider: provider)
        return try json(BalanceBody(provider: provider.rawValue, account: account.rawValue, balances: balances.map(MoneyBody.init)), status: .ok)
    }

    /// The body of `POST /v1/payouts`.
    struct CreatePayoutResource: Decodable {
        struct BeneficiaryBody: Decodable {
            let accountNumber: String
            let accountName: String
            let bankCode: String?
            let bank: String?
            let phone: String?
        }
        let account: String?
        let provider: String
        let payoutNumber: String
        /// Decimal text in major units.
        let amount: String
        let currency: String
        /// The gateway's payout channel; default `IMPS` (PayZApp, INR).
        let channel: String?
        let beneficiary: BeneficiaryBody
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decodeJSON(CreatePayoutResource.self, limit: maxBodyBytes)
        let account: MerchantAccountID
        do { account = try MerchantAccountID(body.account ?? "default") } catch {
            throw APIError(.badRequest, code: "invalid_account", message: error.description, field: "account")
        }
        let provider: ProviderID
        do { provider = try ProviderID(body.provider) } catch {
            throw APIError(.badRequest, code: "invalid_provider", message: error.description, field: "provider")
        }
        do { _ = try MerchantOrderNumber(body.payoutNumber) } catch {
            throw APIError(.badRequest, code: error.code, message: error.description, field: "payoutNumber")
        }
        guard let currency = currencies.currency(code: body.currency) else {
            throw APIError(.badRequest, code: "unknown_currency", message: "currency \"\(body.currency)\" is not accepted", field: "currency")
        }
        let amount: Money
        do { amount = try Money(parsing: body.amount, currency: currency) } catch {
            throw APIError(.badRequest, code: error.code, message: error.description, field: "amount")
        }
        let b = body.beneficiary
        for (value, field) in [(b.accountNumber, "beneficiary.accountNumber"), (b.accountName, "beneficiary.accountName")]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw APIError(.badRequest, code: "missing_field", message: "\(field) must not be empty", field: field)
        }
        let (payout, created) = try await payouts.payout(
            account: account, provider: provider, payoutNumber: body.payoutNumber, amount: amount,
            beneficiary: Beneficiary(accountNumber: b.accountNumber, accountName: b.accountName, bankCode: b.bankCode ?? "", bank: b.bank ?? "", phone: b.phone ?? ""),
            channel: body.channel ?? "IMPS")
        return try json(PayoutResource(payout), status: created ? .created : .ok)
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        return try json(PayoutResource(try await payouts.payout(id: id)), status: .ok)
    }
}
