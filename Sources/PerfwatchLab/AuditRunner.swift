import Foundation
import PerfwatchModel

/// One audit run: a fresh context, Lighthouse's throttling, the navigation, the wait for a settled page,
/// then everything read back for `RunFacts`. With `collectMetrics` off it only loads the page under the same
/// throttling (the benchmark's bare load).
struct AuditRunner {
    let browser: LabBrowser
    let url: String
    let profile: ThrottlingProfile
    let timeout: Duration
    let collectMetrics: Bool

    /// How long the network must stay idle after the load event, and the main thread free of long tasks.
    static let networkQuiet: TimeInterval = 0.5
    static let cpuQuietMs = 500.0
    static let cpuIdleCap: TimeInterval = 5

    func run() async throws -> RunFacts {
        let pipe = browser.pipe
        let started = Date()
        let deadline = started.addingTimeInterval(Double(timeout.components.seconds))
        let (context, session) = try await browser.openPage()
        defer { Task { [browser] in await browser.closeContext(context) } }
        let recorder = RunRecorder(session: session)
        pipe.onEvent { event in
            if let frame = recorder.record(event) {
                Task { _ = try? await pipe.send("Page.screencastFrameAck", ["sessionId": frame], session: session) }
            }
        }
        defer { pipe.onEvent(nil) }

        func send(_ method: String, _ params: [String: Any] = [:]) async throws -> CDPObject {
            try await pipe.send(method, params, session: session)
        }
        _ = try await send("Page.enable")
        _ = try await send("Network.enable")
        _ = try await send("Inspector.enable")
        _ = try await send(
            "Emulation.setDeviceMetricsOverride",
            ["width": profile.width, "height": profile.height, "deviceScaleFactor": profile.deviceScaleFactor, "mobile": profile.mobile])
        _ = try await send(
            "Network.emulateNetworkConditions",
            ["offline": false, "latency": profile.latencyMs, "downloadThroughput": profile.downloadBytesPerSecond,
             "uploadThroughput": profile.uploadBytesPerSecond])
        _ = try await send("Emulation.setCPUThrottlingRate", ["rate": profile.cpuSlowdown])
        if collectMetrics {
            _ = try await send("Page.addScriptToEvaluateOnNewDocument", ["source": PageProbe.observers])
            _ = try await send("Profiler.enable")
            _ = try await send("Profiler.startPreciseCoverage", ["callCount": true, "detailed": true])
            _ = try await send("DOM.enable")
            _ = try await send("CSS.enable")
            _ = try await send("CSS.startRuleUsageTracking")
            _ = try await send(
                "Page.startScreencast", ["format": "jpeg", "quality": 60, "maxWidth": 412, "maxHeight": 720, "everyNthFrame": 1])
        }

        let navigateTimeout = Duration.seconds(max(1, deadline.timeIntervalSinceNow))
        let navigation: CDPObject
        do {
            navigation = try await pipe.send("Page.navigate", ["url": url], session: session, timeout: navigateTimeout)
        } catch LabError.timeout {
            throw LabError.navigation("\(url) sent no response within \(Int(timeout.components.seconds)) s")
        }
        if let error = navigation.string("errorText"), !error.isEmpty {
            throw LabError.navigation("cannot load \(url): \(error)")
        }

        var warnings: [String] = []
        let settled = try await waitUntilSettled(recorder: recorder, send: send, deadline: deadline)
        if !settled {
            warnings.append("page did not finish loading within \(Int(timeout.components.seconds)) s: partial result")
        }
        var facts = RunFacts(
            startedMs: started.timeIntervalSince1970 * 1000, durationMs: 0, requests: recorder.requests, warnings: warnings)
        if collectMetrics {
            _ = try await send("Emulation.setCPUThrottlingRate", ["rate": 1])
            _ = try? await send("Page.stopScreencast")
            let collected = try await send("Runtime.evaluate", ["expression": PageProbe.collect, "awaitPromise": true, "returnByValue": true])
            facts.page = collected.object("result")?.object("value") ?? CDPObject([:])
            facts.coverage = try await send("Profiler.takePreciseCoverage").objects("result")
            facts.ruleUsage = try await send("CSS.stopRuleUsageTracking").objects("ruleUsage")
            facts.styleSheets = recorder.sheets
            for request in facts.requests where Opportunities.mayCompress(request) {
                guard let body = try? await send("Network.getResponseBody", ["requestId": request.id]) else { continue }
                let text = body.string("body") ?? ""
                let bytes = body.bool("base64Encoded") == true ? [UInt8](Data(base64Encoded: text) ?? Data()) : Array(text.utf8)
                facts.bodies[request.id] = bytes
            }
            facts.screenshots = recorder.screenshots
            let finalURL = try? await send("Runtime.evaluate", ["expression": "location.href", "returnByValue": true])
            facts.finalURL = finalURL?.object("result")?.string("value")
        }
        facts.durationMs = Date().timeIntervalSince(started) * 1000
        return facts
    }

    /// Load event, then network quiet, then (collecting) a main thread without long tasks for a while, at most
    /// `cpuIdleCap`. False when the deadline came first.
    private func waitUntilSettled(
        recorder: RunRecorder, send: (String, [String: Any]) async throws -> CDPObject, deadline: Date
    ) async throws -> Bool {
        func check() throws {
            if recorder.hasCrashed { throw LabError.browser("the page's renderer crashed") }
            if let closed = browser.pipe.closedReason { throw LabError.browser(closed) }
            if !browser.isAlive { throw LabError.browser("the browser exited or crashed") }
        }
        while !recorder.isLoaded {
            try check()
            if Date() >= deadline { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        while true {
            try check()
            if Date() >= deadline { return false }
            let network = recorder.network
            // Idle, or (as Puppeteer's networkidle2) at most two requests that have been hanging for a while:
            // a long poll or a request the browser never closes must not hold every audit to its cap.
            if network.inFlight == 0 && network.quietFor >= Self.networkQuiet { break }
            if network.inFlight <= 2 && network.quietFor >= Self.networkQuiet * 4 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard collectMetrics else { return true }
        let idleDeadline = min(deadline, Date().addingTimeInterval(Self.cpuIdleCap))
        while Date() < idleDeadline {
            try check()
            let probe = try await send("Runtime.evaluate", ["expression": PageProbe.lastLongTaskEnd, "returnByValue": true])
            if let value = probe.object("result")?.object("value"), let now = value.double("now"), let lastEnd = value.double("lastEnd"),
                now - lastEnd >= Self.cpuQuietMs
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return Date() < deadline
    }
}

/// Everything one run read from the browser, before it becomes an `AuditRun`.
struct RunFacts: @unchecked Sendable {
    var startedMs: Double
    var durationMs: Double
    var requests: [RunRecorder.Request]
    var warnings: [String]
    var page = CDPObject([:])
    var coverage: [CDPObject] = []
    var ruleUsage: [CDPObject] = []
    var styleSheets: [String: (url: String, length: Double)] = [:]
    var bodies: [String: [UInt8]] = [:]
    var screenshots: [RunRecorder.Frame] = []
    var finalURL: String?
}
