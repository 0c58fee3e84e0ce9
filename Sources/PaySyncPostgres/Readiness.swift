import Synchronization

/// A gate that opens once, or fails once: callers of `wait` suspend until then, and pass at once
/// after (one lock, no suspension). A waiting task that is canceled stops waiting with
/// `CancellationError`.
final class Readiness: Sendable {
    private enum Gate {
        case waiting([Int: CheckedContinuation<Void, any Error>])
        case open
        case failed(any Error)
    }

    private struct State {
        var gate = Gate.waiting([:])
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    func wait() async throws {
        let settled: Result<Void, any Error>? = state.withLock { state in
            switch state.gate {
            case .open: .success(())
            case .failed(let error): .failure(error)
            case .waiting: nil
            }
        }
        if let settled { return try settled.get() }
        let waiter = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let resolved: Result<Void, any Error>? = state.withLock { state in
                    switch state.gate {
                    case .open: return .success(())
                    case .failed(let error): return .failure(error)
                    case .waiting(var waiters):
                        // Canceled before it could wait: the handler below found nothing to remove.
                        if Task.isCancelled { return .failure(CancellationError()) }
                        waiters[waiter] = continuation
                        state.gate = .waiting(waiters)
                        return nil
                    }
                }
                if let resolved { continuation.resume(with: resolved) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard case .waiting(var waiters) = state.gate, let continuation = waiters.removeValue(forKey: waiter) else { return nil }
                state.gate = .waiting(waiters)
                return continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    func open() { settle(.open) { $0.resume() } }

    func fail(_ error: any Error) { settle(.failed(error)) { $0.resume(throwing: error) } }

    private func settle(_ final: Gate, _ release: (CheckedContinuation<Void, any Error>) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .waiting(let waiters) = state.gate else { return [] }
            state.gate = final
            return Array(waiters.values)
        }
        waiters.forEach(release)
    }
}
