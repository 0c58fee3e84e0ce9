import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
import ServiceLifecycle

/// `paysync sandbox`: the four gateways on loopback, for a PaySync configured against them.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the sandbox that plays CodePay, PayBy, NewPay and PayZApp on loopback.",
        discussion: """
            Keys live in --keys-dir: merchant-private.pem (the merchant's key, for PaySync's \
            gateways.*.merchantKeyFile), gateway-public.pem (for gateways.*.gatewayKeyFiles), \
            gateway-private.pem and payzapp-secret.txt. Missing ones are generated. Routes: /codepay, \
            /payby, /newpay, /payzapp, and the control API under /control (see docs/sandbox.md).
            """
    )

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind.") var port = 8081
    @Option(help: "Folder holding (or receiving) the sandbox's keys.") var keysDir = "sandbox-keys"
    @Option(help: "Seed of the fault plan.") var seed: UInt64 = 1
    @Option(help: "Fraction of callback deliveries dropped.") var drop = 0.0
    @Option(help: "Fraction of callbacks delivered twice.") var duplicate = 0.0
    @Option(help: "Fraction of callbacks followed by a forged copy.") var forge = 0.0
    @Option(help: "Fraction of queries answered 503.") var queryErrors = 0.0

    func run() async throws {
        let credentials = try loadOrCreateKeys()
        var configuration = try credentials.sandboxConfiguration()
        var rates = FaultPlan.Rates()
        rates.drop = drop
        rates.duplicate = duplicate
        rates.forge = forge
        rates.queryServerError = queryErrors
        configuration.faults = FaultPlan(seed: seed, rates: ["codepay": rates, "payby": rates, "newpay": rates, "payzapp": rates])
        let sandbox = try Sandbox(configuration: configuration, clock: SystemClock())
        let logger = Logger(label: "paysync-sandbox")
        let server = Application(
            router: sandbox.router(), configuration: .init(address: .hostname(host, port: port), serverName: "PaySync-Sandbox"),
            services: [SandboxCallbackService(sandbox: sandbox)], logger: logger)
        logger.info("sandbox listening", metadata: ["address": "\(host):\(port)", "keys": "\(keysDir)"])
        try await server.runService()
    }

    private func loadOrCreateKeys() throws -> SandboxCredentials {
        let files = FileManager.default
        try files.createDirectory(atPath: keysDir, withIntermediateDirectories: true)
        func read(_ name: String) throws -> String? {
            let path = "\(keysDir)/\(name)"
            return files.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : nil
        }
        if let merchant = try read("merchant-private.pem"), let gateway = try read("gateway-private.pem"), let secret = try read("payzapp-secret.txt") {
            return SandboxCredentials(merchantKey: try RSASigningKey(pem: merchant), gatewayKey: try RSASigningKey(pem: gateway), payZAppSecret: secret.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let fresh = SandboxCredentials.generate()
        try fresh.merchantKey.privateKeyPEM.write(toFile: "\(keysDir)/merchant-private.pem", atomically: true, encoding: .utf8)
        try fresh.merchantKey.publicKeyPEM.write(toFile: "\(keysDir)/merchant-public.pem", atomically: true, encoding: .utf8)
        try fresh.gatewayKey.privateKeyPEM.write(toFile: "\(keysDir)/gateway-private.pem", atomically: true, encoding: .utf8)
        try fresh.gatewayKey.publicKeyPEM.write(toFile: "\(keysDir)/gateway-public.pem", atomically: true, encoding: .utf8)
        try fresh.payZAppSecret.write(toFile: "\(keysDir)/payzapp-secret.txt", atomically: true, encoding: .utf8)
        return fresh
    }
}
