import ArgumentParser
import Configuration
import Hummingbird
import Logging
import PaySyncHTTP
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
    @Option(help: "SQLite file path (database.url, default paysync.sqlite).") var database: String?
    @Option(help: "A JSON configuration file.") var config: String?

    func run() async throws {
        let reader = try await Self.reader(flags: flagValues(), file: config)
        let settings = PaySyncConfiguration(reader: reader)
        var logger = Logger(label: "paysync")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        let app: any ApplicationProtocol
        do {
            app = try PaySyncServer.buildApplication(configuration: settings, logger: logger)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        logger.info("PaySync listening", metadata: ["address": "\(settings.host):\(settings.port)", "database": "\(settings.database)"])
        try await app.runService()
    }

    private func flagValues() -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if let host { values["http.host"] = .init(.string(host), isSecret: false) }
        if let port { values["http.port"] = .init(.int(port), isSecret: false) }
        if let database { values["database.url"] = .init(.string(database), isSecret: false) }
        return values
    }

    /// flag > environment (`PAYSYNC_…`) > JSON file > defaults in `PaySyncConfiguration`.
    static func reader(flags: [AbsoluteConfigKey: ConfigValue], file: String?) async throws -> ConfigReader {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(secretsSpecifier: .specific(["PAYSYNC_API_TOKEN"])).prefixKeys(with: "paysync"),
        ]
        if let file {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file)))
        }
        return ConfigReader(providers: providers)
    }
}
