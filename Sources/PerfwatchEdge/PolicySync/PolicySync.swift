import Foundation
import Logging
import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchHTTPClient
import ServiceLifecycle

/// Follows the server's published policy: `GET {server}/api/v1/edge/policy?edge=NAME&wait=30s`
/// with `If-None-Match: "N"` (N = the version this edge runs), which answers at once when the
/// version changed and otherwise holds up to 30 s and answers 304. A new version is applied
/// through `PolicyState` (or refused there); a failed request is retried after 2 s.
struct PolicySync: Service {
    let server: String
    let apiKey: String?
    let name: String
    let policy: PolicyState
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if await !poll() { try await Task.sleep(for: .seconds(2)) }
            }
        }
    }

    /// One long poll; false when the server could not be asked (back off before the next).
    func poll() async -> Bool {
        let edge = name.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? name
        var request = OutboundRequest.perfwatchAPI(
            "GET", server + "/api/v1/edge/policy?edge=\(edge)&wait=30s", apiKey: apiKey, timeout: .seconds(45))
        let known = max(policy.version, policy.refused?.version ?? 0)
        request.headers.append(("If-None-Match", "\"\(known)\""))
        do {
            let answer = try await OutboundHTTP.send(request)
            switch answer.status {
            case 304: return true
            case 200: receive(answer.body)
            default:
                logger.warning("policy request refused", metadata: ["status": "\(answer.status)", "body": "\(answer.text.prefix(200))"])
                return false
            }
            return true
        } catch {
            logger.debug("policy request failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    func receive(_ body: [UInt8]) {
        do {
            let received = try EdgePolicy.parse(json: body, what: "server policy")
            if received.version == policy.version { return }
            if let reason = policy.accept(received) {
                logger.warning("server policy refused", metadata: ["version": "\(received.version)", "reason": "\(reason)"])
            } else {
                logger.notice("server policy applied", metadata: ["version": "\(received.version)"])
            }
        } catch {
            let version = (try? ConfigNode.parseJSON(Data(body))["version"]?.int()).map(Int64.init) ?? -1
            policy.refuse(version: version, reason: error.description)
            logger.warning("server policy refused", metadata: ["reason": "\(error.description)"])
        }
    }
}
