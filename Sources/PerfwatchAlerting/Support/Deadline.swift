/// Runs `operation` but returns (throwing a `timeout` error) once `timeout` has passed,
/// even if the operation ignores cancellation: a hanging notifier or data source must not
/// hold up the caller. The operation is cancelled and left to finish on its own.
func withDeadline<T: Sendable>(
    _ timeout: Duration, what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let state = Locked<DeadlineState>(DeadlineState())
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        func finish(_ result: Result<T, any Error>) {
            let tasks = state.withLock { value -> (Task<Void, Never>?, Task<Void, Never>?)? in
                if value.resumed { return nil }
                value.resumed = true
                return (value.work, value.timer)
            }
            guard let tasks else { return }
            tasks.0?.cancel()
            tasks.1?.cancel()
            continuation.resume(with: result)
        }
        let work = Task {
            do {
                finish(.success(try await operation()))
            } catch {
                finish(.failure(error))
            }
        }
        let timer = Task {
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return
            }
            finish(.failure(AlertingError(code: "timeout", message: "\(what) did not finish within \(AlertDuration.format(timeout))")))
        }
        let alreadyDone = state.withLock { value -> Bool in
            value.work = work
            value.timer = timer
            return value.resumed
        }
        if alreadyDone {
            work.cancel()
            timer.cancel()
        }
    }
}

private struct DeadlineState: Sendable {
    var resumed = false
    var work: Task<Void, Never>?
    var timer: Task<Void, Never>?
}
