import ArgumentParser

/// `paysync`: the payment-status service and its tools.
@main
struct PaySyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paysync",
        abstract: "Keeps a merchant's view of every payment converged to the gateways' truth.",
        subcommands: [Serve.self, CheckConfigCommand.self, OperatorsCommand.self, SandboxCommand.self, DemoCommand.self]
    )
}
