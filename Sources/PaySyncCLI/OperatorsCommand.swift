import ArgumentParser
import Foundation
import Logging
import PaySyncApp
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// `paysync operators add|list`: the console's people, kept in the configured database.
struct OperatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operators",
        abstract: "Add and list the console's operators.",
        subcommands: [Add.self, List.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an operator who signs in to /console.",
            discussion: """
                The password is read from standard input (one line), or asked for without echo on \
                a terminal; it is stored as a bcrypt hash. Viewers read every screen; operators \
                also cancel, refund, verify, resolve review items and replay callbacks.
                """
        )

        @Argument(help: "The name to sign in with: 1 to 64 of a-z, 0-9, '.', '_' and '-'.") var name: String
        @Option(help: "viewer or operator.") var role: Role
        @Option(help: "The JSON configuration file (its database.url names the database).") var config: String?

        enum Role: String, ExpressibleByArgument, CaseIterable {
            case viewer, `operator`
        }

        func run() async throws {
            let password = try Self.readPassword()
            try await OperatorsCommand.withOperators(config: config) { operators in
                do {
                    let added = try await operators.add(name: name, role: ConsoleOperator.Role(rawValue: role.rawValue)!, password: password)
                    print("operator \(added.name) added (\(added.role.rawValue))")
                } catch let error as PaySyncError where error.kind == .invalid || error.kind == .conflict {
                    FileHandle.standardError.write(Data("paysync operators add: \(error.message)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }

        /// One line from standard input; on a terminal, asked for twice without echo.
        static func readPassword() throws -> String {
            guard isatty(STDIN_FILENO) == 1 else {
                guard let line = readLine(strippingNewline: true) else {
                    throw ValidationError("no password on standard input: pipe one line, or run on a terminal")
                }
                return line
            }
            let first = String(cString: getpass("Password: "))
            let second = String(cString: getpass("Again: "))
            guard first == second else { throw ValidationError("the two passwords differ") }
            return first
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the operators: name, role, added.")

        @Option(help: "The JSON configuration file (its database.url names the database).") var config: String?

        func run() async throws {
            try await OperatorsCommand.withOperators(config: config) { operators in
                for found in try await operators.list() {
                    print("\(found.name)\t\(found.role.rawValue)\t\(found.createdAt.iso8601)")
                }
            }
        }
    }

    /// Opens the configured database, runs `body` with the operators kept in it, and closes it.
    static func withOperators(config: String?, _ body: (OperatorService) async throws -> Void) async throws {
        let store = try await PaySyncServer.connectStore(try await PaySyncConfiguration.load(file: config).settings)
        do {
            try await body(OperatorService(store: store, clock: SystemClock()))
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
    }
}
