import Foundation
import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchModel

/// The `policy_change` member of a request body, checked by the edge policy's parser and kept in
/// its canonical wire form (what the store and the API hold).
enum EdgePolicyChangeText {
    static func canonical(inBody bytes: [UInt8]) throws -> String {
        do throws(ConfigError) {
            let root = try ConfigNode.parseJSON(Data(bytes))
            let node = try root.required("policy_change")
            return try EdgePolicyChange.parse(node).jsonText
        } catch {
            throw PerfwatchError(.badRequest, "optimization: \(error.description)")
        }
    }
}
