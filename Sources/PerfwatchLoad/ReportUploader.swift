import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix

/// Pushes a finished run to a Perfwatch server: `POST {server}/api/v1/load-runs` with the
/// report JSON as body (contract in docs/load-run.md), `Authorization: Bearer KEY` when given.
public enum ReportUploader {
    /// - Returns: the server's response body (the stored run, as the server describes it).
    /// - Throws: ``LoadError`` `.upload` naming the status or the connection problem.
    public static func push(_ report: LoadReport, server: String, apiKey: String? = nil, timeout: Duration = .seconds(10)) async throws(LoadError) -> String {
        let target = try LoadTarget(url: server, field: "--server")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Connection", value: "close")
        if let apiKey { headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let body = ByteBuffer(bytes: report.json())
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.basePath + "/api/v1/load-runs", headers: headers)
        let url = "\(target.description)/api/v1/load-runs"
        let response: (status: Int, body: String)
        do {
            let loop = group.next()
            let promise = loop.makePromise(of: (status: Int, body: String).self)
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.nanoseconds(min(timeout, .seconds(5)).nanoseconds))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(OneShotResponseHandler(promise: promise))
                    }
                }
                .connect(host: target.host, port: target.port).get()
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            let timer = loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
                promise.fail(ChannelError.connectTimeout(.nanoseconds(timeout.nanoseconds)))
            }
            response = try await promise.futureResult.get()
            timer.cancel()
            try? await channel.close()
        } catch {
            throw LoadError(.upload, "cannot push the run to \(url): \(error)")
        }
        guard (200..<300).contains(response.status) else {
            throw LoadError(.upload, "the server answered \(response.status) to POST \(url): \(response.body.prefix(500))")
        }
        return response.body
    }
}

/// Collects one response and completes the promise; the channel is closed by the caller.
private final class OneShotResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<(status: Int, body: String)>
    private var status = 0
    private var body = ByteBuffer()
    private var completed = false

    init(promise: EventLoopPromise<(status: Int, body: String)>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = Int(head.status.code)
        case .body(var part): body.writeBuffer(&part)
        case .end: complete(.success((status, String(buffer: body))))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(.failure(ChannelError.eof))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(.failure(error))
        context.close(promise: nil)
    }

    private func complete(_ result: Result<(status: Int, body: String), any Error>) {
        guard !completed else { return }
        completed = true
        promise.completeWith(result)
    }
}
