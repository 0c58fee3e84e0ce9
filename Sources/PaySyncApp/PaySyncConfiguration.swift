import Configuration
import Foundation
import Logging
import SystemPackage
import PaySyncCore
import PaySyncEngine
import PaySyncHTTP

/// Everything `paysync serve` needs, with a default for every field but the API token.
///
/// Read by `load(flags:environment:file:)` from providers that give the precedence
/// flag > environment (`PAYSYNC_` + the key in upper snake case) > JSON file > default.
public struct PaySyncConfiguration: Sendable {
    /// `http.host` (string, default `127.0.0.1`): the address to bind.
    public var host: String = "127.0.0.1"
    /// `http.port` (int, default `8080`): the port to bind; 0 picks a free one.
    public var port: Int = 8080
    /// `http.maxBodyBytes` (int, default `65536`): the largest request body accepted (413 beyond).
    public var maxBodyBytes: Int = 65_536
    /// `database.url` (string, default `paysync.sqlite`): a SQLite file path, or a `postgres://user@host:port/db`
    /// URL for several instances on one PostgreSQL database.
    public var database: String = "paysync.sqlite"
    /// `api.token` (string, secret, required): the bearer token of the merchant API.
    public var apiToken: String?
    /// `metrics.token` (string, secret, optional): when set, `/metrics` needs
    /// `Authorization: Bearer <metrics.token>`; unset, it is open (bind to a private address).
    public var metricsToken: String?
    /// `accounts` (string array, default `default`): the merchant accounts this deployment serves.
    public var accounts: [String] = ["default"]
    /// `providers.enabled` (string array, default `codepay,payby,newpay,payzapp`).
    public var providers: [String] = ["codepay", "newpay", "payby", "payzapp"]
    /// `currencies.assets` (string array of `CODE:EXPONENT`, default `USDT:6`): non-ISO assets
    /// accepted besides the built-in ISO 4217 currencies.
    public var assets: [String] = ["USDT:6"]
    /// `log.level` (string, default `info`): trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// `log.format` (string, default `text`): `text`, one human line per entry, or `json`, one
    /// JSON object per line for log shippers (`JSONLogHandler`).
    public var logFormat: String = "text"
    /// `callbacks.baseURL` (string, default `http://<http.host>:<http.port>`): PaySync's address as
    /// the gateways reach it; callbacks go to `<baseURL>/callbacks/<provider>/<account>`.
    public var callbackBaseURL: String?
    /// `reconciler.ladderSeconds` (int array, default `5,30,60,180,300,600,1800`): when an order
    /// without a final answer is queried, in seconds after its create request; after the last
    /// rung it is closed (queried once more, then canceled at the gateway).
    public var ladderSeconds: [Int] = [5, 30, 60, 180, 300, 600, 1800]
    /// `reconciler.sweep.providers` (string array, default empty): gateways whose orders are
    /// checked by the sweep strategy instead of the ladder; `reconciler.sweep.intervalSeconds`
    /// (default 30), `.windowSeconds` (default 600), `.maximumChecks` (default 10).
    public var sweepProviders: [String] = []
    public var sweep = SweepPolicy()
    /// `reconciler.leaseSeconds` (int, default 30): how long an instance owns a claimed check; a
    /// crashed instance's checks are taken over by the others after it.
    public var leaseSeconds = 30
    /// `reconciler.backoffSeconds` (int array, default `5,15,30,60,300`): waits after consecutive
    /// gateway failures of one order's checks (timeouts, 5xx, unreadable answers); the last repeats.
    public var backoffSeconds = [5, 15, 30, 60, 300]
    /// `reconciler.refundPaidAfterClose` (bool, default false): refund in full, automatically, money
    /// that lands on an order after it was closed (it always opens a review item).
    public var refundPaidAfterClose = false
    /// `reconciler.watchAfterCloseSeconds` (int array, default `3600,21600,86400`): after every
    /// close (at the gateway, or here when it has no cancel API), when the order is queried again.
    public var watchAfterCloseSeconds = [3_600, 21_600, 86_400]
    /// `reconciler.batchSize` (int, default 64): checks leased per claim.
    public var batchSize = 64
    /// `reconciler.perGatewayConcurrency` (int, default 16): queries in flight to one gateway.
    public var perGatewayConcurrency = 16
    /// `gateways.*`: see `GatewaysConfiguration`.
    public var gateways = GatewaysConfiguration()
    /// `events.retryScheduleSeconds` (int array, default `0,5,300,1800,7200,18000,36000,36000`):
    /// when each attempt of a delivery round is made, after the previous one; then it is failed.
    /// `events.jitterPercent` (int, default 10): each delay moves by up to this much either way.
    /// `events.retryAfterCapSeconds` (int, default 3600): the longest `Retry-After` honoured.
    /// `events.disableAfterHours` (int, default 120): an endpoint failing this long is disabled.
    /// `events.timeoutSeconds` (int, default 15): one attempt's limit, connection included.
    /// `events.leaseSeconds` (int, default 60): how long a claimed delivery is this instance's;
    /// a crashed instance's deliveries are sent again after it. Keep it above the timeout.
    /// `events.concurrencyPerEndpoint` (int, default 16) and `events.concurrency` (int, default 256):
    /// attempts in flight to one endpoint, and in this instance.
    public var delivery = DeliveryPolicy()
    /// `events.allowPrivateAddresses` (bool, default true): whether endpoints may be loopback or
    /// private addresses (docs/events.md says why it is on); `events.rotationOverlapHours` (int,
    /// default 24): how long a rotated-out secret keeps signing.
    public var endpointRules = EndpointService.Rules()
    /// `console.sessionHours` (int, default 12): how long a console sign-in lasts.
    /// `console.secureCookie` (bool, default: whether `callbacks.baseURL` is https): the console's
    /// cookies carry `Secure`, so a browser sends them over TLS only.
    public var consoleSessionHours = 12
    public var consoleSecureCookie: Bool?

