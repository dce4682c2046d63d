/* Perfwatch dashboard: what the APM pages (routes, route, traces, trace, database) share: their
 * links, the request rate of a routes table, the trace rows and the "send OTLP" help. */
import { esc, isNum, fmtMs, fmtInt, fmtWhen } from './format.js';
import { failRow } from './dom.js';
import { pageLink } from './router.js';

export function routeLink(service, route) { return pageLink('route', [['service', service], ['route', route]]); }
export function traceLink(id) { return pageLink('trace/' + encodeURIComponent(id)); }

// The API rounds rps to 0.001; recompute so quiet routes do not show 0/s.
export function withRps(res) {
  var sec = (res.to - res.from) / 1000, list = res.routes || [];
  list.forEach(function (r) { if (sec > 0 && isNum(r.requests)) r.rps = r.requests / sec; });
  return list;
}

// A metric of the user's own apps, not Perfwatch's or the host's own (system.*, process.*, perfwatch.*): what
// tells a server that has received app data from a fresh one (Explore's default, the Overview's first steps).
export function isAppMetric(m) { return !/^(system|process|perfwatch)\./.test(m.name); }

export function otlpHelp(what) {
  return '<p>' + what + ' Point any OpenTelemetry SDK at this server (OTLP over HTTP, protobuf or JSON):</p>' +
    '<pre>OTEL_EXPORTER_OTLP_ENDPOINT=' + esc(location.origin) + '\nOTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\n' +
    'OTEL_SERVICE_NAME=my-service</pre><p>or send a sample workload (a small web app with a database):</p>' +
    '<pre>perfwatch demo --server ' + esc(location.origin) + '</pre>';
}

export function durBar(v, max) {
  return '<span class="dur-bar"><i style="width:' + (max ? (v / max * 100).toFixed(1) : 0) + '%"></i></span><span class="num">' + esc(fmtMs(v)) + '</span>';
}

export function traceRows(tbody, traces, emptyText) {
  if (!traces.length) return failRow(tbody, 5, emptyText);
  var max = 0;
  traces.forEach(function (t) { if (t.durationMs > max) max = t.durationMs; });
  tbody.innerHTML = traces.map(function (t) {
    var href = traceLink(t.traceId);
    return '<tr class="trace-row' + (t.error ? ' is-error' : '') + '" data-trace-id="' + esc(t.traceId) + '" data-href="' + esc(href) + '">' +
      '<td class="txt">' + esc(fmtWhen(t.startTime)) + '</td>' +
      '<td class="txt"><a class="trace-link" href="' + esc(href) + '">' + esc(t.name || t.route || t.traceId) + '</a>' +
      '<span class="sub">' + esc(t.service) + ' · ' + esc(t.traceId.slice(0, 12)) + '…</span></td>' +
      '<td>' + durBar(t.durationMs, max) + '</td>' +
      '<td>' + fmtInt(t.spanCount) + '</td>' +
      '<td class="txt">' + (t.error ? '<span class="badge badge-error">error</span>' : '<span class="badge badge-ok">ok</span>') + '</td></tr>';
  }).join('');
}

