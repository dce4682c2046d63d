import Foundation
import PerfwatchAlerting
import Testing

@Suite struct RuleParsingTests {
    static let goodAndBad = """
        groups:
          - name: api
            interval: 30s
            rules:
              - alert: ApiLatencyHigh
                query: {metric: http.server.duration, stat: p95, by: [service, route], where: ["method!=OPTIONS"], window: 5m}
                op: ">"
                threshold: 2000
                for: 5m
                keep_firing_for: 1m
                labels: {severity: critical}
                annotations:
                  summary: "p95 of {{ $labels.route }} is {{ $value | ms }} (threshold {{ $threshold | ms }}) for {{ $for }}"
              - alert: Broken
                query: {metric: http.server.duration, stat: p95}
                op: "=>"
                threshold: 1
              - alert: SomethingNobodySends
                query: {metric: my.unknown.metric, stat: avg}
                op: "<"
                threshold: 1
                no_data: alerting
        """

    @Test func badRuleIsReportedWithFileLineAndFieldAndOthersLoad() throws {
        let result = AlertRuleLoader.parse(yaml: Self.goodAndBad, file: "rules/api.yml")
        #expect(result.groups.count == 1)
        #expect(result.groups[0].rules.map(\.name) == ["ApiLatencyHigh", "SomethingNobodySends"])
        #expect(result.diagnostics.count == 1)
        let error = try #require(result.diagnostics.first)
        #expect(error.description == #"rules/api.yml:16: groups[0].rules[1].op: expected one of >, >=, <, <=, ==, !=; got "=>""#)
    }

