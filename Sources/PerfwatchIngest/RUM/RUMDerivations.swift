public import PerfwatchModel

/// A beacon becomes records (page view, errors, journeys) and metrics tagged `page`, `device`,
/// `release`: `rum.lcp` … `rum.ttfb` (distributions; ms, CLS unitless), `rum.vital.ratings`
/// (counter per vital and rating), `rum.page_views`, `rum.tbt`, `rum.nav.duration` (per
/// `phase`), `rum.resource.bytes` / `rum.resource.count` (per `type`), `rum.errors`.
/// Metric times are the receive time: client clocks are not to be trusted.
public enum RUMDerivations {
    public struct Output: Sendable {
        public var records = RUMRecords()
        public var points = PointBatch()
    }

    /// `rawJSON` is the beacon as received, kept with the page view.
    public static func derive(_ beacon: RUMBeacon, userAgent: String?, receivedMs: Int64, rawJSON: String = "") -> Output {
        let page = beacon.route ?? RouteNormalizer.pattern(forPath: beacon.url)
        let device = DeviceClassifier.classify(userAgent: userAgent, viewportWidth: beacon.viewportWidth)
        let release = beacon.release.isEmpty ? "unknown" : beacon.release
        let context = RUMContext(
            page: page, device: device, release: release, pageViewID: beacon.pageViewID, sessionID: beacon.sessionID,
            receivedMs: receivedMs)
        var output = Output()
        let base = Labels(["page": page, "device": device, "release": release])
        // A page view's series are distinct by construction (metric and extra labels), so they
        // skip the batch's dedupe — hashing every series key was a visible share of a beacon.
        // Errors may repeat a kind within one beacon and are deduplicated.
        func add(
            _ metric: String, _ kind: MetricKind, _ value: Double, unit: String = "", extra: KeyValuePairs<String, String> = [:],
            dedupe: Bool = false
        ) {
            let labels = extra.reduce(base) { $0.adding($1.key, $1.value) }
            let point = MetricPoint(
                series: SeriesKey(metric: metric, labels: labels), kind: kind, unit: unit, sample: Sample(timeMs: receivedMs, value: value))
            if dedupe {
                output.points.append(point)
            } else {
                let series = output.points.addSeries(
                    PointBatch.Series(key: point.series, kind: point.kind, temporality: point.temporality, unit: point.unit))
                output.points.add(series: series, sample: point.sample)
            }
        }
        if beacon.isPageView {
            output.records.pageViews.append(
                RUMPageView(context: context, url: beacon.url, connection: beacon.connection, beaconJSON: rawJSON))
            add("rum.page_views", .counter, 1)
            for (vital, value) in beacon.vitals.sorted(by: { $0.key < $1.key }) {
                add("rum.\(vital)", .distribution, value, unit: vital == "cls" ? "" : "ms")
                add("rum.vital.ratings", .counter, 1, extra: ["vital": vital, "rating": WebVitals.rating(vital, value)])
            }
            if let tbt = beacon.totalBlockingTimeMs { add("rum.tbt", .distribution, tbt, unit: "ms") }
            for (phase, value) in beacon.navigation.sorted(by: { $0.key < $1.key }) {
                add("rum.nav.duration", .distribution, value, unit: "ms", extra: ["phase": phase])
            }
            for type in RUMBeacon.resourceTypes {
                let resource = beacon.resources[type]
                // Every page view counts for every type (0 when none), so averages are per page view.
                add("rum.resource.bytes", .distribution, resource?.transferBytes ?? 0, unit: "bytes", extra: ["type": type])
                add("rum.resource.count", .distribution, resource?.count ?? 0, extra: ["type": type])
            }
        }
        for error in beacon.errors {
            output.records.errors.append(
                RUMError(
                    context: context, fingerprint: fingerprint(error), kind: error.kind, message: error.message, source: error.source,
                    line: error.line, column: error.column, stack: error.stack))
            add("rum.errors", .counter, 1, extra: ["kind": error.kind], dedupe: true)
        }
        for journey in beacon.journeys {
            output.records.journeys.append(
                RUMJourney(
                    id: journey.id, type: journey.type, targetMs: journey.targetMs, startMs: journey.startMs, endMs: journey.endMs,
                    state: journey.state, reason: journey.reason, steps: journey.steps, context: context))
        }
        return output
    }

    /// Same error, same fingerprint: kind, message with numbers folded (ids, counts), source
    /// file and line.
    static func fingerprint(_ error: RUMBeacon.Error) -> String {
        var text = error.kind + "|"
        var inNumber = false
        for scalar in error.message.unicodeScalars {
            if ("0"..."9").contains(scalar) {
                if !inNumber { text += "#" }
                inNumber = true
            } else {
                inNumber = false
                text.unicodeScalars.append(scalar)
            }
        }
        text += "|\(error.source)|\(error.line)"
        return SQLFingerprint.fingerprint(ofNormalized: text)
    }
}
