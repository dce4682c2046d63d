import Foundation

/// Turns the first SIGINT (Ctrl-C) into a graceful stop of a running engine, so the tables
/// and the report are still produced; a second SIGINT exits at once with status 130.
public final class InterruptHandler: Sendable {
    private nonisolated(unsafe) let source: any DispatchSourceSignal

    /// Starts listening; keep the handler alive for the run, then call ``cancel()``.
    public init(onInterrupt: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = Counter()
        source.setEventHandler {
            if count.increment() > 1 { exit(130) }
            onInterrupt()
        }
        source.resume()
        self.source = source
    }

    public func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func increment() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
