/// Two load-test runs compared request by request: for every request name present in both
/// reports (and `all`, the run's total), the `ComparisonStatistics` of their histograms.
/// `GET /api/v1/load-runs/compare` answers with `compare(baseline:candidate:)`.
public enum LoadRunComparison {
    /// One request name's comparison; `all` is the run's total.
    public struct Entry: Sendable, Equatable, Encodable {
        public var name: String
        public var comparison: ComparisonStatistics.Result
    }

    /// Per request name of the baseline that the candidate also has, in the baseline's order,
    /// then `all`.
    public static func compare(baseline: LoadRunHistograms, candidate: LoadRunHistograms) -> [Entry] {
        let candidateByName = Dictionary(candidate.named, uniquingKeysWith: { first, _ in first })
        return baseline.named.compactMap { name, buckets in
            candidateByName[name].map { Entry(name: name, comparison: ComparisonStatistics.compare(baseline: buckets, candidate: $0)) }
        }
    }
}

/// The latency histograms of one load-run report (docs/formats/load-run.md), the part of it a
/// comparison reads. Decoding is lenient, as reports of older versions may lack histograms: a
/// request without a name is skipped, a missing or malformed histogram is empty.
public struct LoadRunHistograms: Sendable, Equatable, Decodable {
    public struct Request: Sendable, Equatable {
        public var name: String
        public var histogram: [ComparisonStatistics.Bucket]

        public init(name: String, histogram: [ComparisonStatistics.Bucket]) {
            self.name = name
            self.histogram = histogram
        }
    }

    public var requests: [Request]
    /// The histogram of every request of the run; nil when the report has no `total`.
    public var total: [ComparisonStatistics.Bucket]?

    public init(requests: [Request], total: [ComparisonStatistics.Bucket]?) {
        self.requests = requests
        self.total = total
    }

    /// Per request name, then `all` for the total.
    var named: [(String, [ComparisonStatistics.Bucket])] {
        requests.map { ($0.name, $0.histogram) } + (total.map { [("all", $0)] } ?? [])
    }

    enum CodingKeys: String, CodingKey { case requests, total, name, histogram }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requests = ((try? container.decode([LenientRequest].self, forKey: .requests)) ?? []).compactMap(\.request)
        total = (try? container.nestedContainer(keyedBy: CodingKeys.self, forKey: .total)).map(Self.histogram(in:))
    }

    static func histogram(in object: KeyedDecodingContainer<CodingKeys>) -> [ComparisonStatistics.Bucket] {
        ComparisonStatistics.buckets((try? object.decode([[UInt64]].self, forKey: .histogram)) ?? [])
    }

    /// One element of `requests`: nil when it is not an object with a name. Never fails, so
    /// one odd element does not lose the others.
    private struct LenientRequest: Decodable {
        let request: Request?

        init(from decoder: any Decoder) throws {
            guard let object = try? decoder.container(keyedBy: CodingKeys.self), let name = try? object.decode(String.self, forKey: .name) else {
                request = nil
                return
            }
            request = Request(name: name, histogram: LoadRunHistograms.histogram(in: object))
        }
    }
}