    @Test func promQLExprRulesLoadBesideQueryRulesAndBadOnesAreReportedWithThePosition() throws {
        let text = """
            groups:
              - name: mixed
                rules:
                  - alert: FromPrometheus
                    expr: histogram_quantile(0.95, rate(http_duration_bucket[5m])) > 2
                    for: 5m
                  - alert: Ours
                    query: {metric: http.server.duration, stat: p95}
                    op: ">"
                    threshold: 2000
                  - alert: WithThreshold
                    expr: sum by (route) (rate(http_server_errors_total[5m]))
                    op: ">"
                    threshold: 0.5
                  - alert: Broken
                    expr: sum(rate(x[5m])
                  - alert: Both
                    expr: up == 0
                    query: {metric: up, stat: last}
                  - alert: Range
                    expr: up[5m]
                  - alert: HalfCondition
                    expr: up
                    op: ">"
            """
        let result = AlertRuleLoader.parse(yaml: text, file: "rules/prom.yml")
        let rules = result.groups.first?.rules ?? []
        #expect(rules.map(\.name) == ["FromPrometheus", "Ours", "WithThreshold"])
        #expect(rules.first?.query == AlertQuery(expr: "histogram_quantile(0.95, rate(http_duration_bucket[5m])) > 2"))
        #expect(rules.first?.op == .present && rules.first?.pendingFor == .seconds(300))
        #expect(rules.last?.op == .greaterThan && rules.last?.threshold == 0.5)
        #expect(result.diagnostics.map(\.description) == [
            #"rules/prom.yml:16: groups[0].rules[3].expr: PromQL 1:16: unexpected end of input, expected "," or ")""#,
            "rules/prom.yml:18: groups[0].rules[4].expr: a rule has either query: or expr:, not both",
            "rules/prom.yml:21: groups[0].rules[5].expr: PromQL expression must be an instant vector or a scalar, got range vector",
            "rules/prom.yml:22: groups[0].rules[6].threshold: required field is missing",
        ])
        // Stored API rules round-trip through JSON with their expr and without a threshold.
        let decoded = try AlertRule.decodeJSON(rules[0].encodeJSON())
        #expect(decoded == rules[0])
    }

    @Test func parsedRuleHasEveryField() throws {
        let rule = try #require(AlertRuleLoader.parse(yaml: Self.goodAndBad, file: "x.yml").groups.first?.rules.first)
        #expect(rule.query == AlertQuery(metric: "http.server.duration", stat: "p95", by: ["service", "route"], filters: ["method!=OPTIONS"], window: .seconds(300)))
        #expect(rule.op == .greaterThan)
        #expect(rule.threshold == 2000)
        #expect(rule.pendingFor == .seconds(300))
        #expect(rule.keepFiringFor == .seconds(60))
        #expect(rule.noData == .ok)
        #expect(rule.labels == ["severity": "critical"])
        #expect(AlertRuleLoader.parse(yaml: Self.goodAndBad, file: "x.yml").groups.first?.interval == .seconds(30))
    }

    @Test func unknownMetricIsAccepted() throws {
        let rules = AlertRuleLoader.parse(yaml: Self.goodAndBad, file: "x.yml").groups[0].rules
        #expect(rules.last?.query.metric == "my.unknown.metric")
        #expect(rules.last?.noData == .alerting)
    }

    @Test func yamlSyntaxErrorNamesFileAndLine() throws {
        let text = "groups:\n  - name: api\n    rules: [\n      - alert: x\n"
        let result = AlertRuleLoader.parse(yaml: text, file: "rules/broken.yml")
        #expect(result.groups.isEmpty)
        let error = try #require(result.diagnostics.first)
        #expect(error.code == "yaml_syntax")
        #expect(error.description.hasPrefix("rules/broken.yml:"))
        #expect(error.line != nil)
    }

    @Test(arguments: [
        ("threshold: abc", "groups[0].rules[0].threshold", "expected a number"),
        ("threshold: 1\n        for: 5 minutes", "groups[0].rules[0].for", "expected a duration"),
        // The duration grammar (DurationText) refuses a bare number and says what to write.
        ("threshold: 1\n        for: 5", "groups[0].rules[0].for", "\"5\" has no unit; write 5s for seconds"),
        ("threshold: 1\n        for: 300y", "groups[0].rules[0].for", "expected a duration"),
        ("threshold: 1\n        for: 1234567890123456789012345678901m", "groups[0].rules[0].for", "longer than the longest duration"),
        ("threshold: 1\n        no_data: maybe", "groups[0].rules[0].no_data", "expected one of ok, alerting, keep"),
        ("threshold: 1\n        treshold: 2", "groups[0].rules[0].treshold", "unknown key \"treshold\"; valid keys: alert, query"),
        ("threshold: 1\n        annotations: {summary: \"{{ $valeu }}\"}", "groups[0].rules[0].annotations.summary", "unknown template expression"),
    ])
    func schemaErrorsNameTheField(extra: String, field: String, message: String) throws {
        let text = """
            groups:
              - name: g
                rules:
                  - alert: A
                    query: {metric: m, stat: avg}
                    op: ">"
                    \(extra)
            """
        let result = AlertRuleLoader.parse(yaml: text, file: "f.yml")
        let error = try #require(result.diagnostics.first, "expected a diagnostic for \(extra)")
        #expect(error.field == field)
        #expect(error.message.contains(message))
        #expect(error.file == "f.yml")
        #expect(error.line != nil)
    }

    @Test func missingQueryFieldsAndBadStat() {
        let text = """
            groups:
              - name: g
                rules:
                  - alert: A
                    query: {stat: p95}
                    op: ">"
                    threshold: 1
                  - alert: B
                    query: {metric: m, stat: p999x}
                    op: ">"
                    threshold: 1
                  - alert: C
                    query: {metric: m, stat: p99, where: ["route"]}
                    op: ">"
                    threshold: 1
            """
        let diagnostics = AlertRuleLoader.parse(yaml: text, file: "f.yml").diagnostics
        #expect(diagnostics.map(\.field) == ["groups[0].rules[0].query.metric", "groups[0].rules[1].query.stat", "groups[0].rules[2].query.where[0]"])
        #expect(diagnostics[0].message == "required field is missing")
    }

    @Test func loadsDirectoryAndKeepsGoodFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.goodAndBad.write(to: directory.appendingPathComponent("api.yml"), atomically: true, encoding: .utf8)
        try "groups: [oops".write(to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        try "groups:\n  - name: db\n    rules:\n      - {alert: Slow, query: {metric: db.query.duration, stat: p95}, op: '>', threshold: 500}\n"
            .write(to: directory.appendingPathComponent("db.yaml"), atomically: true, encoding: .utf8)
        try "not rules".write(to: directory.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)
        let result = AlertRuleLoader.loadDirectory(directory)
        #expect(result.groups.map(\.name) == ["api", "db"])
        #expect(result.ruleCount == 3)
        #expect(result.diagnostics.count == 2)
        #expect(result.diagnostics.contains { $0.file?.hasSuffix("bad.yaml") == true && $0.code == "yaml_syntax" })
    }

    @Test func jsonRoundTripUsesRuleFileNames() throws {
        let rule = try #require(AlertRuleLoader.parse(yaml: Self.goodAndBad, file: "x.yml").groups.first?.rules.first)
        let json = rule.encodeJSON()
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["alert"] as? String == "ApiLatencyHigh")
        #expect(object["for"] as? String == "5m")
        #expect(object["keep_firing_for"] as? String == "1m")
        #expect((object["query"] as? [String: Any])?["window"] as? String == "5m")
        #expect((object["query"] as? [String: Any])?["where"] as? [String] == ["method!=OPTIONS"])
        #expect(try AlertRule.decodeJSON(json) == rule)
    }

    @Test func jsonErrorsNameTheField() throws {
        let body = #"{"alert": "X", "query": {"metric": "m", "stat": "p95", "window": "5 min"}, "op": ">", "threshold": 1}"#
        #expect(throws: AlertingError.self) { try AlertRule.decodeJSON(Data(body.utf8)) }
        do {
            _ = try AlertRule.decodeJSON(Data(body.utf8))
        } catch {
            #expect(error.field == "query.window")
            #expect(error.message.contains("expected a duration"))
        }
        do {
            _ = try AlertRule.decodeJSON(Data(#"{"alert": "X""#.utf8))
        } catch {
            #expect(error.code == "invalid_json")
        }
    }

    @Test func ratioQueryParses() throws {
        let rule = try #require(DefaultAlertRules.groups.flatMap(\.rules).first { $0.name == "ErrorRateHigh" })
        #expect(rule.query.ratioTo == AlertQuery.RatioDenominator(metric: "http.server.duration", stat: "count"))
        #expect(rule.query.denominatorQuery?.by == ["service", "route"])
    }

    @Test func defaultRulesParseCleanly() {
        let result = AlertRuleLoader.parse(yaml: DefaultAlertRules.yaml, file: "defaults")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let names = Set(result.groups.flatMap(\.rules).map(\.name))
        #expect(names == [
            "ApiLatencyHigh", "ErrorRateHigh", "DbQuerySlow", "LcpPoor", "JavaScriptTransferHigh", "HostCpuHigh", "HostMemoryHigh",
            "IngestRejections", "AlertEvaluationFailing",
        ])
        #expect(result.groups.flatMap(\.rules).allSatisfy { $0.noData == .ok })
    }

    @Test func laterRuleSourcesReplaceGroupsByName() {
        let defaults = DefaultAlertRules.groups
        let override = AlertRuleGroup(name: "perfwatch-defaults-host", rules: [])
        let combined = AlertRuleGroup.combine(defaults, [override])
        #expect(combined.count == defaults.count)
        #expect(combined.first { $0.name == "perfwatch-defaults-host" }?.rules.isEmpty == true)
    }
}

