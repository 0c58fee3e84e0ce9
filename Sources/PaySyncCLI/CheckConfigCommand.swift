import ArgumentParser
import Foundation
import PaySyncApp
import PaySyncCore
import PaySyncEngine

/// `paysync check-config`: everything `serve` would refuse at start-up, found without starting.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration without starting the server.",
        discussion: """
            Reads the settings as `paysync serve` does (PAYSYNC_* environment variables, then the \
            JSON file), then checks every value, every key of the file, the gateways' key files \
            and the log settings. Prints each problem on its own line and exits 1, or prints a \
            summary and exits 0.
            """
    )

    @Option(help: "The JSON configuration file.") var config: String?

    func run() async throws {
        do {
            let loaded = try await PaySyncConfiguration.load(file: config)
            let settings = loaded.settings
            _ = try settings.logHandlerFactory()
            let policy = try settings.orderPolicy()
            let directory = try settings.gateways.directory(accounts: policy.accounts, currencies: policy.currencies)
            guard let token = settings.apiToken, !token.isEmpty else { throw ConfigurationError("api.token: required (PAYSYNC_API_TOKEN or the file)") }
            for warning in loaded.warnings { print("warning: \(warning)") }
            let gateways = directory.providers.map(\.rawValue).sorted()
            print("""
                configuration OK
                  accounts: \(policy.accounts.map(\.rawValue).sorted().joined(separator: ", "))
                  gateways configured: \(gateways.isEmpty ? "none" : gateways.joined(separator: ", "))
                  database: \(settings.database)
                  listening on: \(settings.host):\(settings.port)
                """)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("paysync check-config: the configuration is refused:\n\(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
