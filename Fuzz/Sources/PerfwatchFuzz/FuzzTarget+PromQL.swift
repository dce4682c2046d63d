import PerfwatchPromQL

/// PromQL text (issue 19): `query=` of the Prometheus API and `expr:` of rule files reach this parser from any
/// caller with read access. Every failure must be a `PromQLError` (the API answers 400 `bad_data` with its
/// position), and what parses must print as PromQL that parses back to the same text (the rules API and error
/// messages show the printed form).
extension FuzzTarget {
    static let promQLTargets: [FuzzTarget] = [
        FuzzTarget(name: "promql") { input in
            let text = String(decoding: input, as: UTF8.self)
            let expr: Expr
            do {
                expr = try PromQLParser.parse(text)
            } catch is PromQLError {
                return
            } catch {
                fatalError("PromQL parser threw a non-PromQL error: \(error)")
            }
            let printed = expr.description
            guard let again = try? PromQLParser.parse(printed), again.description == printed else {
                fatalError("printed query does not parse back to itself: \(printed)")
            }
        }
    ]
}
