import PerfwatchEdgePolicy
public import PerfwatchModel
public import PerfwatchQuery

/// `edge_images` (issue 17): per service behind `perfwatch edge`, the JPEG and PNG images it sends as
/// they came — at least `minBytes` of them in the window — whose sampled AVIF size (`edge.image_sample*`:
/// one in five such responses transcoded on the side, at its own width up to 1920 px) saves at least
/// `minSaving`, from at least `minSamples` images (one picture decides nothing). The proposed image rule
/// covers the directory the images are served from (`/img/*`; a route at the root is named as it is). The
/// weight real browsers load per page comes from RUM when there is any (`rum.resource.bytes`, type image,
/// p75 per page view): the figure a user feels, beside the edge's own bytes.
public struct EdgeImageAnalyzer: Analyzer {
    public var minBytes = 1_048_576.0
    public var minSamples = 3.0
    public var minSaving = 0.25
    let engine: QueryEngine

    public init(engine: QueryEngine) { self.engine = engine }

    public var types: Set<String> { ["edge_images"] }

    static let transformable: Set = ["image/jpeg", "image/png"]

    struct Service {
        var bytes = 0.0
        var sampled = 0.0, avif = 0.0, samples = 0.0
        var routes: [String: Double] = [:]
        var types: [String: Double] = [:]
        var saving: Double { sampled > 0 ? 1 - avif / sampled : 0 }
    }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let bytes = try await engine.table(
            "edge.bytes_out", [.sum], by: ["service", "route", "content_type", "content_encoding"], from: context.from, to: context.to,
            nowMs: context.nowMs)[0]
        var services: [String: Service] = [:]
        for (labels, sum) in bytes {
            let type = labels["content_type"] ?? ""
            guard Self.transformable.contains(type), (labels["content_encoding"] ?? "identity") == "identity" else { continue }
            let service = labels["service"] ?? ""
            services[service, default: Service()].bytes += sum
            services[service]?.routes[labels["route"] ?? "", default: 0] += sum
            services[service]?.types[type, default: 0] += sum
        }
        let sampleBy = ["service", "content_type"]
        let sampled = try await engine.table(
            "edge.image_sample", [.sum], by: sampleBy, from: context.from, to: context.to, nowMs: context.nowMs)[0]
        let counts = try await engine.table(
            "edge.image_samples", [.sum], by: sampleBy, from: context.from, to: context.to, nowMs: context.nowMs)[0]
        let avif = try await engine.table(
            "edge.image_sample_avif", [.sum], by: sampleBy, from: context.from, to: context.to, nowMs: context.nowMs)[0]
        for (labels, sum) in sampled where Self.transformable.contains(labels["content_type"] ?? "") {
            let service = labels["service"] ?? ""
            guard services[service] != nil else { continue }
            services[service]?.sampled += sum
            services[service]?.avif += avif[labels] ?? sum
            services[service]?.samples += counts[labels] ?? 0
        }
        let pageWeight = try await pageImageBytes(context)
        var findings: [PerformanceIssue] = []
        for (service, found) in services.sorted(by: { $0.key < $1.key }) {
            guard found.bytes >= minBytes, found.samples >= minSamples, found.saving >= minSaving else { continue }
            let routes = found.routes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
            let match = Self.match(covering: routes)
            let typeNames = found.types.sorted { $0.value > $1.value }.map { Self.formatName($0.key) }
            let change = EdgePolicyChange(images: [ImageRule(match: match)])
            let saved = found.bytes * found.saving
            var description = "The edge of \(service) sent \(EdgeCompressionAnalyzer.size(found.bytes)) of \(typeNames.joined(separator: " and ")) images in \(EdgeRecommendation.window(context)) (\(routes.prefix(10).joined(separator: ", "))); \(Int(found.samples)) of them transcoded to AVIF at their own width came to \(EdgeCompressionAnalyzer.size(found.avif)) of \(EdgeCompressionAnalyzer.size(found.sampled))."
            var evidence: [(String, String)] = [
                ("match", Format.string(match)), ("contentTypes", "[" + found.types.keys.sorted().map(Format.string).joined(separator: ",") + "]"),
                ("routes", "[" + routes.prefix(50).map(Format.string).joined(separator: ",") + "]"), ("imageBytes", Format.number(found.bytes)),
                ("sampledBytes", Format.number(found.sampled)), ("samples", Format.number(found.samples)),
                ("avifSaving", Format.number(found.saving)), ("expectedBytesSaved", Format.number(saved)),
            ]
            if let (page, p75) = pageWeight {
                description += " Real browsers load \(EdgeCompressionAnalyzer.size(p75)) of images per view of \(page) at p75 (RUM)."
                evidence += [("pageImageBytesP75", Format.number(p75)), ("page", Format.string(page))]
            }
            evidence.append(("policy_change", change.jsonText))
            findings.append(
                PerformanceIssue(
                    fingerprint: "edge_images|\(service)|", type: "edge_images",
                    title: "Images under \(match) are served as \(typeNames.joined(separator: " and ")): AVIF at the same width saves \(EdgeRecommendation.percent(found.saving))",
                    description: description,
                    recommendation: "Serve \(match) as AVIF or WebP by Accept, at the width each page asks for (?w=): about \(EdgeCompressionAnalyzer.size(saved)) less in \(EdgeRecommendation.window(context)), fewer still where pages show them smaller. Applying it publishes: \(change.summary).",
                    severity: found.saving >= 0.5 ? "warning" : "info", service: service, route: "", impactMs: 0,
                    evidence: Format.evidence(evidence)))
        }
        return findings
    }

    /// The page whose views load the most image bytes at p75, and that p75 (RUM); nil without page views.
    func pageImageBytes(_ context: AnalysisContext) async throws -> (String, Double)? {
        let p75 = try await engine.table(
            "rum.resource.bytes", [.percentile(0.75)], by: ["page"], filters: [TagFilter(key: "type", value: "image")], from: context.from,
            to: context.to, nowMs: context.nowMs)[0]
        return p75.filter { $0.value > 0 }.max { $0.value != $1.value ? $0.value < $1.value : ($0.key["page"] ?? "") > ($1.key["page"] ?? "") }
            .map { ($0.key["page"] ?? "", $0.value) }
    }

    /// The directory most of the image bytes are served from, as a glob (`/img/*`); a route directly under
    /// the root is named as it is (a glob `/*` would cover the whole site).
    public static func match(covering routes: [String]) -> String {
        guard let first = routes.first else { return "/*" }
        guard let slash = first.lastIndex(of: "/"), slash != first.startIndex else { return first }
        return String(first[...slash]) + "*"
    }

    static func formatName(_ type: String) -> String { type == "image/png" ? "PNG" : "JPEG" }
}