@Suite struct TemplateAndDurationTests {
    @Test func rendersTheNumberThatMatters() {
        let context = AnnotationTemplate.Context(value: 2400, threshold: 2000, labels: ["route": "GET /checkout"], pendingFor: .seconds(300))
        let text = AnnotationTemplate.render("p95 of {{ $labels.route }} is {{ $value | ms }} (threshold {{$threshold|ms}}) for {{ $for }}", context)
        #expect(text == "p95 of GET /checkout is 2.4 s (threshold 2 s) for 5 min")
    }

    @Test func formats() {
        #expect(AnnotationTemplate.formatNumber(2.4300000000000002) == "2.43")
        #expect(AnnotationTemplate.formatNumber(2400) == "2400")
        #expect(AnnotationTemplate.formatNumber(0.000123) == "0.000123")
        #expect(AnnotationTemplate.formatNumber(850, as: "ms") == "850 ms")
        #expect(AnnotationTemplate.formatNumber(0.0534, as: "percent") == "5.34%")
        #expect(AnnotationTemplate.formatNumber(2_150_000, as: "bytes") == "2.15 MB")
        let missing = AnnotationTemplate.render("{{ $value }} on {{ $labels.nope }}|", .init(value: nil, threshold: 1, labels: [:]))
        #expect(missing == "no data on |")
    }

    @Test func durations() {
        #expect(AlertDuration.format(.seconds(5400)) == "1h30m")
        #expect(AlertDuration.format(.milliseconds(250)) == "250ms")
    }

    @Test func rfc3339() {
        #expect(RFC3339.format(ms: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(ms: 1_795_902_123_456) == "2026-11-28T21:42:03.456Z")
    }
}
