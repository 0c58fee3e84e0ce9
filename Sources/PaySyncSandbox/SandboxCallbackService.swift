import ServiceLifecycle

/// Drives the sandbox's callback deliveries on the wall clock: every `intervalMilliseconds` it
/// sends what is due. Stops on graceful shutdown.
public struct SandboxCallbackService: Service {
    let sandbox: Sandbox
    let intervalMilliseconds: UInt64

    public init(sandbox: Sandbox, intervalMilliseconds: UInt64 = 100) {
        self.sandbox = sandbox
        self.intervalMilliseconds = intervalMilliseconds
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sandbox.deliverDueCallbacks()
                try? await Task.sleep(nanoseconds: intervalMilliseconds * 1_000_000)
            }
        }
    }
}
