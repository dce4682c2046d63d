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
        // Built only when needed: a cached template or a beacon without errors does without.
        let base = { Labels(sortedPairs: [("device", device), ("page", page), ("release", release)]) }
        if beacon.isPageView {
            output.records.pageViews.append(
                RUMPageView(context: context, url: beacon.url, connection: beacon.connection, beaconJSON: rawJSON))
            let template = RUMSeriesTemplates.shared.template(page: page, device: device, release: release, base: base())
            // The template's series array itself, shared: entries name slots, nothing is copied,
            // and the pipeline maps a template's series once per commit, not once per beacon.
            output.points = PointBatch(sharedSeries: template.series)
            output.points.reserveCapacity(entries: 32)
            func add(_ slot: Int, _ value: Double) {
                output.points.add(series: Int32(slot), sample: Sample(timeMs: receivedMs, value: value))
            }
            add(RUMSeriesTemplate.pageViews, 1)
            for (v, value) in beacon.vitalValues.enumerated() {
                guard let value else { continue }
                add(RUMSeriesTemplate.vital(v), value)
                add(RUMSeriesTemplate.rating(v, WebVitals.ratingIndex(v, value)), 1)
            }
            if let tbt = beacon.totalBlockingTimeMs { add(RUMSeriesTemplate.totalBlockingTime, tbt) }
            for (phase, value) in beacon.navigationValues.enumerated() {
                if let value { add(RUMSeriesTemplate.navigation(phase), value) }
            }
            // Every page view counts for every type (0 when none), so averages are per page view.
            for (type, resource) in beacon.resourceValues.enumerated() {
                add(RUMSeriesTemplate.resourceBytes(type), resource?.transferBytes ?? 0)
                add(RUMSeriesTemplate.resourceCount(type), resource?.count ?? 0)
            }
        }
        let errorLabels = beacon.errors.isEmpty ? nil : base()
        for error in beacon.errors {
            output.records.errors.append(
                RUMError(
                    context: context, fingerprint: fingerprint(error), kind: error.kind, message: error.message, source: error.source,
                    line: error.line, column: error.column, stack: error.stack))
            // Errors may repeat a kind within one beacon: the batch dedupes their series.
            output.points.append(
                MetricPoint(
                    series: SeriesKey(metric: "rum.errors", labels: errorLabels!.adding("kind", error.kind)), kind: .counter,
                    sample: Sample(timeMs: receivedMs, value: 1)))
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
