import Configuration
import Foundation
import PaySyncCore
import PaySyncEngine
import PaySyncGateways

/// Gateway credentials, one block per gateway; a gateway without `baseURL` is not configured.
/// Every merchant account of the deployment uses these credentials. PEM files may be PKCS#1 or
/// PKCS#8; `*KeyFiles` take several paths so a gateway key can rotate without downtime.
///
/// Keys (all strings unless noted):
/// - `gateways.timeoutMilliseconds` (int, default 10000)
/// - `gateways.codepay.baseURL`, `.appID`, `.merchantNumber`, `.merchantKeyFile`, `.gatewayKeyFiles` (array)
/// - `gateways.payby.baseURL`, `.partnerID`, `.merchantKeyFile`, `.gatewayKeyFiles` (array)
/// - `gateways.newpay.baseURL`, `.appID`, `.merchantID`, `.merchantKeyFile`, `.gatewayKeyFiles` (array),
///   `.defaultChannel` (default NEWPAY_ONLINE), `.signEmptyValues` (bool, default true)
/// - `gateways.payzapp.baseURL`, `.merchantNumber`, `.accessKey`, `.secrets` (array, secret),
///   `.signBody` (bool, default true), `.timestampWindowSeconds` (int, default 300), `.defaultChannel` (default UPI)
public struct GatewaysConfiguration: Sendable {
    public var timeoutMilliseconds: Int = 10_000
    var codePay: [String: ConfigValueText] = [:]
    var payBy: [String: ConfigValueText] = [:]
    var newPay: [String: ConfigValueText] = [:]
    var payZApp: [String: ConfigValueText] = [:]

    public init() {}

    init(reading reader: SettingsReader) {
        timeoutMilliseconds = reader.int("gateways.timeoutMilliseconds", default: timeoutMilliseconds)
        func block(
            _ name: String, strings: [String], ints: [String] = [], bools: [String] = [], secretArrays: [String] = [], keyFiles: Bool = true
        ) -> [String: ConfigValueText] {
            var values: [String: ConfigValueText] = [:]
            let prefix = "gateways.\(name)."
            for key in strings { if let v = reader.string(prefix + key) { values[key] = .one(v) } }
            // Typed reads: a JSON file holds these as numbers and booleans, which a string read skips.
            for key in ints { if let v = reader.int(prefix + key) { values[key] = .one(String(v)) } }
            for key in bools { if let v = reader.bool(prefix + key) { values[key] = .one(String(v)) } }
            for key in secretArrays { if let v = reader.stringArray(prefix + key, isSecret: true) { values[key] = .many(v) } }
            // Key files: a relative path in the configuration file names a file beside it.
            guard keyFiles else { return values }
            if let v = reader.path(prefix + "merchantKeyFile") { values["merchantKeyFile"] = .one(v) }
            if let v = reader.paths(prefix + "gatewayKeyFiles") { values["gatewayKeyFiles"] = .many(v) }
            return values
        }
        codePay = block("codepay", strings: ["baseURL", "appID", "merchantNumber"])
        payBy = block("payby", strings: ["baseURL", "partnerID"])
        newPay = block("newpay", strings: ["baseURL", "appID", "merchantID", "defaultChannel"], bools: ["signEmptyValues"])
        payZApp = block(
            "payzapp", strings: ["baseURL", "merchantNumber", "accessKey", "defaultChannel"], ints: ["timestampWindowSeconds"], bools: ["signBody"],
            secretArrays: ["secrets"], keyFiles: false)
    }

    /// The adapters these settings describe, for every account in `accounts`.
    public func directory(accounts: Set<MerchantAccountID>, currencies: CurrencyRegistry) throws -> GatewayDirectory {
        var adapters: [any GatewayAdapter] = []
        if let base = codePay["baseURL"]?.text {
            adapters.append(CodePayAdapter(configuration: CodePayConfiguration(
                appID: try require(codePay, "codepay", "appID"), merchantNumber: try require(codePay, "codepay", "merchantNumber"),
                merchantKey: try signingKey(codePay, "codepay"), gatewayKeys: try verificationKeys(codePay, "codepay"), baseURL: base, currencies: currencies)))
        }
        if let base = payBy["baseURL"]?.text {
            adapters.append(PayByAdapter(configuration: PayByConfiguration(
                partnerID: try require(payBy, "payby", "partnerID"), merchantKey: try signingKey(payBy, "payby"),
                gatewayKeys: try verificationKeys(payBy, "payby"), baseURL: base, currencies: currencies)))
        }
        if let base = newPay["baseURL"]?.text {
            adapters.append(NewPayAdapter(configuration: NewPayConfiguration(
                appID: try require(newPay, "newpay", "appID"), merchantID: try require(newPay, "newpay", "merchantID"),
                merchantKey: try signingKey(newPay, "newpay"), gatewayKeys: try verificationKeys(newPay, "newpay"), baseURL: base,
                defaultChannel: newPay["defaultChannel"]?.text ?? "NEWPAY_ONLINE", signEmptyValues: newPay["signEmptyValues"]?.text != "false",
                currencies: currencies)))
        }
        if let base = payZApp["baseURL"]?.text {
            guard case .many(let secrets)? = payZApp["secrets"] else { throw ConfigurationError("gateways.payzapp.secrets is required") }
            adapters.append(PayZAppAdapter(configuration: PayZAppConfiguration(
                merchantNumber: try require(payZApp, "payzapp", "merchantNumber"), accessKey: try require(payZApp, "payzapp", "accessKey"),
                secrets: try HMACSecrets(secrets), baseURL: base, signBody: payZApp["signBody"]?.text != "false",
                timestampWindowSeconds: Int64(payZApp["timestampWindowSeconds"]?.text ?? "") ?? 300,
                defaultChannel: payZApp["defaultChannel"]?.text ?? "UPI", currencies: currencies)))
        }
        var directory = GatewayDirectory()
        for account in accounts { for adapter in adapters { directory.register(adapter, account: account) } }
        return directory
    }

    private func require(_ block: [String: ConfigValueText], _ name: String, _ key: String) throws -> String {
        guard let value = block[key]?.text, !value.isEmpty else { throw ConfigurationError("gateways.\(name).\(key) is required") }
        return value
    }

    private func signingKey(_ block: [String: ConfigValueText], _ name: String) throws -> RSASigningKey {
        let path = try require(block, name, "merchantKeyFile")
        do { return try RSASigningKey(pem: try String(contentsOfFile: path, encoding: .utf8)) } catch {
            throw ConfigurationError("gateways.\(name).merchantKeyFile (\(path)): \(error)")
        }
    }

    private func verificationKeys(_ block: [String: ConfigValueText], _ name: String) throws -> RSAVerificationKeys {
        guard case .many(let paths)? = block["gatewayKeyFiles"], !paths.isEmpty else { throw ConfigurationError("gateways.\(name).gatewayKeyFiles is required") }
        do { return try RSAVerificationKeys(pems: try paths.map { try String(contentsOfFile: $0, encoding: .utf8) }) } catch {
            throw ConfigurationError("gateways.\(name).gatewayKeyFiles: \(error)")
        }
    }
}

/// A configuration value kept as text until the adapter is built.
enum ConfigValueText: Sendable {
    case one(String)
    case many([String])

    var text: String? {
        if case .one(let value) = self { return value }
        return nil
    }
}
