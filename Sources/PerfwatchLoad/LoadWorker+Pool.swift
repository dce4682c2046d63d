internal import NIOCore
internal import NIOPosix

/// The worker's keep-alive connection pool: reuse an idle connection, else queue the
/// iteration and open a new connection while under the cap.
extension LoadWorker {
    func dispatch(_ iteration: Iteration) {
        if let connection = idle.popLast() {
            send(iteration, on: connection)
        } else {
            waiters.append(iteration)
            openConnectionIfNeeded()
        }
    }

    private func send(_ iteration: Iteration, on connection: HTTPConnection) {
        guard let rendered = iteration.rendered, let request = iteration.request else { return }
        connection.send(request, bytes: rendered, for: iteration)
    }

    func release(_ connection: HTTPConnection) {
        guard !connection.isClosed, !finished else { return }
        if let next = waiters.popFirst() {
            send(next, on: connection)
        } else {
            idle.append(connection)
        }
    }

    private func openConnectionIfNeeded() {
        guard !finished, open.count + connecting < settings.connectionCap, connecting < waiters.count else { return }
        connecting += 1
        let connection = HTTPConnection(worker: self)
        ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(settings.connectTimeout))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(to: settings.address)
            .whenComplete { [self] result in connectCompleted(connection, result) }
    }

    private func connectCompleted(_ connection: HTTPConnection, _ result: Result<any Channel, any Error>) {
        connecting -= 1
        switch result {
        case .success:
            if finished || connection.isClosed {
                connection.close()
                openConnectionIfNeeded()
                return
            }
            open.append(connection)
            release(connection)
        case .failure:
            if let waiter = waiters.popFirst() { requestFailed(waiter, kind: .connect, on: nil) }
            openConnectionIfNeeded()
        }
    }

    func connectionClosed(_ connection: HTTPConnection, failing iteration: Iteration?, kind: RequestErrorKind) {
        if let index = open.firstIndex(where: { $0 === connection }) { open.remove(at: index) }
        if let index = idle.firstIndex(where: { $0 === connection }) { idle.remove(at: index) }
        if let iteration { requestFailed(iteration, kind: kind, on: connection) }
        openConnectionIfNeeded()
    }
}
