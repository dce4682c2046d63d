import PerfwatchEdgePolicy
public import PerfwatchModel
public import PerfwatchQuery

/// `edge_compression`: per service behind `perfwatch edge`, the content types sent
/// uncompressed (`identity`) — at least `minBytes` of them in the window and at least half of
/// the type's bytes — whose sampled brotli size saves at least `minSaving` (from at least
/// `minSampledBytes` of samples, so one small body decides nothing). Already-compressed formats
/// fall out by themselves: brotli saves little on them. The estimate is the sampled saving
/// applied to the identity bytes. The proposed compression rule lists the types found, then
/// the edge's default types, because a policy change replaces the whole rule: proposing only
/// the new types would stop compressing the others.
public struct EdgeCompressionAnalyzer: Analyzer {
    public var minBytes = 1_048_576.0
    public var minSampledBytes = 32_768.0
    public var minSaving = 0.2
    let engine: QueryEngine

    public init(engine: QueryEngine) { self.engine = engine }

    public var types: Set<String> { ["edge_compression"] }

    struct ContentType {
        var name: String
        var identityBytes = 0.0, totalBytes = 0.0, sampled = 0.0, compressed = 0.0
        var routes: [String: Double] = [:]
        var saving: Double { sampled > 0 ? 1 - compressed / sampled : 0 }
    }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let bytes = try await engine.table(
            "edge.bytes_out", [.sum], by: ["service", "route", "content_type", "content_encoding"], from: context.from, to: context.to,
            nowMs: context.nowMs)[0]
        var services: [String: [String: ContentType]] = [:]
        for (labels, sum) in bytes {
            let service = labels["service"] ?? "", type = labels["content_type"] ?? ""
            guard !type.isEmpty else { continue }
            var entry = services[service]?[type] ?? ContentType(name: type)
            entry.totalBytes += sum
            if labels["content_encoding"] == "identity" {
                entry.identityBytes += sum
                entry.routes[labels["route"] ?? "", default: 0] += sum
            }
            services[service, default: [:]][type] = entry
        }
        let sampleBy = ["service", "content_type"]
        let sampled = try await engine.table(
            "edge.brotli_sample", [.sum], by: sampleBy, from: context.from, to: context.to, nowMs: context.nowMs)[0]
        let compressed = try await engine.table(
            "edge.brotli_sample_compressed", [.sum], by: sampleBy, from: context.from, to: context.to, nowMs: context.nowMs)[0]
        for (labels, sum) in sampled {
            let service = labels["service"] ?? "", type = labels["content_type"] ?? ""
            guard services[service]?[type] != nil else { continue }
            services[service]?[type]?.sampled = sum
            services[service]?[type]?.compressed = compressed[labels] ?? sum
        }
        let active = try await EdgeRecommendation.activeSeconds(engine, metric: "edge.bytes_out", by: ["service"], context: context)
        var findings: [PerformanceIssue] = []
        for (service, types) in services {
            let found = types.values.filter {
                $0.identityBytes >= minBytes && $0.identityBytes >= 0.5 * $0.totalBytes && $0.sampled >= minSampledBytes
                    && $0.saving >= minSaving
            }.sorted { $0.identityBytes > $1.identityBytes }
            guard !found.isEmpty else { continue }
            let sampledTotal = found.map(\.sampled).reduce(0, +)
            let saving = 1 - found.map(\.compressed).reduce(0, +) / sampledTotal
            let identity = found.map(\.identityBytes).reduce(0, +)
            let saved = found.map { $0.identityBytes * $0.saving }.reduce(0, +)
            let seconds = max(1, active[Labels(["service": service])] ?? 1)
            var routeBytes: [String: Double] = [:]
            for type in found { routeBytes.merge(type.routes) { $0 + $1 } }
            let routes = routeBytes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
            let policyTypes = found.map(\.name) + CompressionRule.defaultTypes.filter { type in !found.contains { $0.name == type } }
            let change = EdgePolicyChange(compression: CompressionRule(types: policyTypes))
            let typeList = found.map { "\($0.name) (\(EdgeRecommendation.percent($0.saving)))" }.joined(separator: ", ")
            findings.append(
                PerformanceIssue(
                    fingerprint: "edge_compression|\(service)|", type: "edge_compression",
                    title: "\(Self.names(routes)) \(routes.count == 1 ? "is" : "are") served uncompressed: brotli saves \(EdgeRecommendation.percent(saving))",
                    description: "The edge of \(service) sent \(Self.size(identity)) of \(typeList) without Content-Encoding in \(EdgeRecommendation.window(context)) (routes \(routes.prefix(10).joined(separator: ", "))); brotli on sampled responses (\(Self.size(sampledTotal))) saves \(EdgeRecommendation.percent(saving)).",
                    recommendation: "Compress \(found.map(\.name).joined(separator: ", ")) at the edge with brotli or gzip (by Accept-Encoding): about \(Self.size(saved)) less in \(EdgeRecommendation.window(context)), \(Self.size(saved / seconds))/s while traffic flows. Applying it publishes: \(change.summary).",
                    severity: saving >= 0.5 ? "warning" : "info", service: service, route: "", impactMs: 0,
                    evidence: Format.evidence([
                        "contentTypes": "[" + found.map { Format.string($0.name) }.joined(separator: ",") + "]",
                        "routes": "[" + routes.map(Format.string).joined(separator: ",") + "]",
                        "identityBytes": Format.number(identity), "sampledBytes": Format.number(sampledTotal),
                        "brotliSaving": Format.number(saving), "expectedBytesSaved": Format.number(saved),
                        "policy_change": change.jsonText,
                    ])))
        }
        return findings.sorted { $0.fingerprint < $1.fingerprint }
    }

    /// "app.js and styles.css": a route's file name when it has one, else the route; at most three.
    static func names(_ routes: [String]) -> String {
        let names = routes.map { route -> String in
            let last = route.split(separator: "/").last.map(String.init) ?? route
            return last.contains(".") ? last : route
        }
        if names.count <= 3 { return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1] }
        return names.prefix(3).joined(separator: ", ") + " and \(names.count - 3) more"
    }

    static func size(_ bytes: Double) -> String {
        if bytes >= 1_048_576 { return "\((bytes / 104_857.6).rounded() / 10) MiB" }
        if bytes >= 1024 { return "\(Int((bytes / 1024).rounded())) KiB" }
        return "\(Int(bytes.rounded())) B"
    }
}
