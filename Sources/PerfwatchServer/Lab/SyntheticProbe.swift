import PerfwatchHTTPClient

/// What one run of a check found.
struct SyntheticOutcome: Sendable, Equatable {
    var up: Bool
    var durationMs: Double
    /// Why the check is down (nil when up): the status, the missing text, or the connection error.
    var reason: String?
    /// A browser check's lab figures by metric suffix (`lcp`, `fcp`, `cls`, `tbt`, `ttfb`, `score`); empty for HTTP.
    var browserMetrics: [String: Double] = [:]
}

/// Runs one HTTP check through the process's one outbound client (`OutboundHTTP`).
enum SyntheticProbe {
    /// Bodies are read up to this much to look for `body_contains`.
    static let maxBodyBytes = 1 << 20

    static func run(_ check: SyntheticCheck) async -> SyntheticOutcome {
        let request = OutboundRequest(
            method: check.method, url: check.url, headers: check.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            timeout: .milliseconds(check.timeoutMs), maxResponseBytes: maxBodyBytes)
        let clock = ContinuousClock()
        let start = clock.now
        let result: Result<OutboundResponse, OutboundHTTPError>
        do throws(OutboundHTTPError) {
            result = .success(try await OutboundHTTP.send(request))
        } catch {
            result = .failure(error)
        }
        let elapsed = clock.now - start
        let durationMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return judge(check, result, durationMs: durationMs)
    }

    /// Up when the status is the expected one and the body holds `body_contains` (when set).
    static func judge(_ check: SyntheticCheck, _ result: Result<OutboundResponse, OutboundHTTPError>, durationMs: Double) -> SyntheticOutcome {
        switch result {
        case .failure(let error):
            return SyntheticOutcome(up: false, durationMs: durationMs, reason: error.description)
        case .success(let response):
            if response.status != check.expectStatus {
                return SyntheticOutcome(up: false, durationMs: durationMs, reason: "status \(response.status), expected \(check.expectStatus)")
            }
            if let needle = check.bodyContains, !response.text.contains(needle) {
                return SyntheticOutcome(up: false, durationMs: durationMs, reason: "body does not contain \"\(needle)\"")
            }
            return SyntheticOutcome(up: true, durationMs: durationMs, reason: nil)
        }
    }
}

/// At most `limit` runs at once across all checks (a slow target must not pile up requests).
actor RunSlots {
    let limit: Int
    private var inUse = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Hands the slot to the first waiter, if any.
    func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
