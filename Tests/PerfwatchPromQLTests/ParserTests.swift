import PerfwatchPromQL
import Testing

@Suite struct ParserTests {
    /// Parses, prints, parses again: the second tree equals the first, and printing is stable.
    @Test(arguments: [
        "foo", "foo{a=\"b\"}", "{__name__=~\"foo|bar\", job!=\"x\"}", "foo{a!~\"b.*\", c=~\"d\"}",
        "foo[5m]", "foo[1h30m]", "foo offset 5m", "foo offset -1h", "foo[5m] offset 1w",
        "foo @ 100", "foo @ start()", "foo[5m] @ end()", "foo @ 100 offset 5m", "foo offset 5m @ 100.5",
        "rate(foo[5m])", "rate(foo[5m])[30m:1m]", "max_over_time(rate(foo[1m])[30m:])", "sum(foo)[10m:1m] offset 2m",
        "sum by (a, b) (foo)", "sum(foo) by (a)", "sum without (a) (foo)", "topk(3, foo)", "topk by (job) (3, foo)",
        "quantile(0.9, foo)", "count_values(\"x\", foo)",
        "1 + 2 * 3", "(1 + 2) * 3", "2 ^ 3 ^ 2", "-2 ^ 2", "-foo", "- -1", "a - -1",
        "a > bool b", "a == on (x) b", "a * ignoring (x) group_left (y) b", "a / on (x) group_right b",
        "a and b or c unless d", "a atan2 b", "a % b", "foo > 0", "1 < bool 2",
        "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
        "label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")", "label_join(up, \"d\", \",\", \"a\", \"b\")",
        "round(foo, 0.5)", "round(foo)", "time()", "vector(1)", "scalar(foo)", "0x1F", "Inf", "-Inf", "NaN",
        "1e3", ".5", "'single'", "`raw\\n`", "\"esc\\n\\\"\"", "foo # a comment\n + bar", "a:b:c{x=\"y\"}",
    ])
    func roundTrip(_ query: String) throws {
        let first = try PromQLParser.parse(query)
        let printed = first.description
        let second = try PromQLParser.parse(printed)
        // NaN literals are never equal to themselves; their printed forms are compared below.
        if !query.contains("NaN") { #expect(first == second, "\(query) printed as \(printed)") }
        #expect(second.description == printed)
    }

    @Test func precedenceAndAssociativity() throws {
        #expect(try PromQLParser.parse("1 + 2 * 3 ^ 2 ^ 2").description == "1 + 2 * 3 ^ 2 ^ 2")
        guard case .binary(let pow) = try PromQLParser.parse("2 ^ 3 ^ 2") else { Issue.record("not binary"); return }
        #expect(pow.lhs == .number(2), "^ is right-associative")
        guard case .binary(let sub) = try PromQLParser.parse("5 - 2 - 1") else { Issue.record("not binary"); return }
        #expect(sub.rhs == .number(1), "- is left-associative")
        guard case .unaryMinus(let inner) = try PromQLParser.parse("-2 ^ 2"), case .binary = inner else {
            Issue.record("unary minus binds looser than ^")
            return
        }
        guard case .binary(let or) = try PromQLParser.parse("a or b and c") else { Issue.record("not binary"); return }
        #expect(or.op == .or)
        guard case .binary(let comparison) = try PromQLParser.parse("a + b > c * d") else { Issue.record("not binary"); return }
        #expect(comparison.op == .gtr)
    }

    @Test func literalsAndDurations() throws {
        #expect(try PromQLParser.parse("0x1F") == .number(31))
        #expect(try PromQLParser.parse("-1.5e2") == .number(-150))
        guard case .number(let nan) = try PromQLParser.parse("nan") else { Issue.record("not a number"); return }
        #expect(nan.isNaN)
        #expect(try PromQLParser.parse("inF") == .number(.infinity))
        guard case .matrixSelector(let matrix) = try PromQLParser.parse("foo[1h30m]") else { Issue.record("no range"); return }
        #expect(matrix.rangeMs == 5_400_000)
        guard case .vectorSelector(let selector) = try PromQLParser.parse("foo offset -5m @ 10.5") else { Issue.record("no selector"); return }
        #expect(selector.offsetMs == -300_000)
        #expect(selector.at == .timestamp(10_500))
        #expect(try PromQLParser.parse("'a\\tb'") == .string("a\tb"))
        #expect(try PromQLParser.parse("\"\\u00e9\\x41\\101\"") == .string("éAA"))
        #expect(try PromQLParser.parse("`a\\nb`") == .string("a\\nb"))
        let expected: Int64 = 31_536_000_000 + 1_209_600_000 + 259_200_000 + 14_400_000 + 300_000 + 6000 + 7
        #expect(DurationSyntax.parse("1y2w3d4h5m6s7ms") == expected)
        #expect(DurationSyntax.parse("5m1h") == nil, "units go from largest to smallest")
        #expect(DurationSyntax.format(5_400_000) == "1h30m")
    }

    @Test func aggregationForms() throws {
        guard case .aggregation(let before) = try PromQLParser.parse("sum by (a) (foo)"),
            case .aggregation(let after) = try PromQLParser.parse("sum(foo) by (a)")
        else { Issue.record("not aggregations"); return }
        #expect(before == after)
        guard case .aggregation(let topk) = try PromQLParser.parse("topk(3, foo)") else { Issue.record("no topk"); return }
        #expect(topk.parameter == .number(3))
        guard case .binary(let binary) = try PromQLParser.parse("a * on (x) group_left (y, z) b") else { Issue.record("no binary"); return }
        #expect(binary.matching?.cardinality == .manyToOne)
        #expect(binary.matching?.labels == ["x"])
        #expect(binary.matching?.include == ["y", "z"])
    }

    /// Each bad query, the position and message the parser must report.
    @Test(arguments: [
        ("sum(rate(foo[5m])))", "1:19: unexpected \")\""),
        ("foo{a=\"b\"", "1:10: unexpected end of input, expected \",\" or \"}\""),
        ("rate(foo)", "1:6: expected type range vector in call to function \"rate\", got instant vector"),
        ("nosuch(foo)", "1:1: unknown function with name \"nosuch\""),
        ("abs(foo[5m])", "1:5: expected type instant vector in call to function \"abs\", got range vector"),
        ("histogram_quantile(\"a\", foo)", "1:20: expected type scalar in call to function \"histogram_quantile\", got string"),
        ("round()", "1:1: expected at least 1 argument(s) in call to \"round\", got 0"),
        ("clamp(foo, 1)", "1:1: expected 3 argument(s) in call to \"clamp\", got 2"),
        ("time(1)", "1:1: expected 0 argument(s) in call to \"time\", got 1"),
        ("foo[1.5m]", "1:5: bad number or duration syntax: \"1.5m\""),
        ("foo[5]", "1:5: unexpected number, expected duration"),
        ("foo + 5m", "1:7: unexpected duration"),
        ("{}", "1:1: vector selector must contain at least one non-empty matcher"),
        ("{a=~\".*\"}", "1:1: vector selector must contain at least one non-empty matcher"),
        ("foo{__name__=\"bar\"}", "1:5: metric name must not be set twice: \"foo\" or \"bar\""),
        ("foo{__name__=~\"b.*\"}", "1:5: metric name must not be set twice: \"foo\" or \"b.*\""),
        ("foo @ 1e30", "1:7: timestamp out of bounds for @ modifier"),
        ("", "1:1: unexpected end of input"),
        ("1 foo", "1:3: unexpected identifier \"foo\""),
        ("foo offset 5m[10m]", "1:14: no offset or @ modifiers allowed before range"),
        ("foo[0s]", "1:4: zero range in range selector"),
        ("sum by (a) (foo) by (b)", "1:16: aggregation must only contain one grouping clause"),
        ("foo @ bar", "1:7: unexpected identifier \"bar\", expected timestamp, start() or end() after @"),
        ("1 > 2", "1:3: comparisons between scalars must use BOOL modifier"),
        ("foo + bool bar", "1:7: bool modifier can only be used on comparison operators"),
        ("1 and foo", "1:3: set operator \"and\" not allowed in binary scalar expression"),
        ("foo and on(a) group_left bar", "1:15: no grouping allowed for \"and\" operation"),
        ("1 + on(a) foo", "1:5: vector matching only allowed between instant vectors"),
        ("foo[5m] + 1", "1:1: binary expression must contain only scalar and instant vector types"),
        ("sum(foo[5m])", "1:5: expected type instant vector in aggregation expression, got range vector"),
        ("topk(\"a\", foo)", "1:6: expected type scalar in aggregation parameter, got string"),
        ("count_values(1, foo)", "1:14: expected type string in aggregation parameter, got scalar"),
        ("sum(1, foo)", "1:1: wrong number of arguments for aggregate expression provided, expected 1, got 2"),
        ("rate(foo[5m])[5m]", "1:14: ranges only allowed for vector selectors"),
        ("foo[5m][10m:1m]", "1:8: subquery is only allowed on instant vector, got range vector"),
        ("foo offset 5m offset 1m", "1:15: offset may not be set multiple times"),
        ("1 offset 5m", "1:3: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery"),
        ("foo @ 1 @ 2", "1:9: @ <timestamp> may not be set multiple times"),
        ("foo{a=~\"(\"}", "1:8: invalid regular expression"),
        ("\"unterminated", "1:1: unterminated quoted string"),
        ("foo !", "1:5: unexpected character after \"!\""),
        ("-\"a\"", "1:2: unary expression only allowed on expressions of type scalar or instant vector"),
        ("foo\n  + )", "2:5: unexpected \")\""),
        ("a * on(x) group_left(x) b", "1:11: label \"x\" must not occur in ON and GROUP clause at once"),
    ])
    func syntaxErrors(_ query: String, _ expected: String) {
        do {
            let parsed = try PromQLParser.parse(query)
            Issue.record("\(query) parsed as \(parsed)")
        } catch let error as PromQLError {
            guard case .syntax = error else { Issue.record("not a syntax error: \(error)"); return }
            #expect(error.description.hasPrefix(expected), "\(query)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
