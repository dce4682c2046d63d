/* Perfwatch dashboard: how an issue is named and shown, for the Issues page and the Overview's
 * top issues panel. */
import { esc, fmtMs, isNum } from './format.js';

// Issue types by their API name. The trend, anomaly, bottleneck, parallelizable and cache hit ratio
// types come from the trend analysis (anomalies show expected vs actual in their title and evidence).
export var TYPES = {
  n_plus_one: 'N+1 queries', slow_query: 'Slow query', regression: 'Regression',
  trend: 'Trend', anomaly: 'Anomaly', bottleneck: 'Bottleneck', parallelizable: 'Sequential calls', cache_hit_ratio: 'Cache hit ratio'
};
var SEVERITY = { critical: 'badge-error', warning: 'badge-warn', info: 'badge-info' };

export function issueLink(id) { return '#/issues/' + encodeURIComponent(id); }

function roundMs(ms) { return ms >= 10 ? Math.round(ms) : Math.round(ms * 10) / 10; }

// "saves ≈ 49 ms per request"; a slow query's impact is per call. An impact that is not time (a throughput or
// error-rate anomaly, bytes an edge change saves) is 0 ms: "—", not "saves ≈ 0 ms" (issue 15 #11).
export function impactText(i) {
  if (!isNum(i.impactMs) || +i.impactMs <= 0) return '—';
  return 'saves ≈ ' + fmtMs(roundMs(+i.impactMs)) + (i.type === 'slow_query' ? ' per call' : ' per request');
}

export function sevBadge(sev) {
  return '<span class="badge iss-sev ' + (SEVERITY[sev] || '') + '" data-severity="' + esc(sev || '') + '">' + esc(sev || 'info') + '</span>';
}

export function statusBadge(st) {
  return '<span class="badge iss-status iss-st-' + esc(st) + '" data-status="' + esc(st) + '">' + esc(st) + '</span>';
}
