import ArgumentParser
import Foundation
import PaySyncCore
import PaySyncGateways
import PaySyncSandbox

/// `paysync-bench verify`: the CPU one callback's gateway work costs, in process — parsing,
/// signature check, wire model, dedup key — for the HMAC-signed (PayZApp) and RSA-signed (CodePay)
/// wire formats, with the request headers wrk sends. Prints nanoseconds per callback.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify")

    @Option(help: "Callbacks to verify per gateway.") var iterations = 200_000

    func run() async throws {
        let credentials = SandboxCredentials.generate()
        let now = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        let secrets = try HMACSecrets([credentials.payZAppSecret])
        let payZApp = BenchPayZApp.adapter(secrets)
        let request = BenchPayZApp.receivedCallback(1, at: now, secrets: secrets)
        let (headers, body) = (request.headers, request.body)
        _ = try payZApp.callback(request, now: now)
        measure("payzapp callback (parse, HMAC-SHA256 check, wire model, dedup key)") { _ = try? payZApp.callback(request, now: now) }
        measure("payzapp body parse alone") { _ = try? RawJSONParser().parse(body) }
        let parsed = try RawJSONParser().parse(body)
        measure("payzapp signed bytes alone") { _ = PayZAppWire.signedBytes(headers: headers, query: [], body: parsed, includeBody: true) }
        let signed = PayZAppWire.signedBytes(headers: headers, query: [], body: parsed, includeBody: true)
        let signature = headers[PayZAppWire.signatureHeader]!
        measure("payzapp HMAC check alone") { _ = secrets.verify(base64Code: signature, over: signed) }

        let codePay = CodePayAdapter(configuration: CodePayConfiguration(
            appID: "app-cp", merchantNumber: "M100", merchantKey: credentials.merchantKey, gatewayKeys: try RSAVerificationKeys(pems: [credentials.gatewayKey.publicKeyPEM]),
            baseURL: "http://127.0.0.1:9/codepay"))
        let codePayBody = CodePayWire.signedBody(
            [("merchant_no", "M100"), ("merchant_order_no", "B-1"), ("trans_no", "G1"), ("trans_type", "sale"), ("trans_status", "2"),
             ("order_amount", "15.25"), ("price_currency", "USD"), ("sign_type", "RSA2")], key: credentials.gatewayKey)
        let codePayRequest = InboundCallback(headers: ["host": "127.0.0.1:18100", "content-type": "application/json"], body: codePayBody)
        _ = try codePay.callback(codePayRequest, now: now)
        measure("codepay callback (parse, RSA-2048 check, wire model, dedup key)", iterations: iterations / 10) {
            _ = try? codePay.callback(codePayRequest, now: now)
        }
        measure("RSA-2048 SHA256withRSA signature (one request or answer signed)", iterations: iterations / 100) {
            _ = credentials.gatewayKey.sign(codePayBody)
        }
    }

    func measure(_ name: String, iterations: Int? = nil, _ body: () -> Void) {
        let count = iterations ?? self.iterations
        let start = ContinuousClock.now
        for _ in 0..<count { body() }
        let elapsed = start.duration(to: .now)
        let nanoseconds = (elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000) / Int64(count)
        print("\(name): \(nanoseconds) ns")
    }
}
