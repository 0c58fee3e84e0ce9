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
            // Each check on its own, so every problem is listed at once.
            var problems: [String] = []
            func check<T>(_ body: () throws -> T) -> T? {
                do { return try body() } catch let error as ConfigurationError {
                    problems.append(error.description)
                } catch {
                    problems.append("\(error)")
                }
                return nil
            }
            _ = check { try settings.logHandlerFactory() }
            if settings.apiToken?.isEmpty ?? true { problems.append("api.token: required (PAYSYNC_API_TOKEN or the file)") }
            let policy = check { try settings.orderPolicy() }
            let directory = policy.flatMap { policy in check { try settings.gateways.directory(accounts: policy.accounts, currencies: policy.currencies) } }
            guard problems.isEmpty, let policy, let directory else { throw ConfigurationError(problems.joined(separator: "\n")) }
            for warning in loaded.warnings { print("warning: \(warning)") }
            let gateways = directory.providers.map(\.rawValue).sorted()
            print("""
                configuration OK
                  accounts: \(policy.accounts.map(\.rawValue).sorted().joined(separator: ", "))
                  gateways configured: \(gateways.isEmpty ? "none" : gateways.joined(separator: ", "))
                  database: \(Self.redacted(settings.database))
                  listening on: \(settings.host):\(settings.port)
                """)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("paysync check-config: the configuration is refused:\n\(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// A database URL with its password replaced by `***`.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@"),
            let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
        else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }
}
