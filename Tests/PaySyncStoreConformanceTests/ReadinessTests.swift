@testable import PaySyncPostgres
import Testing

/// The gate PostgreSQL's operations wait on until the store has migrated.
@Suite("PostgreSQL readiness gate")
struct ReadinessTests {
    struct Unreachable: Error, Equatable {}

    @Test("waiters pass once the gate opens, and every later wait passes at once")
    func opens() async throws {
        let gate = Readiness()
        async let waiting: Void = gate.wait()
        try await Task.sleep(for: .milliseconds(20))
        gate.open()
        try await waiting
        try await gate.wait()
    }

    @Test("a failed start fails every waiter, and every later wait, with its error")
    func fails() async throws {
        let gate = Readiness()
        let waiter = Task { try await gate.wait() }
        try await Task.sleep(for: .milliseconds(20))
        gate.fail(Unreachable())
        await #expect(throws: Unreachable.self) { try await waiter.value }
        await #expect(throws: Unreachable.self) { try await gate.wait() }
    }

    @Test("a waiter whose task is canceled stops waiting with CancellationError; the gate still opens for others")
    func cancellation() async throws {
        let gate = Readiness()
        let waiter = Task { try await gate.wait() }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        gate.open()
        try await gate.wait()
    }
}
