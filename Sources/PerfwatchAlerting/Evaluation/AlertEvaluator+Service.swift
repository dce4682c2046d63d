import ServiceLifecycle

/// The `Service` side: one loop per group, restarted when rules are replaced.
extension AlertEvaluator {
    /// Evaluates every group on its interval until cancelled or shut down gracefully;
    /// restarts the group loops when rules are replaced.
    public nonisolated func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let (generation, plan) = await self.currentPlan()
                await withTaskGroup(of: Void.self) { tasks in
                    for (name, interval) in plan {
                        tasks.addTask { await self.loop(group: name, interval: interval) }
                    }
                    tasks.addTask { await self.waitForReload(after: generation) }
                    _ = await tasks.next()
                    tasks.cancelAll()
                }
            }
        }
    }

    private func currentPlan() -> (Int, [(String, Duration)]) {
        (generation, groups.map { ($0.definition.name, $0.definition.interval) })
    }

    private nonisolated func loop(group name: String, interval: Duration) async {
        let intervalMs = max(1, interval.milliseconds)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            await evaluateGroup(named: name)
            let elapsedMs = (ContinuousClock.now - started).milliseconds
            // An overrun skips the missed ticks instead of evaluating back to back.
            let waitMs = intervalMs - elapsedMs % intervalMs
            do {
                try await clock.sleep(for: .milliseconds(waitMs))
            } catch {
                return
            }
        }
    }

    private func waitForReload(after seen: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if generation != seen || Task.isCancelled {
                    continuation.resume()
                } else {
                    reloadWaiters.append(continuation)
                }
            }
        } onCancel: {
            Task { await self.releaseReloadWaiters() }
        }
    }

    private func releaseReloadWaiters() {
        for waiter in reloadWaiters { waiter.resume() }
        reloadWaiters.removeAll()
    }
}
