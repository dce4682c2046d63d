import Foundation

/// One running Chromium and its DevTools pipe. Runs open a fresh browser context each (no cache, cookies or
/// service workers carried over); a crash closes the pipe and `isAlive` turns false, so the engine starts another.
final class LabBrowser: @unchecked Sendable {
    let pipe: DevToolsPipe
    let version: String
    private let process: ChromiumProcess
    private var histogramSession: String?

    private init(process: ChromiumProcess, pipe: DevToolsPipe, version: String) {
        self.process = process
        self.pipe = pipe
        self.version = version
    }

    static func launch(executable: String) async throws -> LabBrowser {
        let process = try ChromiumProcess(executable: executable)
        let pipe = DevToolsPipe(process: process)
        do {
            let version = try await pipe.send("Browser.getVersion", timeout: .seconds(20))
            return LabBrowser(process: process, pipe: pipe, version: version.string("product") ?? "Chromium")
        } catch {
            process.terminate()
            throw LabError.browser("Chromium did not answer on its DevTools pipe: \(error)")
        }
    }

    var isAlive: Bool { pipe.closedReason == nil && !process.hasExited }

    /// A new page in a new browser context, attached in flat mode (its session id rides on each message).
    func openPage() async throws -> (context: String, session: String) {
        let context = try await pipe.send("Target.createBrowserContext", ["disposeOnDetach": true]).string("browserContextId") ?? ""
        let target = try await pipe.send("Target.createTarget", ["url": "about:blank", "browserContextId": context]).string("targetId") ?? ""
        let session = try await pipe.send("Target.attachToTarget", ["targetId": target, "flatten": true]).string("sessionId") ?? ""
        return (context, session)
    }

    func closeContext(_ context: String) async {
        _ = try? await pipe.send("Target.disposeBrowserContext", ["browserContextId": context], timeout: .seconds(10))
    }

    /// Speedline's histograms of the frames, decoded by a blank page of the default context (kept for the browser's life).
    func histograms(_ jpegs: [String]) async throws -> [[Int]] {
        if histogramSession == nil {
            let target = try await pipe.send("Target.createTarget", ["url": "about:blank"]).string("targetId") ?? ""
            histogramSession = try await pipe.send("Target.attachToTarget", ["targetId": target, "flatten": true]).string("sessionId")
        }
        let framesJSON = String(decoding: try JSONSerialization.data(withJSONObject: jpegs), as: UTF8.self)
        let answer = try await pipe.send(
            "Runtime.evaluate", ["expression": PageProbe.histograms(framesJSON), "awaitPromise": true, "returnByValue": true],
            session: histogramSession, timeout: .seconds(30))
        guard let value = answer.object("result")?["value"] as? [[NSNumber]] else {
            throw LabError.protocolError("the screenshot histograms came back empty")
        }
        return value.map { $0.map(\.intValue) }
    }

    var pidForTests: Int32 { process.pid }

    func close() {
        process.terminate()
    }
}
