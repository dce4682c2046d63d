// Alerting benchmark: 1,000 rules against an in-memory data source (10 label sets per
// query), notifications to a local webhook sink.
//
// 1. CPU per evaluation round at the production interval of 15 s → % of one core.
// 2. Threshold-crossing → webhook latency with the real Service loops, at a 1 s interval
//    (shorter than production so the run stays brief; the target is interval + 1 s).
//
// Usage: alerting-bench [rules] [rounds] [latency-samples]
import Foundation
import PerfwatchAlerting
import PerfwatchAlertingTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let ruleCount = arguments.count > 0 ? arguments[0] : 1000
let rounds = arguments.count > 1 ? arguments[1] : 20
let latencySamples = arguments.count > 2 ? arguments[2] : 8
let labelSets = 10
let groupsCount = 10

func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func metric(_ index: Int) -> String { "bench.latency.\(index)" }

/// ~2% of label sets breach, so some alerts are firing throughout, as in a real install.
func samples(rule: Int, round: Int, breach: Bool = false) -> [AlertSample] {
    (0..<labelSets).map { set in
        let base = Double((rule * 31 + set * 7 + round) % 1500) + 200
        let over = breach || (rule + set) % 50 == 0
        return AlertSample(labels: ["service": "svc\(rule % 20)", "route": "GET /r\(set)"], value: over ? 2500 + base : base)
    }
}

func makeGroups(interval: Duration) -> [AlertRuleGroup] {
    let perGroup = ruleCount / groupsCount
    return (0..<groupsCount).map { groupIndex in
        AlertRuleGroup(name: "bench-\(groupIndex)", interval: interval, rules: (0..<perGroup).map { offset in
            let index = groupIndex * perGroup + offset
            return AlertRule(
                name: "Latency\(index)", query: AlertQuery(metric: metric(index), stat: "p95", by: ["service", "route"]), op: .greaterThan,
                threshold: 2000, labels: ["severity": index % 10 == 0 ? "critical" : "warning"],
                annotations: ["summary": "p95 of {{ $labels.route }} is {{ $value | ms }} (threshold {{ $threshold | ms }}) for {{ $for }}"])
        })
    }
}

let sink = try await HTTPTestSink.start()
let configuration = AlertingConfiguration(
    channels: [NotificationChannel(name: "hook", kind: .webhook, url: sink.url, timeout: .seconds(5))],
    routes: [NotificationRoute(channels: ["hook"], groupBy: ["alertname"])])
let data = InMemoryAlertDataSource(recordQueries: false)
for index in 0..<ruleCount { data.set(metric(index), samples(rule: index, round: 0)) }

// MARK: 1. CPU per round at 15 s

do {
    let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: nil))
    let evaluator = AlertEvaluator(groups: makeGroups(interval: .seconds(15)), dataSource: data, dispatcher: dispatcher, history: InMemoryAlertHistory())
    await evaluator.evaluateAll()  // warm-up: first round creates the firing instances
    await dispatcher.waitForDeliveries()
    var cpu: [Double] = []
    var wall: [Double] = []
    for round in 1...rounds {
        for index in 0..<ruleCount { data.set(metric(index), samples(rule: index, round: round)) }
        let cpuBefore = cpuSeconds()
        let wallBefore = ContinuousClock.now
        await evaluator.evaluateAll()
        await dispatcher.waitForDeliveries()
        wall.append(Double((ContinuousClock.now - wallBefore).milliseconds))
        cpu.append((cpuSeconds() - cpuBefore) * 1000)
    }
    let firing = await evaluator.alerts(state: .firing).count
    cpu.sort()
    wall.sort()
    let meanCPU = cpu.reduce(0, +) / Double(cpu.count)
    print("== CPU: \(ruleCount) rules × \(labelSets) label sets, \(rounds) rounds, \(firing) instances firing")
    print(String(format: "CPU per round: mean %.1f ms, p50 %.1f ms, max %.1f ms (wall p50 %.1f ms)", meanCPU, cpu[cpu.count / 2], cpu.last!, wall[wall.count / 2]))
    print(String(format: "at a 15 s interval: %.2f%% of one core (target < 20%%)", meanCPU / 15_000 * 100))
}

// MARK: 2. Crossing → webhook latency, Service loops at 1 s

do {
    let interval = Duration.seconds(1)
    for index in 0..<ruleCount { data.set(metric(index), samples(rule: index, round: 0)) }
    let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: nil), tick: .milliseconds(250))
    let evaluator = AlertEvaluator(groups: makeGroups(interval: interval), dataSource: data, dispatcher: dispatcher, history: InMemoryAlertHistory())
    let service = Task { try await evaluator.run() }
    let ticker = Task { try await dispatcher.run() }
    try await Task.sleep(for: .seconds(2))
    let cpuBefore = cpuSeconds()
    let wallBefore = ContinuousClock.now
    var latencies: [Double] = []
    for sample in 0..<latencySamples {
        // A quiet rule: index ≡ 5 (mod 50) would breach only at label set 45, which does
        // not exist, so its alertname group is new when it crosses.
        let rule = (sample * 50 + 5) % ruleCount
        let name = "Latency\(rule)"
        let seen = sink.requests.count
        let crossed = ContinuousClock.now
        data.set(metric(rule), samples(rule: rule, round: 0, breach: true))
        var arrived: ContinuousClock.Instant?
        while arrived == nil && ContinuousClock.now - crossed < .seconds(5) {
            try await Task.sleep(for: .milliseconds(2))
            for request in sink.requests.dropFirst(seen) {
                let payload = request.json as? [String: Any]
                if (payload?["groupLabels"] as? [String: String])?["alertname"] == name, payload?["status"] as? String == "firing" {
                    arrived = request.receivedAt
                    break
                }
            }
        }
        latencies.append(arrived.map { Double(($0 - crossed).milliseconds) } ?? .infinity)
        data.set(metric(rule), samples(rule: rule, round: 0))
        try await Task.sleep(for: .milliseconds(Int64(137 * (sample % 5) + 50)))  // vary the phase against the interval
    }
    let elapsed = Double((ContinuousClock.now - wallBefore).milliseconds) / 1000
    let usage = (cpuSeconds() - cpuBefore) / elapsed * 100
    service.cancel()
    ticker.cancel()
    latencies.sort()
    print("== Latency: \(ruleCount) rules evaluated every 1 s (Service loops), webhook to a local sink, \(latencySamples) crossings")
    print(String(format: "crossing → webhook: p50 %.0f ms, max %.0f ms (target ≤ interval + 1 s = 2000 ms)", latencies[latencies.count / 2], latencies.last!))
    print(String(format: "process CPU during the run: %.1f%% of one core at a 1 s interval (15× the production load)", usage))
}
await sink.stop()
