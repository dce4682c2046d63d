import Foundation
import PerfwatchAlerting
import PerfwatchAnalysis
import PerfwatchLoad

/// Files and documents users write: alert rules (YAML files, JSON bodies), load scenarios,
/// budgets.
extension FuzzTarget {
    static let fileTargets: [FuzzTarget] = [
        FuzzTarget(name: "alert-rules") { input in
            _ = AlertRuleLoader.parse(yaml: String(decoding: input, as: UTF8.self), file: "fuzz.yml")
            if let rule = try? AlertRule.decodeJSON(Data(input)) { _ = rule.encodeJSON() }
        },
        FuzzTarget(name: "load-scenario") { input in
            // A relative `payload.path` resolves against a directory that does not exist, and
            // absolute device paths are left out, so fuzzing never reads /dev/zero or the like.
            let text = String(decoding: input, as: UTF8.self)
            guard !["/dev", "/proc", "/sys"].contains(where: text.contains) else { return }
            let nowhere = URL(fileURLWithPath: "/nonexistent-perfwatch-fuzz")
            _ = try? LoadScenario.parse(yaml: text, baseDirectory: nowhere)
        },
        FuzzTarget(name: "budgets") { input in _ = try? BudgetFile.parse(String(decoding: input, as: UTF8.self)) },
    ]
}