    public init() {}

    /// What `load` read: the settings, and warnings about what it ignored.
    public struct Loaded: Sendable {
        public var settings: PaySyncConfiguration
        /// `PAYSYNC_*` environment variables that name no key.
        public var warnings: [String]
        /// Every key PaySync reads, dotted (`http.port`).
        public var keys: Set<String>
    }

    /// Reads every key listed on the properties above with PaySync's precedence: `flags` >
    /// environment (`PAYSYNC_` + the key in upper snake case) > the JSON `file` > the defaults of
    /// this type. Relative key file paths in `file` name files beside it.
    /// - Throws: `ConfigurationError` naming every key whose value has the wrong type or is out of
    ///   range, and every key of `file` that PaySync does not read — one per line.
    public static func load(
        flags: [AbsoluteConfigKey: ConfigValue] = [:], environment: [String: String] = ProcessInfo.processInfo.environment, file: String?
    ) async throws -> Loaded {
        let reader = try await SettingsReader(flags: flags, environment: environment, file: file)
        let settings = PaySyncConfiguration(reading: reader)
        let warnings = try reader.finish()
        return Loaded(settings: settings, warnings: warnings, keys: reader.keysRead)
    }

    init(reading reader: SettingsReader) {
        host = reader.string("http.host", default: host)
        port = reader.int("http.port", default: port, in: 0...65_535)
        maxBodyBytes = reader.int("http.maxBodyBytes", default: maxBodyBytes)
        database = reader.string("database.url", default: database)
        apiToken = reader.string("api.token", isSecret: true)
        metricsToken = reader.string("metrics.token", isSecret: true)
        if metricsToken?.isEmpty == true { reader.refuse("metrics.token", "empty; leave it out for an open /metrics") }
        accounts = reader.stringArray("accounts", default: accounts)
        providers = reader.stringArray("providers.enabled", default: providers)
        assets = reader.stringArray("currencies.assets", default: assets)
        logLevel = reader.string("log.level", default: logLevel)
        logFormat = reader.string("log.format", default: logFormat)
        callbackBaseURL = reader.string("callbacks.baseURL")
        ladderSeconds = reader.intArray("reconciler.ladderSeconds", default: ladderSeconds)
        sweepProviders = reader.stringArray("reconciler.sweep.providers", default: sweepProviders)
        leaseSeconds = reader.int("reconciler.leaseSeconds", default: leaseSeconds)
        backoffSeconds = reader.intArray("reconciler.backoffSeconds", default: backoffSeconds)
        watchAfterCloseSeconds = reader.intArray("reconciler.watchAfterCloseSeconds", default: watchAfterCloseSeconds)
        batchSize = reader.int("reconciler.batchSize", default: batchSize)
        perGatewayConcurrency = reader.int("reconciler.perGatewayConcurrency", default: perGatewayConcurrency)
        refundPaidAfterClose = reader.bool("reconciler.refundPaidAfterClose", default: refundPaidAfterClose)
        sweep = SweepPolicy(
            intervalMilliseconds: Int64(reader.int("reconciler.sweep.intervalSeconds", default: 30)) * 1_000,
            windowMilliseconds: Int64(reader.int("reconciler.sweep.windowSeconds", default: 600)) * 1_000,
            maximumChecks: reader.int("reconciler.sweep.maximumChecks", default: 10))
        gateways = GatewaysConfiguration(reading: reader)
        let defaults = DeliveryPolicy()
        delivery.schedule = reader.intArray("events.retryScheduleSeconds", default: defaults.schedule.map { Int($0 / 1_000) }, in: 0...SettingsReader.largest)
            .map { Int64($0) * 1_000 }
        delivery.jitter = Double(reader.int("events.jitterPercent", default: 10, in: 0...100)) / 100
        delivery.retryAfterCapMilliseconds = Int64(reader.int("events.retryAfterCapSeconds", default: 3_600, in: 0...SettingsReader.largest)) * 1_000
        delivery.disableAfterMilliseconds = Int64(reader.int("events.disableAfterHours", default: 120)) * 3_600_000
        delivery.timeoutMilliseconds = Int64(reader.int("events.timeoutSeconds", default: 15)) * 1_000
        delivery.leaseMilliseconds = Int64(reader.int("events.leaseSeconds", default: 60)) * 1_000
        delivery.concurrencyPerEndpoint = reader.int("events.concurrencyPerEndpoint", default: defaults.concurrencyPerEndpoint)
        delivery.concurrency = reader.int("events.concurrency", default: defaults.concurrency)
        if delivery.leaseMilliseconds <= delivery.timeoutMilliseconds {
            reader.refuse("events.leaseSeconds", "\(delivery.leaseMilliseconds / 1_000) is not above events.timeoutSeconds (\(delivery.timeoutMilliseconds / 1_000))")
        }
        endpointRules.allowPrivateAddresses = reader.bool("events.allowPrivateAddresses", default: true)
        endpointRules.rotationOverlapMilliseconds = Int64(reader.int("events.rotationOverlapHours", default: 24, in: 0...SettingsReader.largest)) * 3_600_000
        consoleSessionHours = reader.int("console.sessionHours", default: consoleSessionHours, in: 1...8_760)
        consoleSecureCookie = reader.bool("console.secureCookie")
    }

