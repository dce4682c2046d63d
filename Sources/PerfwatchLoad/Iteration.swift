internal import NIOCore

/// One run of a flow by a virtual user: its variables, current step and intended start.
///
/// Confined to its worker's event loop, like everything the worker owns.
final class Iteration: @unchecked Sendable {
    let number: Int
    let flow: CompiledFlow
    var variables: [String: String]
    var step = 0
    /// When the pending request was meant to start: the arrival time for the first request,
    /// the previous response or the end of a think time for later ones. Latency measured
    /// from here includes time queued for a connection (coordinated-omission correction).
    var intended: UInt64
    var request: CompiledRequest?
    var rendered: ByteBuffer?

    init(number: Int, flow: CompiledFlow, variables: [String: String], intended: UInt64) {
        self.number = number
        self.flow = flow
        self.variables = variables
        self.intended = intended
    }
}
