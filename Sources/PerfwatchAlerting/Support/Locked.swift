internal import Synchronization

/// A `Mutex` in a class, so escaping closures (NIO callbacks, timer tasks) can share it.
/// `package`: the alerting test sinks use it too.
package final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    package init(_ value: Value) { mutex = Mutex(value) }
    package func withLock<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R { mutex.withLock(body) }
    package var value: Value { mutex.withLock { $0 } }
    package func set(_ newValue: Value) { mutex.withLock { $0 = newValue } }
}
