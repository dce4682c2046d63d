internal import Synchronization

/// A `Mutex` in a class, so escaping closures (NIO callbacks, timer tasks) can share it.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R { mutex.withLock(body) }
    var value: Value { mutex.withLock { $0 } }
    func set(_ newValue: Value) { mutex.withLock { $0 = newValue } }
}
