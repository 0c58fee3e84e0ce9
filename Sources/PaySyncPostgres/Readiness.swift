import Synchronization

/// A gate that opens once, or fails once: callers of `wait` suspend until then, and pass at once
/// after (one lock, no suspension).
final class Readiness: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Void, any Error>])
        case open
        case failed(any Error)
    }

    private let state = Mutex<State>(.waiting([]))

    func wait() async throws {
        let passed: Result<Void, any Error>? = state.withLock { state in
            switch state {
            case .open: .success(())
            case .failed(let error): .failure(error)
            case .waiting: nil
            }
        }
        if let passed { return try passed.get() }
        try await withCheckedThrowingContinuation { continuation in
            let resolved: Result<Void, any Error>? = state.withLock { state in
                switch state {
                case .open: return .success(())
                case .failed(let error): return .failure(error)
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                }
            }
            if let resolved { continuation.resume(with: resolved) }
        }
    }

    func open() { settle(.open) { $0.resume() } }

    func fail(_ error: any Error) { settle(.failed(error)) { $0.resume(throwing: error) } }

    private func settle(_ final: State, _ release: (CheckedContinuation<Void, any Error>) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = final
            return waiters
        }
        waiters.forEach(release)
    }
}
