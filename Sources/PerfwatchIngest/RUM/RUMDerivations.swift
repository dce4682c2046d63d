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
            // About thirty points: one allocation each instead of the arrays doubling five times.
            output.points.reserveCapacity(series: 32, entries: 32)
            func add(_ series: PointBatch.Series, _ value: Double) {
                output.points.add(series: output.points.addSeries(series), sample: Sample(timeMs: receivedMs, value: value))
            }
            add(template.pageViews, 1)
            for vital in RUMBeacon.vitalNames {
                guard let value = beacon.vitals[vital], let series = template.vitals[vital] else { continue }
                add(series.value, value)
                if let rating = series.ratings[WebVitals.rating(vital, value)] { add(rating, 1) }
            }
            if let tbt = beacon.totalBlockingTimeMs { add(template.totalBlockingTime, tbt) }
            for phase in RUMBeacon.navigationPhases {
                guard let value = beacon.navigation[phase], let series = template.navigation[phase] else { continue }
                add(series, value)
            }
            for type in RUMBeacon.resourceTypes {
                let resource = beacon.resources[type]
                // Every page view counts for every type (0 when none), so averages are per page view.
                if let bytes = template.resourceBytes[type] { add(bytes, resource?.transferBytes ?? 0) }
                if let count = template.resourceCount[type] { add(count, resource?.count ?? 0) }
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