    /// The console's sessions, from these settings.
    public var console: ConsoleSettings {
        ConsoleSettings(
            sessionDuration: .seconds(consoleSessionHours * 3_600),
            secureCookie: consoleSecureCookie ?? effectiveCallbackBaseURL.lowercased().hasPrefix("https://"))
    }

    /// `database.url` names a PostgreSQL database (else a SQLite file).
    public var databaseIsPostgres: Bool { database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") }

    /// How the reconciler works its backlog, from these settings.
    public var reconcilerPolicy: ReconcilerPolicy {
        var policy = ReconcilerPolicy()
        policy.leaseMilliseconds = Int64(leaseSeconds) * 1_000
        policy.failureBackoffMilliseconds = backoffSeconds.map { Int64($0) * 1_000 }
        policy.refundPaidAfterClose = refundPaidAfterClose
        policy.watchAfterCloseMilliseconds = watchAfterCloseSeconds.map { Int64($0) * 1_000 }
        policy.batchSize = batchSize
        policy.perGatewayConcurrency = perGatewayConcurrency
        return policy
    }

    /// The log handler `log.format` and `log.level` name, or an error naming the bad value.
    public func logHandlerFactory() throws -> @Sendable (String) -> any LogHandler {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ConfigurationError("log.level: \"\(logLevel)\" is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch logFormat {
        case "text":
            return { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case "json":
            return { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        default:
            throw ConfigurationError("log.format: \"\(logFormat)\" is not text or json")
        }
    }

    /// `callbacks.baseURL`, or this server's own address.
    public var effectiveCallbackBaseURL: String { callbackBaseURL ?? "http://\(host):\(port)" }

    /// The order policy these settings describe, or an error naming the first bad value.
    public func orderPolicy() throws -> OrderPolicy {
        var registry = CurrencyRegistry.iso4217
        for asset in assets {
            let parts = asset.split(separator: ":")
            guard parts.count == 2, let exponent = Int(parts[1]), (0...9).contains(exponent),
                !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) })
            else { throw ConfigurationError("currencies.assets: \"\(asset)\" is not CODE:EXPONENT (e.g. USDT:6)") }
            registry = registry.adding(Currency(code: String(parts[0]), exponent: exponent, isISO4217: false))
        }
        var accountIDs: Set<MerchantAccountID> = []
        for account in accounts {
            do { accountIDs.insert(try MerchantAccountID(account)) } catch { throw ConfigurationError("accounts: \(error)") }
        }
        var providerIDs: Set<ProviderID> = []
        for provider in providers {
            do { providerIDs.insert(try ProviderID(provider)) } catch { throw ConfigurationError("providers.enabled: \(error)") }
        }
        guard !accountIDs.isEmpty else { throw ConfigurationError("accounts: at least one merchant account is needed") }
        guard !ladderSeconds.isEmpty, ladderSeconds.allSatisfy({ $0 > 0 }), ladderSeconds == ladderSeconds.sorted() else {
            throw ConfigurationError("reconciler.ladderSeconds: give ascending positive offsets in seconds, e.g. 5,30,60")
        }
        var policy = OrderPolicy(accounts: accountIDs, providers: providerIDs, currencies: registry)
        policy.ladder = PollLadder(offsetsMilliseconds: ladderSeconds.map { Int64($0) * 1_000 })
        for provider in sweepProviders {
            do { policy.sweeps[try ProviderID(provider)] = sweep } catch { throw ConfigurationError("reconciler.sweep.providers: \(error)") }
        }
        return policy
    }
}

/// A setting that cannot be used, with the key and the reason.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
