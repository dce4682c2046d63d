/* Perfwatch dashboard: the route page's "Where the time goes" panel: critical-path time by category
 * (database, outbound HTTP, cache, own code) over the route's slowest traces as one stacked bar, the
 * top operations, the slowest trace's critical path and the cache hit ratio.
 * API: GET /api/v1/routes/bottlenecks. */
import { api, errorText } from './api.js';
import { traceLink } from './apm.js';
import { $ } from './dom.js';
import { esc, fmtMs, isNum } from './format.js';
import { current, timeWindow } from './router.js';

var CATEGORY = {
  database: ['Database', '#2563eb'], http: ['Outbound HTTP', '#9333ea'], cache: ['Cache', '#0891b2'], self: ['Own code', '#94a3b8']
};

function bottleneckHtml(b) {
  if (!b.traces || !b.breakdown || !b.breakdown.length) return '<div class="muted">No traces for this route in this time range</div>';
  var parts = b.breakdown.filter(function (s) { return s.share > 0.001; });
  var bar = '<div class="bn-bar" role="img" aria-label="' + esc(parts.map(function (s) {
    return CATEGORY[s.category][0] + ' ' + Math.round(s.share * 100) + '%';
  }).join(', ')) + '">' + parts.map(function (s) {
    var c = CATEGORY[s.category] || [s.category, '#999'];
    return '<span class="bn-seg" data-category="' + esc(s.category) + '" style="width:' + (s.share * 100).toFixed(2) + '%;background:' + c[1] +
      '" title="' + esc(c[0] + ': ' + fmtMs(s.ms) + ' (' + Math.round(s.share * 100) + '%)') + '"></span>';
  }).join('') + '</div>';
  var legend = '<div class="bn-legend">' + parts.map(function (s) {
    var c = CATEGORY[s.category] || [s.category, '#999'];
    return '<span class="bn-key" data-category="' + esc(s.category) + '"><i style="background:' + c[1] + '"></i>' + esc(c[0]) + ' <b>' +
      Math.round(s.share * 100) + '%</b> · ' + esc(fmtMs(s.ms)) + '</span>';
  }).join('') + '</div>';
  var ops = '<table class="kv bn-ops"><tbody>' + (b.topOperations || []).map(function (o) {
    return '<tr data-category="' + esc(o.category) + '"><th>' + esc(o.name) + '</th><td>' + esc(fmtMs(o.ms)) + ' per request</td></tr>';
  }).join('') + '</tbody></table>';
  var path = b.criticalPath ? '<p class="muted bn-path">Critical path of the slowest trace (<a href="' +
    esc(traceLink(b.criticalPath.traceId)) + '">' + esc(b.criticalPath.traceId.slice(0, 12)) + '…</a>): ' +
    b.criticalPath.segments.filter(function (s) { return s.ms >= 0.5; }).map(function (s) {
      return esc(s.name) + ' ' + esc(fmtMs(s.ms));
    }).join(' → ') + '</p>' : '';
  var cache = b.cache && isNum(b.cache.hitRatio) ? '<p class="muted bn-cache">Cache hit ratio ' + Math.round(b.cache.hitRatio * 100) + '% (' +
    b.cache.hits + ' hits, ' + b.cache.misses + ' misses)</p>' : '';
  return '<p class="muted">' + b.traces + ' slowest traces, mean ' + esc(fmtMs(b.meanMs)) + '</p>' + bar + legend + ops + path + cache;
}

export function refreshBottleneckPanel(ctx, service, route) {
  var w = timeWindow(90), box = $('route-bottleneck');
  if (!route) { box.innerHTML = '<div class="muted">No route selected</div>'; return null; }
  var pairs = [['route', route], ['service', service], ['from', w.from], ['to', w.to]];
  return api('/api/v1/routes/bottlenecks', pairs).then(function (res) {
    if (current(ctx)) box.innerHTML = bottleneckHtml(res);
  }, function (e) {
    ctx.errors.push(errorText('Bottlenecks', e));
    if (current(ctx)) box.innerHTML = '<div class="muted">Failed to load</div>';
  });
}
