import Foundation
import PaySyncCore
import Testing

/// The console as a person uses it, in a real headless Chromium driven by Selenium
/// (Tests/Receivers/console_browser.py); scripts/test installs Debian's chromium and
/// chromium-driver and Selenium from PyPI.
@Suite("Console in a browser")
struct ConsoleBrowserTests {
    @Test(
        "in Chromium: sign in, find an order by number, read its timeline, resolve a review item, replay a refused callback, export CSV; a viewer's action and a form without its CSRF token are refused",
        .enabled(if: StandardWebhooksReceiver.python != nil, "scripts/test sets PAYSYNC_TEST_PYTHON"), .timeLimit(.minutes(5)))
    func browser() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.instance.operators.add(name: "ana", role: .operator, password: ConsoleTests.password)
            _ = try await client.instance.operators.add(name: "vic", role: .viewer, password: ConsoleTests.password)
            // An endpoint (no deliverer runs here, so its deliveries stay pending).
            #expect(try await client.request(.post, "/v1/endpoints", json: #"{"url":"https://shop.example/paysync"}"#).status == 201)
            // A-1001: paid a cent at CodePay (a review item), then a forged callback (refused).
            _ = try await client.create()
            try await api.sandbox.pay("codepay", "A-1001")
            _ = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", amount: Money(minorUnits: 1, currency: .USD)), "codepay")
            #expect(try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", forged: true), "codepay").status == 401)
            _ = try await client.create(number: "B-2002", amount: "7.00")
            let run = try await Self.run(url: "http://127.0.0.1:\(client.port)")
            #expect(run.status == 0, "\(run.output)")
        }
    }

    /// console_browser.py in scripts/python-env's interpreter; its exit status and what it printed.
    static func run(url: String) async throws -> (status: Int32, output: String) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Receivers/console_browser.py")
        let directory = FileManager.default.temporaryDirectory
        var environment = ProcessInfo.processInfo.environment
        environment["PAYSYNC_CONSOLE_URL"] = url
        environment["PAYSYNC_CONSOLE_PASSWORD"] = ConsoleTests.password
        return try await PythonRun.run([script.path], environment: environment, directory: directory, log: "paysync-console-browser-\(UUID().uuidString).log")
    }
}
