import ArgumentParser
import Foundation
import Configuration
import Hummingbird
import Logging
import PaySyncEngine
import PaySyncApp
import PaySyncHTTP
import PaySyncSandbox
import ServiceLifecycle
import SystemPackage

/// `paysync serve`: the merchant API on SQLite (or, later, PostgreSQL).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the PaySync server.",
        discussion: """
            Settings come from, in order of precedence: these flags, PAYSYNC_* environment variables \
            (e.g. PAYSYNC_API_TOKEN, PAYSYNC_HTTP_PORT), the JSON file given by --config, defaults. \
            See docs/configuration.md for every key.
            """
    )

    @Option(help: "Address to bind (http.host, default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind (http.port, default 8080).") var port: Int?
    @Option(help: "SQLite file path or postgres:// URL (database.url, default paysync.sqlite).") var database: String?
    @Option(help: "A JSON configuration file.") var config: String?
    @Flag(help: "Also run the built-in sandbox gateways in this process and use them for all four providers.") var sandbox = false
    @Option(help: "Port of the in-process sandbox (with --sandbox).") var sandboxPort = 8081

    func run() async throws {
        let app: any ApplicationProtocol
        let logger: Logger
        let settings: PaySyncConfiguration
        do {
            let loaded = try await PaySyncConfiguration.load(flags: flagValues(), file: config)
            settings = loaded.settings
            let makeHandler = try settings.logHandlerFactory()
            LoggingSystem.bootstrap(makeHandler)
            logger = Logger(label: "paysync")
            for warning in loaded.warnings { logger.warning("configuration: \(warning)") }
            if sandbox {
                let (directory, services) = try Self.inProcessSandbox(settings, port: sandboxPort, logger: logger)
                app = try await PaySyncServer.buildApplication(configuration: settings, gateways: directory, services: services, logger: logger)
                logger.info("sandbox gateways listening", metadata: ["address": "127.0.0.1:\(sandboxPort)"])
            } else {
                app = try await PaySyncServer.buildApplication(configuration: settings, logger: logger)
            }
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("paysync serve: the configuration is refused:\n\(error.description)\n".utf8))
            throw ExitCode(1)
        }
        logger.info("PaySync listening", metadata: ["address": "\(settings.host):\(settings.port)", "database": "\(settings.database)"])
        try await app.runService()
    }

    /// A sandbox on `port` with fresh keys, its callback loop, and adapters for every account.
    static func inProcessSandbox(_ settings: PaySyncConfiguration, port: Int, logger: Logger) throws -> (GatewayDirectory, [any Service]) {
        let policy = try settings.orderPolicy()
        let credentials = SandboxCredentials.generate()
        let sandbox = try Sandbox(configuration: try credentials.sandboxConfiguration(), clock: SystemClock())
        var sandboxLogger = logger
        sandboxLogger[metadataKey: "paysync.component"] = "sandbox"
        let server = Application(router: sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "PaySync-Sandbox"), logger: sandboxLogger)
        var directory = GatewayDirectory()
        for adapter in try credentials.adapters(baseURL: "http://127.0.0.1:\(port)", currencies: policy.currencies) {
            for account in policy.accounts { directory.register(adapter, account: account) }
        }
        return (directory, [server, SandboxCallbackService(sandbox: sandbox)])
    }

    private func flagValues() -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if let host { values["http.host"] = .init(.string(host), isSecret: false) }
        if let port { values["http.port"] = .init(.int(port), isSecret: false) }
        if let database { values["database.url"] = .init(.string(database), isSecret: false) }
        return values
    }

}
